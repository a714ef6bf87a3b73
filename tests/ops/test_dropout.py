"""Dropout: identity in inference, scaled masking from the device's seeded generator."""

import warnings

import numpy as np
import pytest
from harness import randn

import shapedl as sd
from shapedl.ops.dropout import dropout_rule


def test_untraced_input_is_returned_unchanged():
    x = sd.from_numpy(randn(4, 5))
    assert sd.ops.dropout(x, 0.5) is x
    assert sd.ops.dropout(x, 1.0) is x


# ---- an untraced branch whose gradient still comes back: PyTorch's train() would drop -----
def _towers():
    """A wide&deep step: the item tower sees only untraced ids, so its dropout runs in
    inference, while the loss's gradient still trains its embedding and linear layer."""
    sd.set_default_device(sd.Cpu(seed=0))
    items = sd.nn.Sequential(sd.nn.Embedding(10, 8), sd.nn.Dropout(0.5), sd.nn.Linear(8, 8))
    users = sd.nn.Linear(3, 8)
    ids, dense = sd.tensor(np.array([1, 2, 3, 4])), sd.randn((4, 3))
    return items, lambda: (users(dense.traced()) * items(ids)).sum(axis=1).mean()


def test_an_untraced_dropout_that_a_gradient_comes_back_through_warns():
    items, loss = _towers()
    out = loss()
    with pytest.warns(sd.errors.InferenceWarning, match=r"^dropout: .*untraced input \(4, 8\)"):
        grads = out.backward()
    assert grads[items[0].weight].shape == (10, 8)  # NOTE: the gradient passes unchanged


def test_the_warning_is_said_once_per_call_site_and_names_the_users_line():
    _, loss = _towers()
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("default")
        for _ in range(3):
            loss().backward()
    assert [w.category for w in said] == [sd.errors.InferenceWarning]
    assert said[0].filename == __file__


def test_an_untraced_dropout_without_a_gradient_coming_back_is_silent():
    items, _ = _towers()
    x = sd.from_numpy(randn(4, 5))
    h = x @ sd.from_numpy(randn(5, 5))  # NOTE: a layer's output: it has a node
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sd.ops.dropout(h, 0.5)
        np.testing.assert_array_equal(out.numpy(), h.numpy())
        items(sd.tensor(np.array([1, 2])))
        with sd.no_grad():
            assert sd.ops.dropout(h, 0.5) is h


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_traced_drops_a_fraction_p_and_scales_the_rest(p, dtype):
    a = np.abs(randn(200, 250, dtype=dtype)) + 0.5  # no zeros of its own
    out = sd.ops.dropout(sd.from_numpy(a).traced(), p).numpy()
    assert out.dtype == a.dtype and out.shape == a.shape
    dropped = out == 0
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(out[~dropped], a[~dropped] / (1 - p), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradient_is_the_scaled_mask(dtype):
    a = np.abs(randn(30, 40, dtype=dtype)) + 0.5
    x = sd.from_numpy(a)
    w = randn(30, 40, dtype=dtype, seed=3)
    out = sd.ops.dropout(x.traced(), 0.3)
    grads = (out * sd.from_numpy(w)).sum().backward()
    mask = (out.numpy() != 0) / 0.7
    got = grads[x].numpy()
    assert got.dtype == a.dtype
    np.testing.assert_allclose(got, w * mask, rtol=1e-6)


def test_same_seed_gives_the_same_mask():
    a = randn(50, 60)

    def draw(dev: sd.Device) -> np.ndarray:
        return sd.ops.dropout(sd.from_numpy(a, device=dev).traced(), 0.5).numpy()

    dev = sd.Cpu(seed=7)
    first, second = draw(dev), draw(dev)
    assert not np.array_equal(first, second)  # the generator moves on
    dev.reseed(7)
    np.testing.assert_array_equal(draw(dev), first)
    np.testing.assert_array_equal(draw(sd.Cpu(seed=7)), first)
    assert not np.array_equal(draw(sd.Cpu(seed=8)), first)


def test_p_zero_and_one():
    x = sd.from_numpy(randn(3, 4))
    np.testing.assert_array_equal(sd.ops.dropout(x.traced(), 0.0).numpy(), x.numpy())
    out = sd.ops.dropout(x.traced(), 1.0)
    np.testing.assert_array_equal(out.numpy(), np.zeros((3, 4), np.float32))
    grads = out.sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_p_out_of_range_is_an_error(p):
    with pytest.raises(ValueError, match=r"dropout: probability p=.* must be in \[0, 1\]"):
        sd.ops.dropout(sd.ones((2,)).traced(), p)


def test_rule_keeps_the_shape_over_symbols_and_dyn():
    b, t = sd.dims.sym("B"), sd.dims.sym("T")
    assert dropout_rule("dropout", (b, sd.dims.DYN, t)) == (b, sd.dims.DYN, t)
