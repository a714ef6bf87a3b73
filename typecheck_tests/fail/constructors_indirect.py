"""Modules and layers built indirectly are still checked: a literal `super().__init__(...)`
gives that the base's type arguments rule out, and a layer made through `functools.partial`
whose bound arguments and call's arguments together do not fit, or whose output does not."""

# fmt: off
from __future__ import annotations

from functools import partial
from typing import Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Size, nn

D = TypeVar("D", bound=Dim)


class Block(nn.Module, Generic[D]):
    def __init__(self, d: Size[D]) -> None:
        self.fc = nn.Linear(d, d)


class Block8(Block[Const[8]]):
    def __init__(self) -> None:
        super().__init__(9)  # E: [arg-type] Argument 1 to "__init__" of "Block" has incompatible type "int"; expected "Size[Literal[8]]"


class Block4(Block[Const[4]]):
    def __init__(self) -> None:
        super().__init__(d=5)  # E: [arg-type] Argument "d" to "__init__" of "Block" has incompatible type "int"; expected "Size[Literal[4]]"


class Fixed(Block[D]):
    def __init__(self) -> None:
        super().__init__(8)  # E: [arg-type] Argument 1 to "__init__" of "Block" has incompatible type "int"; expected "Size[D]"


same_conv = partial(nn.Conv2d, padding=1)
y = same_conv(1, 4, 3)(sd.randn((2, 1, 8, 8)))
nn.Linear(4 * 6 * 6, 10)(y.flatten(1))  # E: [shape] Linear: shapes (2, 256) and (10, 144)
pool = partial(nn.MaxPool2d, stride=1)(2)
nn.Linear(4 * 4 * 4, 10)(pool(sd.randn((2, 4, 8, 8))).flatten(1))  # E: [shape] Linear: shapes (2, 196) and (10, 64)
grouped = partial(nn.Conv2d, 3, groups=2)
grouped(4, 3)  # E: [shape] Conv2d: in_channels=3 and out_channels=4 must both be divisible by groups=2
partial(nn.MultiHeadAttention, num_heads=5)(12)  # E: [shape] MultiHeadAttention: embed_dim=12 must be divisible by num_heads=5
partial(nn.Conv2d, 1, padding=1)(4, 3)(sd.randn((2, 3, 8, 8)))  # E: [shape] conv2d: shapes (2, 3, 8, 8) and (4, 1, 3, 3)
