"""More activations: `gelu`, `elu`, `selu`, `hardtanh`, `relu6`, `softsign`, `mish`, `logsigmoid`,
`hardsigmoid`, `hardswish` and `prelu`.

Shape rule: the shape is kept (`same_shape`); `prelu`'s weight has one slope, or one per
channel (axis 1 of `x`, as in PyTorch). An integer or bool input is a `TypeError`, as
PyTorch's (it has no integer kernels for these; in the integer dtype they would truncate).
Each forward and its local derivative sit side by side; where PyTorch picks a side at a kink
(`elu` at 0, `hardtanh` at its limits), so do we.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any, Literal

from shapedl import dims
from shapedl.backend import Array, kernels
from shapedl.dims import Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import float_only, same_dtype, same_shape
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, S

__all__ = [
    "elu",
    "gelu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "logsigmoid",
    "mish",
    "prelu",
    "relu6",
    "selu",
    "softsign",
]

# NOTE: the constants of Klambauer et al. (2017), as PyTorch writes them
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _unary(
    x: Tensor[Any, Any, Any], out: Array, grad: Callable[[Array], Array]
) -> Tensor[Any, Any, Any]:
    # NOTE: quietly: the infinities give inf * 0 = nan in the slopes, as in PyTorch
    return record(out, (x,), lambda g: (x.device.backend.quietly(lambda: grad(g)),))


def _elu(x: Tensor[Any, Any, Any], alpha: float, scale: float) -> Tensor[Any, Any, Any]:
    xp, a = x.xp, x.data
    # NOTE: the negative branch at 0 too: its slope there is alpha * exp(0), as PyTorch's;
    # PyTorch tests `x <= 0`, so nan takes the positive branch (a gradient of `scale`)
    pos = ~(a <= 0)
    neg = xp.where(pos, 0, a)
    out = scale * xp.where(pos, a, alpha * xp.expm1(neg))
    slope = scale * xp.where(pos, 1, alpha * xp.exp(neg))
    return _unary(x, out.astype(a.dtype), lambda g: g * slope.astype(g.dtype))


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_C = math.sqrt(2 / math.pi)


@register("gelu", same_shape, statics=("approximate",), methods=("gelu",))
@in_f32()  # NOTE: in f16, exp(-x * x / 2) and the product underflow: gelu(-4) was -0.0
def gelu(
    x: Tensor[S, DT, TT], approximate: Literal["none", "tanh"] = "none"
) -> Tensor[S, DT, TT]:
    """GELU, `x * Phi(x)` with `Phi` the standard normal CDF, as PyTorch's `gelu`.

    `approximate="tanh"` is PyTorch's tanh approximation (GPT-2's), which differs from the
    exact function by up to about 2e-4 (PyTorch's `gelu(x, approximate="tanh")`).

    Shape:
        `(*S) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.ops.gelu(sd.tensor([-1.0, 1.0])).tolist()]
        [-0.1587, 0.8413]
        >>> [round(v, 4) for v in sd.ops.gelu(sd.tensor([1.0]), approximate="tanh").tolist()]
        [0.8412]
    """
    float_only("gelu", x)
    # NOTE: quietly: gelu(-inf) is -inf * 0 = nan, as PyTorch's
    out: Tensor[S, DT, TT] = x.device.backend.quietly(lambda: _gelu(x, approximate))
    return out


def _gelu(x: Tensor[Any, Any, Any], approximate: str) -> Tensor[Any, Any, Any]:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    form = "tanh" if approximate == "tanh" else "erf"
    xp, a = x.xp, x.data
    # NOTE: on CUDA one fused kernel each way (backend/kernels.py), the formula otherwise
    out = kernels.run(kernels.get(xp, f"gelu_{form}", a), (a,))
    if out is None:
        out, grad = _gelu_formula(x, form)
        return _unary(x, out, grad)

    def vjp(g: Array) -> Array:
        fused = kernels.get(xp, f"gelu_{form}_grad", g, a)
        return kernels.run(fused, (g, a), lambda: _gelu_formula(x, form)[1](g))

    return _unary(x, out, vjp)


def _gelu_formula(x: Tensor[Any, Any, Any], form: str) -> tuple[Array, Callable[[Array], Array]]:
    """GELU's value and its backward, as array operations (`form`: "tanh" or "erf")."""
    xp, a = x.xp, x.data
    if form == "tanh":
        t = xp.tanh(_TANH_C * (a + 0.044715 * a**3))
        slope = _TANH_C * (1 + 3 * 0.044715 * a * a)
        return (
            (0.5 * a * (1 + t)).astype(a.dtype, copy=False),  # NOTE: NumPy's bf16 * 0.5 is f32
            lambda g: g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * slope),
        )
    cdf = 0.5 * (1 + x.device.backend.erf(a * _SQRT_HALF))
    return (
        (a * cdf).astype(a.dtype, copy=False),
        lambda g: g * (cdf + a * (_INV_SQRT_2PI * xp.exp(-0.5 * a * a))),
    )


@register("elu", same_shape, statics=("alpha",))
def elu(x: Tensor[S, DT, TT], alpha: float = 1.0) -> Tensor[S, DT, TT]:
    """`x` where positive, `alpha * (exp(x) - 1)` elsewhere.

    Shape:
        `(*S) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.ops.elu(sd.tensor([-1.0, 2.0])).tolist()]
        [-0.6321, 2.0]
    """
    float_only("elu", x)
    return _elu(x, alpha, 1.0)


@register("selu", same_shape)
def selu(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`scale * elu(x, alpha)` with the self-normalizing constants of Klambauer et al.

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.ops.selu(sd.tensor([-1.0, 1.0])).tolist()]
        [-1.1113, 1.0507]
    """
    float_only("selu", x)
    return _elu(x, _SELU_ALPHA, _SELU_SCALE)


@register("hardtanh", same_shape, statics=("min_val", "max_val"))
def hardtanh(
    x: Tensor[S, DT, TT], min_val: float = -1.0, max_val: float = 1.0
) -> Tensor[S, DT, TT]:
    """`x` limited to `[min_val, max_val]`; the gradient is 0 at and past the limits, else 1
    (nan too, as PyTorch's).

    Raises:
        ValueError: when `min_val` is above `max_val`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.hardtanh(sd.tensor([-3.0, 0.5, 3.0])).tolist()
        [-1.0, 0.5, 1.0]
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} is above max_val {max_val}")
    a = x.data
    inside = ~((a <= min_val) | (a >= max_val))
    out = x.xp.clip(a, min_val, max_val).astype(a.dtype, copy=False)  # NOTE: bf16 clip is f32
    return _unary(x, out, lambda g: x.device.backend.zero_unless(inside, g))


def relu6(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`min(max(x, 0), 6)`, PyTorch's `relu6` (MobileNet's activation): `hardtanh(x, 0, 6)`,
    so the gradient is 0 at 0 and 6, as PyTorch's.

    Shape:
        `(*) -> (*)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.relu6(sd.tensor([-1.0, 3.0, 7.0])).tolist()
        [0.0, 3.0, 6.0]
    """
    return hardtanh(x, 0.0, 6.0)


@register("softsign", same_shape)
def softsign(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x / (1 + |x|)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.softsign(sd.tensor([-3.0, 1.0])).tolist()
        [-0.75, 0.5]
    """
    xp = x.xp
    d = 1 + xp.abs(x.data)
    with x.device.backend.quiet():  # NOTE: inf / inf, as PyTorch's
        out = x.data / d

    def grad(g: Array) -> Array:
        # NOTE: PyTorch's, the gradient of `x / (1 + |x|)` through the division and `abs`:
        # `g / d - g * (out / d) * sign(x)`, not `g / d**2`. The same for finite values, it is
        # nan where PyTorch's is: at the infinities (inf / inf), and at 0 for an infinite `g`
        with x.device.backend.quiet():
            return (g / d + (-g * (out / d)) * xp.sign(x.data)).astype(g.dtype, copy=False)

    return _unary(x, out, grad)


@register("mish", same_shape)
def mish(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x * tanh(softplus(x))` (Misra, 2019), computed without overflow.

    Example:
        >>> import shapedl as sd
        >>> round(sd.ops.mish(sd.tensor([1.0])).item(), 4)
        0.8651
    """
    xp, a = x.xp, x.data
    t = xp.tanh(xp.maximum(a, 0) + xp.log1p(xp.exp(-xp.abs(a))))
    sig = 0.5 * (xp.tanh(0.5 * a) + 1)
    out = x.device.backend.quietly(lambda: a * t)  # NOTE: -inf * 0 = nan, as PyTorch's
    return _unary(x, out, lambda g: g * (t + a * (1 - t * t) * sig))


@register("logsigmoid", same_shape)
@in_f32()
def logsigmoid(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`log(sigmoid(x))`, as PyTorch's `F.logsigmoid`: `min(x, 0) - log1p(e ** -|x|)`, which
    neither overflows nor loses the tail (`logsigmoid(-100)` is -100, `log(sigmoid(-100))`
    in f32 is -inf). The loss of DPO, word2vec's negative sampling and GAN losses.

    The gradient is `sigmoid(-x)`, PyTorch's form (1 at -inf, 0 at inf).

    Example:
        >>> import shapedl as sd
        >>> [round(v, 4) for v in sd.ops.logsigmoid(sd.tensor([-100.0, 0.0, 2.0])).tolist()]
        [-100.0, -0.6931, -0.1269]
    """
    float_only("logsigmoid", x)
    xp, a = x.xp, x.data
    z = xp.exp(-xp.abs(a))
    out = (xp.minimum(a, 0) - xp.log1p(z)).astype(a.dtype, copy=False)
    # NOTE: PyTorch's backward: `1 - z / (1 + z)` below 0, `z / (1 + z)` from 0
    return _unary(x, out, lambda g: g * xp.where(a < 0, 1 / (1 + z), z / (1 + z)))


@register("hardsigmoid", same_shape)
def hardsigmoid(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`clip(x / 6 + 1 / 2, 0, 1)`, as PyTorch's `hardsigmoid`: 0 up to -3, 1 from 3.

    The gradient is `1 / 6` strictly between -3 and 3, else 0 (nan too), as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.hardsigmoid(sd.tensor([-4.0, 0.0, 3.0])).tolist()
        [0.0, 0.5, 1.0]
    """
    float_only("hardsigmoid", x)
    xp, a = x.xp, x.data
    # NOTE: PyTorch's order, `min(max(x + 3, 0), 6) / 6`, so values round as its do
    out = (xp.clip(a + 3, 0, 6) / 6).astype(a.dtype, copy=False)
    inside = (a > -3) & (a < 3)
    # NOTE: PyTorch's slope is the float32 1/6 (`1.0f / 6.0f`), in float64 too
    return _unary(x, out, lambda g: xp.where(inside, g * _SIXTH, 0).astype(g.dtype, copy=False))


_SIXTH = float(struct.unpack("f", struct.pack("f", 1 / 6))[0])


@register("hardswish", same_shape)
def hardswish(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x * hardsigmoid(x)` (Howard et al., 2019), as PyTorch's `hardswish`.

    The gradient is PyTorch's: 0 up to -3, `x / 3 + 1 / 2` strictly between -3 and 3, 1 from
    3 (and at nan, where neither test holds).

    Example:
        >>> import shapedl as sd
        >>> sd.ops.hardswish(sd.tensor([-4.0, 1.5, 4.0])).tolist()
        [-0.0, 1.125, 4.0]
    """
    float_only("hardswish", x)
    xp, a = x.xp, x.data
    # NOTE: quietly: hardswish(-inf) is -inf * 0 = nan, as PyTorch's
    out = x.device.backend.quietly(lambda: a * xp.clip(a + 3, 0, 6) / 6).astype(a.dtype, copy=False)

    def grad(g: Array) -> Array:
        slope = xp.where(a <= -3, 0, xp.where(a < 3, a / 3 + 0.5, 1))
        return x.device.backend.zero_unless(~(a <= -3), (g * slope).astype(g.dtype, copy=False))

    return _unary(x, out, grad)


# ---- prelu ------------------------------------------------------------------------------
def prelu_rule(op: str, x: Shape, weight: Shape) -> Shape:
    """`x`'s shape; `weight` holds one slope, or one per channel (axis 1 of `x`)."""
    if len(weight) > 1:
        raise shape_error(op, [x, weight], f"weight must be 0-d or 1-d, not rank {len(weight)}")
    n = weight[0] if weight else 1
    channels = x[1] if len(x) >= 2 else 1
    if n != 1 and dims.same(n, channels) is False:
        raise shape_error(
            op,
            [x, weight],
            f"weight has {n} slopes, but axis 1 of x has {channels} channels",
            "give one slope, or one per channel",
        )
    return x


@register("prelu", prelu_rule, tensors=("x", "weight"))
def prelu(x: Tensor[S, DT, Any], weight: Tensor[Any, DT, Any]) -> Tensor[S, DT, Any]:
    """`x` where positive, `weight * x` elsewhere, with a learned slope per channel.

    As `torch.nn.functional.prelu`: `weight` is one slope, or one per channel (axis 1).

    Raises:
        ShapeError: when `weight` has neither one slope nor one per channel.

    Shape:
        `(N, C, *), (C,) -> (N, C, *)`; `(*S), (1,) -> (*S)`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.prelu(sd.tensor([-2.0, 3.0]), sd.tensor([0.25])).tolist()
        [-0.5, 3.0]
    """
    prelu_rule("prelu", x.shape, weight.shape)
    check_devices("prelu", x, weight)
    same_dtype("prelu", x, weight)
    xp, a = x.xp, x.data
    # NOTE: the size, not -1, which no channels (an empty x) leave undetermined
    per_channel = weight.data.size != 1
    view = (1, weight.data.size) + (1,) * (x.ndim - 2) if per_channel else (1,) * x.ndim
    w = weight.data.reshape(view)
    pos = a > 0
    out = xp.where(pos, a, w * a)
    others = tuple(k for k in range(x.ndim) if not (per_channel and k == 1))

    def vjp(g: Array) -> tuple[Array, Array]:
        gw = xp.where(pos, 0, g * a).sum(axis=others)
        return xp.where(pos, g, w * g), gw.reshape(weight.shape).astype(g.dtype)

    return record(out, (x, weight), vjp)
