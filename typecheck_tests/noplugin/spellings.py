"""Without the plugin, in mypy and pyright alike: `Const[10]` is valid everywhere (aliases too),
`Dyn` is consistent with every size in both directions, and a known mismatch is still one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, assert_type

from shapedl import Const, Dim, Dyn, NoTape, Rank2, Tensor, f32

B = TypeVar("B", bound=Dim)

# ---- the spellings of the README, in annotations and in aliases -----------------------------
Image = Tensor[tuple[B, Const[3], Const[32], Const[32]]]
Matrix = Tensor[Rank2[Const[3], Const[4]]]


def image(x: Image[B]) -> Tensor[tuple[B, Const[3], Const[32], Const[32]], f32, NoTape]:
    return x


def matrix(x: Matrix) -> Tensor[tuple[Const[3], Const[4]]]:
    return x


# ---- Dyn and Const meet in both directions at every boundary ----------------------------------
def known(x: Tensor[tuple[Const[32], Const[64]]]) -> Tensor[tuple[Dyn, Const[64]]]:
    return x  # a Const where Dyn is declared


def unknown(x: Tensor[tuple[Dyn, Const[64]]]) -> Tensor[tuple[Const[32], Const[64]]]:
    return x  # and back: the run time checks it


def takes(x: Tensor[tuple[Dyn, Const[64]]]) -> None: ...


def passes(x: Tensor[tuple[Const[32], Const[64]]], y: Tensor[tuple[Dyn, Dyn]]) -> None:
    takes(x)
    takes(y)
    z: Tensor[tuple[Const[8], Const[64]]] = y
    assert_type(z, Tensor[tuple[Const[8], Const[64]], f32, NoTape])


@dataclass
class Holder(Generic[B]):
    batch: Tensor[tuple[B, Const[64]]]
    rows: Tensor[tuple[Dyn, Const[64]]]


def holds(x: Tensor[tuple[Const[32], Const[64]]], y: Tensor[tuple[Dyn, Const[64]]]) -> None:
    Holder(x, x)
    Holder(y, x).rows = x
    assert_type(Holder(x, y).batch, Tensor[tuple[Const[32], Const[64]], f32, NoTape])


# ---- what is known still disagrees ------------------------------------------------------------
def wrong(x: Tensor[tuple[Dyn, Const[32]]]) -> None:
    takes(x)  # E: [arg-type] Argument 1 to "takes" has incompatible type
