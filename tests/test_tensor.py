"""Tensor creation, conversion, devices, realize, and dtype preservation."""

import copy
import pickle

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd


# ---- creation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,want",
    [
        (lambda: sd.zeros((2, 3)), np.zeros((2, 3), "float32")),
        (lambda: sd.ones(4), np.ones(4, "float32")),
        (lambda: sd.ones((2,), dtype=sd.f64), np.ones(2, "float64")),
        (lambda: sd.full((2, 2), 7.5), np.full((2, 2), 7.5, "float32")),
        (lambda: sd.zeros((2,), dtype=sd.i64), np.zeros(2, "int64")),
        (lambda: sd.arange(5), np.arange(5)),
        (lambda: sd.arange(2, 10, 3, dtype=sd.i64), np.arange(2, 10, 3)),
        (lambda: sd.eye(3), np.eye(3, dtype="float32")),
        (lambda: sd.eye(2, 3, dtype=sd.f64), np.eye(2, 3)),
        (lambda: sd.tensor([[1.0, 2.0], [3.0, 4.0]]), np.array([[1, 2], [3, 4]], "float32")),
        (lambda: sd.tensor([1, 2]), np.array([1, 2], "int64")),
        (lambda: sd.tensor([True, False]), np.array([True, False])),
        (lambda: sd.tensor(2.5), np.array(2.5, "float32")),
        (lambda: sd.tensor([1, 2], dtype=sd.f64), np.array([1.0, 2.0])),
        (lambda: sd.tensor(np.arange(3.0)), np.arange(3.0)),
        (lambda: sd.from_numpy(np.arange(4, dtype="int32")), np.arange(4, dtype="int32")),
    ],
)
def test_creation_values_shapes_and_dtypes(make, want):
    out = make()
    assert out.shape == want.shape and out.numpy().dtype == want.dtype
    np.testing.assert_array_equal(out.numpy(), want)
    assert not out.is_traced


def test_creation_matches_torch_where_torch_agrees():
    np.testing.assert_array_equal(sd.eye(3, 4).numpy(), torch.eye(3, 4).numpy())
    np.testing.assert_array_equal(
        sd.arange(1, 7, 2, dtype=sd.i64).numpy(), torch.arange(1, 7, 2).numpy()
    )
    np.testing.assert_array_equal(sd.full((2, 3), -1.0).numpy(), torch.full((2, 3), -1.0).numpy())


def test_random_tensors_have_the_right_distribution():
    n = sd.randn((20000,), device=sd.Cpu(seed=1)).numpy()
    u = sd.rand((20000,), device=sd.Cpu(seed=1)).numpy()
    assert n.dtype == np.float32 and abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    assert sd.randn((2,), dtype=sd.f64).dtype is sd.f64


def test_same_seed_same_draws_different_seed_different_draws():
    a = sd.randn((3, 4), device=sd.Cpu(seed=7)).numpy()
    b = sd.randn((3, 4), device=sd.Cpu(seed=7)).numpy()
    c = sd.randn((3, 4), device=sd.Cpu(seed=8)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    dev = sd.Cpu(seed=7)
    first, second = sd.rand((3,), device=dev).numpy(), sd.rand((3,), device=dev).numpy()
    assert not np.array_equal(first, second)  # the generator advances
    dev.reseed(7)
    np.testing.assert_array_equal(sd.rand((3,), device=dev).numpy(), first)


def test_created_tensors_live_on_the_given_device():
    dev = sd.Cpu(seed=3)
    for t in (sd.zeros((2,), device=dev), sd.randn((2,), device=dev), sd.eye(2, device=dev)):
        assert t.device is dev
    assert sd.zeros((2,)).device is sd.default_device()


@pytest.mark.parametrize("make", [sd.zeros, sd.ones, sd.randn, sd.rand])
def test_negative_size_is_a_shape_error_naming_the_op(make):
    with pytest.raises(sd.ShapeError, match=rf"{make.__name__}: size -1 at axis 1"):
        make((2, -1))


# ---- conversion ---------------------------------------------------------------------------
# NOTE: arguments PyTorch refuses, each a shapedl error naming the op (not NumPy's or Python's)
BAD_ARGUMENTS = [
    (lambda m: m.arange(0, 5, 0), sd.ShapeError, "arange: step must not be 0", "step must be"),
    (lambda m: m.eye(-1), sd.ShapeError, r"eye: size -1 at axis 0 of \(-1, -1\) is negative",
     "n must be greater or equal to 0"),
    (lambda m: m.ones((1, 4)).broadcast_to((-2, 4)), sd.ShapeError,
     r"broadcast_to: shapes \(1, 4\) and \(-2, 4\): size -2 at axis 0 is negative", ""),
    (lambda m: m.from_numpy(np.array([object()])), TypeError,
     "from_numpy: unsupported dtype object", "can't convert np.ndarray of type numpy.object_"),
    (lambda m: m.from_numpy(np.array(["a"])), TypeError, "from_numpy: unsupported dtype <U1",
     "can't convert np.ndarray of type numpy.str_"),
]  # fmt: skip


@pytest.mark.parametrize("make, error, ours, theirs", BAD_ARGUMENTS)
def test_arguments_torch_refuses_are_errors_naming_the_op(make, error, ours, theirs):
    with pytest.raises((RuntimeError, TypeError), match=theirs):
        make(torch)
    with pytest.raises(error, match=ours):
        make(sd)


@pytest.mark.parametrize("dtype", [sd.f16, sd.bf16, sd.f32, sd.f64, sd.i32, sd.i64, sd.bool_])
def test_from_numpy_takes_back_what_numpy_gave(dtype):
    t = sd.ones((2, 3), dtype=dtype)
    back = sd.from_numpy(t.numpy())
    assert back.dtype is dtype and back.tolist() == t.tolist()


def test_numpy_item_tolist_and_python_numbers():
    v = randn(2, 3)
    x = sd.from_numpy(v)
    np.testing.assert_array_equal(x.numpy(), v)
    assert x.tolist() == v.tolist()
    assert sd.tensor(3.5).item() == 3.5 and isinstance(sd.tensor(3).item(), int)
    assert sd.tensor([[2.0]]).item() == 2.0
    assert float(sd.tensor(1.5)) == 1.5 and int(sd.tensor(4)) == 4 and len(x) == 2
    with pytest.raises(sd.ShapeError, match=r"item: shape \(2, 3\) has 6 values"):
        x.item()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64", "bool"])
def test_item_gives_the_python_type_of_the_dtype_like_torch(dtype):
    v = np.array([[1]]).astype(dtype)
    got, want = sd.from_numpy(v).item(), torch.from_numpy(v).item()
    assert type(got) is type(want) and got == want


def test_tensors_stay_hashable_by_identity_while_eq_is_elementwise():
    xs = [sd.ones((2,)) for _ in range(300)]  # equal values, distinct tensors
    table = {x: i for i, x in enumerate(xs)}
    assert len(table) == len(set(xs)) == 300
    assert all(table[x] == i for i, x in enumerate(xs))
    assert xs[7] in table and sd.ones((2,)) not in table
    assert xs[0] in xs  # identity first, so the first element is found without `==`
    with pytest.raises(RuntimeError, match="ambiguous"):
        torch.ones(2) in [torch.ones(2), torch.ones(2)]  # noqa: B015
    with pytest.raises(sd.ShapeError, match=r"^bool: shape \(2,\) has 2 values.*ambiguous"):
        xs[5] in xs  # noqa: B015  (as in PyTorch: `==` is elementwise)


def test_gradients_by_tensor_do_not_use_equality():
    w, x = sd.tensor([2.0, 3.0]), sd.tensor([2.0, 3.0]).traced()  # equal values
    grads = (w * x * x).sum().backward()
    tw, tx = (torch.tensor([2.0, 3.0], requires_grad=True) for _ in range(2))
    (tw * tx * tx).sum().backward()
    np.testing.assert_allclose(grads[w].numpy(), tw.grad.numpy())
    np.testing.assert_allclose(grads[x].numpy(), tx.grad.numpy())
    assert w in grads and x in grads and sd.tensor([2.0, 3.0]) not in grads


def test_numpy_protocols():
    v = randn(2, 3)
    x = sd.from_numpy(v)
    np.testing.assert_array_equal(np.asarray(x), v)  # NOTE: copied to the host from a GPU
    assert np.asarray(x, dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(torch.from_dlpack(x).cpu().numpy(), v)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # torch's
def test_np_array_copies_as_torchs_does():
    # NOTE: `np.array(t)` copies, for a torch tensor too; a snapshot of the weights taken so
    # moved with training while it shared the tensor's memory
    for make in (lambda v: sd.tensor(v), lambda v: torch.tensor(v)):
        x = make([1.0, 2.0])
        a = np.array(x)
        a[0] = 99.0
        b = np.array(x, copy=True)
        b[1] = 99.0
        assert x.tolist() == [1.0, 2.0]


def _twin_gradients(copy_of):
    """The weight gradients of `l(q1(x)) + 3 l(q2(x))` with `q2 = copy_of(q1)`, each ours
    beside torch's."""
    q1 = sd.nn.Linear(3, 2)
    q2 = copy_of(q1)
    x = sd.tensor(randn(4, 3)).traced()
    y = sd.zeros((4, 2))
    grads = (sd.losses.mse_loss(q1(x), y) + 3 * sd.losses.mse_loss(q2(x), y)).backward()
    t1 = torch.nn.Linear(3, 2)
    t1.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in q1.state_dict().items()})
    t2 = copy_of(t1)
    tx = torch.from_numpy(randn(4, 3))
    mse = torch.nn.functional.mse_loss
    (mse(t1(tx), torch.zeros(4, 2)) + 3 * mse(t2(tx), torch.zeros(4, 2))).backward()
    for ours, theirs in ((q1, t1), (q2, t2)):
        np.testing.assert_allclose(
            grads[ours.weight].numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-6
        )


def test_a_deep_copy_is_a_tensor_of_its_own_in_the_gradients():
    # NOTE: twin critics and target networks are `copy.deepcopy(model)`; the copy's tensors
    # kept the original's id, so the two gradients were summed into both
    _twin_gradients(copy.deepcopy)


def test_an_unpickled_tensor_is_a_tensor_of_its_own_in_the_gradients():
    # NOTE: a policy sent to a worker process kept its ids there, which a new process gives
    # to its own tensors from 0 again; a round trip here meets the original the same way
    _twin_gradients(lambda m: pickle.loads(pickle.dumps(m)))


def test_a_deep_copy_keeps_the_device_and_tied_weights():
    class Tied(sd.nn.Module):
        def __init__(self) -> None:
            self.a = sd.nn.Linear(2, 2)
            self.b = sd.nn.Linear(2, 2)
            self.b.weight = self.a.weight

    model = Tied()
    twin = copy.deepcopy(model)
    assert twin.a.weight is twin.b.weight and twin.a.weight is not model.a.weight
    assert twin.a.weight.device is model.a.weight.device
    twin.a.weight.data[...] = 5.0
    assert float(model.a.weight.numpy().max()) < 5.0


def test_a_traced_result_is_not_copied_a_traced_input_is_like_torch():
    # NOTE: PyTorch copies a leaf that requires grad, and refuses a computed tensor
    with pytest.raises(RuntimeError):
        copy.deepcopy(torch.ones(2, requires_grad=True) * 2)
    with pytest.raises(TypeError, match=r"a traced result is part of a tape; copy x.detach\(\)"):
        copy.deepcopy(sd.ones((2,)).traced() * 2)
    x = sd.ones((2,)).traced()
    twin = copy.deepcopy(x)
    assert twin.is_traced and twin.id != x.id and twin.tolist() == [1.0, 1.0]
    assert (twin * 3).sum().backward()[twin].tolist() == [3.0, 3.0]
    assert copy.deepcopy(torch.ones(2, requires_grad=True)).requires_grad


def test_a_0d_tensor_takes_a_format_spec_as_torchs():
    # NOTE: `f"loss {loss:.4f}"` in every hand-written loop; it was a TypeError
    for value in (0.123456, 3.0):
        assert f"{sd.tensor(value):.4f}" == f"{torch.tensor(value):.4f}"
    assert f"{sd.tensor(7):d}" == f"{torch.tensor(7):d}"
    with pytest.raises(TypeError):
        f"{sd.ones((2,)):.2f}"


@pytest.mark.cpu_only("NumPy's from_dlpack takes host memory only")
def test_numpy_takes_a_tensor_through_dlpack():
    v = randn(2, 3)
    np.testing.assert_array_equal(np.from_dlpack(sd.from_numpy(v)), v)


def test_astype_converts_values_and_sends_gradients_back_in_the_source_dtype():
    v = np.array([1.7, -2.2, 3.0], dtype="float32")
    x = sd.from_numpy(v)
    assert x.astype(sd.f64).dtype is sd.f64 and x.astype(sd.f64).numpy().dtype == np.float64
    np.testing.assert_array_equal(x.astype(sd.i64).numpy(), v.astype("int64"))
    grads = (x.traced().astype(sd.f64) * 2).sum().backward()
    assert grads[x].dtype is sd.f32
    np.testing.assert_array_equal(grads[x].numpy(), [2.0, 2.0, 2.0])


def test_shape_dtype_ndim():
    x = sd.zeros((2, 3, 4), dtype=sd.f64)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, tuple) and x.ndim == 3
    assert all(type(n) is int for n in x.shape)
    assert x.dtype is sd.f64 and sd.tensor([1]).dtype is sd.i64


@pytest.mark.parametrize("shape", [(2, 3, 4), (), (0, 5), (7,)])
def test_numel_is_torchs(shape):
    n = sd.zeros(shape).numel()
    assert type(n) is int and n == torch.zeros(shape).numel()


@pytest.mark.parametrize(
    "bad, message",
    [(sd.f16, r"^to: sd.f16 is a dtype, not a device; convert with .astype\(sd.f16\)$"),
     ("cuda", r"^to: 'cuda' is a string; a device is sd.Cpu\(\) or sd.Cuda\(\)$"),
     (3, r"^to: 3 is not a device")],
)  # fmt: skip
def test_to_something_other_than_a_device_says_what_to_write(bad, message):
    """PyTorch's `.to("cuda")` or `.to(torch.float16)`, ported as they are."""
    for thing in (sd.ones((2,)), sd.nn.Linear(2, 2)):
        with pytest.raises(TypeError, match=message):
            thing.to(bad)


def test_to_device_keeps_values_and_untraced_identity():
    x = sd.randn((2, 2))
    dev = sd.Cpu(seed=5)
    y = x.to(dev)
    assert y.device is dev
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    grads = (y.traced() * 3).sum().backward()
    np.testing.assert_array_equal(grads[x].numpy(), np.full((2, 2), 3.0))


def test_repr_shows_values_shape_and_tape():
    assert "shape=(2,)" in repr(sd.ones((2,)))
    assert "traced" in repr(sd.ones((2,)).traced())
    assert repr(sd.ones((2,), dtype=sd.i64)) == "Tensor([1, 1], shape=(2,), dtype=shapedl.i64)"


def test_repr_of_a_large_tensor_says_its_shape_once():
    # NOTE: NumPy's own repr of a summarised array has a `shape=` of its own
    shown = repr(sd.zeros((100, 100)))
    assert shown.count("shape=") == 1 and "..." in shown, shown
    assert shown.endswith("]], shape=(100, 100), dtype=shapedl.f32)"), shown


@pytest.mark.parametrize("dtype", ["f16", "bf16", "f32", "f64", "i32", "i64", "bool_"])
def test_a_dtype_prints_as_it_is_spelled(dtype):
    assert str(getattr(sd, dtype)) == repr(getattr(sd, dtype)) == f"shapedl.{dtype}"
    assert str(sd.zeros((1,)).astype(getattr(sd, dtype)).dtype) == f"shapedl.{dtype}"


# ---- realize ------------------------------------------------------------------------------
def test_realize_returns_the_tensor_when_the_shape_matches():
    x = sd.ones((2, 3))
    assert x.realize((2, 3)) is x
    assert x.realize((2, -1)) is x


@pytest.mark.parametrize("shape", [(3, 2), (2,), (2, 3, 1)])
def test_realize_with_the_wrong_shape_is_a_shape_error(shape):
    with pytest.raises(sd.ShapeError, match=r"realize: shape \(2, 3\) is not"):
        sd.ones((2, 3)).realize(shape)


def test_realize_from_loaded_data_takes_dyn_and_checks_the_dtype():
    x = sd.from_numpy(np.zeros((4, 3), np.float32))
    assert x.realize((sd.DYN, 3), sd.f32) is x
    with pytest.raises(sd.DTypeError, match=r"realize: the tensor's dtype is f32, not f64"):
        x.realize((4, 3), sd.f64)
    with pytest.raises(sd.ShapeError, match=r"realize: shape \(4, 3\) is not \(Dyn, 4\)"):
        x.realize((sd.DYN, 4))


# ---- transposes: .T is for matrices, .mT for batches of them -----------------------------
def test_t_of_a_matrix_and_mt_of_a_batch_match_torch():
    a = randn(3, 4)
    b = randn(2, 3, 4)
    np.testing.assert_array_equal(sd.tensor(a).T.numpy(), torch.tensor(a).T.numpy())
    np.testing.assert_array_equal(sd.tensor(b).mT.numpy(), torch.tensor(b).mT.numpy())


@pytest.mark.parametrize("shape", [(2, 3, 4), (5,)])
def test_t_outside_2d_is_a_shape_error_pointing_to_mt(shape):
    with pytest.raises(sd.ShapeError, match=r"T: shape .* \.T is for 2-d tensors: use \.mT"):
        _ = sd.ones(shape).T


# ---- dtypes stay put ----------------------------------------------------------------------
def chain(x, w):
    h = (x @ w) * 2.5 + 1
    h = sd.ops.where(h > 0, h, 0.1 * h).tanh() - h.mean(axis=0, keepdims=True)
    h = h.softmax(-1) + h.log_softmax(0) + h.var(axis=1, keepdims=True) + h.std()
    h = h.logsumexp(axis=1) + h.max(axis=1) / (h.min() + 10) + h.sum(axis=1) ** 2
    return (h.sigmoid() + h.square() / 100 + sd.ops.maximum(h, 0.5)).mean()


@pytest.mark.parametrize("dtype", [sd.f32, sd.f64])
def test_dtype_is_kept_through_a_chain_of_ops_and_its_gradients(dtype):
    x = sd.randn((4, 3), dtype=dtype)
    w = sd.randn((3, 5), dtype=dtype)
    loss = chain(x.traced(), w)
    assert loss.dtype is dtype
    grads = loss.backward()
    assert grads[x].dtype is dtype and grads[w].dtype is dtype


def test_results_of_full_reductions_are_0d_arrays_not_numpy_scalars():
    x = sd.randn((2, 3))
    xt = x.traced()
    for out in (x.sum(), x.mean(), x.var(), x.argmax(), sd.tensor(1.0) + 1, xt.sum() * 2):
        assert out.shape == () and hasattr(out.data, "__dlpack__")
        assert out.xp.from_dlpack(out).shape == ()  # NOTE: NumPy's, or CuPy's on a GPU
    grads = (xt.sum() * sd.tensor(2.0)).backward()
    assert hasattr(grads[x].data, "__dlpack__")


def test_item_assignment_says_what_to_write():
    # NOTE: nanoGPT's top-k filter and the Annotated Transformer's `pe[:, 0::2] = ...`
    x = sd.zeros((2, 3))
    with pytest.raises(TypeError, match=r"x\[mask\] = v is x = x.masked_fill\(mask, v\)"):
        x[x > 0] = 1.0


def test_tensor_of_an_array_copies_as_torch_tensor_does():
    # NOTE: `from_numpy` shares the array's memory, as PyTorch's; `tensor` copies, so a
    # later change to the array (a data buffer reused for the next batch) leaves it alone
    for make in (sd.tensor, torch.tensor):
        v = np.arange(3.0, dtype=np.float32)
        x = make(v)
        v[0] = 99.0
        assert x.tolist() == [0.0, 1.0, 2.0]
    v = np.arange(3.0, dtype=np.float32)
    sd.from_numpy(v).data[0] = 99.0
    assert v[0] == 99.0
