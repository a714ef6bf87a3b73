"""Convolutions: `conv1d`, `conv2d`, `conv_transpose1d` and `conv_transpose2d`, as im2col +
one GEMM.

Shape rules: `conv_out` per spatial axis (`(H + 2P - D*(K-1) - 1) // S + 1`; transposed,
`(H-1)*S - 2P + D*(K-1) + OP + 1`), the input's channels must be the weight's channels times
`groups`, `groups` divides both channel counts, and a bias is `(O,)`. A 1-d convolution runs
as the 2-d one with a height of 1, under its own 1-d rule.

How it runs: im2col + one GEMM per chunk of the batch, in `ops/im2col.py`; the options
(stride, padding, dilation) are parsed once, by `conv_options`, into what the rule checks and
the kernels run with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np

from shapedl import dims
from shapedl.backend import Array
from shapedl.backend.sums import sum_axes
from shapedl.dims import Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops import im2col
from shapedl.ops.convolve import Passes
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.precision import in_f32, is_half
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

Single = int | tuple[int]
Pair = int | tuple[int, int]
Padding = int | tuple[int, int] | Literal["same", "valid"]
AnyTensor = Tensor[Any, Any, Any]
_TENSORS = ("x", "weight", "bias")
_OPTIONS = ("stride", "padding", "dilation", "groups")


def _shape(t: AnyTensor | None) -> Shape | None:
    return None if t is None else t.shape


# ---- shape rules ------------------------------------------------------------------------
def _check_rank(op: str, shapes: list[Shape], x: Shape, w: Shape, nd: int) -> None:
    names = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
    if len(x) != nd + 2:
        raise shape_error(op, shapes, f"the input must have rank {nd + 2} {names}, not {len(x)}")
    if len(w) != nd + 2:
        raise shape_error(op, shapes, f"the weight must have rank {nd + 2}, not {len(w)}")
    for i, k in enumerate(w[2:], 2):
        # NOTE: an empty kernel would give an output of biases, larger than the input
        if isinstance(k, int) and k < 1:
            why = f"the kernel size at axis {i} of the weight is {k}; it must be at least 1"
            raise shape_error(op, shapes, why)


def _check_groups(op: str, shapes: list[Shape], groups: object, channels: Dim, what: str) -> Dim:
    """`groups` as a dim: a positive int, or a size known only at run time."""
    if not dims.is_size(groups) or (isinstance(groups, int) and groups < 1):
        raise shape_error(op, shapes, f"groups must be a positive int, got {groups!r}")
    if isinstance(channels, int) and isinstance(groups, int) and channels % groups:
        raise shape_error(op, shapes, f"{what} {channels} is not divisible by groups {groups}")
    return groups


def _check_bias(op: str, shapes: list[Shape], bias: Shape | None, channels: Dim) -> None:
    if bias is None:
        return
    if len(bias) != 1 or dims.same(bias[0], channels) is False:
        raise shape_error(
            op,
            [*shapes, bias],
            f"the bias must have shape ({channels},), one value per output channel",
        )


def _spatial(
    op: str, shapes: list[Shape], o: ConvOptions, size: Callable[[Dim, Dim, int], Dim]
) -> list[Dim]:
    """Each spatial output size, `size(input, kernel, axis)`, checked to be at least 1."""
    (x, weight), out = shapes, []
    for i in range(len(x) - 2):
        n, k, s, p, d = x[2 + i], weight[2 + i], o.stride[i], o.padding[i], o.dilation[i]
        out.append(size(n, k, i))
        if isinstance(out[-1], int) and out[-1] < 1:
            why = f"input {n}, kernel {k}, stride {s}, padding {p}, dilation {d}"
            raise shape_error(op, shapes, f"output size {out[-1]} < 1 along axis {2 + i} ({why})")
    return out


@dataclass(frozen=True)
class ConvOptions:
    """A convolution's stride, padding and dilation, parsed once: `nd` dims each.

    The rule checks the output size with them, and `geometry` gives the kernels the same
    numbers. `same` is `padding="same"`, whose padding follows from the kernel.
    """

    stride: tuple[Dim, ...]
    padding: tuple[Dim, ...]
    dilation: tuple[Dim, ...]
    same: bool = False

    def out_size(self, n: Dim, k: Dim, i: int) -> Dim:
        """The output size along spatial axis `i` of an input `n` and a kernel `k`."""
        s, p, d = self.stride[i], self.padding[i], self.dilation[i]
        return n if self.same else dims.conv_out(n, k, s, p, d)

    def geometry(
        self, op: str, weight: Shape, big: tuple[Dim, ...], small: tuple[Dim, ...]
    ) -> im2col.Geometry:
        """The 2-d geometry of the kernels from `big` to `small` (a 1-d one has a height of 1)."""
        lift = (1,) * (2 - len(big))
        k = lift + _ints(op, "kernel", weight[2:])
        s = lift + _ints(op, "stride", self.stride)
        d = lift + _ints(op, "dilation", self.dilation)
        p = (0,) * len(lift) + _ints(op, "padding", self.padding)
        pads = [(pi, pi) for pi in p]
        if self.same:  # NOTE: an odd total pads one more after, as PyTorch does
            spans = (di * (ki - 1) for di, ki in zip(d, k, strict=True))
            pads = [(t // 2, t - t // 2) for t in spans]
        return im2col.Geometry(k, s, d, (pads[0], pads[1]), lift + big, lift + small)


def _ints(op: str, name: str, v: tuple[Dim, ...]) -> tuple[int, ...]:
    # NOTE: at run time every option must be a number; the rule has already checked its range
    return dims.int_tuple(op, [], name, v, len(v), 0)


def conv_options(
    op: str,
    shapes: list[Shape],
    stride: object,
    padding: object,
    dilation: object,
    nd: int,
    *,
    named_padding: bool = True,
) -> ConvOptions:
    """Parse `stride`, `padding` (an int, `nd` ints, or "same"/"valid" where `named_padding`)
    and `dilation`, the one parse the rule, the kernels and the plugin share."""
    s = dims.option_tuple(op, shapes, "stride", stride, nd, 1)
    d = dims.option_tuple(op, shapes, "dilation", dilation, nd, 1)
    named = named_padding and padding in ("same", "valid")
    if named and padding == "same" and any(isinstance(i, int) and i != 1 for i in s):
        raise shape_error(op, shapes, "padding='same' needs stride 1", "pad explicitly instead")
    p = dims.option_tuple(op, shapes, "padding", 0 if named else padding, nd, 0)
    return ConvOptions(s, p, d, named and padding == "same")


class Given(NamedTuple):
    """A convolution's options as the caller gave them, before `conv_options` parses them."""

    stride: object
    padding: object
    dilation: object
    output_padding: object = None  # NOTE: only a transposed convolution has one


def _checked(
    op: str, x: Shape, weight: Shape, bias: Shape | None, groups: object, given: Given, nd: int
) -> tuple[Shape, ConvOptions]:
    """The output shape of a convolution (transposed when `given` has an output padding), and
    its options as parsed to find it."""
    shapes, transposed = [x, weight], given.output_padding is not None
    _check_rank(op, shapes, x, weight, nd)
    what = f"the weight's {'input' if transposed else 'output'} channels (axis 0)"
    groups = _check_groups(op, shapes, groups, weight[0], what)
    expects = weight[0] if transposed else dims.mul(weight[1], groups)
    if dims.same(x[1], expects) is False:
        where = "axis 0" if transposed else f"axis 1 of the weight x groups {groups}"
        why = f"input has {x[1]} channels (axis 1) but the weight expects {expects} ({where})"
        raise shape_error(op, shapes, why)
    channels = dims.mul(weight[1], groups) if transposed else weight[0]
    _check_bias(op, shapes, bias, channels)
    o = conv_options(op, shapes, *given[:3], nd, named_padding=not transposed)
    size = _transposed_size(op, shapes, o, given.output_padding) if transposed else o.out_size
    return (x[0], channels, *_spatial(op, shapes, o, size)), o


def _transposed_size(
    op: str, shapes: list[Shape], o: ConvOptions, output_padding: object
) -> Callable[[Dim, Dim, int], Dim]:
    """`(H-1)*S - 2P + D*(K-1) + OP + 1` along axis `i`, once `output_padding` is checked."""
    extra = dims.option_tuple(op, shapes, "output_padding", output_padding, len(o.stride), 0)
    if any(
        isinstance(e, int) and isinstance(s, int) and isinstance(d, int) and e >= max(s, d)
        for e, s, d in zip(extra, o.stride, o.dilation, strict=True)
    ):
        raise shape_error(op, shapes, "output_padding must be smaller than stride or dilation")

    def size(n: Dim, k: Dim, i: int) -> Dim:
        full = dims.add(
            dims.mul(dims.sub(n, 1), o.stride[i]), dims.mul(o.dilation[i], dims.sub(k, 1))
        )
        return dims.add(full, dims.sub(dims.add(1, extra[i]), dims.mul(2, o.padding[i])))

    return size


def _conv_rule(
    op: str,
    x: Shape,
    weight: Shape,
    bias: Shape | None = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    groups: object = 1,
    *,
    nd: int,
) -> Shape:
    """The rule of an `nd`-d convolution, `(N, C, *S) * (O, C/G, *K) -> (N, O, *conv_out(S))`."""
    return _checked(op, x, weight, bias, groups, Given(stride, padding, dilation), nd)[0]


# `(N, C, L) * (O, C/G, K) -> (N, O, conv_out(L))`
conv1d_rule = functools.partial(_conv_rule, nd=1)
# `(N, C, H, W) * (O, C/G, KH, KW) -> (N, O, conv_out(H), conv_out(W))`
conv2d_rule = functools.partial(_conv_rule, nd=2)


def _conv_transpose_rule(
    op: str,
    x: Shape,
    weight: Shape,
    bias: Shape | None = None,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    groups: object = 1,
    dilation: object = 1,
    *,
    nd: int,
) -> Shape:
    """The rule of an `nd`-d transposed convolution,
    `(N, C, *S) * (C, O/G, *K) -> (N, O, *((S-1)*ST - 2P + D*(K-1) + OP + 1))`."""
    given = Given(stride, padding, dilation, output_padding)
    return _checked(op, x, weight, bias, groups, given, nd)[0]


# `(N, C, L) * (C, O/G, K) -> (N, O, (L-1)*S - 2P + D*(K-1) + OP + 1)`
conv_transpose1d_rule = functools.partial(_conv_transpose_rule, nd=1)
# `(N, C, H, W) * (C, O/G, KH, KW) -> (N, O, (H-1)*S - 2P + D*(K-1) + OP + 1, ...)`
conv_transpose2d_rule = functools.partial(_conv_transpose_rule, nd=2)


# ---- public ops -------------------------------------------------------------------------
def _data(t: AnyTensor | None, nd: int) -> Array | None:
    """The array of `t`, with a height axis of 1 inserted for a 1-d convolution."""
    if t is None:
        return None
    return t.data if nd == 2 or t.ndim == 1 else t.data[:, :, None, :]


def _run(
    x: AnyTensor,
    weight: AnyTensor,
    bias: AnyTensor | None,
    g: im2col.Geometry,
    groups: int,
    nd: int,
    transposed: bool = False,
) -> AnyTensor:
    """Forward of a (transposed) convolution and its recorded backward, in 2-d."""
    inputs = (x, weight) if bias is None else (x, weight, bias)
    check_devices("conv", *inputs)
    xp, a, w, b = x.xp, _data(x, nd), _data(weight, nd), _data(bias, nd)
    passes = Passes(x, g, groups)
    if transposed:
        out = passes.adjoint(a, w, b, grad=False)
    else:  # NOTE: columns kept only where a backward pass may follow
        out = passes.conv(a, w, b, keep=any(t.tape is not None for t in inputs))

    def vjp(grad: Array) -> tuple[Array | Callable[[], Array], ...]:
        grad = xp.ascontiguousarray(grad.reshape(out.shape))

        def gx() -> Array:  # NOTE: computed only if wanted (not for a traced input batch)
            if transposed:  # the adjoint of `conv` from grad to x, so the roles swap
                return passes.conv(grad, w, None).reshape(x.shape)
            return passes.adjoint(grad, w, None, grad=True).reshape(x.shape)

        gw = passes.weight(grad, a, w) if transposed else passes.weight(a, grad, w)
        gw = gw.reshape(weight.shape)
        gb = () if bias is None else (sum_axes(grad, (0, 2, 3)),)
        return (gx, gw, *gb)

    return record(out if nd == 2 else out[:, :, 0], inputs, vjp)


# NOTE: on the CPU, a half-precision convolution with a bias runs in f32 and rounds once, as
# PyTorch's CPU kernel: rounding the product to f16/bf16 before adding the bias rounded twice
# (1 bf16 ulp off); a GPU keeps cuDNN's half-precision convolution
_run_in_f32 = in_f32()(_run)


def _forward(
    op: str,
    nd: int,
    x: AnyTensor,
    weight: AnyTensor,
    bias: AnyTensor | None,
    groups: int,
    given: Given,
) -> AnyTensor:
    """A convolution: the rule's check and parse, then the kernels with the parsed numbers."""
    same_dtype(op, x, weight, *([] if bias is None else [bias]))
    key = (op, nd, x.shape, weight.shape, _shape(bias), groups, given)
    try:
        hash(key)
    except TypeError:  # NOTE: an option in a list, say: parsed every call
        g = _plan(*key)
    else:
        g = _cached_plan(*key)
    half_bias = bias is not None and x.xp is np and is_half(x.data.dtype)
    run = _run_in_f32 if half_bias else _run
    return run(x, weight, bias, g, groups, nd, given.output_padding is not None)


def _plan(
    op: str, nd: int, x: Shape, weight: Shape, bias: Shape | None, groups: int, given: Given
) -> im2col.Geometry:
    """The kernels' geometry of a convolution, after the rule's check (which raises here)."""
    shape, o = _checked(op, x, weight, bias, groups, given, nd)
    transposed = given.output_padding is not None
    big, small = (shape[2:], x[2:]) if transposed else (x[2:], shape[2:])
    return o.geometry(op, weight, big, small)


# NOTE: a step repeats its convolutions' shapes and options; parsing them again was half of
# a convolution's ~50 us of Python (CPU time here, the host's share of each call on a GPU)
_cached_plan = functools.lru_cache(maxsize=1024)(_plan)


@register("conv1d", conv1d_rule, tensors=_TENSORS, statics=_OPTIONS)
def conv1d(
    x: Tensor[Any, DT, Any],
    weight: Tensor[Any, DT, Any],
    bias: Tensor[Any, DT, Any] | None = None,
    stride: Single = 1,
    padding: Single | Literal["same", "valid"] = 0,
    dilation: Single = 1,
    groups: int = 1,
) -> Tensor[Any, DT, Any]:
    """1-d cross-correlation of `(N, C, L)` signals with `(O, C/groups, K)` kernels (PyTorch's).

    Args:
        x: the input `(N, C, L)`.
        weight: the kernels `(O, C/groups, K)`.
        bias: `(O,)`, added to every position, or None.
        stride: an int (or a 1-tuple, as `nn.Conv1d` keeps it) of at least 1.
        dilation: an int (or a 1-tuple) of at least 1.
        padding: zeros on both ends (an int or a 1-tuple), `"same"` (stride 1 only; the
            output keeps `L`) or `"valid"` (no padding).
        groups: split the channels into this many independent convolutions.

    Raises:
        ShapeError: when the channels disagree, `groups` does not divide them, the bias is not
            `(O,)`, or the output would be empty.

    Shape:
        `(N, C, L) -> (N, O, (L + 2P - D*(K-1) - 1) // S + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.conv1d(sd.ones((2, 3, 10)), sd.ones((4, 3, 3)), padding=1).shape
        (2, 4, 10)
    """
    return _forward("conv1d", 1, x, weight, bias, groups, Given(stride, padding, dilation))


@register("conv2d", conv2d_rule, tensors=_TENSORS, statics=_OPTIONS)
def conv2d(
    x: Tensor[Any, DT, Any],
    weight: Tensor[Any, DT, Any],
    bias: Tensor[Any, DT, Any] | None = None,
    stride: Pair = 1,
    padding: Padding = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[Any, DT, Any]:
    """2-d cross-correlation of `(N, C, H, W)` images with `(O, C/groups, KH, KW)` kernels.

    The same operation as PyTorch's `conv2d`.

    Args:
        x: the input `(N, C, H, W)`.
        weight: the kernels `(O, C/groups, KH, KW)`.
        bias: `(O,)`, added to every pixel, or None.
        stride: an int or a pair `(along H, along W)`, at least 1.
        dilation: an int or a pair `(along H, along W)`, at least 1.
        padding: zeros around the image, an int or a pair; `"same"` (stride 1 only; the output
            keeps `H, W`, an odd total pads one more at the bottom/right, as PyTorch does) or
            `"valid"` (no padding).
        groups: split the channels into this many independent convolutions.

    Raises:
        ShapeError: when the channels disagree, `groups` does not divide them, the bias is not
            `(O,)`, or the output would be empty.

    Shape:
        `(N, C, H, W) -> (N, O, (H + 2P - D*(KH-1) - 1) // S + 1, (W + ...) // S + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.conv2d(sd.ones((2, 3, 8, 8)), sd.ones((4, 3, 3, 3)), stride=2).shape
        (2, 4, 3, 3)
    """
    return _forward("conv2d", 2, x, weight, bias, groups, Given(stride, padding, dilation))


@register(
    "conv_transpose2d",
    conv_transpose2d_rule,
    tensors=_TENSORS,
    statics=(*_OPTIONS, "output_padding"),
)
def conv_transpose2d(
    x: Tensor[Any, DT, Any],
    weight: Tensor[Any, DT, Any],
    bias: Tensor[Any, DT, Any] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    groups: int = 1,
    dilation: Pair = 1,
) -> Tensor[Any, DT, Any]:
    """Transposed 2-d convolution (the gradient of `conv2d` with respect to its input).

    Args:
        x: the input `(N, C, H, W)`.
        weight: `(C, O/groups, KH, KW)`, as in PyTorch.
        bias: `(O,)` or None.
        stride: an int or a pair, at least 1.
        padding: rows and columns cropped from each border of the full output.
        output_padding: extra rows/columns at the bottom/right (less than stride or dilation),
            to pick one of the sizes that a strided `conv2d` maps to the same input size.
        groups: split the channels into this many independent convolutions.
        dilation: an int or a pair, at least 1 (after `groups`, PyTorch's order, unlike
            `conv2d`'s).

    Raises:
        ShapeError: when the channels disagree, `groups` does not divide them, the bias is not
            `(O,)`, or the output would be empty.

    Shape:
        `(N, C, H, W) -> (N, O, (H - 1)*S - 2P + D*(KH-1) + OP + 1, ...)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.conv_transpose2d(sd.ones((1, 8, 7, 7)), sd.ones((8, 2, 2, 2)), stride=2).shape
        (1, 2, 14, 14)
    """
    given = Given(stride, padding, dilation, output_padding)
    return _forward("conv_transpose2d", 2, x, weight, bias, groups, given)


@register(
    "conv_transpose1d",
    conv_transpose1d_rule,
    tensors=_TENSORS,
    statics=(*_OPTIONS, "output_padding"),
)
def conv_transpose1d(
    x: Tensor[Any, DT, Any],
    weight: Tensor[Any, DT, Any],
    bias: Tensor[Any, DT, Any] | None = None,
    stride: Single = 1,
    padding: Single = 0,
    output_padding: Single = 0,
    groups: int = 1,
    dilation: Single = 1,
) -> Tensor[Any, DT, Any]:
    """Transposed 1-d convolution (the gradient of `conv1d` with respect to its input): a
    decoder's or a vocoder's upsampling of `(N, C, L)` signals.

    Args:
        x: the input `(N, C, L)`.
        weight: `(C, O/groups, K)`, as in PyTorch.
        bias: `(O,)` or None.
        stride: an int or a 1-tuple, at least 1.
        padding: positions cropped from each end of the full output.
        output_padding: extra positions at the end (less than stride or dilation), to pick
            one of the lengths that a strided `conv1d` maps to the same input length.
        groups: split the channels into this many independent convolutions.
        dilation: an int or a 1-tuple, at least 1 (after `groups`, PyTorch's order).

    Raises:
        ShapeError: when the channels disagree, `groups` does not divide them, the bias is not
            `(O,)`, or the output would be empty.

    Shape:
        `(N, C, L) -> (N, O, (L - 1)*S - 2P + D*(K-1) + OP + 1)`

    Example:
        >>> import shapedl as sd
        >>> sd.ops.conv_transpose1d(sd.ones((1, 8, 7)), sd.ones((8, 2, 4)), stride=2).shape
        (1, 2, 16)
    """
    given = Given(stride, padding, dilation, output_padding)
    return _forward("conv_transpose1d", 1, x, weight, bias, groups, given)
