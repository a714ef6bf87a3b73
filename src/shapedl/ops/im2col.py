"""The kernels of `ops/conv.py`: im2col + one GEMM, forward and both gradients, in 2-d.

How it runs (NOTE: the whole point is speed on CPU): the input's sliding windows are copied
into a column matrix `(N, C, KH, KW, Ho, Wo)` by one `as_strided` copy, and one batched
`matmul` of the weight `(G, O/G, C/G*KH*KW)` with it writes the output directly in
`(N, O, Ho, Wo)` order (no transposes). The gradient of the weight is a second GEMM against
the same columns: those the forward kept where the batch's fit one chunk (`keep`), copied
again otherwise. The gradient of the input is the adjoint: for stride 1 a convolution of the
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

from collections.abc import Iterator
from typing import Any

from shapedl.backend import Array

__all__ = ["CHUNK_BYTES", "Geometry", "Pads", "conv", "conv_adjoint", "input_grad", "weight_grad"]

Pads = tuple[tuple[int, int], tuple[int, int]]  # ((top, bottom), (left, right))
Shape = tuple[int, ...]

# NOTE: a quarter of a 32 MB L3, so a chunk's columns and the GEMM's panels stay in cache.
CHUNK_BYTES = 8 << 20


def _chunks(n: int, per_item: int) -> list[tuple[int, int]]:
    """`[n0, n1)` ranges over the batch, each about `CHUNK_BYTES` of columns, the first longest.

    NOTE: an empty batch has no chunk (no range, rather than a step of 0 to divide by); the
    passes then allocate no buffer, and `weight_grad` sums no part.
    """
    if n == 0:
        return []
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


class Geometry:
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

    def flipped(self) -> Geometry | None:
        """The stride-1 convolution `small -> big` that is this one's adjoint, if there is one."""
        spans = [d * (k - 1) for k, d in zip(self.k, self.d, strict=True)]
        (t, b), (left, r) = self.p
        pads = ((spans[0] - t, spans[0] - b), (spans[1] - left, spans[1] - r))
        if self.s != (1, 1) or min(min(pads[0]), min(pads[1])) < 0:
            return None
        return Geometry(self.k, self.s, self.d, pads, self.small, self.big)


# ---- the three passes -------------------------------------------------------------------
def _im2col_chunks(
    xp: Any, x: Array, g: Geometry, whole_rows: bool = False
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
    if not spans:
        return
    pad = _Padder(xp, x, g.p, spans[0][1], slack)
    buf = xp.empty((spans[0][1], c, kh, kw, ho, wo), x.dtype)
    for n0, n1 in spans:
        cols = buf[: n1 - n0]
        xp.copyto(cols, _windows(xp, pad(n0, n1), g.k, g.s, g.d, (ho, wo)))
        yield n0, n1, cols


def _whole_rows(x: Array, w: Array, g: Geometry) -> bool:
    """Whether `conv` copies its columns as whole rows (see `_im2col_chunks`).

    NOTE: the rows then need a compaction pass over the output (strided, slow), which pays
    only where the columns outweigh the output: many columns per output channel, or fewer
    with short rows. Measured (1 thread): whole rows won on (32,16,4,4) -> 32 (280 against
    410 us) and on the input gradient (32,16,14,14) -> 8 (720 against 1050 us), and lost on
    28x28 images with 1 or 4 channels (520 against 270 us, 3.6 against 2.5 ms) and on
    (32,1,8,8) -> 16 (120 against 80 us); even on (32,8,14,14) -> 16.
    """
    per_output = x.shape[1] * g.k[0] * g.k[1] / w.shape[0]
    return g.s == (1, 1) and (per_output >= 8 or (per_output >= 2 and g.small[1] <= 8))


def conv(
    xp: Any, x: Array, w: Array, b: Array | None, g: Geometry, groups: int, keep: bool = False
) -> tuple[Array, Array | None]:
    """Convolution `big -> small`: per chunk, im2col, then one batched GEMM into the output.

    With `keep`, also the columns of the whole batch where they fit one chunk (None where
    they do not), which `weight_grad` takes instead of copying them again.
    """
    n, o, (ho, wo) = x.shape[0], w.shape[0], g.small
    out = xp.empty((n, o, ho, wo), x.dtype)
    wg = _grouped(w, groups)
    bias = 0 if b is None else b.reshape(o, 1, 1)
    rows: Array = None
    kept = None
    for n0, n1, cols in _im2col_chunks(xp, x, g, whole_rows=_whole_rows(x, w, g)):
        kept = cols if keep and (n0, n1) == (0, n) and cols.shape[-1] == wo else None
        m, wc = n1 - n0, cols.shape[-1]
        if wc != wo and rows is None:
            rows = xp.empty((m, o, ho, wc), x.dtype)
        y = out[n0:n1] if wc == wo else rows[:m]
        xp.matmul(wg, cols.reshape(m, groups, -1, ho * wc), out=y.reshape(m, groups, -1, ho * wc))
        if wc != wo:
            xp.add(y[..., :wo], bias, out=out[n0:n1])
        elif b is not None:
            out[n0:n1] += bias
    return out, kept


def conv_adjoint(xp: Any, y: Array, w: Array, b: Array | None, g: Geometry, groups: int) -> Array:
    """Transposed convolution `small -> big`: a GEMM per chunk into columns, then col2im."""
    n, o, h, wd = y.shape
    c, (kh, kw), (hb, wb) = w.shape[1] * groups, g.k, g.big
    (t, bottom), (left, r) = g.p
    wg_t = xp.swapaxes(_grouped(w, groups), 1, 2)
    out = xp.empty((n, c, hb, wb), y.dtype)
    spans = _chunks(n, c * kh * kw * h * wd * y.itemsize)
    if not spans:
        return out
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


def weight_grad(
    xp: Any,
    x: Array,
    grad: Array,
    g: Geometry,
    groups: int,
    shape: tuple[int, ...],
    columns: Array | None = None,
) -> Array:
    """The weight's gradient of `conv(x, w)`: a GEMM per chunk of the columns with `grad`.

    `columns`: those of the whole batch that `conv(..., keep=True)` kept, if it did.

    NOTE: computed transposed, `(C/G*KH*KW, O/G)` per group; OpenBLAS is faster that way.
    """
    o, (ho, wo) = grad.shape[1], g.small
    gw_t: Any = None
    chunks = _im2col_chunks(xp, x, g) if columns is None else [(0, x.shape[0], columns)]
    for n0, n1, cols in chunks:
        m = n1 - n0
        gc_t = xp.swapaxes(grad[n0:n1].reshape(m, groups, o // groups, ho * wo), 2, 3)
        part = xp.matmul(cols.reshape(m, groups, -1, ho * wo), gc_t).sum(axis=0)
        gw_t = part if gw_t is None else gw_t + part
    if gw_t is None:  # NOTE: an empty batch: no term, so zeros (as PyTorch's)
        return xp.zeros(shape, grad.dtype)
    return xp.swapaxes(gw_t, 1, 2).reshape(shape)


def input_grad(xp: Any, grad: Array, w: Array, g: Geometry, groups: int) -> Array:
    """The input's gradient of `conv`: its adjoint, as a convolution where that is cheaper.

    NOTE: a stride-1 adjoint is a convolution of `grad` with the flipped kernel (im2col of
    `O*KH*KW` rows, then a GEMM); col2im writes `C*KH*KW` rows and adds them back with slow
    strided adds. Measured, the convolution wins up to about three times as many output
    channels as input channels, col2im beyond.
    """
    flipped = g.flipped()
    if flipped is None or w.shape[0] > 3 * w.shape[1] * groups:
        return conv_adjoint(xp, grad, w, None, g, groups)
    return conv(xp, grad, _flip(w, groups), None, flipped, groups)[0]
