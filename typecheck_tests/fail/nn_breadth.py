"""PyTorch's layers users port: Unflatten's sizes are checked, activations keep their shape,
an Embedding.from_pretrained table types its rows, and the vision layers (pads, pixel
shuffles, Dropout2d, ReLU6) check their inputs and give their shapes."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, i64

x = sd.randn((2, 12))
sd.nn.Unflatten(1, (5, 4))(x)  # E: [shape] unflatten: shapes (2, 12) and (5, 4): the sizes (product 20) do not fill size 12 of axis 1; their product must be that size (or divide it, with one -1)
sd.nn.Unflatten(1, (5, -1))(x)  # E: [shape] unflatten: shapes (2, 12) and (5, -1): the sizes (product 5) do not fill size 12 of axis 1; their product must be that size (or divide it, with one -1)
sd.nn.Unflatten(2, (3, 4))(x)  # E: [shape] unflatten: shape (2, 12): axis 2 is out of range for rank 2
sd.nn.Sequential(sd.nn.Unflatten(1, (3, 4)), sd.nn.Linear(3, 2))(x)  # E: [shape] Linear: shapes (2, 3, 4) and (2, 3): input width 4 at axis -1 differs from in_features 3
b1: Tensor[tuple[Const[2], Const[3]]] = sd.nn.Hardswish()(x)  # E: [arg-type]
b2: Tensor[tuple[Const[2], Const[3]]] = sd.nn.Softplus(2.0)(x)  # E: [arg-type]
emb = sd.nn.Embedding.from_pretrained(sd.randn((10, 4)))
b3: Tensor[tuple[Const[3], Const[5]]] = emb(sd.zeros((3,), dtype=i64))  # E: [assignment]
emb(sd.tensor([[1.0, 2.0]]))  # E: [arg-type] Argument 1 has incompatible type "Tensor[tuple[Literal[1], Literal[2]], f32, NoTape]"; expected "Tensor[tuple[Literal[1], Literal[2]], i64, NoTape]"
img = sd.randn((2, 8, 5, 6))
sd.nn.ReflectionPad2d(5)(img)  # E: [shape] ReflectionPad2d: shape (2, 8, 5, 6): reflect padding (5, 5) of axis 2 must be below its size 5, as PyTorch's; pad in several steps, or use mode='replicate'
sd.nn.ZeroPad2d(1)(x)  # E: [shape] ZeroPad2d: shape (2, 12): needs (N, C, H, W) or (C, H, W), not rank 2
sd.nn.PixelShuffle(3)(img)  # E: [shape] PixelShuffle: shape (2, 8, 5, 6): size 8 of axis 1 is not a multiple of upscale_factor ** 2 = 9
sd.nn.PixelUnshuffle(2)(img)  # E: [shape] PixelUnshuffle: shape (2, 8, 5, 6): size 5 of axis 2 is not a multiple of downscale_factor 2
sd.nn.Dropout2d()(img[0])  # E: [shape] Dropout2d: shape (8, 5, 6): needs (N, C, H, W), not rank 3; for one image (C, H, W) pass x[None]: PyTorch reads a 3-d input as (N, C, L) now and as (C, H, W) in a future release, so it is refused here
sd.ops.pad(img, ((0, 0), (0, 0), (5, 0), (0, 0)), mode="reflect")  # E: [shape] pad: shape (2, 8, 5, 6): reflect padding (5, 0) of axis 2 must be below its size 5, as PyTorch's; pad in several steps, or use mode='replicate'
b4: Tensor[tuple[Const[2], Const[8], Const[5], Const[6]]] = sd.nn.ZeroPad2d(1)(img)  # E: [assignment]
b5: Tensor[tuple[Const[2], Const[8], Const[10], Const[12]]] = sd.nn.PixelShuffle(2)(img)  # E: [assignment]
b6: Tensor[tuple[Const[2], Const[8], Const[5]]] = sd.nn.ReLU6()(img)  # E: [arg-type]
sd.nn.Sequential(sd.nn.PixelShuffle(2), sd.nn.Conv2d(8, 4, 3))(img)  # E: [shape]
sd.nn.InstanceNorm2d(8)(sd.randn((2, 16, 4, 4)))  # E: [shape] group_norm: shapes (2, 16, 4, 4) and (8,): weight must be (16,), one value per channel at axis 1
