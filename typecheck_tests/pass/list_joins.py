"""`sd.stack`/`sd.concat` of a list held in a variable (steps collected in a loop, chunks of a
batch): its length is not known, so the count (stack) or the sum along the axis (concat) is
`Dyn`, and every other size is the one all its tensors have."""

# fmt: off
from __future__ import annotations

from typing import Any, Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Dyn, Size, Tape, Tensor, Traced, f32, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
H = TypeVar("H", bound=Dim)
TT = TypeVar("TT", bound=Tape)


class Cell(nn.Module, Generic[H]):
    def __init__(self, inp: int, hidden: Size[H]) -> None:
        super().__init__()
        self.ih = nn.Linear(inp, hidden)
        self.hh = nn.Linear(hidden, hidden)
        self.hidden = hidden

    def forward(self, x: Tensor[tuple[B, T, Any], f32, TT]) -> Tensor[tuple[B, Dyn, H], f32, TT]:
        b, t, _ = x.shape
        h = sd.zeros((b, self.hidden))
        steps = []
        for i in range(t):
            h = (self.ih(x[:, i]) + self.hh(h)).tanh()
            steps.append(h)
        out = sd.stack(steps, axis=1)
        assert_type(out, Tensor[tuple[B, Dyn, H], f32, TT])
        return out

    __call__ = forward


seq = Cell(4, 8)(sd.randn((2, 5, 4)).traced())
assert_type(seq, Tensor[tuple[Const[2], Dyn, Const[8]], f32, Traced])
assert seq.shape == (2, 5, 8)

chunks = [sd.randn((3, 16)) for _ in range(4)]
rows = sd.concat(chunks, axis=0)
assert_type(rows, Tensor[tuple[Dyn, Const[16]], f32])
assert rows.shape == (12, 16)
proj: Tensor[tuple[Dyn, Const[4]], f32] = rows @ sd.randn((16, 4))
assert proj.shape == (12, 4)
