"""Elementwise ops: unary maps and binary ops with NumPy broadcasting.

Shape rules: a unary op keeps its shape (`same_shape`); a binary op broadcasts
(`broadcast_rule`). Each op's forward and local derivative sit side by side; gradients of
broadcast operands are reduced by the tape, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from shapedl import dims
from shapedl.backend import Array, Backend, NumpyScalar, is_float, kernels
from shapedl.dims import Shape
from shapedl.errors import dtype_error, shape_error
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT, TT, DType, S

__all__ = [
    "abs",
    "add",
    "astype",
    "clamp",
    "clamp_max",
    "clamp_min",
    "cos",
    "div",
    "exp",
    "leaky_relu",
    "log",
    "maximum",
    "minimum",
    "mul",
    "neg",
    "pow",
    "reciprocal",
    "relu",
    "sigmoid",
    "silu",
    "sin",
    "softplus",
    "sqrt",
    "square",
    "sub",
    "tanh",
    "xlogy",
]

DT2 = TypeVar("DT2", bound=DType)
Scalar = int | float | NumpyScalar
Operand = Tensor[Any, Any, Any] | Scalar


def same_shape(op: str, x: Shape, **statics: object) -> Shape:
    """The rule of every unary elementwise op: the shape is kept (whatever `slope`, `min`...)."""
    return x


def broadcast_rule(op: str, a: Shape, b: Shape) -> Shape:
    """The rule of every binary elementwise op: NumPy broadcasting (a scalar is `()`)."""
    return dims.broadcast(op, a, b)


def _unary(
    x: Tensor[Any, Any, Any], out: Array, grad: Callable[[Array], Array]
) -> Tensor[Any, Any, Any]:
    # NOTE: quietly: at the infinities a slope can be inf * 0 = nan, as in PyTorch
    return record(out, (x,), lambda g: (_edge(x, lambda: grad(g)),))


def _edge(x: Tensor[Any, Any, Any], fn: Callable[[], Array]) -> Array:
    """`fn()` for an op whose edge cases (`log(0)`, `x / 0`, overflow) are inf or nan, given
    as PyTorch gives them, never turned into an error (see `Backend.quietly`)."""
    return x.device.backend.quietly(fn)


# ---- unary ------------------------------------------------------------------------------
@register("neg", same_shape, methods=("__neg__", "neg"))
def neg(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`-x`.

    Raises:
        TypeError: for a bool tensor, as PyTorch (a mask is inverted with `~x`).
    """
    try:
        out = -x.data
    except TypeError:
        if x.data.dtype.kind != "b":  # NOTE: on the error path only, for NumPy's own text
            raise
        raise TypeError(
            "neg: x is a bool tensor, which has no negation (as in PyTorch); invert a mask "
            "with ~x or sd.logical_not(x), or convert it first: x.astype(sd.i64)"
        ) from None
    return _unary(x, out, lambda g: -g)


@register("abs", same_shape, methods=("abs", "__abs__"))
def abs(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`|x|`; the gradient at 0 is 0, as in PyTorch, and so is the gradient at nan."""
    return _unary(x, x.xp.abs(x.data), lambda g: g * sgn(x.data))


def sgn(a: Array) -> Array:
    """PyTorch's `sign`: -1, 0 or 1 in `a`'s dtype, and 0 (not NumPy's nan) at nan, so a
    gradient made of it is 0 there as PyTorch's."""
    return (a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)


@register("exp", same_shape, methods=("exp",))
def exp(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`e ** x`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.exp(sd.tensor([0.0])).tolist()
        [1.0]
    """
    out = _edge(x, lambda: x.xp.exp(x.data))
    return _unary(x, out, lambda g: g * out)


@register("log", same_shape, methods=("log",))
def log(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Natural logarithm; `-inf` at 0 and nan below, as in PyTorch."""
    return _unary(x, _edge(x, lambda: x.xp.log(x.data)), lambda g: g / x.data)


@register("sqrt", same_shape, methods=("sqrt",))
def sqrt(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Square root; nan below 0, and an infinite gradient at 0, as in PyTorch."""
    out = _edge(x, lambda: x.xp.sqrt(x.data))
    return _unary(x, out, lambda g: g * 0.5 / out)


@register("square", same_shape, methods=("square",))
def square(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x * x`."""
    return _unary(x, _edge(x, lambda: x.data * x.data), lambda g: 2 * g * x.data)


@register("sin", same_shape, methods=("sin",))
def sin(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Sine; nan at the infinities, quietly, as in PyTorch."""
    out = _edge(x, lambda: x.xp.sin(x.data))
    return _unary(x, out, lambda g: g * _edge(x, lambda: x.xp.cos(x.data)))


@register("cos", same_shape, methods=("cos",))
def cos(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Cosine; nan at the infinities, quietly, as in PyTorch."""
    out = _edge(x, lambda: x.xp.cos(x.data))
    return _unary(x, out, lambda g: -g * _edge(x, lambda: x.xp.sin(x.data)))


@register("tanh", same_shape, methods=("tanh",))
def tanh(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """Hyperbolic tangent."""
    out = x.xp.tanh(x.data)
    return _unary(x, out, lambda g: g * (1 - out * out))


def sigmoid_array(x: Tensor[Any, Any, Any], a: Array) -> Array:
    """`1 / (1 + exp(-a))` as PyTorch computes it, of `x`'s dtype (`a` is `x`'s data or
    shaped like it).

    NOTE: PyTorch's formula, not `(tanh(a / 2) + 1) / 2`, which rounds sigmoid(-20) to 0 in
    f32 (torch: 2e-9) and is 2x slower past a few thousand values; exp(-a) overflows to inf
    for a very negative `a`, giving PyTorch's exact 0, so quietly. f16 and bf16 go through
    f32, as PyTorch's CPU kernels do.
    """
    xp = x.xp
    wide = a if a.dtype.itemsize >= 4 else a.astype("float32")
    with x.device.backend.quiet():
        t = xp.exp(-wide)
    t += 1
    out = xp.reciprocal(t, out=t) if t.ndim else 1 / t  # NOTE: 0-d gives a scalar, no `out`
    return out.astype(a.dtype, copy=False)


@register("sigmoid", same_shape, methods=("sigmoid",))
def sigmoid(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`1 / (1 + e ** -x)`, computed without overflow.

    Raises:
        TypeError: for an integer or bool `x` (whose sigmoid would truncate to 0 or 1).
    """
    float_only("sigmoid", x)
    out = sigmoid_array(x, x.data)
    return _unary(x, out, lambda g: g * out * (1 - out))


@register("relu", same_shape, methods=("relu",))
def relu(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`max(x, 0)`; the gradient at 0 is 0, as in PyTorch.

    As PyTorch's: `relu(-inf)` is 0 and `relu(nan)` is nan, with gradient 1 (only `x <= 0`
    gets 0; a product with the mask would make `-inf * 0 = nan`).
    """
    # NOTE: `maximum` keeps nan; `where` with a scalar is 5x slower in NumPy
    a, backend = x.data, x.device.backend

    def vjp(g: Array) -> Array:
        fused = kernels.get(x.xp, "relu_grad", g, a)
        return kernels.run(fused, (g, a), lambda: backend.zero_unless(~(a <= 0), g))

    return _unary(x, x.xp.maximum(a, 0).astype(a.dtype, copy=False), vjp)


@register("leaky_relu", same_shape, statics=("slope",), methods=("leaky_relu",))
def leaky_relu(x: Tensor[S, DT, TT], slope: float = 0.01) -> Tensor[S, DT, TT]:
    """`x` where positive, `slope * x` elsewhere.

    Raises:
        TypeError: for an integer or bool `x` (as PyTorch: the slope would truncate).
    """
    float_only("leaky_relu", x)
    dtype = x.data.dtype
    # NOTE: f16/bf16 as PyTorch: the slope in f32 and the product rounded once (the slope
    # rounded to f16 first put results off by an ulp)
    wide = "float32" if dtype.itemsize == 2 else dtype
    scale = _edge(x, lambda: x.xp.where(x.data > 0, 1, slope).astype(wide))
    out = _edge(x, lambda: (x.data * scale).astype(dtype, copy=False))
    return _unary(x, out, lambda g: _edge(x, lambda: (g * scale).astype(g.dtype, copy=False)))


@register("silu", same_shape, methods=("silu",))
def silu(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`x * sigmoid(x)` (swish).

    Raises:
        TypeError: for an integer or bool `x` (as PyTorch).
    """
    float_only("silu", x)
    s = sigmoid_array(x, x.data)
    return _unary(x, _edge(x, lambda: x.data * s), lambda g: g * s * (1 + x.data * (1 - s)))


@register("softplus", same_shape, statics=("beta", "threshold"), methods=("softplus",))
def softplus(x: Tensor[S, DT, TT], beta: float = 1.0, threshold: float = 20.0) -> Tensor[S, DT, TT]:
    """`log(1 + e ** (beta * x)) / beta`, and `x` itself where `beta * x > threshold`, as
    PyTorch's `softplus` (its gradient nan at nan, as PyTorch's)."""
    xp, a = x.xp, x.data
    # NOTE: f16 and bf16 in f32, as PyTorch's: exp(beta * x) overflows f16 from 11.1 on
    w = a if a.dtype.itemsize >= 4 else a.astype("float32")
    bx = w if beta == 1 else w * beta
    big = bx > threshold
    # NOTE: the minimum keeps exp from overflowing where `big` takes `a` instead
    e = xp.exp(xp.minimum(bx, threshold))
    soft = xp.log1p(e) if beta == 1 else xp.log1p(e) / beta
    out = xp.where(big, w, soft).astype(a.dtype, copy=False)

    def vjp(g: Array) -> Array:
        d = xp.where(big, g, g * (e / (e + 1)))
        return d if w is a else d.astype(a.dtype)

    return _unary(x, out, vjp)


Bound = Scalar | Tensor[Any, Any, Any] | None


@register("clamp", same_shape, statics=("min", "max"), methods=("clamp", "clip"))
def clamp(x: Tensor[S, DT, TT], min: Bound = None, max: Bound = None) -> Tensor[S, DT, TT]:
    """`x` limited to `[min, max]`; the gradient is 1 inside (bounds included), 0 outside.

    As PyTorch: with `min > max` every value is `max` and every gradient 0; nan stays nan
    with gradient 0. A bound may be a tensor that broadcasts to `x`'s shape (of `x`'s dtype
    and device); it gets PyTorch's gradient: `min` where `x < min < max`, `max` where
    `x > max` or `max < min`.

    Raises:
        TypeError: for a bound that is not a whole number on an integer `x` (PyTorch's result
            would be float; shapedl's keeps `x`'s dtype, where the bound would truncate).
        ShapeError: for a tensor bound that does not broadcast to `x`'s shape.
        DTypeError: for a tensor bound of another dtype than `x`'s.

    Example:
        >>> import shapedl as sd
        >>> sd.clamp(sd.tensor([0.0, 2.0]), min=sd.tensor([0.5, 0.5]), max=1.0).tolist()
        [0.5, 1.0]
    """
    _whole_bounds(x, min, max)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensors(x, min, max)
    a = x.data
    out = x.xp.clip(a, min, max).astype(a.dtype, copy=False)  # NOTE: NumPy's bf16 clip is f32
    inside = a == a if min is None else a >= min
    if max is not None:
        inside &= a <= max
    return _unary(x, out, lambda g: x.device.backend.zero_unless(inside, g))


def _whole_bounds(x: Tensor[Any, Any, Any], min: Bound, max: Bound) -> None:
    if x.data.dtype.kind not in "iub":
        return
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, Tensor) and not float(bound).is_integer():
            raise TypeError(
                f"clamp: {name}={bound} is not a whole number, and x is {x.data.dtype}; "
                "convert x with .astype(sd.f32) first"
            )


def _clamp_tensors(x: Tensor[S, DT, TT], min: Bound, max: Bound) -> Tensor[S, DT, TT]:
    """`clamp` with a tensor bound (or two), and the gradients of PyTorch's
    `clamp_backward_min_max`; the tape sums each bound's gradient back to its shape."""
    tensors = [b for b in (min, max) if isinstance(b, Tensor)]
    check_devices("clamp", x, *tensors)
    for name, b in (("min", min), ("max", max)):
        if isinstance(b, Tensor):
            _fits("clamp", name, x, b)
    xp, backend, a = x.xp, x.device.backend, x.data
    lo: Any = min.data if isinstance(min, Tensor) else None if min is None else weak("clamp", min)
    hi: Any = max.data if isinstance(max, Tensor) else None if max is None else weak("clamp", max)
    out = a if lo is None else xp.maximum(a, lo)  # NOTE: both propagate nan, as PyTorch's
    out = (out if hi is None else xp.minimum(out, hi)).astype(a.dtype, copy=False)
    inside = (a == a if lo is None else a >= lo) & (a == a if hi is None else a <= hi)
    masks = [inside]
    if isinstance(min, Tensor):
        masks.append((a < lo) if hi is None else (a < lo) & (lo < hi))
    if isinstance(max, Tensor):
        masks.append((a > hi) if lo is None else (a > hi) | (hi < lo))
    out_t: Tensor[S, DT, TT] = record(
        out, (x, *tensors), lambda g: tuple(backend.zero_unless(m, g) for m in masks)
    )
    return out_t


def _fits(op: str, name: str, x: Tensor[Any, Any, Any], b: Tensor[Any, Any, Any]) -> None:
    """A tensor `name` of `op` has `x`'s dtype and broadcasts to `x`'s shape, never past it."""
    if b.data.dtype != x.data.dtype:
        raise dtype_error(op, x.data.dtype, b.data.dtype, data=1, name=name)
    if b.shape != x.shape and dims.broadcast(op, x.shape, b.shape) != x.shape:
        raise shape_error(
            op,
            (x.shape, b.shape),
            f"{name} would broadcast x to a larger shape",
            "the result keeps x's shape: broadcast x first (x.broadcast_to(...))",
        )


@register("clamp_min", same_shape, statics=("min",), methods=("clamp_min",))
def clamp_min(x: Tensor[S, DT, TT], min: Scalar) -> Tensor[S, DT, TT]:
    """`x` limited below by `min`: PyTorch's `clamp_min`, `clamp(x, min=min)`."""
    return clamp(x, min=min)


@register("clamp_max", same_shape, statics=("max",), methods=("clamp_max",))
def clamp_max(x: Tensor[S, DT, TT], max: Scalar) -> Tensor[S, DT, TT]:
    """`x` limited above by `max`: PyTorch's `clamp_max`, `clamp(x, max=max)`."""
    return clamp(x, max=max)


@register("reciprocal", same_shape, methods=("reciprocal",))
def reciprocal(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
    """`1 / x`."""
    out = _edge(x, lambda: 1 / x.data)
    return _unary(x, out, lambda g: -g * (out * out))  # NOTE: PyTorch's order of rounding


def _astype_rule(op: str, x: Shape, dtype: object = None) -> Shape:
    return x


@register("astype", _astype_rule, statics=("dtype",), methods=("astype",))
def astype(x: Tensor[S, Any, TT], dtype: type[DT2]) -> Tensor[S, DT2, TT]:
    """The values converted to `dtype`; the gradient is converted back.

    Raises:
        TypeError: when `dtype` is not one of shapedl's dtypes (`sd.f32`, `sd.i64`...).
    """
    if not (isinstance(dtype, type) and issubclass(dtype, DType) and dtype.name):
        raise TypeError(f"astype: dtype must be a shapedl dtype such as sd.f32, not {dtype!r}")
    src = x.data.dtype
    return _unary(x, x.data.astype(dtype.name), lambda g: g.astype(src))


# ---- binary -----------------------------------------------------------------------------
def weak(op: str, v: Any) -> int | float:
    """A scalar operand as a Python scalar, which NumPy treats as weak (`f32 + 2.0` is f32).

    NumPy scalars and 0-d arrays carry a dtype (`f32 * np.float64(2)` is f64), so they are
    converted; arrays must be made tensors first.
    """
    if type(v) is float or type(v) is int or type(v) is bool:
        return v  # NOTE: a bool stays one: `mask + True` is a mask, as PyTorch's
    if isinstance(v, float | int):
        return float(v) if isinstance(v, float) else int(v)
    if getattr(v, "ndim", None) == 0 and hasattr(v, "item"):
        return v.item()  # type: ignore[no-any-return]
    raise TypeError(
        f"{op}: operands must be tensors or Python scalars, not {type(v).__name__}; "
        "make arrays tensors with sd.tensor(...)"
    )


def float_only(op: str, t: Tensor[Any, Any, Any], name: str = "x", how: str = "") -> None:
    """A `TypeError` naming `op` and `name` when `t` is not a float tensor, for the ops that,
    as PyTorch's, have no integer kernels (NumPy would give float64, or truncate)."""
    if not is_float(t.data.dtype):
        raise TypeError(f"{op}: {name} must be a float tensor{how}, not {t.data.dtype}")


def same_dtype(op: str, *xs: Tensor[Any, Any, Any], data: int = 0, name: str = "x") -> None:
    """A `DTypeError` naming `op` and the dtypes when the tensors' dtypes differ.

    `xs` in the op's argument order, the data first unless `data` says (see `dtype_error`).
    """
    first = xs[0].data.dtype
    for x in xs[1:]:
        if x.data.dtype != first:
            raise dtype_error(op, first, x.data.dtype, data, name)


Grad = Callable[[Array, Any, Any, Array], Array]


def _binary(
    op: str, a: Operand, b: Operand, fn: Callable[[Any, Any], Array], da: Grad, db: Grad
) -> Tensor[Any, Any, Any]:
    """`fn(x, y)` of the operands' data, recorded with the local derivatives `da` and `db`; a
    Python scalar beside an f16 or bf16 tensor is taken as PyTorch's CPU kernels take it
    (`_half_scalar`)."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if not (ta or tb):
        raise TypeError(f"{op}: needs at least one tensor, got {type(a)} and {type(b)}")
    x: Any = a.data if isinstance(a, Tensor) else weak(op, a)
    y: Any = b.data if isinstance(b, Tensor) else weak(op, b)
    wide = False
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        check_devices(op, a, b)
        if x.dtype != y.dtype:
            raise dtype_error(op, x.dtype, y.dtype)
        if x.shape != y.shape:
            dims.broadcast(op, a.shape, b.shape)
    elif (x if ta else y).itemsize == 2:  # NOTE: f16 or bf16: shapedl has no 2-byte int
        wide = op in _OPMATH and (ta or op == "mul")  # NOTE: PyTorch's `c * x` is `x * c`
        if ta:
            x, y = _half_scalar(x, y, wide)
        else:
            y, x = _half_scalar(y, x, wide)
    inputs = tuple(t for t in (a, b) if isinstance(t, Tensor))
    backend, dtype = inputs[0].device.backend, inputs[0].data.dtype
    try:
        out = backend.quietly(lambda: fn(x, y))
    except OverflowError as err:
        raise _overflow(op, inputs[0], y if ta else x, err) from None
    if out.dtype != dtype:
        # NOTE: quietly too: a float32 result past f16's range rounds to inf, as PyTorch's
        out = backend.quietly(lambda: settle(dtype, out))

    def vjp(g: Array) -> tuple[Array, ...]:
        # NOTE: quietly, as the forward: `1 / 0` and overflows give PyTorch's inf and nan
        if wide:  # NOTE: in float32 too, rounded to the half dtype once
            wide_g = g.astype("float32")
            grads: tuple[Array, ...] = backend.quietly(
                lambda: tuple(d.astype(dtype) for d in _pair(wide_g))
            )
            return grads
        grads = backend.quietly(lambda: _pair(g))
        return grads

    def _pair(g: Array) -> tuple[Array, ...]:
        return ((da(g, x, y, out),) if ta else ()) + ((db(g, x, y, out),) if tb else ())

    return record(out, inputs, vjp)


# NOTE: PyTorch's CPU kernels that take a Python scalar after an f16 or bf16 tensor (`x / c`)
# in float32 ("opmath"), forward and backward; the others, and these with the scalar first
# (`c // x`), round it to the tensor's dtype first
_OPMATH = frozenset(("mul", "div", "floor_divide"))


def _half_scalar(data: Array, v: Scalar, wide: bool) -> tuple[Array, Any]:
    """An f16 or bf16 tensor's data and the Python scalar `v` beside it, as PyTorch's CPU
    kernels take them: both in float32 where `wide` (`g / 65536` divides by 65536 and rounds
    once, where f16's 65536 is inf), else `v` rounded to the tensor's dtype first (`x + 0.1`
    adds f16(0.1)). `settle` rounds a float32 result to the tensor's dtype.

    NOTE: NumPy's f16 rounds `v` so on its own; `ml_dtypes`' bf16 takes a float `v` in float32
    instead (an int in bf16), hence the explicit rounding.
    """
    if wide:
        return data.astype("float32"), v
    if data.dtype.kind == "f":
        return data, v
    return data, data.dtype.type(float(v))


def _overflow(op: str, t: Tensor[Any, Any, Any], v: Any, err: OverflowError) -> OverflowError:
    """NumPy's error for a Python int `v` that the tensor's dtype cannot hold (`i32 + 2**31`),
    naming `op`. PyTorch wraps the int around silently: a wrong number no later value shows."""
    dtype = t.data.dtype
    if dtype.kind not in "iu" or type(v) is not int:
        return OverflowError(f"{op}: {err}")
    fix = "; convert the tensor first: .astype(sd.i64)" if dtype == "int32" else ""
    return OverflowError(f"{op}: Python integer {v} out of bounds for {dtype}{fix}")


def settle(dtype: Any, out: Array) -> Array:
    """`out`, whose dtype NumPy changed from the operands' `dtype`, in PyTorch's dtype.

    A float operand's dtype is kept: NumPy makes `bf16 * 0.5` f32 (a Python float is weak for
    its own float types only), PyTorch keeps bf16. NumPy's `bool ** 2` is int8, no shapedl
    dtype: int64, as PyTorch's. Otherwise NumPy's dtype stays (`i64 + 0.5` is f64, as DESIGN
    says).
    """
    if is_float(dtype):
        return out.astype(dtype)
    if out.dtype.kind in "iu" and out.dtype.itemsize < 4:
        return out.astype("int64")
    return out


_BINARY = dict(tensors=("a", "b"))


@register("add", broadcast_rule, methods=("__add__", "__radd__", "add"), **_BINARY)  # type: ignore[arg-type]
def add(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a + b` with NumPy broadcasting; Python scalars on either side.

    Raises:
        ShapeError: when the shapes do not broadcast.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.add(sd.ones((2, 3)), sd.ones((3,))).shape
        (2, 3)
    """
    return _binary("add", a, b, lambda x, y: x + y, lambda g, *_: g, lambda g, *_: g)


@register("sub", broadcast_rule, methods=("__sub__", "__rsub__", "sub"), **_BINARY)  # type: ignore[arg-type]
def sub(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a - b` with NumPy broadcasting.

    Raises:
        TypeError: for two bools, as PyTorch (the difference of masks is `a ^ b`).
    """
    try:
        return _binary("sub", a, b, lambda x, y: x - y, lambda g, *_: g, lambda g, *_: -g)
    except TypeError:
        if _bool(a) and _bool(b):  # NOTE: on the error path only, for NumPy's own text
            raise TypeError(
                "sub: two bools have no difference (as in PyTorch); use a ^ b "
                "(sd.logical_xor) for masks, or convert them first: a.astype(sd.i64)"
            ) from None
        raise


def _bool(v: Operand) -> bool:
    """Whether `v` is a bool tensor or a Python bool."""
    return v.data.dtype.kind == "b" if isinstance(v, Tensor) else type(v) is bool


@register("mul", broadcast_rule, methods=("__mul__", "__rmul__", "mul"), **_BINARY)  # type: ignore[arg-type]
def mul(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a * b` with NumPy broadcasting; a Python scalar beside an f16 or bf16 tensor is taken
    in float32 (`x * 65536` overflows only where the product does), as PyTorch's."""
    return _binary(
        "mul", a, b, lambda x, y: x * y, lambda g, x, y, o: g * y, lambda g, x, y, o: g * x
    )


@register("div", broadcast_rule, methods=("__truediv__", "__rtruediv__", "div"), **_BINARY)  # type: ignore[arg-type]
def div(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a / b` with NumPy broadcasting.

    As PyTorch's for an f16 or bf16 tensor and a Python scalar: `x / c` divides in float32
    (`g / 65536`, a loss scale, is not `g / inf`) and `c / x` is `x.reciprocal() * c`.
    """
    if not isinstance(a, Tensor) and isinstance(b, Tensor) and b.data.itemsize == 2:
        return mul(reciprocal(b), weak("div", a))
    return _binary(
        "div",
        a,
        b,
        lambda x, y: x / y,
        lambda g, x, y, o: g / y,
        # NOTE: PyTorch's order, `-g * ((x / y) / y)`: `(-g * o) / y` rounds differently and
        # stays finite where PyTorch's overflows (88.8 / 2.4e-19**2 in f32)
        lambda g, x, y, o: -g * (o / y),
    )


@register("pow", broadcast_rule, methods=("pow", "__pow__", "__rpow__"), **_BINARY)  # type: ignore[arg-type]
def pow(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a ** b` with NumPy broadcasting (either side may be a Python scalar).

    Integers to a negative power are PyTorch's: 0 but for a base of 1 or -1 where the power
    is a tensor, and a `ValueError` where it is a Python int (NumPy raises for both).
    """
    xp = _xp(a, b)
    backend = _backend(a, b)
    integers = _integers(a) and _integers(b)
    if integers and not isinstance(b, Tensor) and b < 0:
        raise ValueError(
            f"pow: integers to negative integer powers are not allowed (as PyTorch's), here "
            f"{b}; convert the base with .astype(sd.f32)"
        )

    def da(g: Array, x: Any, y: Any, o: Array) -> Array:
        # NOTE: 0 where the exponent is 0, as PyTorch (not 0 * x ** -1, nan at x = 0)
        if isinstance(y, int | float):
            return xp.zeros_like(g) if y == 0 else g * y * x ** (y - 1)
        return xp.where(y == 0, 0, g * y * x ** (y - 1))

    def db(g: Array, x: Any, y: Any, o: Array) -> Array:
        # NOTE: PyTorch's rule: 0 where the base is 0 and the exponent >= 0, else
        # `x ** y * log(x)` (nan for a negative base). An array even for `2 ** t`, where x is
        # a Python scalar: CuPy's `where` and `log` take arrays only
        base = backend.asarray(x, dtype=str(o.dtype))  # NOTE: made on a recorded GPU too
        return g * xp.where((base == 0) & (y >= 0), 0, o * xp.log(base))

    power = (lambda x, y: _integer_pow(xp, x, y)) if integers else (lambda x, y: x**y)
    return _binary("pow", a, b, power, da, db)


def _integers(v: Operand) -> bool:
    """Whether `v` is an integer (or bool) tensor or Python scalar: `True ** t` is `1 ** t`."""
    return v.data.dtype.kind in "iub" if isinstance(v, Tensor) else type(v) in (int, bool)


def _integer_pow(xp: Any, x: Any, y: Any) -> Array:
    """`x ** y` of integers, a negative power as PyTorch's: 1 for a base of 1, +-1 for -1, else
    0 (NumPy refuses it)."""
    # NOTE: a Python int stays one: NumPy's `maximum(2, 0)` is an int64 scalar, which made
    # `i32 ** 2` i64
    out = x ** (max(y, 0) if type(y) is int else xp.maximum(y, 0))
    ones = xp.where(y % 2 == 0, 1, -1) * (x == -1) + (x == 1)
    return xp.where(y < 0, ones, out).astype(out.dtype, copy=False)


@register("maximum", broadcast_rule, methods=("maximum",), **_BINARY)  # type: ignore[arg-type]
def maximum(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """Elementwise maximum; ties send half the gradient to each side, as PyTorch does."""
    backend = _backend(a, b)
    return _binary(
        "maximum",
        a,
        b,
        lambda x, y: _xp(a, b).maximum(x, y),
        lambda g, x, y, o: _share(backend, g, x < y, x == y),
        lambda g, x, y, o: _share(backend, g, y < x, x == y),
    )


@register("minimum", broadcast_rule, methods=("minimum",), **_BINARY)  # type: ignore[arg-type]
def minimum(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """Elementwise minimum; ties send half the gradient to each side, as PyTorch does."""
    backend = _backend(a, b)
    return _binary(
        "minimum",
        a,
        b,
        lambda x, y: _xp(a, b).minimum(x, y),
        lambda g, x, y, o: _share(backend, g, x > y, x == y),
        lambda g, x, y, o: _share(backend, g, y > x, x == y),
    )


@register("xlogy", broadcast_rule, **_BINARY)  # type: ignore[arg-type]
def xlogy(a: Operand, b: Operand) -> Tensor[Any, Any, Any]:
    """`a * log(b)`, and 0 where `a` is 0 (unless `b` is nan), as PyTorch's `xlogy`.

    The gradients are PyTorch's: `log(b)` for `a` (0 where `a` is 0 and `b <= 0`) and `a / b`
    for `b`, nan at `a = b = 0`: `xlogy(p, p)`, the entropy term, has no derivative at `p = 0`.

    Example:
        >>> import shapedl as sd
        >>> sd.ops.xlogy(sd.tensor([0.0, 2.0]), sd.tensor([0.0, 1.0])).tolist()
        [0.0, 0.0]
    """
    xp = _xp(a, b)
    backend = _backend(a, b)
    quiet = backend.quiet

    # NOTE: quiet: log(0) is the common case here (a zero probability), not an accident
    def fn(x: Any, y: Any) -> Array:
        with quiet():
            return xp.where((x == 0) & ~xp.isnan(y), 0, x * xp.log(y))

    def da(g: Array, x: Any, y: Any, o: Array) -> Array:
        with quiet():
            return xp.where((x == 0) & (y <= 0), 0, g * xp.log(y))

    def db(g: Array, x: Any, y: Any, o: Array) -> Array:
        with quiet():
            return g * (x / backend.asarray(y, dtype=str(o.dtype)))

    return _binary("xlogy", a, b, fn, da, db)


def _share(backend: Backend, g: Array, lose: Array, tie: Array) -> Array:
    """`g` where this side did not lose (0 where it did, even for an infinite `g`), half of it
    on a tie: PyTorch's rule, which also gives the whole gradient to both sides where either
    is nan (neither loses nor ties)."""
    return backend.zero_unless(~lose, g * (1 - 0.5 * tie).astype(g.dtype))


def _xp(a: Operand, b: Operand) -> Any:
    return a.xp if isinstance(a, Tensor) else b.xp  # type: ignore[union-attr]


def _backend(a: Operand, b: Operand) -> Backend:
    """The backend of the operands' tensor (one of them is one)."""
    return (a if isinstance(a, Tensor) else b).device.backend  # type: ignore[union-attr]
