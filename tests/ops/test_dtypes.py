"""Dtypes: no silent promotion between tensors, weak Python scalars, clear bad-argument errors.

PyTorch promotes `f32 + f64` to f64 silently; shapedl refuses (DESIGN: f32 stays f32), so
the error cases are checked against the rule itself, and the cases that do run are compared
with PyTorch (or with NumPy, whose meaning wins where the two disagree: `int + 0.5` is f64).
"""

import numpy as np
import pytest
import torch
from harness import compare

import shapedl as sd

MIXES = [
    ("float32", "float64"),
    ("float64", "float32"),
    ("float32", "int64"),
    ("int32", "float64"),
    ("int32", "int64"),
    ("float32", "bool"),
]

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "floor_divide": lambda a, b: a // b,
    "remainder": lambda a, b: a % b,
    "fmod": lambda a, b: a.fmod(b),
    "atan2": lambda a, b: a.atan2(b),
    "logaddexp": lambda a, b: a.logaddexp(b),
    "lerp": lambda a, b: a.lerp(b, 0.5),
    "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: sd.ops.minimum(a, b),
    "eq": lambda a, b: a.eq(b),
    "ne": lambda a, b: a.ne(b),
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "where": lambda a, b: sd.ops.where(sd.ones((3, 3)) > 0, a, b),
    "matmul": lambda a, b: a @ b,
    "concat": lambda a, b: sd.ops.concat([a, b]),
    "stack": lambda a, b: sd.ops.stack([a, b], axis=1),
}


def _pair(da, db):
    rng = np.random.default_rng(0)
    a, b = (rng.integers(1, 4, (3, 3)).astype(d) for d in (da, db))
    return sd.from_numpy(a), sd.from_numpy(b)


@pytest.mark.parametrize("da,db", MIXES)
@pytest.mark.parametrize("op", BINARY)
def test_a_dtype_mix_is_an_error_naming_op_dtypes_and_fix(op, da, db):
    a, b = _pair(da, db)
    with pytest.raises(sd.DTypeError) as err:
        BINARY[op](a, b)
    text = str(err.value)
    assert text.startswith(f"{op}: dtypes {da} and {db} differ")
    assert ".astype(sd." in text


@pytest.mark.parametrize("op", ["add", "mul", "matmul", "where"])
def test_a_dtype_mix_is_an_error_on_traced_tensors_too(op):
    a, b = _pair("float32", "float64")
    with pytest.raises(sd.DTypeError):
        BINARY[op](a.traced(), b)


OTHERS = {
    "scaled_dot_product_attention": lambda a, b: sd.ops.scaled_dot_product_attention(a, b, b),
    "layer_norm": lambda a, b: sd.ops.layer_norm(a, 3, b[0]),
    "batch_norm": lambda a, b: sd.ops.batch_norm(a, b[0], b[0]),
}


@pytest.mark.parametrize("op", OTHERS)
def test_ops_of_several_float_tensors_refuse_a_mix(op):
    a, b = _pair("float32", "float64")
    with pytest.raises(sd.DTypeError, match=rf"^{op}: dtypes float32 and float64 differ"):
        OTHERS[op](a.traced(), b)
    OTHERS[op](a, b.astype(sd.f32))


def test_the_message_names_the_fix():
    a, b = _pair("float64", "float32")
    with pytest.raises(TypeError, match=r"^add: dtypes float64 and float32 differ; "):
        a + b
    with pytest.raises(sd.DTypeError) as err:
        a + b
    assert str(err.value).endswith("convert the input to the model's dtype: x.astype(sd.f32)")
    with pytest.raises(sd.DTypeError, match=r"convert the int64 operand: \.astype\(sd\.f32\)$"):
        sd.ops.mul(*_pair("int64", "float32"))
    with pytest.raises(sd.DTypeError, match=r"convert the int64 operand: \.astype\(sd\.f32\)$"):
        sd.ops.mul(*_pair("float32", "int64"))


# ---- one dtype rule for every op of several value tensors ---------------------------------
def _t(shape, dtype, seed=0):
    return sd.from_numpy(np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype(dtype))


# op -> a call with the data operand in `data` and the model's operands in `model` dtype;
# index-like operands (gather's index, masked_fill's mask, where's cond) are not values
MIXED = {
    "add": lambda d, m: sd.ops.add(_t((3,), d), _t((3,), m)),
    "sub": lambda d, m: sd.ops.sub(_t((3,), d), _t((3,), m)),
    "mul": lambda d, m: sd.ops.mul(_t((3,), d), _t((3,), m)),
    "div": lambda d, m: sd.ops.div(_t((3,), d), _t((3,), m)),
    "pow": lambda d, m: sd.ops.pow(_t((3,), d), _t((3,), m)),
    "maximum": lambda d, m: sd.ops.maximum(_t((3,), d), _t((3,), m)),
    "minimum": lambda d, m: sd.ops.minimum(_t((3,), d), _t((3,), m)),
    "floor_divide": lambda d, m: _t((3,), d) // _t((3,), m),
    "remainder": lambda d, m: sd.ops.remainder(_t((3,), d), _t((3,), m)),
    "atan2": lambda d, m: sd.ops.atan2(_t((3,), d), _t((3,), m)),
    "outer": lambda d, m: sd.ops.outer(_t((3,), d), _t((2,), m)),
    "xlogy": lambda d, m: sd.ops.xlogy(_t((3,), d), _t((3,), m)),
    "logaddexp": lambda d, m: sd.ops.logaddexp(_t((3,), d), _t((3,), m)),
    "lerp": lambda d, m: sd.ops.lerp(_t((3,), d), _t((3,), m), _t((3,), m)),
    "eq": lambda d, m: _t((3,), d) == _t((3,), m),
    "ne": lambda d, m: _t((3,), d) != _t((3,), m),
    "lt": lambda d, m: _t((3,), d) < _t((3,), m),
    "le": lambda d, m: _t((3,), d) <= _t((3,), m),
    "gt": lambda d, m: _t((3,), d) > _t((3,), m),
    "ge": lambda d, m: _t((3,), d) >= _t((3,), m),
    "where": lambda d, m: sd.where(sd.ones((3,)) > 0, _t((3,), d), _t((3,), m)),
    "matmul": lambda d, m: _t((2, 3), d) @ _t((3, 4), m),
    "concat": lambda d, m: sd.concat([_t((2, 3), d), _t((2, 3), m)]),
    "stack": lambda d, m: sd.stack([_t((2, 3), d), _t((2, 3), m)]),
    "conv1d": lambda d, m: sd.ops.conv1d(_t((1, 2, 6), d), _t((3, 2, 3), m)),
    "conv2d": lambda d, m: sd.ops.conv2d(_t((1, 2, 6, 6), d), _t((3, 2, 3, 3), m)),
    "conv_transpose2d": lambda d, m: sd.ops.conv_transpose2d(
        _t((1, 2, 4, 4), d), _t((2, 3, 3, 3), m)
    ),
    "conv_transpose1d": lambda d, m: sd.ops.conv_transpose1d(_t((1, 2, 4), d), _t((2, 3, 3), m)),
    "layer_norm": lambda d, m: sd.ops.layer_norm(_t((2, 3), d), 3, _t((3,), m)),
    "batch_norm": lambda d, m: sd.ops.batch_norm(_t((4, 3), d), _t((3,), m), _t((3,), m) ** 2),
    "scaled_dot_product_attention": lambda d, m: sd.ops.scaled_dot_product_attention(
        _t((2, 4), d), _t((3, 4), m), _t((3, 4), m)
    ),
    "prelu": lambda d, m: sd.ops.prelu(_t((2, 3), d), _t((3,), m)),
    "rms_norm": lambda d, m: sd.ops.rms_norm(_t((2, 3), d), 3, _t((3,), m)),
    "group_norm": lambda d, m: sd.ops.group_norm(_t((2, 4, 3), d), 2, _t((4,), m)),
    "cosine_similarity": lambda d, m: sd.ops.cosine_similarity(_t((2, 3), d), _t((2, 3), m)),
    "scatter_add": lambda d, m: sd.ops.scatter_add(_t((3,), d), 0, sd.tensor([0, 2]), _t((2,), m)),
    "einsum": lambda d, m: sd.ops.einsum("ij,jk", _t((2, 3), d), _t((3, 4), m)),
    "isclose": lambda d, m: sd.ops.isclose(_t((3,), d), _t((3,), m)),
    "mm": lambda d, m: sd.ops.mm(_t((2, 3), d), _t((3, 4), m)),
    "bmm": lambda d, m: sd.ops.bmm(_t((2, 2, 3), d), _t((2, 3, 4), m)),
    "mv": lambda d, m: sd.ops.mv(_t((2, 3), d), _t((3,), m)),
    "dot": lambda d, m: sd.ops.dot(_t((3,), d), _t((3,), m)),
    "fmod": lambda d, m: sd.ops.fmod(_t((3,), d), _t((3,), m)),
    "meshgrid": lambda d, m: sd.ops.meshgrid(_t((3,), d), _t((2,), m)),
    "linear": lambda d, m: sd.ops.linear(_t((2, 3), d), _t((4, 3), m), _t((4,), m)),
    "index_add": lambda d, m: sd.ops.index_add(_t((3,), d), 0, sd.tensor([0, 2]), _t((2,), m)),
    "scatter_reduce": lambda d, m: sd.ops.scatter_reduce(
        _t((3,), d), 0, sd.tensor([0, 2]), _t((2,), m), "amax"
    ),
}
# losses: the model's output comes first, the data is the target
LOSSES = {
    "mse_loss": lambda d, m: sd.losses.mse_loss(_t((3,), m), _t((3,), d)),
    "mae_loss": lambda d, m: sd.losses.mae_loss(_t((3,), m), _t((3,), d)),
    "huber_loss": lambda d, m: sd.losses.huber_loss(_t((3,), m), _t((3,), d)),
    "smooth_l1_loss": lambda d, m: sd.losses.smooth_l1_loss(_t((3,), m), _t((3,), d)),
    "binary_cross_entropy_loss": lambda d, m: sd.losses.binary_cross_entropy_loss(
        _t((3,), m).sigmoid(), _t((3,), d).sigmoid()
    ),
    "binary_cross_entropy_with_logits_loss": lambda d, m: (
        sd.losses.binary_cross_entropy_with_logits_loss(_t((3,), m), _t((3,), d).sigmoid())
    ),
    "cross_entropy_with_logits_loss": lambda d, m: sd.losses.cross_entropy_with_logits_loss(
        _t((2, 3), m), _t((2, 3), d).softmax()
    ),
    "kl_div_with_logits_loss": lambda d, m: sd.losses.kl_div_with_logits_loss(
        _t((2, 3), m), _t((2, 3), d).softmax()
    ),
}
# operands that are indices or masks, not values: no dtype of their own to agree on
# (the logical ops read any dtype as truth values, as NumPy and PyTorch do)
NOT_VALUES = {
    "gather",
    "select",
    "masked_fill",
    "masked_select",
    "embedding",
    "nll_loss",
    "logical_and",
    "logical_or",
    "logical_xor",
    # NOTE: bincount's x is an index; searchsorted and bucketize only compare, and take
    # operands of two dtypes as PyTorch does
    "bincount",
    "searchsorted",
    "bucketize",
}


def test_every_op_of_several_tensors_has_a_dtype_case():
    several = {
        name for name, spec in sd.ops.REGISTRY.items() if len(spec.tensors) > 1 or spec.tensor_lists
    }
    assert several - NOT_VALUES == set(MIXED) | set(LOSSES)


@pytest.mark.parametrize("data,model", [("float64", "float32"), ("float32", "float64")])
@pytest.mark.parametrize("op", MIXED)
def test_each_op_refuses_a_mix_and_says_to_convert_the_input(op, data, model):
    with pytest.raises(sd.DTypeError) as err:
        MIXED[op](data, model)
    short = {"float32": "f32", "float64": "f64"}[model]
    assert str(err.value) == (
        f"{op}: dtypes {data} and {model} differ; "
        f"convert the input to the model's dtype: x.astype(sd.{short})"
    )
    MIXED[op](model, model)  # and runs once the input is converted


@pytest.mark.parametrize("op", LOSSES)
def test_each_loss_refuses_a_mix_and_says_to_convert_the_target(op):
    with pytest.raises(sd.DTypeError) as err:
        LOSSES[op]("float64", "float32")
    assert str(err.value) == (
        f"{op}: dtypes float32 and float64 differ; "
        "convert the target to the model's dtype: target.astype(sd.f32)"
    )
    LOSSES[op]("float32", "float32")


def test_a_float64_batch_stops_at_the_first_layer_not_seven_later():
    model = sd.nn.Sequential(
        sd.nn.Conv2d(1, 4, 3), sd.nn.ReLU(), sd.nn.Flatten(), sd.nn.Linear(4 * 6 * 6, 10)
    )
    batch = np.random.default_rng(0).standard_normal((2, 1, 8, 8))  # NumPy's float64
    with pytest.raises(
        sd.DTypeError,
        match=r"^conv2d: dtypes float64 and float32 differ; "
        r"convert the input to the model's dtype: x\.astype\(sd\.f32\)$",
    ):
        model(sd.from_numpy(batch))
    out = model(sd.from_numpy(batch).astype(sd.f32))
    assert out.shape == (2, 10) and out.dtype is sd.f32


def test_dtype_error_is_a_type_error_exported_from_shapedl():
    assert issubclass(sd.DTypeError, TypeError)
    assert sd.DTypeError is sd.errors.DTypeError


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["add", "mul", "div", "matmul", "concat"])
def test_the_suggested_astype_fixes_the_mix_like_torch(op, dtype):
    other = "float64" if dtype == "float32" else "float32"
    fn = BINARY[op]
    a = np.random.default_rng(1).standard_normal((3, 3)).astype(dtype)
    b = np.random.default_rng(2).standard_normal((3, 3)).astype(other)
    tfn = {
        "add": torch.add,
        "mul": torch.mul,
        "div": torch.div,
        "matmul": torch.matmul,
        "concat": lambda x, y: torch.cat([x, y]),
    }[op]
    compare(
        lambda x, y: fn(x, y.astype(x.dtype)),
        lambda x, y: tfn(x, y.to(x.dtype)),
        [a, b],
    )


# ---- weak Python scalars ----------------------------------------------------------------
SCALAR_OPS = [
    lambda x, s: x + s,
    lambda x, s: s + x,
    lambda x, s: x - s,
    lambda x, s: s - x,
    lambda x, s: x * s,
    lambda x, s: s * x,
    lambda x, s: x / s,
    lambda x, s: x**s,
]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("scalar", [2, 2.5, np.float64(2.5), np.int64(2), np.float32(0.5)])
@pytest.mark.parametrize("k", range(len(SCALAR_OPS)))
def test_scalars_are_weak_like_torch(k, scalar, dtype):
    fn = SCALAR_OPS[k]
    a = np.random.default_rng(0).uniform(1, 2, (2, 3)).astype(dtype)
    out = fn(sd.from_numpy(a).traced(), scalar)
    want = fn(torch.from_numpy(a), scalar.item() if isinstance(scalar, np.generic) else scalar)
    assert out.numpy().dtype == str(want.dtype).removeprefix("torch.") == dtype
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-3)
    grad = out.sum().backward()
    assert grad[out.node.inputs[0]].numpy().dtype == dtype


@pytest.mark.parametrize("scalar", [0.5, np.float64(0.5)])
def test_integer_tensor_and_float_scalar_promote_as_numpy(scalar):
    a = np.arange(4, dtype="int64")
    out = sd.from_numpy(a) + scalar
    want = a + float(scalar)  # NumPy's weak-scalar meaning (PyTorch would give f32)
    assert out.numpy().dtype == want.dtype
    np.testing.assert_array_equal(out.numpy(), want)
    assert (sd.from_numpy(a) * 2).numpy().dtype == np.int64


@pytest.mark.parametrize("op", [lambda b: b**2, lambda b: 2**b, lambda b: b + 1, lambda b: 3 * b])
def test_boolean_arithmetic_gives_int64_like_torch(op):
    mask = np.array([True, False, True])
    out, want = op(sd.tensor(mask)), op(torch.from_numpy(mask))
    assert out.dtype is sd.i64, out.data.dtype  # NumPy's `bool ** 2` is int8, no shapedl dtype
    np.testing.assert_array_equal(out.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_comparisons_and_where_take_scalars_of_any_kind(dtype):
    a = np.linspace(-1, 1, 6).astype(dtype)
    x = sd.from_numpy(a)
    for s in (0, 0.0, np.float64(0.0), np.int32(0)):
        np.testing.assert_array_equal((x > s).numpy(), torch.from_numpy(a) > float(s))
        out = sd.ops.where(x > 0, x, s)
        assert out.numpy().dtype == dtype
        np.testing.assert_array_equal(out.numpy(), np.where(a > 0, a, 0).astype(dtype))
    assert (sd.from_numpy(np.arange(3)) < 1.5).numpy().tolist() == [True, True, False]


def test_where_condition_of_any_dtype_and_one_tensor_branch():
    x = sd.from_numpy(np.arange(4.0, dtype="float32"))
    assert sd.ops.where(x > 1, 1.0, x).dtype is sd.f32
    assert sd.ops.where(sd.from_numpy(np.arange(4)) > 1, x, x).dtype is sd.f32


def test_an_array_operand_must_become_a_tensor_first():
    with pytest.raises(TypeError, match=r"^add: operands must be tensors or Python scalars"):
        sd.ones((3,)) + [1.0, 2.0, 3.0]  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"^mul: .*not ndarray.*sd\.tensor"):
        sd.ops.mul(sd.ones((3,)), np.ones(3))


# ---- other bad arguments: clear errors naming the op, never a NumPy traceback ------------
X = sd.ones((2, 3))
FLOAT_INDEX = sd.tensor([0.0, 1.0])

BAD = [
    ("sum axis", lambda: X.sum(axis=2), sd.ShapeError, "sum: shape (2, 3): axis 2"),
    ("mean axes", lambda: X.mean(axis=(0, -3)), sd.ShapeError, "mean: shape (2, 3): axis -3"),
    ("argmax axis", lambda: X.argmax(axis=2), sd.ShapeError, "argmax: shape (2, 3): axis 2"),
    ("softmax axis", lambda: X.softmax(axis=-3), sd.ShapeError, "softmax: shape (2, 3): axis -3"),
    ("concat axis", lambda: sd.ops.concat([X, X], axis=2), sd.ShapeError, "concat: shape (2, 3)"),
    ("split axis", lambda: X.split(2, axis=3), sd.ShapeError, "split: shape (2, 3): axis 3"),
    ("transpose axis", lambda: X.transpose(0, 2), sd.ShapeError, "transpose: shape (2, 3)"),
    (
        "reshape product",
        lambda: X.reshape((4, 2)),
        sd.ShapeError,
        "reshape: shapes (2, 3) and (4, 2): 6 values cannot take the shape of 8",
    ),
    ("reshape -1", lambda: X.reshape((-1, 4)), sd.ShapeError, "reshape: shapes (2, 3) and (-1, 4)"),
    (
        "gather float index",
        lambda: X.gather(sd.tensor([[0.0], [1.0]]), axis=1),
        TypeError,
        "gather: the index must be an integer tensor, not float32",
    ),
    (
        "select float index",
        lambda: X.select(FLOAT_INDEX),
        TypeError,
        "select: the index must be an integer tensor, not float32",
    ),
    (
        "getitem float tensor",
        lambda: X[FLOAT_INDEX],
        TypeError,
        "getitem: index arrays must be integer or boolean, not float32",
    ),
    ("getitem float", lambda: X[1.5], TypeError, "getitem: index 1.5 of type float"),
    ("getitem float slice", lambda: X[0.5:], TypeError, "getitem: the bounds of slice"),
    (
        "embedding float index",
        lambda: sd.ops.embedding(FLOAT_INDEX, X),
        TypeError,
        "embedding: index must be an integer tensor",
    ),
    ("astype string", lambda: X.astype("float64"), TypeError, "astype: dtype must be"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("fn,kind,text", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_arguments_give_clear_errors(fn, kind, text):
    with pytest.raises(kind) as err:
        fn()
    assert str(err.value).startswith(text)


LAYERS = {
    "Linear": (lambda: sd.nn.Linear(4, 8), (3, 4)),
    "LSTM": (lambda: sd.nn.LSTM(4, 8), (2, 3, 4)),
    "MultiHeadAttention": (lambda: sd.nn.MultiHeadAttention(8, 2), (2, 3, 8)),
    "LayerNorm": (lambda: sd.nn.LayerNorm(4), (3, 4)),
    "Conv1d": (lambda: sd.nn.Conv1d(4, 2, 1), (2, 4, 5)),
    "ConvTranspose2d": (lambda: sd.nn.ConvTranspose2d(4, 2, 2), (2, 4, 5, 5)),
}


@pytest.mark.parametrize("data,model", [("float64", "float32"), ("float32", "float64")])
@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_given_another_dtype_says_to_convert_the_input_to_the_models(layer, data, model):
    """The fix names the model's dtype: Linear's GEMM takes the weight first, and its message
    once told an f32 model's user to convert an f64 batch to f64."""
    make, shape = LAYERS[layer]
    short = {"float32": "f32", "float64": "f64"}[model]
    with pytest.raises(sd.DTypeError, match=rf"x\.astype\(sd\.{short}\)$"):
        make().astype(getattr(sd, short))(sd.ones(shape, dtype=getattr(sd, data[0] + data[5:])))
