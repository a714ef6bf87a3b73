"""The kernels of `nn/recurrent.py`: all the steps of one RNN, LSTM or GRU layer as one op.

A layer's input projections `gx = x W_ih.T + b_ih` (every step's, one product, on the tape
as usual) go in; every step's state comes out. The forward keeps each step's gate
activations, and the backward runs the steps in reverse by hand (backpropagation through
time), so the tape holds one node per layer instead of a dozen per step. The recurrent
weight's gradient is then one GEMM over all steps, as is the gradient of the inputs.

NOTE: why: written as ops, a step of 32 x 128 is some 17 nodes of microseconds each, and
`python -m benchmarks recurrent` measured the LSTM at 5x PyTorch's fused cell.
The formulas are PyTorch's (gates stacked `i f g o` and `r z n`; `b_hh`'s `n` part inside
the GRU's reset gate). The cells (`nn/cell.py`) run the same kernels for one step.
"""

from __future__ import annotations

from typing import Any

from shapedl.backend import Array
from shapedl.ops.elementwise import sigmoid_array
from shapedl.tensor import Tensor, record

__all__ = ["gru_steps", "lstm_steps", "rnn_steps"]

AnyTensor = Tensor[Any, Any, Any]


def _inputs(*tensors: AnyTensor | None) -> tuple[AnyTensor, ...]:
    return tuple(t for t in tensors if t is not None)


def lstm_steps(
    gx: AnyTensor, w_hh: AnyTensor, b_hh: AnyTensor | None, h0: AnyTensor, c0: AnyTensor
) -> AnyTensor:
    """`(T, B, 4H)` input projections to `(T, B, 2H)`: every step's `h` and `c`, side by side.

    Each step: `i, f, g, o = gx[t] + h W_hh.T + b_hh` (sigmoid, sigmoid, tanh, sigmoid),
    `c = f * c + i * g`, `h = o * tanh(c)`; `h0` and `c0` are `(B, H)`.
    """
    xp, steps, batch, h4 = gx.xp, *gx.shape
    h = h4 // 4
    acts = gx.data + b_hh.data if b_hh is not None else gx.data.copy()
    out = xp.empty((steps, batch, 2 * h), acts.dtype)
    tanh_c = xp.empty((steps, batch, h), acts.dtype)
    w_t = w_hh.data.T
    prev_h, prev_c = h0.data, c0.data
    for t in range(steps):
        a = acts[t]
        a += prev_h @ w_t
        a[:, : 2 * h] = sigmoid_array(gx, a[:, : 2 * h])
        xp.tanh(a[:, 2 * h : 3 * h], out=a[:, 2 * h : 3 * h])
        a[:, 3 * h :] = sigmoid_array(gx, a[:, 3 * h :])
        i, f, g, o = a[:, :h], a[:, h : 2 * h], a[:, 2 * h : 3 * h], a[:, 3 * h :]
        c = out[t, :, h:]
        xp.multiply(f, prev_c, out=c)
        c += i * g
        xp.tanh(c, out=tanh_c[t])
        xp.multiply(o, tanh_c[t], out=out[t, :, :h])
        prev_h, prev_c = out[t, :, :h], c

    def vjp(grad: Array) -> list[Array | None]:
        dacts = xp.empty_like(acts)
        dh_next, dc_next = xp.zeros_like(h0.data), xp.zeros_like(c0.data)
        for t in range(steps - 1, -1, -1):
            a, tc, d = acts[t], tanh_c[t], dacts[t]
            i, f, g, o = a[:, :h], a[:, h : 2 * h], a[:, 2 * h : 3 * h], a[:, 3 * h :]
            c_prev = c0.data if t == 0 else out[t - 1, :, h:]
            dh = grad[t, :, :h] + dh_next
            dc = grad[t, :, h:] + dc_next + dh * o * (1 - tc * tc)
            d[:, 3 * h :] = dh * tc * o * (1 - o)
            d[:, :h] = dc * g * i * (1 - i)
            d[:, h : 2 * h] = dc * c_prev * f * (1 - f)
            d[:, 2 * h : 3 * h] = dc * i * (1 - g * g)
            dc_next = dc * f
            dh_next = d @ w_hh.data
        return _grads(xp, dacts, dacts, out[:, :, :h], h0, b_hh, [dh_next, dc_next])

    return record(out, _inputs(gx, w_hh, b_hh, h0, c0), vjp)


def gru_steps(gx: AnyTensor, w_hh: AnyTensor, b_hh: AnyTensor | None, h0: AnyTensor) -> AnyTensor:
    """`(T, B, 3H)` input projections to `(T, B, H)`: every step's `h`.

    Each step: `r, z = sigmoid(gx_r + h_r), sigmoid(gx_z + h_z)`,
    `n = tanh(gx_n + r * h_n)`, `h = n + z * (h - n)`, where `h_* = h W_h*.T + b_h*`.
    """
    xp, steps, batch, h3 = gx.xp, *gx.shape
    h = h3 // 3
    acts = gx.data.copy()  # becomes r, z, n
    hn = xp.empty((steps, batch, h), acts.dtype)  # h_n of each step, the reset gate's operand
    out = xp.empty((steps, batch, h), acts.dtype)
    w_t = w_hh.data.T
    prev = h0.data
    for t in range(steps):
        a, gh = acts[t], prev @ w_t
        if b_hh is not None:
            gh += b_hh.data
        a[:, : 2 * h] += gh[:, : 2 * h]
        a[:, : 2 * h] = sigmoid_array(gx, a[:, : 2 * h])
        r, z, n = a[:, :h], a[:, h : 2 * h], a[:, 2 * h :]
        hn[t] = gh[:, 2 * h :]
        n += r * hn[t]
        xp.tanh(n, out=n)
        xp.subtract(prev, n, out=out[t])
        out[t] *= z
        out[t] += n
        prev = out[t]

    def vjp(grad: Array) -> list[Array | None]:
        dgx, dgh = xp.empty_like(acts), xp.empty_like(acts)
        dh_next = xp.zeros_like(h0.data)
        for t in range(steps - 1, -1, -1):
            a, dx, dhh = acts[t], dgx[t], dgh[t]
            r, z, n = a[:, :h], a[:, h : 2 * h], a[:, 2 * h :]
            prev = h0.data if t == 0 else out[t - 1]
            dh = grad[t] + dh_next
            dn = dh * (1 - z) * (1 - n * n)
            dx[:, 2 * h :] = dn
            dhh[:, 2 * h :] = dn * r
            dx[:, :h] = dhh[:, :h] = dn * hn[t] * r * (1 - r)
            dx[:, h : 2 * h] = dhh[:, h : 2 * h] = dh * (prev - n) * z * (1 - z)
            dh_next = dh * z + dhh @ w_hh.data
        return _grads(xp, dgx, dgh, out, h0, b_hh, [dh_next])

    return record(out, _inputs(gx, w_hh, b_hh, h0), vjp)


def rnn_steps(
    gx: AnyTensor, w_hh: AnyTensor, b_hh: AnyTensor | None, h0: AnyTensor, relu: bool = False
) -> AnyTensor:
    """`(T, B, H)` input projections to `(T, B, H)`: every step's `h`.

    Each step: `h = tanh(gx[t] + h W_hh.T + b_hh)` (`relu` in place of `tanh` when `relu`).
    """
    xp = gx.xp
    out = gx.data + b_hh.data if b_hh is not None else gx.data.copy()
    w_t = w_hh.data.T
    prev = h0.data
    for t in range(gx.shape[0]):
        a = out[t]
        a += prev @ w_t
        if relu:
            xp.maximum(a, 0, out=a)
        else:
            xp.tanh(a, out=a)
        prev = a

    def vjp(grad: Array) -> list[Array | None]:
        dacts = xp.empty_like(out)
        dh_next = xp.zeros_like(h0.data)
        for t in range(gx.shape[0] - 1, -1, -1):
            h, dh = out[t], grad[t] + dh_next
            # NOTE: relu's slope at 0 is 0, as PyTorch's
            xp.multiply(dh, h > 0 if relu else 1 - h * h, out=dacts[t])
            dh_next = dacts[t] @ w_hh.data
        return _grads(xp, dacts, dacts, out, h0, b_hh, [dh_next])

    return record(out, _inputs(gx, w_hh, b_hh, h0), vjp)


def _grads(
    xp: Any,
    dgx: Array,
    dgh: Array,
    hs: Array,
    h0: AnyTensor,
    b_hh: AnyTensor | None,
    states: list[Array],
) -> list[Array | None]:
    """Gradients of `gx`, `W_hh` (one GEMM against every step's previous `h`), `b_hh` and
    the initial states."""
    steps, batch, width = dgh.shape
    # NOTE: the width spelled out: NumPy cannot infer a -1 next to an empty batch
    prev = xp.concatenate([h0.data[None], hs[:-1]]).reshape(steps * batch, hs.shape[2])
    dw = dgh.reshape(steps * batch, width).T @ prev
    db = [] if b_hh is None else [dgh.sum(axis=(0, 1))]
    return [dgx, dw, *db, *states]
