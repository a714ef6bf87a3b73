"""Initialisers: refill a parameter in place from PyTorch's distributions (`sd.nn.init`).

Each function is PyTorch's `torch.nn.init.<name>_` (that spelling works too): it overwrites
the values of `t` (its shape, dtype, device and identity are kept, so an optimizer's state
still refers to it) with samples from the device's seeded generator, and returns `t`. Fans
are PyTorch's: for a weight `(out, in, *kernel)`, `fan_in = in * prod(kernel)` and
`fan_out = out * prod(kernel)`. Each takes the tensor itself, not its array: PyTorch's
`init.normal_(m.weight.data)` is a `TypeError` that says to pass `m.weight`.

Example:
    >>> import shapedl as sd
    >>> layer = sd.nn.Linear(4, 3)
    >>> w = sd.nn.init.xavier_uniform(layer.weight)
    >>> w is layer.weight, float(abs(w).max()) <= (6 / (4 + 3)) ** 0.5
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

from shapedl.ops.creation import fits
from shapedl.tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant",
    "fan_in_and_fan_out",
    "kaiming_normal",
    "kaiming_uniform",
    "normal",
    "ones",
    "orthogonal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]

T = TypeVar("T", bound=Tensor[Any, Any, Any])
Mode = Literal["fan_in", "fan_out"]

_LINEAR = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d")
_LINEAR += ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def fan_in_and_fan_out(shape: Sequence[int]) -> tuple[int, int]:
    """`(fan_in, fan_out)` of a weight of `shape` (PyTorch's `_calculate_fan_in_and_fan_out`).

    Raises:
        ValueError: for a shape of fewer than 2 axes.

    Example:
        >>> fan_in_and_fan_out((8, 3, 5, 5))
        (75, 200)
    """
    if len(shape) < 2:
        raise ValueError(
            f"init: fan in and fan out need a weight of at least 2 axes, not shape {tuple(shape)}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for `nonlinearity` (`param`: leaky_relu's negative slope).

    Raises:
        ValueError: for an unknown nonlinearity or a non-numeric slope.

    Example:
        >>> round(calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"init: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"init: unsupported nonlinearity {nonlinearity!r}")


def _check(name: str, t: object) -> None:
    """Refuse anything but a Tensor up front: `init.normal_(m.weight.data)` (PyTorch's
    tutorials) would otherwise fail deep inside on the NumPy array's own `.device`."""
    if not isinstance(t, Tensor):
        raise _not_a_tensor(name, t)


def _not_a_tensor(name: str, t: object) -> TypeError:
    kind = type(t)
    got = kind.__qualname__
    if kind.__module__ != "builtins":
        got = f"{kind.__module__}.{got}"
    hint = ""
    if kind.__module__.partition(".")[0] in ("numpy", "cupy"):
        hint = (
            "; `.data` is the tensor's array here, not a tensor: pass the tensor itself "
            "(`m.weight`, not `m.weight.data`), which is refilled in place"
        )
    return TypeError(f"init.{name}_: expected the Tensor to refill, got {got}{hint}")


def _fill(t: T, data: Any) -> T:
    t.data = data.astype(t.data.dtype, copy=False)
    return t


def uniform(t: T, low: float = 0.0, high: float = 1.0) -> T:
    """Refill `t` from `U(low, high)`.

    Example:
        >>> import shapedl as sd
        >>> float(sd.nn.init.uniform(sd.zeros((100,)), -2.0, -1.0).max()) <= -1.0
        True
    """
    _check("uniform", t)
    half, mid = (high - low) / 2, (high + low) / 2
    # NOTE: `(2r - 1) * half` rather than `low + (high - low) * r`: the layers' initial weights
    # stay the values they were before this module existed
    r = t.device.rng.random(t.shape).astype(t.data.dtype)
    return _fill(t, (r * 2 - 1) * half + mid)


def normal(t: T, mean: float = 0.0, std: float = 1.0) -> T:
    """Refill `t` from `N(mean, std**2)`."""
    _check("normal", t)
    r = t.device.rng.standard_normal(t.shape).astype(t.data.dtype)
    return _fill(t, r * std + mean)


def zeros(t: T) -> T:
    """Refill `t` with zeros."""
    _check("zeros", t)
    return _fill(t, t.xp.zeros(t.shape, dtype=t.data.dtype))


def ones(t: T) -> T:
    """Refill `t` with ones."""
    _check("ones", t)
    return _fill(t, t.xp.ones(t.shape, dtype=t.data.dtype))


def constant(t: T, val: float) -> T:
    """Refill `t` with `val` (PyTorch's `constant_`).

    Raises:
        ValueError: when `val` overflows `t`'s dtype (`1e9` in f16), as PyTorch's.

    Example:
        >>> import shapedl as sd
        >>> sd.nn.init.constant(sd.zeros((2,)), 0.5).tolist()
        [0.5, 0.5]
    """
    _check("constant", t)
    fits("init.constant_", val, t.data.dtype.name)
    return _fill(t, t.xp.full(t.shape, val, dtype=t.data.dtype))


def xavier_uniform(t: T, gain: float = 1.0) -> T:
    """Glorot: `U(-a, a)` with `a = gain * sqrt(6 / (fan_in + fan_out))`.

    Raises:
        ValueError: for a tensor of fewer than 2 axes.
    """
    _check("xavier_uniform", t)
    fan_in, fan_out = fan_in_and_fan_out(t.shape)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform(t, -bound, bound)


def xavier_normal(t: T, gain: float = 1.0) -> T:
    """Glorot: `N(0, std**2)` with `std = gain * sqrt(2 / (fan_in + fan_out))`.

    Raises:
        ValueError: for a tensor of fewer than 2 axes.
    """
    _check("xavier_normal", t)
    fan_in, fan_out = fan_in_and_fan_out(t.shape)
    return normal(t, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def _kaiming_std(shape: Sequence[int], a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} is not 'fan_in' or 'fan_out'")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    # NOTE: PyTorch warns and leaves an empty tensor alone; there is nothing to draw either way
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0


def kaiming_uniform(
    t: T, a: float = 0.0, mode: Mode = "fan_in", nonlinearity: str = "leaky_relu"
) -> T:
    """He: `U(-b, b)` with `b = gain * sqrt(3 / fan)`, `gain = calculate_gain(nonlinearity, a)`.

    `a=sqrt(5)` is the default initialisation of `Linear` and the convolutions (`b` is then
    `1 / sqrt(fan_in)`).

    Raises:
        ValueError: for a tensor of fewer than 2 axes, an unknown mode or nonlinearity.

    Example:
        >>> import math, shapedl as sd
        >>> w = sd.nn.init.kaiming_uniform(sd.zeros((3, 25)), a=math.sqrt(5))
        >>> float(abs(w).max()) <= 1 / 5
        True
    """
    _check("kaiming_uniform", t)
    bound = math.sqrt(3.0) * _kaiming_std(t.shape, a, mode, nonlinearity)
    return uniform(t, -bound, bound)


def kaiming_normal(
    t: T, a: float = 0.0, mode: Mode = "fan_in", nonlinearity: str = "leaky_relu"
) -> T:
    """He: `N(0, std**2)` with `std = gain / sqrt(fan)`, `gain = calculate_gain(nonlinearity, a)`.

    Raises:
        ValueError: for a tensor of fewer than 2 axes, an unknown mode or nonlinearity.
    """
    _check("kaiming_normal", t)
    return normal(t, 0.0, _kaiming_std(t.shape, a, mode, nonlinearity))


def orthogonal(t: T, gain: float = 1.0) -> T:
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times `gain`.

    As PyTorch: `t` is seen as `(rows, prod(rest))`; rows (or columns, whichever are fewer)
    are orthonormal, with the sign of `R`'s diagonal folded in so the law is uniform.

    Raises:
        ValueError: for a tensor of fewer than 2 axes.

    Example:
        >>> import numpy as np, shapedl as sd
        >>> w = sd.nn.init.orthogonal(sd.zeros((3, 5))).numpy()
        >>> bool(np.allclose(w @ w.T, np.eye(3), atol=1e-5))
        True
    """
    _check("orthogonal", t)
    if t.ndim < 2:
        raise ValueError(f"init: orthogonal needs at least 2 axes, not shape {t.shape}")
    if 0 in t.shape:
        return t
    xp, rows = t.xp, t.shape[0]
    cols = math.prod(t.shape) // rows
    flat = t.device.rng.standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    return _fill(t, q.reshape(t.shape) * gain)


# NOTE: PyTorch's spellings, so a port's `init_weights` runs as it is (`nn.init.normal_`)
uniform_, normal_, zeros_, ones_, constant_ = uniform, normal, zeros, ones, constant
xavier_uniform_, xavier_normal_ = xavier_uniform, xavier_normal
kaiming_uniform_, kaiming_normal_, orthogonal_ = kaiming_uniform, kaiming_normal, orthogonal
