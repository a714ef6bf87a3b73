"""`is_float`, the one float-dtype predicate, against the definition it replaced."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

from shapedl.backend import is_float

DTYPES = [
    *("float16 float32 float64 longdouble >f8 <f4".split()),
    *("int8 int32 int64 uint8 bool complex64 complex128 U3 S2 V4 object".split()),
    ml_dtypes.bfloat16,
    [("a", "f4"), ("b", "i8")],
]


@pytest.mark.parametrize("spelling", DTYPES, ids=str)
def test_is_float_is_numpy_float_kind_or_bfloat16(spelling: Any) -> None:
    dtype = np.dtype(spelling)
    assert is_float(dtype) == (dtype.kind == "f" or dtype.name == "bfloat16")
