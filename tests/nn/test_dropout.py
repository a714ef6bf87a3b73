"""Dropout and Dropout2d: the identity in inference (untraced input), scaled masking in
training (of elements, or of whole feature maps)."""

import numpy as np
import pytest
import torch

import shapedl as sd


def test_inference_is_identity():
    x = sd.randn((4, 5))
    assert sd.nn.Dropout(0.5)(x) is x


def test_training_masks_and_scales():
    x = sd.ones((200, 100), device=sd.Cpu(seed=0)).traced()
    out = sd.nn.Dropout(0.25)(x).numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.02


def test_training_gradient_uses_the_same_mask():
    x = sd.randn((30, 20)).traced()
    out = sd.nn.Dropout(0.5)(x)
    grads = out.sum().backward()
    np.testing.assert_allclose(grads[x].numpy(), (out.numpy() != 0) * 2.0)


def test_p_zero_and_one():
    x = sd.ones((3, 3)).traced()
    np.testing.assert_array_equal(sd.nn.Dropout(0.0)(x).numpy(), 1)
    np.testing.assert_array_equal(sd.nn.Dropout(1.0)(x).numpy(), 0)


def test_same_seed_same_mask():
    def draw(seed):
        dev = sd.Cpu(seed=seed)
        return sd.nn.Dropout(0.5)(sd.ones((50,), device=dev).traced()).numpy()

    assert np.array_equal(draw(3), draw(3)) and not np.array_equal(draw(3), draw(4))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_invalid_probability(p):
    with pytest.raises(ValueError, match=str(p)):
        sd.nn.Dropout(p)


# ---- Dropout2d ------------------------------------------------------------------------------
def _maps_and_scales(out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per (n, c): the one factor the map was multiplied by (asserting it is one factor)."""
    ratio = (out / x).reshape(*x.shape[:2], -1)
    np.testing.assert_allclose(ratio, ratio[..., :1].repeat(ratio.shape[-1], -1), rtol=1e-6)
    return ratio[..., 0]


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout2d_zeroes_whole_feature_maps_as_torch(p):
    """PyTorch's channel dropout: each (n, c) map all zero or all scaled by 1 / (1 - p)."""
    x = np.random.default_rng(0).uniform(1, 2, (40, 30, 3, 4)).astype(np.float32)
    out = sd.nn.Dropout2d(p)(sd.tensor(x, device=sd.Cpu(seed=1)).traced()).numpy()
    tout = torch.nn.Dropout2d(p).train()(torch.from_numpy(x)).numpy()
    for y in (out, tout):
        scales = _maps_and_scales(y, x)
        assert set(np.round(scales, 5).ravel().tolist()) <= {0.0, round(1 / (1 - p), 5)}
        assert abs((scales == 0).mean() - p) < 0.06


def test_dropout2d_gradient_is_its_mask_and_eval_is_identity():
    x = sd.randn((4, 6, 3, 3))
    assert sd.nn.Dropout2d(0.5)(x) is x and sd.ops.dropout2d(x, 0.5) is x
    xt = x.traced()
    out = sd.nn.Dropout2d(0.5)(xt)
    grads = (out * 3.0).sum().backward()
    mask = _maps_and_scales(out.numpy(), x.numpy())
    want = np.broadcast_to(3 * mask[..., None, None], x.shape)
    np.testing.assert_allclose(grads[xt].numpy(), want)
    tx = torch.from_numpy(x.numpy())
    assert torch.equal(torch.nn.Dropout2d(0.5).eval()(tx), tx)


def test_dropout2d_p_zero_and_one_and_errors():
    x = sd.ones((2, 3, 2, 2)).traced()
    np.testing.assert_array_equal(sd.nn.Dropout2d(0.0)(x).numpy(), 1)
    np.testing.assert_array_equal(sd.nn.Dropout2d(1.0)(x).numpy(), 0)
    with pytest.raises(ValueError, match="Dropout2d: probability p=1.5"):
        sd.nn.Dropout2d(1.5)
    with pytest.raises(sd.ShapeError, match=r"dropout2d: shape \(3, 2, 2\): needs \(N, C, H, W\)"):
        sd.nn.Dropout2d()(sd.ones((3, 2, 2)).traced())
    assert repr(sd.nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))
