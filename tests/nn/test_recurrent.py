"""LSTM, GRU and RNN against torch.nn.LSTM/GRU/RNN(batch_first=True) with the same weights:
outputs, final states, and the gradients of inputs, initial states and every parameter (f32,
f64)."""

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from shapedl import dims
from tests.nn.helpers import check_module

PAIRS = [(sd.nn.LSTM, torch.nn.LSTM), (sd.nn.GRU, torch.nn.GRU), (sd.nn.RNN, torch.nn.RNN)]
IDS = ["LSTM", "GRU", "RNN"]
CLASSES = [sd.nn.LSTM, sd.nn.GRU, sd.nn.RNN]


def _flat_sd(result):
    """Output and final states as one vector, so one comparison covers all of them."""
    out, state = result
    states = state if isinstance(state, tuple) else (state,)
    return sd.concat([t.reshape(-1) for t in (out, *states)])


def _flat_torch(result):
    out, state = result
    states = state if isinstance(state, tuple) else (state,)
    return torch.cat([t.reshape(-1) for t in (out, *states)])


CASES = [
    # (input_size, hidden_size, num_layers, bias, (B, T))
    (3, 5, 1, True, (2, 4)),
    (4, 3, 2, True, (3, 6)),
    (2, 4, 3, False, (1, 5)),
]


@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
@pytest.mark.parametrize("n_in,hidden,layers,bias,bt", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(cls, tcls, n_in, hidden, layers, bias, bt, dtype):
    # NOTE: bias by keyword: the RNN's fourth argument is its nonlinearity, in torch too
    module = cls(n_in, hidden, layers, bias=bias)
    tmod = tcls(n_in, hidden, layers, bias=bias, batch_first=True)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-9, "atol": 1e-10}
    if dtype == "float64":
        module, tmod = module.astype(sd.f64), tmod.double()
    check_module(
        module,
        tmod,
        [randn(*bt, n_in, dtype=dtype)],
        sd_call=lambda m, x: _flat_sd(m(x)),
        torch_call=lambda m, x: _flat_torch(m(x)),
        **tol,
    )


@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
@pytest.mark.parametrize("seed", range(3))
def test_saturated_gates_match_torch(cls, tcls, seed):
    """Inputs of size ~100 drive every gate into saturation: exp overflows inside the fused
    steps (silently, sigmoid 0 as in torch) and the gradients through flat gates agree."""
    torch.manual_seed(seed)
    module, tmod = cls(3, 4), tcls(3, 4, batch_first=True)
    check_module(
        module,
        tmod,
        [100 * randn(2, 6, 3, seed=seed)],
        sd_call=lambda m, x: _flat_sd(m(x)),
        torch_call=lambda m, x: _flat_torch(m(x)),
        # NOTE: f32's 1 - s of a saturated gate s is rounding noise, times inputs of 100
        rtol=1e-3,
        atol=1e-3,
    )


def _check_with_initial_state(cls, module, tmod, rows):
    """Outputs and gradients from a given initial state of `rows` (layers x directions)."""
    x, h0, c0 = randn(2, 5, 3), randn(rows, 2, 4, seed=1), randn(rows, 2, 4, seed=2)
    if cls is sd.nn.LSTM:
        inputs = [x, h0, c0]
        sd_call = lambda m, x, h, c: _flat_sd(m(x, (h, c)))  # noqa: E731
        torch_call = lambda m, x, h, c: _flat_torch(m(x, (h, c)))  # noqa: E731
    else:
        inputs = [x, h0]
        sd_call = lambda m, x, h: _flat_sd(m(x, h))  # noqa: E731
        torch_call = lambda m, x, h: _flat_torch(m(x, h))  # noqa: E731
    check_module(module, tmod, inputs, sd_call=sd_call, torch_call=torch_call)


@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
def test_initial_state_matches_torch(cls, tcls):
    _check_with_initial_state(cls, cls(3, 4, 2), tcls(3, 4, 2, batch_first=True), rows=2)


@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
def test_parameters_are_named_and_shaped_as_torch(cls, tcls):
    module, tmod = cls(3, 4, 2), tcls(3, 4, 2, batch_first=True)
    want = {name: tuple(p.shape) for name, p in tmod.named_parameters()}
    assert {name: p.shape for name, p in module.parameters().items()} == want
    assert list(module.parameters()) == list(want)


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_init_is_uniform_in_one_over_sqrt_hidden(cls):
    module = cls(50, 100, device=sd.Cpu(seed=3))
    w = np.concatenate([p.numpy().ravel() for p in module.parameters().values()])
    bound = 1 / np.sqrt(100)
    assert np.abs(w).max() <= bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.02)
    again = cls(50, 100, device=sd.Cpu(seed=3)).weight_ih_l0.numpy()
    assert np.array_equal(again, module.weight_ih_l0.numpy())


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_dropout_only_between_layers_in_training(cls):
    module = cls(3, 4, 2, dropout=0.5)
    x = sd.from_numpy(randn(2, 5, 3))
    plain = module(x)[0].numpy()
    np.testing.assert_array_equal(
        cls(3, 4, 2, dropout=0.0).load_state_dict(module.state_dict())(x)[0].numpy(), plain
    )
    assert not np.allclose(module(x.traced())[0].numpy(), plain)


@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
def test_dropout_one_matches_torch_in_training(cls, tcls):
    """With dropout 1 the layers above the first see zeros while training: deterministic,
    so comparable with torch's training mode (this was refused, `dropout` had to be < 1)."""
    module = cls(3, 4, 3, dropout=1.0).astype(sd.f64)
    tmod = tcls(3, 4, 3, dropout=1.0, batch_first=True).double().train()
    check_module(
        module,
        tmod,
        [randn(2, 5, 3, dtype="float64")],
        sd_call=lambda m, x: _flat_sd(m(x)),
        torch_call=lambda m, x: _flat_torch(m(x)),
        rtol=1e-9,
        atol=1e-10,
    )


ERRORS = [
    (
        lambda m: m(sd.ones((2, 5, 4))),
        r"{}: shapes \(2, 5, 4\) and \((\d+), 3\): input width 4 at axis -1 differs from "
        r"input_size 3",
    ),
    (
        lambda m: m(sd.ones((5, 3))),
        r"{}: shape \(5, 3\): needs a batch-first \(B, T, 3\) input, not rank 2",
    ),
    (lambda m: m(sd.ones((2, 0, 3))), r"{}: shape \(2, 0, 3\): the sequence at axis 1 is empty"),
]


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
@pytest.mark.parametrize("call,message", ERRORS)
def test_shape_errors_name_layer_shapes_and_axis(cls, call, message):
    with pytest.raises(sd.ShapeError, match=message.format(cls.__name__)):
        call(cls(3, 8, 2))


def test_wrong_initial_state_is_a_shape_error():
    lstm, gru, x = sd.nn.LSTM(3, 8, 2), sd.nn.GRU(3, 8, 2), sd.ones((4, 5, 3))
    h = sd.zeros((2, 4, 8))
    with pytest.raises(
        sd.ShapeError,
        match=r"LSTM: shapes \(4, 5, 3\) and \(1, 4, 8\): h0 must be "
        r"\(num_layers, B, hidden_size\) = \(2, 4, 8\); axis 0 differs",
    ):
        lstm(x, (sd.zeros((1, 4, 8)), h))
    with pytest.raises(sd.ShapeError, match=r"c0 must be .* = \(2, 4, 8\); axis 2 differs"):
        lstm(x, (h, sd.zeros((2, 4, 7))))
    with pytest.raises(
        sd.ShapeError, match=r"GRU: shapes \(4, 5, 3\) and \(2, 3, 8\): h0 .* axis 1"
    ):
        gru(x, sd.zeros((2, 3, 8)))


INPUT_DTYPES = [  # (ours, torch's, the fix the message ends with)
    (sd.f64, torch.float64, r"convert the input to the model's dtype: x\.astype\(sd\.f32\)$"),
    (sd.i64, torch.int64, r"go through an Embedding first \(nn\.Embedding\(num_ids, 3\) "),
]


@pytest.mark.parametrize("cls", ["GRU", "LSTM", "RNN"])
@pytest.mark.parametrize("dtype,tdtype,fix", INPUT_DTYPES)
def test_an_input_of_another_dtype_is_refused_by_the_layer_with_the_fix(cls, dtype, tdtype, fix):
    """Not `matmul: dtypes ... differ` from inside the layer: its name, the input's shape and
    dtype, the weights', and the fix (token ids: an Embedding first). PyTorch refuses too."""
    with pytest.raises(ValueError, match="RNN input dtype"):
        getattr(torch.nn, cls)(3, 4, batch_first=True)(torch.ones(2, 5, 3, dtype=tdtype))
    name = str(tdtype).removeprefix("torch.")
    head = rf"^{cls}: dtypes {name} and float32 differ: the input \(2, 5, 3\) is {name}, "
    with pytest.raises(sd.DTypeError, match=head + r"the layer's weights float32; .*" + fix):
        getattr(sd.nn, cls)(3, 4, bidirectional=True)(sd.ones((2, 5, 3), dtype=dtype))
    # token ids of rank 2, as an Embedding takes them: the dtype is the mistake, not the rank
    ids = rf"^{cls}: dtypes int64 and float32 differ: the input \(2, 5\) is int64"
    with pytest.raises(sd.DTypeError, match=ids):
        getattr(sd.nn, cls)(3, 4)(sd.ones((2, 5), dtype=sd.i64))


def test_initial_states_of_another_dtype_or_count_are_refused():
    x = sd.ones((2, 5, 3))
    h64 = sd.zeros((1, 2, 4), dtype=sd.f64)
    # NOTE: a float64 h0 gave float32 outputs and states silently; torch refuses it too
    with pytest.raises(sd.DTypeError, match=r"^LSTM: dtypes float32 and float64 differ; .*c0"):
        sd.nn.LSTM(3, 4)(x, (sd.zeros((1, 2, 4)), h64))
    with pytest.raises(sd.DTypeError, match=r"^GRU: dtypes float32 and float64 differ; .*h0"):
        sd.nn.GRU(3, 4)(x, h64)
    with pytest.raises(RuntimeError):
        torch.nn.GRU(3, 4, batch_first=True)(torch.ones(2, 5, 3), torch.zeros(1, 2, 4).double())
    # NOTE: this was "zip() argument 2 is shorter than argument 1"
    with pytest.raises(TypeError, match=r"^LSTM: the initial state must be \(h0, c0\), got 1 "):
        sd.nn.LSTM(3, 4)(x, (sd.zeros((1, 2, 4)),))
    with pytest.raises(TypeError, match=r"^LSTM: the initial state must be .* got a tensor"):
        sd.nn.LSTM(3, 4)(x, sd.zeros((1, 2, 4)))


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_bad_hyperparameters(cls):
    with pytest.raises(ValueError, match="must be >= 1"):
        cls(3, 0)
    with pytest.raises(ValueError, match="only batch_first=True"):
        cls(3, 4, batch_first=False)
    with pytest.raises(ValueError, match=r"dropout=1.5 must be in \[0, 1\]"):
        cls(3, 4, dropout=1.5)


# ---- bidirectional, as PyTorch's ------------------------------------------------------
@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
@pytest.mark.parametrize("n_in,hidden,layers,bias,bt", CASES)
def test_bidirectional_matches_torch(cls, tcls, n_in, hidden, layers, bias, bt):
    module = cls(n_in, hidden, layers, bias=bias, bidirectional=True).astype(sd.f64)
    tmod = tcls(n_in, hidden, layers, bias=bias, batch_first=True, bidirectional=True).double()
    out, state = module(sd.ones((*bt, n_in), dtype=sd.f64))
    assert out.shape == (*bt, 2 * hidden)
    states = state if isinstance(state, tuple) else (state,)
    assert all(s.shape == (2 * layers, bt[0], hidden) for s in states)
    check_module(
        module,
        tmod,
        [randn(*bt, n_in, dtype="float64")],
        sd_call=lambda m, x: _flat_sd(m(x)),
        torch_call=lambda m, x: _flat_torch(m(x)),
        rtol=1e-9,
        atol=1e-10,
    )


@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
def test_bidirectional_initial_state_and_parameters_match_torch(cls, tcls):
    module = cls(3, 4, 2, bidirectional=True)
    tmod = tcls(3, 4, 2, bias=True, batch_first=True, dropout=0.0, bidirectional=True)
    want = {name: tuple(p.shape) for name, p in tmod.named_parameters()}
    assert list(module.parameters()) == list(want)
    assert {name: p.shape for name, p in module.parameters().items()} == want
    _check_with_initial_state(cls, module, tmod, rows=4)


def test_bidirectional_state_of_num_layers_rows_is_a_shape_error():
    with pytest.raises(
        sd.ShapeError,
        match=r"GRU: shapes \(4, 5, 3\) and \(2, 4, 8\): h0 must be "
        r"\(2 \* num_layers, B, hidden_size\) = \(4, 4, 8\); axis 0 differs",
    ):
        sd.nn.GRU(3, 8, 2, bidirectional=True)(sd.ones((4, 5, 3)), sd.zeros((2, 4, 8)))
    with pytest.raises(TypeError, match=r"LSTM: bidirectional must be True or False, got 1"):
        sd.nn.LSTM(3, 4, bidirectional=1)


# ---- RNN: tanh or relu, as PyTorch's ----------------------------------------------------
RNN_CASES = [
    # (nonlinearity, num_layers, bias, bidirectional)
    ("tanh", 1, True, False),
    ("relu", 1, True, False),
    ("relu", 2, False, False),
    ("tanh", 2, True, True),
    ("relu", 2, True, True),
    ("relu", 1, False, True),
]


@pytest.mark.parametrize("act,layers,bias,both", RNN_CASES)
@pytest.mark.parametrize("with_h0", [False, True], ids=["zeros", "h0"])
def test_rnn_matches_torch(act, layers, bias, both, with_h0):
    args = {"num_layers": layers, "nonlinearity": act, "bias": bias, "bidirectional": both}
    module = sd.nn.RNN(3, 5, **args).astype(sd.f64)
    tmod = torch.nn.RNN(3, 5, batch_first=True, **args).double()
    x, h0 = randn(2, 6, 3, dtype="float64"), randn((1 + both) * layers, 2, 5, dtype="float64")
    check_module(
        module,
        tmod,
        [x, h0] if with_h0 else [x],
        sd_call=lambda m, *a: _flat_sd(m(*a)),
        torch_call=lambda m, *a: _flat_torch(m(*a)),
        rtol=1e-9,
        atol=1e-10,
    )


def test_rnn_positional_nonlinearity_and_repr_as_torch():
    """`RNN(i, h, n, "relu")`: the fourth argument is the nonlinearity, as in PyTorch; a relu
    network's states are never negative, and a tanh one's are."""
    relu = sd.nn.RNN(3, 4, 2, "relu", bias=False)
    tmod = torch.nn.RNN(3, 4, 2, "relu", bias=False, batch_first=True)
    relu.load_state_dict(tmod.state_dict())
    x = randn(2, 5, 3)
    out, h = relu(sd.from_numpy(x))
    np.testing.assert_allclose(out.numpy(), tmod(torch.from_numpy(x))[0].detach(), 1e-5, 1e-6)
    assert out.numpy().min() == 0 and h.numpy().min() >= 0
    assert sd.nn.RNN(3, 4)(sd.from_numpy(x))[0].numpy().min() < 0
    assert repr(relu) == (
        "RNN(3, 4, num_layers=2, nonlinearity='relu', bias=False, batch_first=True, dropout=0.0)"
    )
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        torch.nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"^RNN: unknown nonlinearity 'gelu'; select from"):
        sd.nn.RNN(3, 4, nonlinearity="gelu")


def test_rnn_wrong_initial_state_is_a_shape_error():
    rnn, x = sd.nn.RNN(3, 8, 2), sd.ones((4, 5, 3))
    with pytest.raises(
        sd.ShapeError,
        match=r"^RNN: shapes \(4, 5, 3\) and \(2, 4, 7\): h0 must be "
        r"\(num_layers, B, hidden_size\) = \(2, 4, 8\); axis 2 differs",
    ):
        rnn(x, sd.zeros((2, 4, 7)))
    with pytest.raises(RuntimeError):
        torch.nn.RNN(3, 8, 2, batch_first=True)(torch.ones(4, 5, 3), torch.zeros(2, 4, 7))


# ---- options as PyTorch types them, and its parameter names -----------------------------
OPTIONS = [  # (layer, a literal argument it refuses, the message)
    (sd.nn.RNN, {"nonlinearity": "gelu"}, r"^RNN: unknown nonlinearity 'gelu'; select from"),
    (sd.nn.LSTM, {"batch_first": False}, r"^LSTM: only batch_first=True, \(B, T, input_size\)"),
    (sd.nn.GRU, {"batch_first": False}, r"^GRU: only batch_first=True"),
    (sd.nn.LSTM, {"proj_size": 2}, r"^LSTM: proj_size=2 is not supported \(PyTorch's LSTM "),
]


@pytest.mark.parametrize("cls,given,message", OPTIONS)
def test_the_registered_check_refuses_what_the_constructor_refuses(cls, given, message):
    """`nonlinearity`, `batch_first` and `proj_size` are typed `str`, `bool` and `int`, as
    PyTorch types them; the mypy plugin runs the registration's check on literal arguments,
    so a wrong literal is refused statically with the constructor's message, and a value
    known only at run time (`DYN`) waits for the constructor."""
    spec = cls.__layer__
    with pytest.raises(ValueError, match=message):
        spec.check(**spec.arguments({"input_size": 3, "hidden_size": 4, **given}))
    with pytest.raises(ValueError, match=message):
        cls(3, 4, **given)
    spec.check(
        **spec.arguments({"input_size": 3, "hidden_size": 4, **dict.fromkeys(given, dims.DYN)})
    )


def test_proj_size_zero_is_torch_default_and_another_is_refused():
    """PyTorch's LSTM takes `proj_size` (0: no projection); ours takes 0 only, and says so
    under its own name (it was `_Recurrent.__init__() got an unexpected keyword argument`)."""
    assert repr(sd.nn.LSTM(3, 4, proj_size=0)) == repr(sd.nn.LSTM(3, 4))
    assert torch.nn.LSTM(3, 4, proj_size=2).weight_hr_l0.shape == (2, 4)
    with pytest.raises(ValueError, match=r"^LSTM: proj_size=2 is not supported .*only proj_size=0"):
        sd.nn.LSTM(3, 4, 1, True, True, 0.0, False, 2)


@pytest.mark.parametrize("cls,tcls", PAIRS, ids=IDS)
def test_torch_parameter_names_are_attributes_and_others_are_not(cls, tcls):
    """`lstm.weight_hh_l0` as in torch (type checkers read them through a `__getattr__`
    declared for them only); a name of no parameter is Python's own AttributeError."""
    module = cls(3, 4, 2, bidirectional=True)
    tmod = tcls(3, 4, 2, batch_first=True, bidirectional=True)
    for name, p in tmod.named_parameters():
        assert getattr(module, name).shape == tuple(p.shape)
    with pytest.raises(
        AttributeError, match=rf"^'{cls.__name__}' object has no attribute 'weight_hh_l2'$"
    ):
        module.weight_hh_l2  # noqa: B018
    with pytest.raises(AttributeError):
        tmod.weight_hh_l2  # noqa: B018
    assert not any("__getattr__" in vars(c) for c in type(module).__mro__ if c is not object)
