"""The kernels a 2-d convolution runs, pass by pass: the backend's library kernels (cuDNN on
CUDA, `backend/cudnn.py`) where it has them and they run this convolution, the im2col kernels
of `ops/im2col.py` otherwise. `ops/conv.py` records the passes on the tape.
"""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array, cudnn
from shapedl.ops import im2col
from shapedl.tensor import Tensor

__all__ = ["Passes"]


class Passes:
    """The three passes of one 2-d convolution `big -> small` (`g`) with the weight `w`:
    the backend's library kernels (cuDNN on CUDA) where it has them and they run this
    convolution, `ops/im2col.py`'s otherwise."""

    def __init__(self, x: Tensor[Any, Any, Any], g: im2col.Geometry, groups: int) -> None:
        self.xp, self.g, self.groups = x.xp, g, groups
        # NOTE: an empty batch stays on the im2col kernels (an empty result, a zero weight
        # gradient): cuDNN rejects a size of 0 (CUDNN_STATUS_BAD_PARAM, cudnn-frontend #101)
        self.fast = x.device.backend.convolutions() if x.shape[0] else None
        self.geometry = cudnn.Geometry(g.s, g.d, g.p)
        # NOTE: the im2col columns of the image `conv` ran on, kept for `weight` (see `conv`)
        self.columns: tuple[Array, Array] | None = None

    def conv(self, big: Array, w: Array, b: Array | None, *, keep: bool = False) -> Array:
        """`big -> small`: a convolution's forward, a transposed one's input gradient.

        `keep` (a forward whose weight gradient may follow): the im2col kernels keep their
        columns of `big`, where they fit one chunk (at most `im2col.CHUNK_BYTES`), until
        `weight` takes them and skips copying them again. NOTE: measured in the CNN training
        step of `benchmarks/train_step.py` on 28x28 images, the two weight gradients took
        0.98 ms instead of 1.53."""
        shape = (big.shape[0], w.shape[0], *self.g.small)
        out = None if self.fast is None else self.fast.forward(big, w, self.geometry, shape)
        if out is None:
            out, cols = im2col.conv(self.xp, big, w, b, self.g, self.groups, keep=keep)
            self.columns = None if cols is None else (big, cols)
            return out
        return out if b is None else _add_bias(out, b)

    def adjoint(self, small: Array, w: Array, b: Array | None, *, grad: bool) -> Array:
        """`small -> big`: a convolution's input gradient (`grad`), a transposed one's forward."""
        shape = (small.shape[0], w.shape[1] * self.groups, *self.g.big)
        out = None if self.fast is None else self.fast.data_grad(small, w, self.geometry, shape)
        if out is None and grad:
            return im2col.input_grad(self.xp, small, w, self.g, self.groups)
        if out is None:
            return im2col.conv_adjoint(self.xp, small, w, b, self.g, self.groups)
        return out if b is None else _add_bias(out, b)

    def weight(self, big: Array, small: Array, w: Array) -> Array:
        """The gradient of `w`, from the image `big` and the gradient `small` of `conv`."""
        fast = self.fast
        out = None if fast is None else fast.weight_grad(big, small, self.geometry, w.shape)
        if out is None:
            kept, self.columns = self.columns, None  # NOTE: used once, then freed
            cols = kept[1] if kept is not None and kept[0] is big else None
            return im2col.weight_grad(self.xp, big, small, self.g, self.groups, w.shape, cols)
        return out


def _add_bias(out: Array, b: Array) -> Array:
    out += b.reshape(1, -1, 1, 1)
    return out
