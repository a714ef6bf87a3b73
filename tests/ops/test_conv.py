"""conv1d, conv2d and conv_transpose2d against PyTorch: values and every gradient, f32 and
f64, strides, paddings, dilations and groups varied; central differences; error messages;
symbolic shape rules."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import central_difference, compare, randn

import shapedl as sd
from shapedl import dims
from shapedl.ops import REGISTRY, im2col
from shapedl.ops.convolve import Passes

CONV2D = [  # x shape, weight shape, keyword arguments, with bias
    ((2, 3, 7, 6), (4, 3, 3, 3), dict(padding=1), True),
    (
        (2, 4, 9, 8),
        (6, 2, 3, 2),
        dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
        False,
    ),
    ((2, 3, 9, 8), (5, 3, 4, 3), dict(padding="same", dilation=2), True),
    ((2, 3, 8, 7), (4, 3, 2, 2), dict(padding="same"), False),
    ((2, 3, 8, 8), (4, 3, 3, 3), dict(padding="valid", stride=3), True),
    ((1, 6, 5, 5), (6, 1, 3, 3), dict(groups=6, padding=1), True),
    ((3, 2, 5, 7), (4, 2, 1, 1), {}, True),
    ((2, 3, 6, 6), (4, 3, 6, 6), {}, True),
    ((2, 2, 10, 11), (3, 2, 3, 3), dict(stride=2, dilation=3, padding=2), False),
    ((2, 6, 7, 7), (4, 3, 3, 2), dict(stride=(1, 3), groups=2), True),
    ((1, 2, 5, 4), (3, 2, 3, 2), dict(padding=(3, 1)), True),  # padding beyond the kernel
    ((2, 1, 6, 5), (8, 1, 3, 3), dict(padding=1), True),  # many more outputs: col2im backward
]


def _inputs(xs, ws, bias, dtype, out_channels=None):
    arrays = [randn(*xs, dtype=dtype, seed=1), randn(*ws, dtype=dtype, seed=2)]
    if bias:
        arrays.append(randn(out_channels or ws[0], dtype=dtype, seed=3))
    return arrays


CONV1D = [
    ((2, 3, 11), (4, 3, 3), dict(stride=2, padding=1), True),
    ((2, 3, 11), (4, 3, 4), dict(padding="same"), False),
    ((2, 4, 12), (6, 2, 3), dict(dilation=2, groups=2, padding="valid"), True),
    ((1, 2, 5), (3, 2, 5), {}, True),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "op,xs,ws,kw,bias",
    [("conv2d", *case) for case in CONV2D] + [("conv1d", *case) for case in CONV1D],
)
def test_conv_matches_torch(op, xs, ws, kw, bias, dtype):
    compare(
        lambda *a: getattr(sd.ops, op)(*a, **kw),
        lambda *a: getattr(F, op)(*a, **kw),
        _inputs(xs, ws, bias, dtype),
    )


TRANSPOSED = [  # weight is (C_in, C_out / groups, KH, KW)
    ((2, 4, 5, 6), (4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1), True),
    ((2, 4, 5, 6), (4, 3, 3, 2), dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 0)), False),
    ((2, 4, 4, 5), (4, 2, 3, 3), dict(groups=2, dilation=(1, 2), padding=1), True),
    ((1, 8, 7, 7), (8, 1, 2, 2), dict(stride=2), True),
    ((2, 3, 4, 4), (3, 2, 3, 3), dict(stride=3, dilation=2, output_padding=2), False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs,ws,kw,bias", TRANSPOSED)
def test_conv_transpose2d_matches_torch(xs, ws, kw, bias, dtype):
    groups = kw.get("groups", 1)
    compare(
        lambda *a: sd.ops.conv_transpose2d(*a, **kw),
        lambda *a: F.conv_transpose2d(*a, **kw),
        _inputs(xs, ws, bias, dtype, ws[1] * groups),
    )


@pytest.mark.parametrize("options", [(1, 0, 0, 2), (2, 1, 1, 2, (1, 2)), (1, 1, 0, 1, 2)])
def test_conv_transpose2d_takes_torchs_positional_order(options):
    """`(stride, padding, output_padding, groups, dilation)`, as `F.conv_transpose2d` and the
    layer: the op had `dilation` before `groups`, so a ported `groups=2` ran as `dilation=2`."""
    compare(
        lambda x, w, b: sd.ops.conv_transpose2d(x, w, b, *options),
        lambda x, w, b: F.conv_transpose2d(x, w, b, *options),
        _inputs((1, 4, 3, 3), (4, 2, 3, 3), True, "float32", 2 * options[3]),
    )


def test_chunked_batch_matches_torch(monkeypatch):
    # NOTE: columns of two images per chunk, so five images run as 2 + 2 + 1
    monkeypatch.setattr(im2col, "CHUNK_BYTES", 2 * 3 * 9 * 36 * 4)
    kw = dict(padding=1, stride=1)
    compare(
        lambda *a: sd.ops.conv2d(*a, **kw),
        lambda *a: F.conv2d(*a, **kw),
        _inputs((5, 3, 6, 6), (4, 3, 3, 3), True, "float32"),
    )
    compare(
        lambda *a: sd.ops.conv_transpose2d(*a, stride=2),
        lambda *a: F.conv_transpose2d(*a, stride=2),
        _inputs((5, 4, 3, 3), (4, 3, 3, 3), True, "float32", 3),
    )


@pytest.mark.cpu_only("im2col's columns: CUDA convolves through cuDNN")
@pytest.mark.parametrize(
    "xs, ws, kw, kept",
    [
        ((4, 3, 9, 12), (5, 3, 3, 3), dict(padding=1), True),
        ((2, 4, 8, 8), (6, 2, 3, 2), dict(stride=(2, 1), dilation=(1, 2), groups=2), True),
        ((3, 1, 28, 28), (8, 1, 3, 3), dict(padding=1), True),
        ((2, 3, 6, 6), (4, 3, 3, 3), dict(padding=1), False),  # NOTE: whole rows: other columns
    ],
)
def test_kept_columns_are_the_weight_gradients_own(xs, ws, kw, kept, monkeypatch):
    """A traced forward keeps its im2col columns for the weight's gradient, which then skips
    its own copy: the gradient is the same to the bit as with the copy."""
    x, w = randn(*xs), randn(*ws)
    g = randn(*F.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kw).shape)
    used: list[bool] = []
    weight_grad = im2col.weight_grad

    def spy(*args, **kwargs):
        used.append(args[-1] is not None)
        return weight_grad(*args, **kwargs)

    monkeypatch.setattr(im2col, "weight_grad", spy)
    grads = []
    for chunk in (im2col.CHUNK_BYTES, 1):  # NOTE: then one image per chunk: none kept
        monkeypatch.setattr(im2col, "CHUNK_BYTES", chunk)
        xt, wt = sd.from_numpy(x).traced(), sd.from_numpy(w)
        y = sd.ops.conv2d(xt, wt, **kw)
        grads.append((y * sd.from_numpy(g)).sum().backward()[wt].numpy())
    assert used == [kept, False]
    np.testing.assert_array_equal(grads[0], grads[1])


def _passes(y: sd.Tensor) -> Passes:
    assert y.node is not None and y.node.vjp.__closure__ is not None
    return next(
        c.cell_contents for c in y.node.vjp.__closure__ if isinstance(c.cell_contents, Passes)
    )


@pytest.mark.cpu_only("im2col's columns: CUDA convolves through cuDNN")
def test_kept_columns_are_freed_once_used_and_never_kept_untraced():
    x, w = sd.from_numpy(randn(2, 1, 12, 12)), sd.from_numpy(randn(8, 1, 3, 3))
    assert _passes(sd.ops.conv2d(x, w, padding=1)).columns is None
    y = sd.ops.conv2d(x.traced(), w, padding=1)
    passes = _passes(y)
    assert passes.columns is not None
    y.sum().backward()
    assert passes.columns is None


@pytest.mark.parametrize("kw", [{}, dict(padding=1), dict(stride=2, dilation=(1, 2))])
def test_non_contiguous_inputs_match_torch(kw):
    x = randn(5, 6, 3, 2).transpose(2, 3, 0, 1)  # NOTE: a (3, 2, 5, 6) view, not a copy
    w = randn(4, 2, 3, 3, seed=1)[:, :, ::-1, :]
    tx, tw = torch.from_numpy(x.copy()), torch.from_numpy(w.copy())
    got = sd.ops.conv2d(sd.from_numpy(x), sd.from_numpy(w), **kw).numpy()
    np.testing.assert_allclose(got, F.conv2d(tx, tw, **kw).numpy(), rtol=1e-4, atol=1e-5)
    wt = w.transpose(1, 0, 2, 3)
    got = sd.ops.conv_transpose2d(sd.from_numpy(x), sd.from_numpy(wt), **kw).numpy()
    want = F.conv_transpose2d(tx, tw.transpose(0, 1), **kw).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (
            lambda x, w, b: sd.ops.conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2), groups=2),
            [(1, 4, 5, 6), (2, 2, 2, 3), (2,)],
        ),
        (lambda x, w: sd.ops.conv1d(x, w, padding="same"), [(2, 2, 6), (3, 2, 2)]),
        (
            lambda x, w, b: sd.ops.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
            [(1, 2, 3, 3), (2, 2, 3, 2), (2,)],
        ),
    ],
)
def test_gradients_match_central_differences(fn, shapes):
    central_difference(fn, [randn(*s, dtype="float64", seed=i) for i, s in enumerate(shapes)])


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda: sd.ops.conv2d(sd.ones((8, 3, 32, 32)), sd.ones((16, 4, 3, 3))),
            r"conv2d: shapes \(8, 3, 32, 32\) and \(16, 4, 3, 3\): input has 3 channels "
            r"\(axis 1\) but the weight expects 4 \(axis 1 of the weight x groups 1\)",
        ),
        (
            lambda: sd.ops.conv2d(sd.ones((1, 4, 8, 8)), sd.ones((6, 1, 3, 3)), groups=4),
            r"conv2d: shapes \(1, 4, 8, 8\) and \(6, 1, 3, 3\): the weight's output channels "
            r"\(axis 0\) 6 is not divisible by groups 4",
        ),
        (
            lambda: sd.ops.conv2d(sd.ones((1, 3, 8, 8)), sd.ones((4, 3, 3, 3)), sd.ones((5,))),
            r"conv2d: shapes \(1, 3, 8, 8\) and \(4, 3, 3, 3\) and \(5,\): the bias must have "
            r"shape \(4,\)",
        ),
        (
            lambda: sd.ops.conv2d(sd.ones((1, 3, 8, 2)), sd.ones((4, 3, 3, 3))),
            r"conv2d: shapes \(1, 3, 8, 2\) and \(4, 3, 3, 3\): output size 0 < 1 along axis 3",
        ),
        (
            lambda: sd.ops.conv2d(sd.ones((3, 8, 8)), sd.ones((4, 3, 3, 3))),
            r"conv2d: shapes \(3, 8, 8\) and \(4, 3, 3, 3\): the input must have rank 4",
        ),
        (
            lambda: sd.ops.conv2d(
                sd.ones((1, 3, 8, 8)), sd.ones((4, 3, 3, 3)), stride=2, padding="same"
            ),
            r"conv2d: .*padding='same' needs stride 1",
        ),
        (
            lambda: sd.ops.conv1d(sd.ones((2, 3, 4)), sd.ones((4, 2, 3))),
            r"conv1d: shapes \(2, 3, 4\) and \(4, 2, 3\): input has 3 channels \(axis 1\)",
        ),
        (
            lambda: sd.ops.conv_transpose2d(sd.ones((1, 3, 4, 4)), sd.ones((4, 2, 3, 3))),
            r"conv_transpose2d: shapes \(1, 3, 4, 4\) and \(4, 2, 3, 3\): input has 3 "
            r"channels \(axis 1\) but the weight expects 4 \(axis 0\)",
        ),
        (
            lambda: sd.ops.conv_transpose2d(
                sd.ones((1, 4, 4, 4)), sd.ones((4, 2, 3, 3)), stride=2, output_padding=2
            ),
            r"conv_transpose2d: .*output_padding must be smaller than stride or dilation",
        ),
        (
            lambda: sd.ops.conv_transpose2d(
                sd.ones((1, 4, 1, 4)), sd.ones((4, 2, 1, 1)), padding=1
            ),
            r"conv_transpose2d: .*output size -1 < 1 along axis 2",
        ),
        # NOTE: an empty kernel once gave a (2, 6, 9, 9) output of biases from an 8x8 input
        (
            lambda: sd.nn.Conv2d(4, 6, (3, 0))(sd.ones((2, 4, 8, 8))),
            r"conv2d: shapes \(2, 4, 8, 8\) and \(6, 4, 3, 0\): the kernel size at axis 3 of "
            r"the weight is 0; it must be at least 1",
        ),
        (
            lambda: sd.ops.conv1d(sd.ones((2, 4, 8)), sd.ones((6, 4, 0))),
            r"conv1d: shapes \(2, 4, 8\) and \(6, 4, 0\): the kernel size at axis 2",
        ),
        (
            lambda: sd.ops.conv_transpose2d(sd.ones((1, 4, 4, 4)), sd.ones((4, 2, 0, 3))),
            r"conv_transpose2d: shapes \(1, 4, 4, 4\) and \(4, 2, 0, 3\): the kernel size "
            r"at axis 2",
        ),
    ],
)
def test_errors_name_op_shapes_and_axis(call, message):
    with pytest.raises(sd.ShapeError, match=message):
        call()


B, C, H, W = (dims.sym(n) for n in "BCHW")


@pytest.mark.parametrize(
    "op,args,want",
    [
        ("conv2d", dict(x=(B, 3, H, W), weight=(16, 3, 3, 3), padding=1), (B, 16, H, W)),
        ("conv2d", dict(x=(B, 3, H, W), weight=(16, 3, 5, 5), padding="same"), (B, 16, H, W)),
        (
            "conv2d",
            dict(x=(B, 3, H, W), weight=(16, 3, 3, 3), stride=2),
            (
                B,
                16,
                dims.add(dims.floordiv(dims.sub(H, 3), 2), 1),
                dims.add(dims.floordiv(dims.sub(W, 3), 2), 1),
            ),
        ),
        (
            "conv2d",
            dict(x=(B, 4, H, W), weight=(8, 4, 4, 4)),
            (B, 8, dims.sub(H, 3), dims.sub(W, 3)),
        ),
        (
            "conv2d",
            dict(x=(dims.DYN, dims.DYN, dims.DYN, 9), weight=(4, 3, 3, 3)),
            (dims.DYN, 4, dims.DYN, 7),
        ),
        ("conv2d", dict(x=(B, 4, H, W), weight=(8, 2, 1, 1), groups=2), (B, 8, H, W)),
        ("conv1d", dict(x=(B, 3, H), weight=(6, 3, 3), padding=1, bias=(6,)), (B, 6, H)),
        (
            "conv_transpose2d",
            dict(x=(B, 8, H, W), weight=(8, 3, 2, 2), stride=2),
            (B, 3, dims.mul(2, H), dims.mul(2, W)),
        ),
        (
            "max_pool2d",
            dict(x=(B, C, H, W), kernel_size=2),
            (B, C, dims.floordiv(H, 2), dims.floordiv(W, 2)),
        ),
        ("avg_pool2d", dict(x=(B, C, H, W), kernel_size=3, stride=1, padding=1), (B, C, H, W)),
        ("max_pool2d", dict(x=(B, C, dims.DYN, 7), kernel_size=2), (B, C, dims.DYN, 3)),
    ],
)
def test_symbolic_rules_are_exact(op, args, want):
    assert REGISTRY[op].rule(op, **args) == want


def test_dynamic_channels_are_not_an_error():
    rule = REGISTRY["conv2d"].rule
    assert rule("conv2d", (B, dims.DYN, H, W), (8, 3, 3, 3), padding=1) == (B, 8, H, W)


def test_symbolic_channel_mismatch_is_an_error():
    with pytest.raises(sd.ShapeError, match=r"conv2d: .*input has C channels \(axis 1\)"):
        REGISTRY["conv2d"].rule("conv2d", (B, C, H, W), (8, dims.mul(2, C), 3, 3))


# ---- conv_transpose1d, and conv1d's options as nn.Conv1d keeps them ----------------------
# every output padding each stride and dilation allow, the padding, groups and bias in turn
TRANSPOSED_1D = [
    (
        (2, 4, 5),
        (4, 3, 3),
        dict(stride=s, padding=i % 2, output_padding=o, dilation=d, groups=1 + i // 2 % 2),
        i % 3 > 0,
    )
    for i, (s, o, d) in enumerate(
        (s, o, d) for s in (1, 2, 3) for o in (0, 1, 2) for d in (1, 2) if o < max(s, d)
    )
] + [((1, 2, 6), (2, 4, 4), dict(stride=(2,), padding=(1,), output_padding=(1,)), True)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("xs,ws,kw,bias", TRANSPOSED_1D, ids=str)
def test_conv_transpose1d_matches_torch(xs, ws, kw, bias, dtype):
    groups = kw.get("groups", 1)
    compare(
        lambda *a: sd.ops.conv_transpose1d(*a, **kw),
        lambda *a: F.conv_transpose1d(*a, **kw),
        _inputs(xs, ws, bias, dtype, ws[1] * groups),
    )


def test_conv_transpose1d_takes_torchs_positional_order():
    options = (2, 1, 1, 2, 2)  # stride, padding, output_padding, groups, dilation
    compare(
        lambda x, w, b: sd.ops.conv_transpose1d(x, w, b, *options),
        lambda x, w, b: F.conv_transpose1d(x, w, b, *options),
        _inputs((1, 4, 5), (4, 2, 3), True, "float64", 4),
    )


def test_conv1d_takes_the_1_tuples_nn_conv1d_keeps():
    """`sd.ops.conv1d(x, w, b, conv.stride, conv.padding, conv.dilation)` with a layer's
    options, as PyTorch's `F.conv1d` takes them: 1-tuples ran, but the signature said `int`."""
    kw = dict(stride=(2,), padding=(1,), dilation=(2,))
    compare(
        lambda *a: sd.ops.conv1d(*a, **kw),
        lambda *a: F.conv1d(*a, **kw),
        _inputs((2, 3, 11), (4, 3, 3), True, "float64"),
    )


def test_conv_transpose1d_gradients_match_central_differences():
    fn = lambda x, w, b: sd.ops.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2)  # noqa: E731
    central_difference(
        fn, [randn(*s, dtype="float64", seed=i) for i, s in enumerate([(1, 2, 4), (2, 3, 3), (3,)])]
    )


@pytest.mark.parametrize(
    "call,message",
    [
        (
            lambda: sd.ops.conv_transpose1d(sd.ones((1, 3, 5)), sd.ones((4, 2, 3))),
            r"conv_transpose1d: shapes \(1, 3, 5\) and \(4, 2, 3\): input has 3 channels "
            r"\(axis 1\) but the weight expects 4 \(axis 0\)",
        ),
        (
            lambda: sd.ops.conv_transpose1d(sd.ones((1, 4, 5, 5)), sd.ones((4, 2, 3))),
            r"conv_transpose1d: shapes \(1, 4, 5, 5\) and \(4, 2, 3\): the input must have "
            r"rank 3 \(N, C, L\), not 4",
        ),
        (
            lambda: sd.ops.conv_transpose1d(
                sd.ones((1, 4, 5)), sd.ones((4, 2, 3)), stride=2, output_padding=2
            ),
            r"conv_transpose1d: .*output_padding must be smaller than stride or dilation",
        ),
        (
            lambda: sd.ops.conv_transpose1d(sd.ones((1, 4, 1)), sd.ones((4, 2, 1)), padding=1),
            r"conv_transpose1d: .*output size -1 < 1 along axis 2",
        ),
    ],
)
def test_conv_transpose1d_errors_name_op_shapes_and_axis(call, message):
    with pytest.raises(sd.ShapeError, match=message):
        call()


L = dims.sym("L")


@pytest.mark.parametrize(
    "op,args,want",
    [
        (
            "conv_transpose1d",
            dict(x=(B, 8, L), weight=(8, 3, 4), stride=2, padding=1),
            (B, 3, dims.mul(2, L)),
        ),
        (
            "conv_transpose1d",
            dict(x=(B, 8, L), weight=(8, 3, 3), stride=(2,), padding=(1,), output_padding=(1,)),
            (B, 3, dims.mul(2, L)),
        ),
        (
            "conv_transpose1d",
            dict(x=(B, 4, L), weight=(4, 3, 3), groups=2, dilation=2),
            (B, 6, dims.add(L, 4)),
        ),
        (
            "conv1d",
            dict(x=(B, 3, L), weight=(6, 3, 3), stride=(2,), padding=(1,)),
            (B, 6, dims.add(dims.floordiv(dims.sub(L, 1), 2), 1)),
        ),
    ],
)
def test_symbolic_1d_rules_are_exact(op, args, want):
    assert REGISTRY[op].rule(op, **args) == want
