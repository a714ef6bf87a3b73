"""A size parameter with an int default (`stride: Size[S] = 1`, d2l's blocks): no error at the
default, and a call that leaves it out binds it to the default."""

# fmt: off
from __future__ import annotations

from typing import Generic, TypeVar, reveal_type

import shapedl as sd
from shapedl import Dim, Size, nn

C = TypeVar("C", bound=Dim)
S = TypeVar("S", bound=Dim)
K = TypeVar("K", bound=Dim)


class Down(nn.Module, Generic[C, S]):
    def __init__(self, c: Size[C], stride: Size[S] = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=stride, padding=1)


def kernel(k: Size[K] = 3) -> Size[K]:
    return k


reveal_type(Down(8))  # R: Down[Literal[8], Literal[1]]
reveal_type(Down(8, 2))  # R: Down[Literal[8], Literal[2]]
reveal_type(Down(8).conv(sd.zeros((1, 8, 16, 16))))  # R: Tensor[tuple[Literal[1], Literal[8], Literal[16], Literal[16]], f32, NoTape]
reveal_type(kernel())  # R: Size[Literal[3]]


class Two(nn.Module, Generic[C, K]):
    """A pair of sizes in one parameter (d2l's Inception: `c2=(96, 128)`)."""

    def __init__(self, c: tuple[Size[C], Size[K]]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c[0], c[1], kernel_size=1)


reveal_type(Two((3, 4)))  # R: Two[Literal[3], Literal[4]]
reveal_type(Two((3, 4)).conv(sd.zeros((1, 3, 5, 5))))  # R: Tensor[tuple[Literal[1], Literal[4], Literal[5], Literal[5]], f32, NoTape]
