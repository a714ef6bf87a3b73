"""PyTorch's `dim=` and `keepdim=` given to an op that takes NumPy's `axis=` and `keepdims=`:
a TypeError that says what to write, and what it says to write gives PyTorch's result."""

import re

import numpy as np
import pytest
import torch
from harness import randn

import shapedl as sd

# (op, ours, PyTorch's, the keywords a port passes): `ours(x, **renamed)` is `theirs(t, **kw)`
CASES = [
    ("concat", lambda x, **kw: sd.cat([x, x], **kw), lambda t, **kw: torch.cat([t, t], **kw)),
    ("stack", lambda x, **kw: sd.stack([x, x], **kw), lambda t, **kw: torch.stack([t, t], **kw)),
    ("chunk", lambda x, **kw: sd.ops.chunk(x, 2, **kw)[1], lambda t, **kw: t.chunk(2, **kw)[1]),
    ("unbind", lambda x, **kw: sd.ops.unbind(x, **kw)[2], lambda t, **kw: t.unbind(**kw)[2]),
    ("split", lambda x, **kw: sd.ops.split(x, 2, **kw)[0], lambda t, **kw: t.split(2, **kw)[0]),
    ("sum", lambda x, **kw: x.sum(**kw), lambda t, **kw: t.sum(**kw)),
    ("mean", lambda x, **kw: sd.ops.mean(x, **kw), lambda t, **kw: t.mean(**kw)),
    ("max", lambda x, **kw: x.max(**kw), lambda t, **kw: t.amax(**kw)),
    ("min", lambda x, **kw: sd.ops.min(x, **kw), lambda t, **kw: t.amin(**kw)),
    ("var", lambda x, **kw: x.var(**kw), lambda t, **kw: t.var(correction=0, **kw)),
    ("std", lambda x, **kw: sd.ops.std(x, **kw), lambda t, **kw: t.std(correction=0, **kw)),
    ("logsumexp", lambda x, **kw: x.logsumexp(**kw), lambda t, **kw: t.logsumexp(**kw)),
    ("argmax", lambda x, **kw: x.argmax(**kw), lambda t, **kw: t.argmax(**kw)),
    ("argmin", lambda x, **kw: sd.ops.argmin(x, **kw), lambda t, **kw: t.argmin(**kw)),
    ("any", lambda x, **kw: (x > 0).any(**kw), lambda t, **kw: (t > 0).any(**kw)),
    ("all", lambda x, **kw: sd.ops.all(x > -1, **kw), lambda t, **kw: (t > -1).all(**kw)),
    ("softmax", lambda x, **kw: x.softmax(**kw), lambda t, **kw: t.softmax(**kw)),
    (
        "log_softmax",
        lambda x, **kw: sd.ops.log_softmax(x, **kw),
        lambda t, **kw: t.log_softmax(**kw),
    ),
    ("sort", lambda x, **kw: x.sort(**kw)[0], lambda t, **kw: t.sort(**kw).values),
    ("argsort", lambda x, **kw: sd.ops.argsort(x, **kw), lambda t, **kw: t.argsort(**kw)),
    ("topk", lambda x, **kw: x.topk(2, **kw)[0], lambda t, **kw: t.topk(2, **kw).values),
]
KEEPS = {"sum", "mean", "max", "min", "var", "std", "logsumexp", "argmax", "argmin", "any", "all"}
RENAMED = {"dim": "axis", "keepdim": "keepdims"}


PARAMS = [(*case, keep) for case in CASES for keep in (False, True) if case[0] in KEEPS or not keep]


@pytest.mark.parametrize(
    "name,ours,theirs,keep", PARAMS, ids=[f"{p[0]}-{'keepdim' if p[3] else 'dim'}" for p in PARAMS]
)
def test_torch_keywords_are_refused_with_the_numpy_names(name, ours, theirs, keep):
    kw = {"dim": 1, "keepdim": True} if keep else {"dim": 1}
    data = randn(2, 4, 3)
    x, t = sd.from_numpy(data), torch.from_numpy(data)
    fix = r"write axis=1, keepdims=True" if keep else r"write axis=1 "
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'dim': "):
        ours(x, **kw)
    with pytest.raises(TypeError, match=fix):
        ours(x, **kw)
    # what the message says to write is PyTorch's call
    got = ours(x, **{RENAMED[k]: v for k, v in kw.items()})
    np.testing.assert_allclose(got.numpy(), theirs(t, **kw).numpy(), rtol=1e-6)


def test_max_and_min_say_the_indices_are_argmax_and_argmin():
    """PyTorch's `values, indices = x.max(dim=1)`: `axis=1` alone would give the values."""
    with pytest.raises(TypeError, match=r"write axis=1 .*the values only: the indices are argmax"):
        sd.ones((2, 3)).max(dim=1)


def test_other_keywords_keep_pythons_message():
    with pytest.raises(TypeError, match=r"^sum\(\) got an unexpected keyword argument 'axes'$"):
        sd.ops.sum(sd.ones((2, 3)), axes=1)
    # NOTE: a half-precision tensor goes through the op's f32 wrapper first
    with pytest.raises(TypeError, match=r"^softmax\(\) .* 'dim': write axis=-1 "):
        sd.ones((2, 3), dtype=sd.f16).softmax(dim=-1)


# PyTorch's other names of shapedl's keywords: (op, ours, PyTorch's, the keywords a port passes)
OTHERS = [
    ("cumsum", lambda x, **kw: x.cumsum(**kw), lambda t, **kw: t.cumsum(**kw), {"dim": 1}),
    ("cumprod", lambda x, **kw: sd.ops.cumprod(x, **kw), torch.cumprod, {"dim": 1}),
    ("diff", lambda x, **kw: x.diff(**kw), lambda t, **kw: t.diff(**kw), {"dim": 1}),
    (
        "squeeze",
        lambda x, **kw: x[:, :1].squeeze(**kw),
        lambda t, **kw: t[:, :1].squeeze(**kw),
        {"dim": 1},
    ),
    ("unsqueeze", lambda x, **kw: x.unsqueeze(**kw), lambda t, **kw: t.unsqueeze(**kw), {"dim": 1}),
    ("unsqueeze", sd.ops.unsqueeze, torch.unsqueeze, {"dim": -1}),
    ("norm", lambda x, **kw: x.norm(**kw), torch.norm, {"p": 1, "dim": 1, "keepdim": True}),
    ("flip", lambda x, **kw: x.flip(**kw), lambda t, **kw: t.flip(**kw), {"dims": (0, 2)}),
    ("flip", sd.ops.flip, torch.flip, {"dims": (1,)}),
    ("roll", lambda x, **kw: x.roll(1, **kw), lambda t, **kw: t.roll(1, **kw), {"dims": 1}),
    ("transpose", lambda x, **kw: x.transpose(**kw), torch.transpose, {"dim0": 0, "dim1": 2}),
    ("transpose", lambda x, **kw: x.swapaxes(**kw), torch.swapdims, {"dim0": 2, "dim1": 1}),
    (
        "diagonal",
        lambda x, **kw: x.diagonal(1, **kw),
        lambda t, **kw: t.diagonal(1, **kw),
        {"dim1": 0, "dim2": 2},
    ),
    ("nansum", lambda x, **kw: x.nansum(**kw), torch.nansum, {"dim": 1, "keepdim": True}),
    ("nanmean", sd.ops.nanmean, torch.nanmean, {"dim": 1}),
    ("prod", lambda x, **kw: x.prod(**kw), torch.prod, {"dim": 1, "keepdim": True}),
    (
        "count_nonzero",
        lambda x, **kw: (x > 0).count_nonzero(**kw),
        lambda t, **kw: (t > 0).count_nonzero(**kw),
        {"dim": 1},
    ),
    ("flatten", lambda x, **kw: x.flatten(**kw), torch.flatten, {"start_dim": 1, "end_dim": 2}),
    ("flatten", sd.ops.flatten, torch.flatten, {"start_dim": 1}),
]
SHAPEDL_NAMES = {
    "p": "ord",
    "dims": "axis",
    "start_dim": "start_axis",
    "end_dim": "end_axis",
    "dim0": "axis0",
    "dim1": "axis1",
    "dim2": "axis2",
    **RENAMED,
}


@pytest.mark.parametrize(
    "name,ours,theirs,kw", OTHERS, ids=[f"{c[0]}-{'-'.join(c[3])}" for c in OTHERS]
)
def test_torch_names_are_refused_with_shapedls(name, ours, theirs, kw):
    data = randn(2, 4, 3)
    x, t = sd.from_numpy(data), torch.from_numpy(data)
    renamed = {SHAPEDL_NAMES[k]: v for k, v in kw.items()}
    fix = "write " + ", ".join(f"{k}={v!r}" for k, v in renamed.items())
    first = next(iter(kw))
    with pytest.raises(TypeError, match=rf"^{name}\(\) got .* '{first}': {re.escape(fix)} \("):
        ours(x, **kw)
    # what the message says to write is PyTorch's call
    want = theirs(t, **kw)
    np.testing.assert_allclose(ours(x, **renamed).numpy(), want.numpy(), rtol=1e-6)


def test_transpose_says_the_axes_go_by_position():
    with pytest.raises(TypeError, match=r"; or by position: \.transpose\(0, 2\)$"):
        sd.ones((2, 3, 4)).transpose(dim0=0, dim1=2)
    assert sd.ones((2, 3, 4)).transpose(0, 2).shape == torch.ones(2, 3, 4).transpose(0, 2).shape


def test_unsqueeze_without_an_axis_is_pythons_missing_argument():
    with pytest.raises(TypeError, match=r"^unsqueeze\(\) missing 1 required .* 'axis'$"):
        sd.ops.unsqueeze(sd.ones((2, 3)))  # type: ignore[call-arg]
