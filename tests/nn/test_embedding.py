"""Embedding against torch.nn.Embedding: lookup and the table's gradient."""

import numpy as np
import pytest
import torch

import shapedl as sd
from tests.nn.helpers import check_module


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 2, 2)])
def test_embedding_matches_torch(shape):
    index = np.random.default_rng(0).integers(0, 7, shape)
    # the index is traced (training), as an integer input it takes no gradient itself
    check_module(
        sd.nn.Embedding(7, 4),
        torch.nn.Embedding(7, 4),
        [index],
        sd_call=lambda m, i: m(i.traced()),
    )


def test_embedding_init_is_standard_normal():
    w = sd.nn.Embedding(1000, 64, device=sd.Cpu(seed=2)).weight.numpy()
    assert w.dtype == np.float32
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_out_of_range_index():
    with pytest.raises(IndexError):
        sd.nn.Embedding(3, 2)(sd.tensor([0, 3]))


@pytest.mark.parametrize("padding_idx", [0, 3, -2])
def test_padding_idx_is_a_zero_row_with_no_gradient_like_torch(padding_idx):
    module = sd.nn.Embedding(7, 4, padding_idx=padding_idx)
    tmod = torch.nn.Embedding(7, 4, padding_idx=padding_idx)
    np.testing.assert_array_equal(module.weight.numpy()[padding_idx], np.zeros(4))
    assert module.padding_idx == tmod.padding_idx
    index = np.array([[0, 3, 5], [5, 6, 0]])
    check_module(module, tmod, [index], sd_call=lambda m, i: m(i.traced()))


@pytest.mark.parametrize("bad", [7, -8])
def test_padding_idx_out_of_range(bad):
    with pytest.raises(ValueError, match=rf"Embedding: padding_idx {bad} is out of range"):
        sd.nn.Embedding(7, 4, padding_idx=bad)


# ---- from_pretrained ----------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_from_pretrained_matches_torch(padding_idx):
    table = np.random.default_rng(1).standard_normal((6, 3)).astype("float32")
    module = sd.nn.Embedding.from_pretrained(
        sd.from_numpy(table), freeze=False, padding_idx=padding_idx
    )
    tmod = torch.nn.Embedding.from_pretrained(
        torch.from_numpy(table.copy()), freeze=False, padding_idx=padding_idx
    )
    # NOTE: as torch, the padding row keeps its pretrained values (only its gradient is 0)
    np.testing.assert_array_equal(module.weight.numpy(), table)
    assert module.padding_idx == tmod.padding_idx
    assert list(module.state_dict()) == list(tmod.state_dict()) == ["weight"]
    index = np.array([[0, 1, 5], [5, 2, 1]])
    check_module(module, tmod, [index], sd_call=lambda m, i: m(i.traced()))


def test_from_pretrained_freezes_by_default_like_torch():
    table = sd.randn((4, 2))
    frozen = sd.nn.Embedding.from_pretrained(table)
    tmod = torch.nn.Embedding.from_pretrained(torch.from_numpy(table.numpy()))
    assert not tmod.weight.requires_grad
    # NOTE: frozen is state (saved and loaded as `weight`), not a parameter an optimizer moves
    assert frozen.parameters() == {} and list(frozen.state_dict()) == ["weight"]
    # NOTE: the table's memory, in a tensor of its own (as torch's Parameter(embeddings))
    assert np.shares_memory(frozen.weight.data, table.data) and frozen.weight.id != table.id
    assert repr(frozen) == "Embedding(num_embeddings=4, embedding_dim=2, padding_idx=None)"
    assert list(sd.nn.Embedding(4, 2).parameters()) == ["weight"]  # the class is unchanged
    before = frozen.weight.numpy().copy()
    model = sd.nn.Sequential(frozen, sd.nn.Linear(2, 1))
    out = model(sd.tensor([0, 3]).traced()).sum()
    sd.optim.Sgd(lr=0.1).update(model, out.backward())
    np.testing.assert_array_equal(frozen.weight.numpy(), before)


def test_from_pretrained_errors():
    with pytest.raises(ValueError, match=r"embeddings must be 2-d \(V, D\), got \(4,\)"):
        sd.nn.Embedding.from_pretrained(sd.ones((4,)))
    with pytest.raises(ValueError, match=r"Embedding: padding_idx 4 is out of range"):
        sd.nn.Embedding.from_pretrained(sd.ones((4, 2)), padding_idx=4)
