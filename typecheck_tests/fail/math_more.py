"""More elementwise math, tests of values, products and draws (branch ops): a rule that refuses
is a `[shape]` error; a unary rule never refuses, so its precise result makes a wrong
annotation an error."""

# fmt: off
from __future__ import annotations

from typing import TypeVar

import shapedl as sd
from shapedl import Tensor

x = sd.zeros((3, 4))
y = sd.ones((5,))
sd.atan2(x, y)  # E: [shape] atan2: shapes (3, 4) and (5,): cannot broadcast 4 against 5 at axis -1  # op: atan2
x.prod(axis=2)  # E: [shape] prod: shape (3, 4): axis 2 is out of range for rank 2  # op: prod
x.count_nonzero(axis=-3)  # E: [shape] count_nonzero: shape (3, 4): axis -3 is out of range for rank 2  # op: count_nonzero
sd.outer(x, y)  # E: [shape] outer: shapes (3, 4) and (5,): a must be 1-d, not 2-d; flatten it: a.flatten()  # op: outer
sd.multinomial(y, 6)  # E: [shape] multinomial: shape (5,): cannot draw 6 samples from 5 categories without replacement; pass replacement=True  # op: multinomial
sd.multinomial(sd.ones((2, 3, 4)), 1)  # E: [shape] multinomial: shape (2, 3, 4): probs must be 1-d or 2-d, not 3-d
sd.randint(0, 3, (2, -1))  # E: [shape] randint: size -1 at axis 1 of (2, -1) is negative  # op: randint
sd.linspace(0, 1, -2)  # E: [shape] linspace: size -2 at axis 0 of (-2,) is negative  # op: linspace

B = TypeVar("B", bound=sd.Dim)
T = TypeVar("T", bound=sd.Dim)


def unary(z: Tensor[tuple[B]], other: Tensor[tuple[T]]) -> None:
    w1: Tensor[tuple[T]] = z.log1p()  # E: [assignment]  # op: log1p
    w2: Tensor[tuple[T]] = z.expm1()  # E: [assignment]  # op: expm1
    w3: Tensor[tuple[T]] = z.erf()  # E: [assignment]  # op: erf
    w4: Tensor[tuple[T]] = z.rsqrt()  # E: [assignment]  # op: rsqrt
    w5: Tensor[tuple[T]] = z.log2()  # E: [assignment]  # op: log2
    w6: Tensor[tuple[T]] = z.log10()  # E: [assignment]  # op: log10
    w7: Tensor[tuple[T]] = z.sinh()  # E: [assignment]  # op: sinh
    w8: Tensor[tuple[T]] = z.cosh()  # E: [assignment]  # op: cosh
    w9: Tensor[tuple[T]] = z.asin()  # E: [assignment]  # op: asin
    w10: Tensor[tuple[T]] = z.acos()  # E: [assignment]  # op: acos
    w11: Tensor[tuple[T]] = z.atan()  # E: [assignment]  # op: atan
    w12: Tensor[tuple[T]] = z.floor()  # E: [assignment]  # op: floor
    w13: Tensor[tuple[T]] = z.ceil()  # E: [assignment]  # op: ceil
    w14: Tensor[tuple[T]] = z.trunc()  # E: [assignment]  # op: trunc
    w15: Tensor[tuple[T]] = z.round()  # E: [assignment]  # op: round
    w16: Tensor[tuple[T]] = z.sign()  # E: [assignment]  # op: sign
    w17: Tensor[tuple[T]] = z.clone()  # E: [assignment]  # op: clone
    w18: Tensor[tuple[T]] = z.nan_to_num()  # E: [assignment]  # op: nan_to_num
    w19: Tensor[tuple[T], sd.bool_] = z.isnan()  # E: [assignment]  # op: isnan
    w20: Tensor[tuple[T], sd.bool_] = z.isinf()  # E: [assignment]  # op: isinf
    w21: Tensor[tuple[T], sd.bool_] = z.isfinite()  # E: [assignment]  # op: isfinite
    w22: Tensor[tuple[B]] = z.isnan()  # E: [assignment]
    w23: Tensor[tuple[T]] = sd.zeros_like(z)  # E: [arg-type]
    w24: Tensor[tuple[B], sd.f32, sd.Traced] = z.clone()  # E: [assignment]
