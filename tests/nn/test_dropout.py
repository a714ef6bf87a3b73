"""Dropout: the identity in inference (untraced input), scaled masking in training."""

import numpy as np
import pytest

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
