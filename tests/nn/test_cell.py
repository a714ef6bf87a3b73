"""RNNCell, GRUCell and LSTMCell against torch.nn's cells with the same weights: the next
states, and the gradients of the input, the states and every parameter, for one step, a loop
of steps, and an input of one row."""

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd
from shapedl import dims
from tests.nn.helpers import check_module

F64 = {"rtol": 1e-9, "atol": 1e-10}
# (ours, torch's, keyword arguments of both)
CELLS = [
    (sd.nn.RNNCell, torch.nn.RNNCell, {}),
    (sd.nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    (sd.nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu", "bias": False}),
    (sd.nn.GRUCell, torch.nn.GRUCell, {}),
    (sd.nn.GRUCell, torch.nn.GRUCell, {"bias": False}),
    (sd.nn.LSTMCell, torch.nn.LSTMCell, {}),
    (sd.nn.LSTMCell, torch.nn.LSTMCell, {"bias": False}),
]
IDS = ["rnn-tanh", "rnn-relu", "rnn-relu-nobias", "gru", "gru-nobias", "lstm", "lstm-nobias"]
LSTM = (sd.nn.LSTMCell, torch.nn.LSTMCell)


def _pair(cls, tcls, kwargs, n_in=3, hidden=5):
    return cls(n_in, hidden, **kwargs).astype(sd.f64), tcls(n_in, hidden, **kwargs).double()


def _flat(cat, result):
    """The states a call returns as one vector, so one comparison covers them all."""
    states = result if isinstance(result, tuple) else (result,)
    return cat([s.reshape(-1) for s in states])


def _calls(cls, given):
    """The calls of ours and of torch's cell on `(x, *states)`, states given when `given`."""

    def call(cat):
        def run(m, x, *s):
            if not given:
                return _flat(cat, m(x))
            return _flat(cat, m(x, tuple(s)) if cls is sd.nn.LSTMCell else m(x, s[0]))

        return run

    return call(sd.concat), call(torch.cat)


@pytest.mark.parametrize("cls,tcls,kwargs", CELLS, ids=IDS)
@pytest.mark.parametrize("given", [False, True], ids=["zeros", "given"])
def test_one_step_matches_torch(cls, tcls, kwargs, given):
    module, tmod = _pair(cls, tcls, kwargs)
    states = [randn(4, 5, dtype="float64", seed=s) for s in (1, 2)][: 1 + (cls is LSTM[0])]
    sd_call, torch_call = _calls(cls, given)
    inputs = [randn(4, 3, dtype="float64"), *(states if given else [])]
    check_module(module, tmod, inputs, sd_call=sd_call, torch_call=torch_call, **F64)


@pytest.mark.parametrize("cls,tcls,kwargs", CELLS, ids=IDS)
def test_an_input_of_one_row_matches_torch(cls, tcls, kwargs):
    """`(In,)` and `(H,)`, as torch takes them: `(H,)` states back."""
    module, tmod = _pair(cls, tcls, kwargs)
    states = [randn(5, dtype="float64", seed=s) for s in (1, 2)][: 1 + (cls is LSTM[0])]
    sd_call, torch_call = _calls(cls, True)
    out = module(sd.ones((3,), dtype=sd.f64))
    assert all(s.shape == (5,) for s in (out if isinstance(out, tuple) else (out,)))
    inputs = [randn(3, dtype="float64"), *states]
    check_module(module, tmod, inputs, sd_call=sd_call, torch_call=torch_call, **F64)


@pytest.mark.parametrize("cls,tcls,kwargs", CELLS, ids=IDS)
def test_a_loop_over_steps_matches_torch(cls, tcls, kwargs):
    """A char-RNN's loop: the states carried from step to step, the outputs of every step
    summed into the result; gradients flow back through all the steps."""
    module, tmod = _pair(cls, tcls, kwargs)

    def loop(cat, stack):
        def run(m, xs, h0):
            state = (h0, h0 * 0.5) if cls is sd.nn.LSTMCell else h0
            outs = []
            for t in range(xs.shape[1]):
                state = m(xs[:, t], state)
                outs.append(_flat(cat, state))
            return stack(outs)

        return run

    check_module(
        module,
        tmod,
        [randn(2, 6, 3, dtype="float64"), randn(2, 5, dtype="float64", seed=1)],
        sd_call=loop(sd.concat, sd.stack),
        torch_call=loop(torch.cat, torch.stack),
        **F64,
    )


@pytest.mark.parametrize("cls,tcls,kwargs", CELLS, ids=IDS)
def test_f32_matches_torch(cls, tcls, kwargs):
    module, tmod = cls(4, 6, **kwargs), tcls(4, 6, **kwargs)
    sd_call, torch_call = _calls(cls, False)
    check_module(module, tmod, [randn(3, 4)], sd_call=sd_call, torch_call=torch_call)


@pytest.mark.parametrize("cls,tcls,kwargs", CELLS, ids=IDS)
def test_parameters_are_named_and_shaped_as_torch(cls, tcls, kwargs):
    module, tmod = cls(3, 4, **kwargs), tcls(3, 4, **kwargs)
    want = {name: tuple(p.shape) for name, p in tmod.named_parameters()}
    assert {name: p.shape for name, p in module.parameters().items()} == want
    assert list(module.parameters()) == list(want)


@pytest.mark.parametrize("cls", [sd.nn.RNNCell, sd.nn.GRUCell, sd.nn.LSTMCell])
def test_init_is_uniform_in_one_over_sqrt_hidden(cls):
    module = cls(50, 100, device=sd.Cpu(seed=3))
    w = np.concatenate([p.numpy().ravel() for p in module.parameters().values()])
    bound = 1 / np.sqrt(100)
    assert np.abs(w).max() <= bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.02)
    again = cls(50, 100, device=sd.Cpu(seed=3)).weight_hh.numpy()
    assert np.array_equal(again, module.weight_hh.numpy())


ERRORS = [  # (the call, our message, torch's call)
    (
        lambda m: m(sd.ones((2, 4))),
        r"^{}: shapes \(2, 4\) and \((\d+), 3\): input width 4 at axis -1 differs from "
        r"input_size 3$",
        lambda m: m(torch.ones(2, 4)),
    ),
    (
        lambda m: m(sd.ones((2, 5, 3))),
        r"^{}: shape \(2, 5, 3\): needs a \(B, 3\) or \(3,\) input, not rank 3$",
        lambda m: m(torch.ones(2, 5, 3)),
    ),
]
STATE_ERRORS = [  # (input shape, state shape, the axis that differs)
    ((2, 3), (2, 7), "(B, hidden_size) = (2, 8); axis 1"),
    ((2, 3), (4, 8), "(B, hidden_size) = (2, 8); axis 0"),
    ((3,), (7,), r"(hidden_size,) = (8,); axis 0"),
]


@pytest.mark.parametrize("cls,tcls", [CELLS[0][:2], CELLS[3][:2], LSTM], ids=["rnn", "gru", "lstm"])
@pytest.mark.parametrize("call,message,tcall", ERRORS)
def test_a_wrong_input_is_a_shape_error_as_in_torch(cls, tcls, call, message, tcall):
    with pytest.raises(sd.ShapeError, match=message.format(cls.__name__)):
        call(cls(3, 8))
    with pytest.raises((RuntimeError, ValueError)):
        tcall(tcls(3, 8))


@pytest.mark.parametrize("cls,tcls", [CELLS[0][:2], CELLS[3][:2], LSTM], ids=["rnn", "gru", "lstm"])
@pytest.mark.parametrize("x_shape,h_shape,message", STATE_ERRORS)
def test_a_wrong_state_is_a_shape_error_as_in_torch(cls, tcls, x_shape, h_shape, message):
    right = sd.zeros((*x_shape[:-1], 8))
    cell, x, h = cls(3, 8), sd.ones(x_shape), sd.zeros(h_shape)
    calls = {"hx": lambda: cell(x, h)}
    if cls is sd.nn.LSTMCell:
        calls = {"h": lambda: cell(x, (h, right)), "c": lambda: cell(x, (right, h))}
    for name, call in calls.items():
        want = rf"^{cls.__name__}: shapes {x_shape} and {h_shape}: {name} must be {message}"
        with pytest.raises(sd.ShapeError, match=want.replace("(", r"\(").replace(")", r"\)")):
            call()
    th = torch.zeros(h_shape)
    tright = torch.zeros(*x_shape[:-1], 8)
    with pytest.raises(RuntimeError):
        tcell, tx = tcls(3, 8), torch.ones(x_shape)
        tcell(tx, (th, tright)) if cls is sd.nn.LSTMCell else tcell(tx, th)


def test_inputs_and_states_of_another_dtype_or_count_are_refused():
    with pytest.raises(sd.DTypeError, match=r"^GRUCell: dtypes int64 and float32 differ: .*"):
        sd.nn.GRUCell(3, 4)(sd.ones((2, 3), dtype=sd.i64))
    with pytest.raises(RuntimeError):
        torch.nn.GRUCell(3, 4)(torch.ones(2, 3, dtype=torch.int64))
    h64 = sd.zeros((2, 4), dtype=sd.f64)
    with pytest.raises(sd.DTypeError, match=r"^LSTMCell: dtypes float32 and float64 differ; .*c"):
        sd.nn.LSTMCell(3, 4)(sd.ones((2, 3)), (sd.zeros((2, 4)), h64))
    with pytest.raises(TypeError, match=r"^LSTMCell: the state must be \(h, c\), got a tensor"):
        sd.nn.LSTMCell(3, 4)(sd.ones((2, 3)), sd.zeros((2, 4)))


def test_hyperparameters_and_repr():
    with pytest.raises(ValueError, match=r"^GRUCell: input_size=3 and hidden_size=0 must be >= 1"):
        sd.nn.GRUCell(3, 0)
    with pytest.raises(ValueError, match=r"^RNNCell: unknown nonlinearity 'gelu'"):
        sd.nn.RNNCell(3, 4, nonlinearity="gelu")
    # NOTE: torch refuses it only at the first call
    with pytest.raises(RuntimeError, match="Unknown nonlinearity"):
        torch.nn.RNNCell(3, 4, nonlinearity="gelu")(torch.ones(2, 3))
    # NOTE: the fourth argument is the nonlinearity, as torch's
    assert repr(sd.nn.RNNCell(3, 4, False, "relu")) == (
        "RNNCell(3, 4, bias=False, nonlinearity='relu')"
    )
    assert repr(sd.nn.LSTMCell(3, 4)) == "LSTMCell(3, 4, bias=True)"


def test_the_registered_check_refuses_an_unknown_nonlinearity():
    """`nonlinearity` is typed `str`, as PyTorch types it (one read from a config); the mypy
    plugin runs the registration's check on a literal one, with the constructor's message,
    and leaves one known only at run time (`DYN`) to the constructor."""
    spec = sd.nn.RNNCell.__layer__
    given = {"input_size": 3, "hidden_size": 4}
    with pytest.raises(ValueError, match=r"^RNNCell: unknown nonlinearity 'gelu'; select from"):
        spec.check(**spec.arguments({**given, "nonlinearity": "gelu"}))
    spec.check(**spec.arguments({**given, "nonlinearity": dims.DYN}))
    spec.check(**spec.arguments(given))
    assert sd.nn.RNNCell(3, 4, nonlinearity="relu").nonlinearity == "relu"
