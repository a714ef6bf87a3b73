"""A tiny U-Net that removes noise from scikit-learn's 8x8 digits, typed for any image size.

The encoder halves the image with `adaptive_avg_pool2d`, the decoder doubles it back with
`interpolate` and joins the skip connection with `concat`; `group_norm` and `mish` sit
between the convolutions, and training uses `Adagrad` with `clip_grad_norm`. The model is
written once for a batch `B` and an image of `2*H` by `2*W`: with the plugin
(`mypy examples/digits_unet.py`) every intermediate has the shape its `assert_type` names,
so a decoder that forgets to upsample, or joins the skip on the wrong axis, is a `[shape]`
error.

    python examples/digits_unet.py [--quick]
"""

from __future__ import annotations

import argparse
from typing import TypeVar, assert_type

import numpy as np
from sklearn.datasets import load_digits

import shapedl as sd
from shapedl import Const, Dim, Mul, Tape, Tensor, f32
from shapedl.nn import Conv2d, Module

B = TypeVar("B", bound=Dim)  # batch
H = TypeVar("H", bound=Dim)  # half the image height
W = TypeVar("W", bound=Dim)  # half the image width
TT = TypeVar("TT", bound=Tape)


class UNet(Module):
    """`(B, 1, 2H, 2W) -> (B, 1, 2H, 2W)`: one level down, one level up, one skip."""

    def __init__(self) -> None:
        self.enc = Conv2d(1, 8, 3, padding=1)
        self.mid = Conv2d(8, 8, 3, padding=1)
        self.dec = Conv2d(16, 8, 3, padding=1)
        self.out = Conv2d(8, 1, 1)

    def forward(
        self, x: Tensor[tuple[B, Const[1], Mul[Const[2], H], Mul[Const[2], W]], f32, TT]
    ) -> Tensor[tuple[B, Const[1], Mul[Const[2], H], Mul[Const[2], W]], f32, TT]:
        b, c, h2, w2 = x.shape
        skip = sd.ops.mish(sd.ops.group_norm(self.enc(x), 2))
        assert_type(skip, Tensor[tuple[B, Const[8], Mul[Const[2], H], Mul[Const[2], W]], f32, TT])
        down = sd.ops.adaptive_avg_pool2d(skip, (h2 // 2, w2 // 2))
        assert_type(down, Tensor[tuple[B, Const[8], H, W], f32, TT])
        inner = sd.ops.mish(self.mid(down))
        up = sd.ops.interpolate(inner, scale_factor=2, mode="bilinear")
        assert_type(up, Tensor[tuple[B, Const[8], Mul[Const[2], H], Mul[Const[2], W]], f32, TT])
        joined = sd.ops.concat([up, skip], axis=1)
        assert_type(
            joined, Tensor[tuple[B, Const[16], Mul[Const[2], H], Mul[Const[2], W]], f32, TT]
        )
        return x + self.out(sd.ops.mish(self.dec(joined)))

    __call__ = forward


def noisy_digits(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Clean digits in [0, 1] as `(N, 1, 8, 8)` float32, and a copy with Gaussian noise."""
    images = (load_digits().images / 16.0).astype(np.float32)[:, None]
    noise = np.random.default_rng(seed).normal(0.0, 0.3, images.shape).astype(np.float32)
    return images, images + noise


def main(argv: list[str] | None = None) -> tuple[float, float]:
    """Train; return the mean squared error of the noisy input and of the model's output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps, for the tests")
    args = parser.parse_args(argv)
    sd.set_default_device(sd.Cpu(seed=0))
    clean, noisy = noisy_digits()
    model = UNet()
    opt = sd.optim.Adagrad(lr=0.05)
    batch = 64
    steps = 20 if args.quick else 300
    rng = np.random.default_rng(1)
    for step in range(steps):
        pick = rng.integers(0, len(clean), batch)
        out = model(sd.from_numpy(noisy[pick]).traced())
        grads = sd.losses.mse_loss(out, sd.from_numpy(clean[pick])).backward()
        norm = sd.optim.clip_grad_norm(model, grads, max_norm=1.0)
        opt.update(model, grads)
        if step % 50 == 0 or step == steps - 1:
            print(f"step {step:3d}  gradient norm {norm:.3f}")
    before = float(((noisy - clean) ** 2).mean())
    after = float(((model(sd.from_numpy(noisy)).numpy() - clean) ** 2).mean())
    print(f"mean squared error: noisy {before:.4f} -> denoised {after:.4f}")
    return before, after


if __name__ == "__main__":
    main()
