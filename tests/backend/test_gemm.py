"""`backend/gemm.py`'s plans: NumPy's `matmul` of strided operands as one column-major
strided-batched GEMM (what cuBLAS computes), checked on the CPU by computing that GEMM from
the plan's numbers alone over the operands' memory, against `torch.matmul`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import as_strided

from shapedl.backend.gemm import _N, Plan, plan

pytestmark = pytest.mark.cpu_only("plans, computed with NumPy")


def _offset(view: np.ndarray, base: np.ndarray) -> int:
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return start // base.itemsize


def _column_major(base: np.ndarray, at: int, rows: int, cols: int, ld: int) -> np.ndarray:
    assert ld >= max(rows, 1), (ld, rows)  # NOTE: what cuBLAS requires of a leading dimension
    item = base.itemsize
    return as_strided(base[at:], shape=(rows, cols), strides=(item, ld * item))


def _gemm(p: Plan, a: np.ndarray, a_base: np.ndarray, b: np.ndarray, b_base: np.ndarray) -> Any:
    """What `cublasGemmStridedBatchedEx(op_b, op_a, m, n, k, B, ldb, sb, A, lda, sa, C, m)`
    writes: C^T (m x n) column-major, that is C (n x m) row-major, for each batch."""
    out = np.zeros((p.batch, p.n, p.m), dtype=a.dtype)
    for i in range(p.batch):
        rb, cb = (p.m, p.k) if p.op_b == _N else (p.k, p.m)
        bm = _column_major(b_base, _offset(b, b_base) + i * p.stride_b, rb, cb, p.ldb)
        ra, ca = (p.k, p.n) if p.op_a == _N else (p.n, p.k)
        am = _column_major(a_base, _offset(a, a_base) + i * p.stride_a, ra, ca, p.lda)
        op_b = bm if p.op_b == _N else bm.T
        op_a = am if p.op_a == _N else am.T
        out[i] = (op_b @ op_a).T
    return out


def _check(a: np.ndarray, a_base: np.ndarray, b: np.ndarray, b_base: np.ndarray) -> None:
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    item = a.itemsize
    found, copy_a, copy_b = plan(
        a.shape, tuple(s // item for s in a.strides), b.shape, tuple(s // item for s in b.strides)
    )
    if found is None:
        if copy_a:
            a = np.ascontiguousarray(a)
            a_base = a.reshape(-1)
        if copy_b:
            b = np.ascontiguousarray(b)
            b_base = b.reshape(-1)
        found, _, _ = plan(
            a.shape, tuple(s // item for s in a.strides), b.shape,
            tuple(s // item for s in b.strides),
        )  # fmt: skip
    assert found is not None
    got = _gemm(found, a, a_base, b, b_base).reshape(batch + (a.shape[-2], b.shape[-1]))
    want = torch.matmul(torch.from_numpy(np.array(a)), torch.from_numpy(np.array(b))).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _base(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n)


Layout = Callable[[np.ndarray], np.ndarray]
LAYOUTS: dict[str, tuple[tuple[int, ...], Layout]] = {
    # name: (the base's shape, how the operand is viewed from it)
    "contiguous": ((2, 3, 4), lambda x: x),
    "transposed": ((2, 4, 3), lambda x: x.swapaxes(-1, -2)),
    "row slice (ld > cols)": ((2, 3, 7), lambda x: x[..., 1:5]),
    "column slice of a transpose": ((2, 7, 3), lambda x: x[:, 2:6, :].swapaxes(-1, -2)),
    "batch stepping two": ((4, 3, 4), lambda x: x[::2]),
    "batch axes swapped": ((3, 2, 3, 4), lambda x: x.swapaxes(0, 1)[:, :2]),
    "every other column": ((2, 3, 8), lambda x: x[..., ::2]),
    "reversed rows": ((2, 3, 4), lambda x: x[:, ::-1]),
    "one row": ((2, 1, 4), lambda x: x),
    "one row of a transpose": ((2, 4, 5), lambda x: x.swapaxes(-1, -2)[:, 1:2]),
    "one column": ((2, 3, 1), lambda x: x),
}


def _operands(left: str, right: str) -> tuple[np.ndarray, ...]:
    """Views of two random buffers laid out as named, cut to shapes that multiply."""
    (ashape, aview), (bshape, bview) = LAYOUTS[left], LAYOUTS[right]
    a_base, b_base = _base(int(np.prod(ashape)), 0), _base(int(np.prod(bshape)), 1)
    a = aview(a_base.reshape(ashape))
    b = bview(b_base.reshape(bshape))
    inner = min(a.shape[-1], b.shape[-2])
    return a[..., :inner], a_base, b[..., :inner, :], b_base


PAIRS = [
    (left, right)
    for left in LAYOUTS
    for right in LAYOUTS
    if _operands(left, right)[0].shape[:-2] == _operands(left, right)[2].shape[:-2]
]


@pytest.mark.parametrize(("left", "right"), PAIRS)
def test_every_layout_pair(left: str, right: str) -> None:
    _check(*_operands(left, right))


@pytest.mark.parametrize(
    ("ashape", "bshape"),
    [((5, 3), (2, 4, 3, 6)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (4, 2)), ((1, 3, 4), (3, 4, 1))],
)
def test_broadcast_batches(ashape: tuple[int, ...], bshape: tuple[int, ...]) -> None:
    a_base, b_base = _base(int(np.prod(ashape)), 2), _base(int(np.prod(bshape)), 3)
    _check(a_base.reshape(ashape), a_base, b_base.reshape(bshape), b_base)


def test_a_layout_without_one_stride_asks_for_a_copy() -> None:
    x = _base(2 * 3 * 8, 4).reshape(2, 3, 8)[..., ::2]
    assert plan(x.shape, (24, 8, 2), (2, 4, 5), (20, 5, 1))[1:] == (True, False)
    swapped = _base(3 * 2 * 3 * 4, 5).reshape(3, 2, 3, 4).swapaxes(0, 1)
    strides = tuple(s // 8 for s in swapped.strides)
    assert plan((2, 3, 4, 4), (48, 16, 4, 1), swapped.shape, strides)[1:] == (False, True)
