"""Convolutions: `conv1d`, `conv2d` and `conv_transpose2d`, as im2col + one GEMM.

Shape rules: `conv_out` per spatial axis (`(H + 2P - D*(K-1) - 1) // S + 1`), the input's
channels must be the weight's channels times `groups`, `groups` divides both channel counts,
and a bias is `(O,)`. `conv1d` is `conv2d` with a height of 1.

How it runs (NOTE: the whole point is speed on CPU): the input's sliding windows are copied
into a column matrix `(N, C, KH, KW, Ho, Wo)` by one `as_strided` copy, and one batched
`matmul` of the weight `(G, O/G, C/G*KH*KW)` with it writes the output directly in
`(N, O, Ho, Wo)` order (no transposes). The gradient of the weight is a second GEMM against
the same columns. The gradient of the input is the adjoint: for stride 1 a convolution of the
output's gradient with the flipped kernel (im2col again, then a GEMM as wide as the forward's),
otherwise a GEMM into columns followed by `col2im`, `KH*KW` strided slice-adds. A transposed
convolution is the same three passes with the roles swapped. All of it runs over the batch
in chunks whose column matrix stays in cache, reusing one buffer: a fresh 200 MB matrix per
call costs more in page faults and memory traffic than the GEMM itself.

NOTE: the chunks run one after another on the calling thread. Tried (2 cores): a thread pool
with a run of chunks per core, each doing its im2col copy and GEMM, with OpenBLAS held to
one thread by threadpoolctl (two 2-thread GEMMs side by side ran at half speed). The GEMMs
already keep both cores busy through OpenBLAS (the 64->64 3x3 GEMM runs near peak), and
`python -m benchmarks conv` got slower on the dfdx case (forward 1.1-1.6 -> 1.7-2.9 ms,
forward+backward 4.7-6.0 -> 6.9-8.8 ms) and no clearly faster on the 64->64 one (forward
54-61 -> 59-73 ms, forward+backward 176-198 -> 167-199 ms).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, Literal

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Dim, Shape
from shapedl.errors import shape_error
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT

__all__ = ["conv1d", "conv2d", "conv_transpose2d"]

Pair = int | tuple[int, int]
Padding = int | tuple[int, int] | Literal["same", "valid"]
Pads = tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
AnyTensor = Tensor[Any, Any, Any]

# NOTE: a quarter of a 32 MB L3, so a chunk's columns and the GEMM's panels stay in cache.
CHUNK_BYTES = 8 << 20


# ---- shape rules ------------------------------------------------------------------------
def _check_rank(op: str, shapes: list[Shape], x: Shape, w: Shape, nd: int) -> None:
    names = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
    if len(x) != nd + 2:
        raise shape_error(op, shapes, f"the input must have rank {nd + 2} {names}, not {len(x)}")
    if len(w) != nd + 2:
        raise shape_error(op, shapes, f"the weight must have rank {nd + 2}, not {len(w)}")


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


def _positive(op: str, shapes: list[Shape], out: Dim, axis: int, why: str) -> Dim:
    if isinstance(out, int) and out < 1:
        raise shape_error(op, shapes, f"output size {out} < 1 along axis {axis} ({why})")
    return out


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
    shapes = [x, weight]
    _check_rank(op, shapes, x, weight, nd)
    groups = _check_groups(op, shapes, groups, weight[0], "the weight's output channels (axis 0)")
    if dims.same(x[1], dims.mul(weight[1], groups)) is False:
        raise shape_error(
            op,
            shapes,
            f"input has {x[1]} channels (axis 1) but the weight expects "
            f"{dims.mul(weight[1], groups)} (axis 1 of the weight x groups {groups})",
        )
    _check_bias(op, shapes, bias, weight[0])
    s = dims.option_tuple(op, shapes, "stride", stride, nd, 1)
    d = dims.option_tuple(op, shapes, "dilation", dilation, nd, 1)
    if padding == "same" and any(isinstance(i, int) and i != 1 for i in s):
        raise shape_error(op, shapes, "padding='same' needs stride 1", "pad explicitly instead")
    p = dims.option_tuple(
        op, shapes, "padding", 0 if padding in ("same", "valid") else padding, nd, 0
    )
    out = [x[0], weight[0]]
    for i in range(nd):
        size, k = x[2 + i], weight[2 + i]
        o = size if padding == "same" else dims.conv_out(size, k, s[i], p[i], d[i])
        why = f"input {size}, kernel {k}, stride {s[i]}, padding {p[i]}, dilation {d[i]}"
        out.append(_positive(op, shapes, o, 2 + i, why))
    return tuple(out)


# `(N, C, L) * (O, C/G, K) -> (N, O, conv_out(L))`
conv1d_rule = functools.partial(_conv_rule, nd=1)
# `(N, C, H, W) * (O, C/G, KH, KW) -> (N, O, conv_out(H), conv_out(W))`
conv2d_rule = functools.partial(_conv_rule, nd=2)


def conv_transpose2d_rule(
    op: str,
    x: Shape,
    weight: Shape,
    bias: Shape | None = None,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
    groups: object = 1,
) -> Shape:
    """`(N, C, H, W) * (C, O/G, KH, KW) -> (N, O, (H-1)*S - 2P + D*(K-1) + OP + 1, ...)`."""
    shapes = [x, weight]
    _check_rank(op, shapes, x, weight, 2)
    groups = _check_groups(op, shapes, groups, weight[0], "the weight's input channels (axis 0)")
    if dims.same(x[1], weight[0]) is False:
        raise shape_error(
            op,
            shapes,
            f"input has {x[1]} channels (axis 1) but the weight expects {weight[0]} (axis 0)",
        )
    channels = dims.mul(weight[1], groups)
    _check_bias(op, shapes, bias, channels)
    s = dims.option_tuple(op, shapes, "stride", stride, 2, 1)
    d = dims.option_tuple(op, shapes, "dilation", dilation, 2, 1)
    p = dims.option_tuple(op, shapes, "padding", padding, 2, 0)
    op_ = dims.option_tuple(op, shapes, "output_padding", output_padding, 2, 0)
    if any(
        isinstance(o, int) and isinstance(si, int) and isinstance(di, int) and o >= max(si, di)
        for o, si, di in zip(op_, s, d, strict=True)
    ):
        raise shape_error(op, shapes, "output_padding must be smaller than stride or dilation")
    out = [x[0], channels]
    for i in range(2):
        size, k = x[2 + i], weight[2 + i]
        full = dims.add(dims.mul(dims.sub(size, 1), s[i]), dims.mul(d[i], dims.sub(k, 1)))
        o = dims.add(full, dims.sub(dims.add(1, op_[i]), dims.mul(2, p[i])))
        why = f"input {size}, kernel {k}, stride {s[i]}, padding {p[i]}, dilation {d[i]}"
        out.append(_positive(op, shapes, o, 2 + i, why))
    return tuple(out)


# ---- im2col / col2im --------------------------------------------------------------------
def _chunks(n: int, per_item: int) -> list[tuple[int, int]]:
    """`[n0, n1)` ranges over the batch, each about `CHUNK_BYTES` of columns, the first longest."""
    step = max(1, min(n, CHUNK_BYTES // max(per_item, 1)))
    step = -(-n // -(-n // step))
    return [(n0, min(n, n0 + step)) for n0 in range(0, n, step)]


def _windows(
    xp: Any, x: Array, k: tuple[int, int], s: tuple[int, int], d: tuple[int, int], out: Shape
) -> Array:
    """The view `(N, C, KH, KW, Ho, Wo)` of every window of `x`, no copy."""
    sn, sc, sh, sw = x.strides
    shape = (*x.shape[:2], *k, *out)
    strides = (sn, sc, sh * d[0], sw * d[1], sh * s[0], sw * s[1])
    return xp.lib.stride_tricks.as_strided(x, shape, strides)  # NOTE: CuPy has no writeable=


class _Padder:
    """Pads chunks of a batch into one buffer whose border is zeroed once.

    With `slack`, the chunk is copied even without padding, and the buffer ends in `slack`
    spare elements, so that windows running across whole rows stay inside it.
    """

    def __init__(self, xp: Any, x: Array, pads: Pads, rows: int, slack: int | None) -> None:
        (t, b), (left, r) = pads
        self.x, self.t, self.left = x, t, left
        self.buf = None
        if t or b or left or r or slack is not None:
            n, c, h, w = x.shape
            shape = (min(rows, n), c, h + t + b, w + left + r)
            size = shape[0] * c * shape[2] * shape[3]
            self.buf = xp.zeros(size + (slack or 0), x.dtype)[:size].reshape(shape)

    def __call__(self, n0: int, n1: int) -> Array:
        if self.buf is None:
            return self.x[n0:n1]
        h, w = self.x.shape[2:]
        out = self.buf[: n1 - n0]
        out[:, :, self.t : self.t + h, self.left : self.left + w] = self.x[n0:n1]
        return out


def _col2im_add(cols: Array, out: Array, s: tuple[int, int], d: tuple[int, int]) -> None:
    """Add columns `(N, C, KH, KW, Ho, Wo)` back onto the (padded) image `out` they came from."""
    kh, kw, ho, wo = cols.shape[2:]
    for i in range(kh):
        for j in range(kw):
            r, c = i * d[0], j * d[1]
            rows = slice(r, r + s[0] * (ho - 1) + 1, s[0])
            out[:, :, rows, c : c + s[1] * (wo - 1) + 1 : s[1]] += cols[:, :, i, j]


def _grouped(w: Array, groups: int) -> Array:
    """A weight `(O, C/G, KH, KW)` as `(G, O/G, C/G*KH*KW)`, the left factor of the GEMM."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _flip(w: Array, groups: int) -> Array:
    """The weight of the adjoint convolution: channels swapped per group, kernel rotated."""
    o, cg, kh, kw = w.shape
    wg = w.reshape(groups, o // groups, cg, kh, kw).swapaxes(1, 2)[..., ::-1, ::-1]
    return wg.reshape(groups * cg, o // groups, kh, kw)


class _Geometry:
    """A 2-d convolution from a `big` image (H, W before padding) to a `small` one (Ho, Wo).

    A transposed convolution runs the same geometry backwards, from `small` to `big`.
    """

    def __init__(
        self,
        k: tuple[int, ...],
        s: tuple[int, ...],
        d: tuple[int, ...],
        p: Pads,
        big: tuple[Any, ...],
        small: tuple[Any, ...],
    ) -> None:
        self.k, self.s, self.d, self.p = (k[0], k[1]), (s[0], s[1]), (d[0], d[1]), p
        self.big, self.small = (int(big[0]), int(big[1])), (int(small[0]), int(small[1]))

    def flipped(self) -> _Geometry | None:
        """The stride-1 convolution `small -> big` that is this one's adjoint, if there is one."""
        spans = [d * (k - 1) for k, d in zip(self.k, self.d, strict=True)]
        (t, b), (left, r) = self.p
        pads = ((spans[0] - t, spans[0] - b), (spans[1] - left, spans[1] - r))
        if self.s != (1, 1) or min(min(pads[0]), min(pads[1])) < 0:
            return None
        return _Geometry(self.k, self.s, self.d, pads, self.small, self.big)


# ---- the three passes -------------------------------------------------------------------
def _im2col_chunks(
    xp: Any, x: Array, g: _Geometry, whole_rows: bool = False
) -> Iterator[tuple[int, int, Array]]:
    """`n0, n1` and the columns `(n1 - n0, C, KH, KW, Ho, Wo)` of each chunk of the batch.

    `whole_rows` (stride 1 only) makes the columns `(..., Ho, W + padding)`: each window row
    then runs on into the next image row, and the last `W + padding - Wo` columns are junk
    for the caller to drop. NOTE: so each `(C, KH, KW)` row of the columns is one contiguous
    copy instead of `Ho` short ones, which halves the copy time of small images.
    """
    n, c = x.shape[:2]
    (kh, kw), (ho, wo) = g.k, g.small
    slack = None
    if whole_rows:
        wo, slack = x.shape[3] + g.p[1][0] + g.p[1][1], (kw - 1) * g.d[1]
    spans = _chunks(n, c * kh * kw * ho * wo * x.itemsize)
    pad = _Padder(xp, x, g.p, spans[0][1], slack)
    buf = xp.empty((spans[0][1], c, kh, kw, ho, wo), x.dtype)
    for n0, n1 in spans:
        cols = buf[: n1 - n0]
        xp.copyto(cols, _windows(xp, pad(n0, n1), g.k, g.s, g.d, (ho, wo)))
        yield n0, n1, cols


def _conv(xp: Any, x: Array, w: Array, b: Array | None, g: _Geometry, groups: int) -> Array:
    """Convolution `big -> small`: per chunk, im2col, then one batched GEMM into the output."""
    n, o, (ho, wo) = x.shape[0], w.shape[0], g.small
    out = xp.empty((n, o, ho, wo), x.dtype)
    wg = _grouped(w, groups)
    bias = 0 if b is None else b.reshape(o, 1, 1)
    rows: Array = None
    for n0, n1, cols in _im2col_chunks(xp, x, g, whole_rows=g.s == (1, 1)):
        m, wc = n1 - n0, cols.shape[-1]
        if wc != wo and rows is None:
            rows = xp.empty((m, o, ho, wc), x.dtype)
        y = out[n0:n1] if wc == wo else rows[:m]
        xp.matmul(wg, cols.reshape(m, groups, -1, ho * wc), out=y.reshape(m, groups, -1, ho * wc))
        if wc != wo:
            xp.add(y[..., :wo], bias, out=out[n0:n1])
        elif b is not None:
            out[n0:n1] += bias
    return out


def _conv_adjoint(xp: Any, y: Array, w: Array, b: Array | None, g: _Geometry, groups: int) -> Array:
    """Transposed convolution `small -> big`: a GEMM per chunk into columns, then col2im."""
    n, o, h, wd = y.shape
    c, (kh, kw), (hb, wb) = w.shape[1] * groups, g.k, g.big
    (t, bottom), (left, r) = g.p
    wg_t = xp.swapaxes(_grouped(w, groups), 1, 2)
    out = xp.empty((n, c, hb, wb), y.dtype)
    spans = _chunks(n, c * kh * kw * h * wd * y.itemsize)
    cols_buf = xp.empty((spans[0][1], c, kh, kw, h, wd), y.dtype)
    full_buf = xp.empty((spans[0][1], c, hb + t + bottom, wb + left + r), y.dtype)
    for n0, n1 in spans:
        m = n1 - n0
        cols, full = cols_buf[:m], full_buf[:m]
        yc = y[n0:n1].reshape(m, groups, o // groups, h * wd)
        xp.matmul(wg_t, yc, out=cols.reshape(m, groups, -1, h * wd))
        full.fill(0)
        _col2im_add(cols, full, g.s, g.d)
        out[n0:n1] = full[:, :, t : t + hb, left : left + wb]
        if b is not None:
            out[n0:n1] += b.reshape(c, 1, 1)
    return out


def _weight_grad(
    xp: Any, x: Array, grad: Array, g: _Geometry, groups: int, shape: tuple[int, ...]
) -> Array:
    """The weight's gradient of `_conv(x, w)`: a GEMM per chunk of the columns with `grad`.

    NOTE: computed transposed, `(C/G*KH*KW, O/G)` per group; OpenBLAS is faster that way.
    """
    o, (ho, wo) = grad.shape[1], g.small
    gw_t: Any = None
    for n0, n1, cols in _im2col_chunks(xp, x, g):
        m = n1 - n0
        gc_t = xp.swapaxes(grad[n0:n1].reshape(m, groups, o // groups, ho * wo), 2, 3)
        part = xp.matmul(cols.reshape(m, groups, -1, ho * wo), gc_t).sum(axis=0)
        gw_t = part if gw_t is None else gw_t + part
    return xp.swapaxes(gw_t, 1, 2).reshape(shape)


def _input_grad(xp: Any, grad: Array, w: Array, g: _Geometry, groups: int) -> Array:
    """The input's gradient of `_conv`: its adjoint, as a convolution where that is cheaper.

    NOTE: a stride-1 adjoint is a convolution of `grad` with the flipped kernel (im2col of
    `O*KH*KW` rows, then a GEMM); col2im writes `C*KH*KW` rows and adds them back with slow
    strided adds. Measured, the convolution wins up to about three times as many output
    channels as input channels, col2im beyond.
    """
    flipped = g.flipped()
    if flipped is None or w.shape[0] > 3 * w.shape[1] * groups:
        return _conv_adjoint(xp, grad, w, None, g, groups)
    return _conv(xp, grad, _flip(w, groups), None, flipped, groups)


# ---- public ops -------------------------------------------------------------------------
def _pads(padding: Padding, k: tuple[int, ...], d: tuple[int, ...]) -> Pads:
    """Zeros before and after each spatial axis; "same" puts an odd one after, as torch."""
    if padding == "same":
        total = [di * (ki - 1) for di, ki in zip(d, k, strict=True)]
        return (
            (total[0] // 2, total[0] - total[0] // 2),
            (total[1] // 2, total[1] - total[1] // 2),
        )
    p = (0, 0) if padding == "valid" else dims.int_tuple("conv", [], "padding", padding, 2, 0)
    return ((p[0], p[0]), (p[1], p[1]))


def _data(t: AnyTensor | None, nd: int) -> Array | None:
    """The array of `t`, with a height axis of 1 inserted for a 1-d convolution."""
    if t is None:
        return None
    return t.data if nd == 2 or t.ndim == 1 else t.data[:, :, None, :]


def _run(
    x: AnyTensor,
    weight: AnyTensor,
    bias: AnyTensor | None,
    g: _Geometry,
    groups: int,
    nd: int,
    transposed: bool = False,
) -> AnyTensor:
    """Forward of a (transposed) convolution and its recorded backward, in 2-d."""
    inputs = (x, weight) if bias is None else (x, weight, bias)
    check_devices("conv", *inputs)
    xp, a, w, b = x.xp, _data(x, nd), _data(weight, nd), _data(bias, nd)
    out = (_conv_adjoint if transposed else _conv)(xp, a, w, b, g, groups)

    def vjp(grad: Array) -> tuple[Array, ...]:
        grad = xp.ascontiguousarray(grad.reshape(out.shape))
        if transposed:  # the adjoint of `_conv` from grad to x, so the roles swap
            gx = _conv(xp, grad, w, None, g, groups)
            gw = _weight_grad(xp, grad, a, g, groups, weight.shape)
        else:
            gx = _input_grad(xp, grad, w, g, groups)
            gw = _weight_grad(xp, a, grad, g, groups, weight.shape)
        gb = () if bias is None else (grad.sum(axis=(0, 2, 3)),)
        return (gx.reshape(x.shape), gw, *gb)

    return record(out if nd == 2 else out[:, :, 0], inputs, vjp)


@register(
    "conv1d",
    conv1d_rule,
    tensors=("x", "weight", "bias"),
    statics=("stride", "padding", "dilation", "groups"),
)
def conv1d(
    x: Tensor[Any, DT, Any],
    weight: Tensor[Any, DT, Any],
    bias: Tensor[Any, DT, Any] | None = None,
    stride: int = 1,
    padding: int | Literal["same", "valid"] = 0,
    dilation: int = 1,
    groups: int = 1,
) -> Tensor[Any, DT, Any]:
    """1-d cross-correlation of `(N, C, L)` signals with `(O, C/groups, K)` kernels (PyTorch's).

    Args:
        x: the input `(N, C, L)`.
        weight: the kernels `(O, C/groups, K)`.
        bias: `(O,)`, added to every position, or None.
        stride: an int of at least 1.
        dilation: an int of at least 1.
        padding: zeros on both ends, `"same"` (stride 1 only; the output keeps `L`) or
            `"valid"` (no padding).
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
    same_dtype("conv1d", x, weight, *([] if bias is None else [bias]))
    shape = conv1d_rule(
        "conv1d", x.shape, weight.shape, _shape(bias), stride, padding, dilation, groups
    )
    (s,), (d,) = (
        dims.int_tuple("conv1d", [], name, v, 1, 1) for name, v in [("s", stride), ("d", dilation)]
    )
    p = (
        padding
        if isinstance(padding, str)
        else (0, dims.int_tuple("conv1d", [], "p", padding, 1, 0)[0])
    )
    k = (1, weight.shape[2])
    g = _Geometry(k, (1, s), (1, d), _pads(p, k, (1, d)), (1, x.shape[2]), (1, shape[2]))
    return _run(x, weight, bias, g, groups, nd=1)


@register(
    "conv2d",
    conv2d_rule,
    tensors=("x", "weight", "bias"),
    statics=("stride", "padding", "dilation", "groups"),
)
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
    same_dtype("conv2d", x, weight, *([] if bias is None else [bias]))
    shape = conv2d_rule(
        "conv2d", x.shape, weight.shape, _shape(bias), stride, padding, dilation, groups
    )
    s, d = (
        dims.int_tuple("conv2d", [], "stride", stride, 2, 1),
        dims.int_tuple("conv2d", [], "dilation", dilation, 2, 1),
    )
    k = (weight.shape[2], weight.shape[3])
    g = _Geometry(k, s, d, _pads(padding, k, d), x.shape[2:], shape[2:])
    return _run(x, weight, bias, g, groups, nd=2)


@register(
    "conv_transpose2d",
    conv_transpose2d_rule,
    tensors=("x", "weight", "bias"),
    statics=("stride", "padding", "output_padding", "dilation", "groups"),
)
def conv_transpose2d(
    x: Tensor[Any, DT, Any],
    weight: Tensor[Any, DT, Any],
    bias: Tensor[Any, DT, Any] | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    dilation: Pair = 1,
    groups: int = 1,
) -> Tensor[Any, DT, Any]:
    """Transposed 2-d convolution (the gradient of `conv2d` with respect to its input).

    Args:
        x: the input `(N, C, H, W)`.
        weight: `(C, O/groups, KH, KW)`, as in PyTorch.
        bias: `(O,)` or None.
        stride: an int or a pair, at least 1.
        dilation: an int or a pair, at least 1.
        padding: rows and columns cropped from each border of the full output.
        output_padding: extra rows/columns at the bottom/right (less than stride or dilation),
            to pick one of the sizes that a strided `conv2d` maps to the same input size.
        groups: split the channels into this many independent convolutions.

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
    same_dtype("conv_transpose2d", x, weight, *([] if bias is None else [bias]))
    shape = conv_transpose2d_rule(
        "conv_transpose2d",
        x.shape,
        weight.shape,
        _shape(bias),
        stride,
        padding,
        output_padding,
        dilation,
        groups,
    )
    s, d = (
        dims.int_tuple("conv_transpose2d", [], "stride", stride, 2, 1),
        dims.int_tuple("conv_transpose2d", [], "dilation", dilation, 2, 1),
    )
    k = (weight.shape[2], weight.shape[3])
    p = dims.int_tuple("conv_transpose2d", [], "padding", padding, 2, 0)
    g = _Geometry(k, s, d, ((p[0], p[0]), (p[1], p[1])), shape[2:], x.shape[2:])
    return _run(x, weight, bias, g, groups, nd=2, transposed=True)


def _shape(t: AnyTensor | None) -> Shape | None:
    return None if t is None else t.shape
