"""Fused CuPy kernels for the hot steps of a training step on CUDA (issue 13).

On an H200 each CuPy call costs 18-33 us of Python before its kernel starts, and a GPT step
made 671 kernels where PyTorch's made 369 (`probe` of the session's note): the step waits for
the host. Each kernel here does in one launch what an op's array formula does in several:

- `relu_grad`: ReLU's backward, `g` where `x > 0` (the formula: a comparison, a negation and
  a product);
- `gelu_tanh`, `gelu_erf` and their `_grad`s: GELU's forward and backward (the formula: 8 to
  10 kernels each way);
- `max_pool2d` and `max_pool2d_grad`: the max over each window with PyTorch's choice of the
  maximum (the first, or the last NaN) and its backward, which sums each input cell's share
  over the windows that chose it (the formula: 6 kernels per cell of the window forward, 2
  backward);
- `ln_sqdev`, `ln_forward`, `ln_grad_parts`, `ln_grad_input`: layer norm's elementwise
  steps between CuPy's row sums (4 kernels forward and 6 backward; the formula: 11 and 17);
- `adam`: Adam's and AdamW's update of the flat parameters and moments (the formula: 11).

Each has the same arithmetic as the op's formula, which NumPy runs, and CUDA for the dtypes
without a kernel (only float32 and float64 have them). A kernel that does not compile (another
CUDA, another CuPy) warns once (`FusedKernelWarning`) and its op goes back to its formula.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from shapedl.backend.base import Array

__all__ = ["FusedKernelWarning", "Kernel", "get", "run"]


class FusedKernelWarning(UserWarning):
    """A fused CuPy kernel did not compile here; its op runs its array formula instead."""


def _c(value: float) -> str:
    return repr(float(value))


_POOL = (
    "int32 H, int32 W, int32 Ho, int32 Wo, int32 KH, int32 KW, int32 SH, int32 SW, int32 PH, "
    "int32 PW"
)

# name: (inputs, outputs, body); `T` is the arrays' dtype, `i` the index of the element
SPECS: dict[str, tuple[str, str, str]] = {
    "relu_grad": ("T g, T x", "T dx", "dx = x <= (T)0 ? (T)0 : g"),
    "gelu_tanh": (
        "T a",
        "T y",
        f"""
        const T t = tanh((T){_c(math.sqrt(2 / math.pi))} * (a + (T)0.044715 * a * a * a));
        y = (T)0.5 * a * ((T)1 + t);
        """,
    ),
    "gelu_tanh_grad": (
        "T g, T a",
        "T dx",
        f"""
        const T c = (T){_c(math.sqrt(2 / math.pi))};
        const T t = tanh(c * (a + (T)0.044715 * a * a * a));
        const T slope = c * ((T)1 + (T){_c(3 * 0.044715)} * a * a);
        dx = g * ((T)0.5 * ((T)1 + t) + (T)0.5 * a * ((T)1 - t * t) * slope);
        """,
    ),
    "gelu_erf": (
        "T a",
        "T y",
        f"y = a * ((T)0.5 * ((T)1 + erf(a * (T){_c(math.sqrt(0.5))})));",
    ),
    "gelu_erf_grad": (
        "T g, T a",
        "T dx",
        f"""
        const T cdf = (T)0.5 * ((T)1 + erf(a * (T){_c(math.sqrt(0.5))}));
        dx = g * (cdf + a * ((T){_c(1 / math.sqrt(2 * math.pi))} * exp((T)-0.5 * a * a)));
        """,
    ),
    # NOTE: over the outputs (N, C, Ho, Wo); a cell of the padding or past the input never wins
    "max_pool2d": (
        f"raw T x, {_POOL}",
        "T y, int32 best",
        """
        const ptrdiff_t plane = (ptrdiff_t)Ho * Wo;
        const ptrdiff_t nc = i / plane;
        const int r = (int)(i - nc * plane);
        const int oh = r / Wo, ow = r - (r / Wo) * Wo;
        const ptrdiff_t image = nc * H * W;
        bool found = false;
        T m = 0;
        int b = 0;
        for (int kh = 0; kh < KH; ++kh) {
            const int h = oh * SH - PH + kh;
            if (h < 0 || h >= H) continue;
            for (int kw = 0; kw < KW; ++kw) {
                const int w = ow * SW - PW + kw;
                if (w < 0 || w >= W) continue;
                const T v = x[image + (ptrdiff_t)h * W + w];
                if (!found || v > m || isnan(v)) {
                    m = v;
                    b = kh * KW + kw;
                    found = true;
                }
            }
        }
        y = m;
        best = b;
        """,
    ),
    # NOTE: over the inputs (N, C, H, W): the windows holding a cell are PyTorch's range
    "max_pool2d_grad": (
        f"raw T g, raw int32 best, {_POOL}",
        "T dx",
        """
        const ptrdiff_t plane = (ptrdiff_t)H * W;
        const ptrdiff_t nc = i / plane;
        const int r = (int)(i - nc * plane);
        const int hp = r / W + PH, wp = r - (r / W) * W + PW;
        const int oh0 = hp < KH ? 0 : (hp - KH) / SH + 1;
        const int oh1 = min(hp / SH + 1, Ho);
        const int ow0 = wp < KW ? 0 : (wp - KW) / SW + 1;
        const int ow1 = min(wp / SW + 1, Wo);
        const ptrdiff_t outputs = nc * Ho * Wo;
        T acc = 0;
        for (int oh = oh0; oh < oh1; ++oh) {
            for (int ow = ow0; ow < ow1; ++ow) {
                const ptrdiff_t o = outputs + (ptrdiff_t)oh * Wo + ow;
                if (best[o] == (hp - oh * SH) * KW + (wp - ow * SW)) acc += g[o];
            }
        }
        dx = acc;
        """,
    ),
    # NOTE: layer norm of (rows, features) `a`, with each row's sum `s1` and sum of squared
    # deviations `s2` as (rows, 1) and `n` features: the formula's statistics (ops/norm.py)
    "ln_sqdev": ("T a, T s1, T n", "T d2", "const T d = a - s1 / n; d2 = d * d;"),
    "ln_forward": (
        "T a, T s1, T s2, T w, T b, T n, T eps",
        "T y",
        "y = (a - s1 / n) * ((T)1 / sqrt(s2 / n + eps)) * w + b;",
    ),
    "ln_grad_parts": (
        "T g, T a, T s1, T s2, T w, T n, T eps",
        "T gy, T gyxh, T gxh",
        """
        const T xh = (a - s1 / n) * ((T)1 / sqrt(s2 / n + eps));
        gy = g * w;
        gyxh = gy * xh;
        gxh = g * xh;
        """,
    ),
    "ln_grad_input": (
        "T gy, T a, T s1, T s2, T gsum, T proj, T n, T eps",
        "T dx",
        """
        const T rstd = (T)1 / sqrt(s2 / n + eps);
        dx = rstd * (gy - (a - s1 / n) * rstd * (proj / n) - gsum / n);
        """,
    ),
    # NOTE: torch.optim.Adam's arithmetic, as optim/adam.py's formula; `l2` is Adam's weight
    # decay (added to the gradient), `decay` AdamW's factor (1 for Adam)
    "adam": (
        "T g, T step_size, T beta1c, T beta2, T beta2c, T bc2_sqrt, T eps, T l2, T decay",
        "T p, T m, T v",
        """
        const T gg = l2 != (T)0 ? g + p * l2 : g;
        p = p * decay;
        m = m + (gg - m) * beta1c;
        v = v * beta2 + gg * gg * beta2c;
        p = p - m / (sqrt(v) / bc2_sqrt + eps) * step_size;
        """,
    ),
}


class Kernel:
    """One fused kernel of `SPECS`, compiled by CuPy for each dtype on its first call."""

    def __init__(self, xp: Any, name: str) -> None:
        inputs, outputs, body = SPECS[name]
        self.name = name
        self.kernel = xp.ElementwiseKernel(inputs, outputs, body, f"shapedl_{name}")
        self.failed = False
        self.compiled: set[Any] = set()


_KERNELS: dict[str, Kernel] = {}
_HAS_KERNELS: dict[int, bool] = {}  # NOTE: by array module; NumPy's misses cost ~1 us each


def get(xp: Any, name: str, *arrays: Array) -> Kernel | None:
    """The kernel `name` for `arrays`, or None: on NumPy (an array library without CuPy's
    `ElementwiseKernel`), or where the arrays do not share a float32 or float64 dtype."""
    has = _HAS_KERNELS.get(id(xp))
    if has is None:
        has = _HAS_KERNELS[id(xp)] = hasattr(xp, "ElementwiseKernel")
    if not has:
        return None
    dtype = arrays[0].dtype
    if dtype.kind != "f" or dtype.itemsize not in (4, 8) or any(a.dtype != dtype for a in arrays):
        return None
    kernel = _KERNELS.get(name)
    if kernel is None:
        kernel = _KERNELS[name] = Kernel(xp, name)
    return None if kernel.failed else kernel


def run(
    kernel: Kernel | None, args: tuple[Any, ...], otherwise: Callable[[], Any] = lambda: None
) -> Any:
    """`kernel(*args)`, or `otherwise()` where there is no kernel or it does not compile
    (by default None, for a caller that takes its formula's path itself)."""
    if kernel is None or kernel.failed:
        return otherwise()
    dtype = next(a.dtype for a in args if hasattr(a, "dtype"))
    if dtype in kernel.compiled:
        return kernel.kernel(*args)
    try:
        out = kernel.kernel(*args)
    except Exception as err:  # NOTE: only the first call of a dtype, which compiles
        kernel.failed = True
        warnings.warn(
            f"the fused CuPy kernel {kernel.name} did not compile ({type(err).__name__}: "
            f"{err}); its op runs its array formula instead",
            FusedKernelWarning,
            stacklevel=3,
        )
        return otherwise()
    kernel.compiled.add(dtype)
    return out
