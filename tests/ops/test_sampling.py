"""ops/sampling.py: multinomial's and randint's draws, shapes, seeding and errors (as PyTorch's),
and linspace (ops/creation.py) against PyTorch."""

import numpy as np
import pytest
import torch

import shapedl as sd


def _frequencies(idx: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(idx.ravel(), minlength=n) / idx.size


def test_multinomial_with_replacement_draws_the_given_frequencies():
    w = np.array([1.0, 0.0, 3.0, 4.0], dtype="float32")  # NOTE: unnormalised, one zero
    out = sd.ops.multinomial(sd.from_numpy(w).traced(), 20000, replacement=True)
    assert out.shape == (20000,) and out.dtype is sd.i64 and out.tape is None
    got = _frequencies(out.numpy(), 4)
    np.testing.assert_allclose(got, w / w.sum(), atol=0.015)
    assert got[1] == 0


def test_multinomial_without_replacement_draws_each_index_once_and_first_by_weight():
    w = np.array([[0.1, 0.0, 0.6, 0.3]] * 3000, dtype="float64")
    out = sd.from_numpy(w).multinomial(3).numpy()
    assert out.shape == (3000, 3)
    assert all(len(set(row)) == 3 and 1 not in row for row in out)
    # NOTE: the first draw follows the weights, as one draw of torch's would
    np.testing.assert_allclose(_frequencies(out[:, 0], 4), w[0], atol=0.03)
    t = torch.multinomial(torch.from_numpy(w), 3)
    np.testing.assert_allclose(
        _frequencies(out[:, 1], 4), _frequencies(t[:, 1].numpy(), 4), atol=0.04
    )


def test_multinomial_draws_zero_weights_last_as_torch():
    w = np.array([[0.0, 2.0, 0.0, 0.0]] * 4)
    want = torch.multinomial(torch.from_numpy(w), 4).numpy()
    got = sd.ops.multinomial(sd.from_numpy(w), 4).numpy()
    assert (got[:, 0] == want[:, 0]).all() and (got[:, 0] == 1).all()
    np.testing.assert_array_equal(np.sort(got, axis=1), np.sort(want, axis=1))


def test_multinomial_is_seeded_by_the_device():
    w = sd.ones((2, 10), device=sd.Cpu(seed=5))
    again = sd.ones((2, 10), device=sd.Cpu(seed=5))
    np.testing.assert_array_equal(
        sd.ops.multinomial(w, 4).numpy(), sd.ops.multinomial(again, 4).numpy()
    )


BAD = [
    (lambda: sd.ops.multinomial(sd.ones((2, 3, 4)), 1), sd.ShapeError, r"1-d or 2-d, not 3-d"),
    (lambda: sd.ops.multinomial(sd.ones((3,)), 4), sd.ShapeError, r"cannot draw 4 samples"),
    (lambda: sd.ops.multinomial(sd.ones((3,)), 0), sd.ShapeError, r"must be positive"),
    (lambda: sd.ops.multinomial(sd.tensor([1, 2]), 1), TypeError, r"probs must be a float"),
    (lambda: sd.ops.multinomial(sd.tensor([1.0, -1.0]), 1), ValueError, r"non-negative"),
    (lambda: sd.ops.multinomial(sd.tensor([1.0, np.nan]), 1), ValueError, r"finite"),
    (lambda: sd.ops.multinomial(sd.zeros((2,)), 1), ValueError, r"sums to 0"),
]
TORCH_BAD = [
    lambda: torch.multinomial(torch.ones(2, 3, 4), 1),
    lambda: torch.multinomial(torch.ones(3), 4),
    lambda: torch.multinomial(torch.ones(3), 0),
    lambda: torch.multinomial(torch.tensor([1, 2]), 1),
    lambda: torch.multinomial(torch.tensor([1.0, -1.0]), 1),
    lambda: torch.multinomial(torch.tensor([1.0, float("nan")]), 1),
    lambda: torch.multinomial(torch.zeros(2), 1),
]


@pytest.mark.parametrize("k", range(len(BAD)))
def test_multinomial_refuses_what_torch_refuses(k):
    call, error, message = BAD[k]
    with pytest.raises(error, match=r"^multinomial: .*" + message):
        call()
    with pytest.raises(RuntimeError):
        TORCH_BAD[k]()


def test_randint_draws_integers_in_range_from_the_seeded_generator():
    x = sd.randint(-3, 4, (50, 40))
    assert x.shape == (50, 40) and x.dtype is sd.i64 and x.tape is None
    assert set(np.unique(x.numpy())) == set(range(-3, 4))
    a = sd.randint(0, 9, (5,), device=sd.Cpu(seed=2)).numpy()
    np.testing.assert_array_equal(a, sd.randint(0, 9, (5,), device=sd.Cpu(seed=2)).numpy())
    assert sd.randint(0, 2, 3, dtype=sd.i32).numpy().dtype == "int32"
    with pytest.raises(ValueError, match=r"^randint: high \(2\) must be above low \(2\)"):
        sd.randint(2, 2, (3,))
    with pytest.raises(RuntimeError):
        torch.randint(2, 2, (3,))
    with pytest.raises(sd.ShapeError, match=r"^randint: size -1"):
        sd.randint(0, 2, (-1,))


@pytest.mark.parametrize("dtype", [sd.f32, sd.f64])
@pytest.mark.parametrize("args", [(0, 1, 5), (-2.5, 7, 11), (3, -3, 4), (1, 1, 1), (0, 1, 0)])
def test_linspace_matches_torch(args, dtype):
    out = sd.linspace(*args, dtype=dtype)
    want = torch.linspace(*args, dtype=getattr(torch, dtype.name))
    assert out.dtype is dtype and out.shape == tuple(want.shape)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)
    with pytest.raises(sd.ShapeError, match=r"^linspace: size -1"):
        sd.linspace(0, 1, -1)


# ---- randperm -------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 7, 100])
def test_randperm_is_a_permutation_of_torchs_values_and_dtype(n):
    got = sd.randperm(n)
    want = torch.randperm(n)
    assert got.shape == tuple(want.shape) and got.numpy().dtype == want.numpy().dtype
    assert got.tape is None
    np.testing.assert_array_equal(np.sort(got.numpy()), np.sort(want.numpy()))


@pytest.mark.parametrize(("ours", "theirs"), [(sd.i32, torch.int32), (sd.f32, torch.float32)])
def test_randperm_takes_a_dtype_as_torch(ours, theirs):
    got, want = sd.ops.randperm(5, dtype=ours), torch.randperm(5, dtype=theirs)
    assert got.dtype is ours and got.numpy().dtype == want.numpy().dtype
    np.testing.assert_array_equal(np.sort(got.numpy()), np.sort(want.numpy()))


def test_randperm_is_seeded_by_the_device_and_draws_every_order():
    a = sd.randperm(6, device=sd.Cpu(seed=3)).numpy()
    np.testing.assert_array_equal(a, sd.randperm(6, device=sd.Cpu(seed=3)).numpy())
    dev = sd.Cpu(seed=0)
    firsts = np.array([sd.randperm(4, device=dev).numpy()[0] for _ in range(4000)])
    # NOTE: uniform over positions, as torch's: each value first a quarter of the time
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 4000, [0.25] * 4, atol=0.03)
    assert len({tuple(sd.randperm(3, device=dev).tolist()) for _ in range(200)}) == 6


def test_randperm_refuses_what_torch_refuses():
    with pytest.raises(sd.ShapeError, match=r"randperm: size -1 at axis 0 of \(-1,\) is negative"):
        sd.randperm(-1)
    with pytest.raises(RuntimeError):
        torch.randperm(-1)
    with pytest.raises(
        TypeError, match=r"randperm: n must be an int, not a tensor of shape \(1,\)"
    ):
        sd.randperm(sd.tensor([3]))
