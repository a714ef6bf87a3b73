"""PyTorch's layers users port: activations, Unflatten and Embedding.from_pretrained, the
vision layers (ReLU6, Dropout2d, the pads, the pixel shuffles), typed by their registrations
(no plugin code of their own), and a Sequential of named layers."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, TypeVar

import numpy as np

import shapedl as sd
from shapedl import Const, Dim, Tensor, Traced, i64

B = TypeVar("B", bound=Dim)
D = TypeVar("D", bound=Dim)

x = sd.randn((2, 12))
a1: Tensor[tuple[Const[2], Const[12]]] = sd.nn.ELU(0.5)(x)
a2: Tensor[tuple[Const[2], Const[12]], sd.f32, Traced] = sd.nn.SELU()(x.traced())
a3: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Softplus(beta=2.0)(x)
a4: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Mish()(x)
a5: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Hardtanh(-2.0, 2.0)(x)
a6: Tensor[tuple[Const[2], Const[12]]] = sd.nn.LogSoftmax(axis=1)(x)
a7: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Softsign()(x)
a8: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Hardswish()(x)
a9: Tensor[tuple[Const[2], Const[12]]] = sd.nn.Hardsigmoid()(x)
u1: Tensor[tuple[Const[2], Const[3], Const[4]]] = sd.nn.Unflatten(1, (3, 4))(x)
u2: Tensor[tuple[Const[2], Const[2], Const[6]]] = sd.nn.Unflatten(-1, (2, -1))(x)

model = sd.nn.Sequential(
    sd.nn.Linear(12, 24), sd.nn.Hardswish(), sd.nn.Unflatten(1, (4, 6)), sd.nn.LogSoftmax()
)
m1: Tensor[tuple[Const[2], Const[4], Const[6]]] = model(x)

emb = sd.nn.Embedding.from_pretrained(sd.randn((10, 4)), padding_idx=0)
e1: Tensor[tuple[Const[3], Const[4]]] = emb(sd.zeros((3,), dtype=i64))
e2 = emb(sd.tensor([[1, 2]], dtype=sd.i32)) + emb(sd.from_numpy(np.array([[0, 3]])))


def head(x: Tensor[tuple[B, D]], table: Tensor[tuple[Const[5], D]]) -> Tensor[tuple[B, D]]:
    words = sd.nn.Embedding.from_pretrained(table, freeze=False)
    return sd.nn.Mish()(x) + words(x.argmax(axis=1).clamp_max(4))


def lookup(
    ids: Tensor[tuple[Const[3]], i64] | Tensor[tuple[Const[3]], sd.i32],
) -> Tensor[tuple[Const[3], Const[4]]]:
    return emb(ids)  # NOTE: either integer dtype: an overload each


print(
    lookup(sd.zeros((3,), dtype=sd.i32)).shape,
    m1.shape,
    e1.shape,
    e2.shape,
    head(sd.randn((2, 4)), sd.randn((5, 4))).shape,
)


def deep_blocks(x: Tensor[tuple[B, Const[16]]]) -> Tensor[tuple[B, Const[16]]]:
    """Layers of one type repeated a run-time number of times keep the input's type where
    the layer does (16 to 16)."""
    return sd.nn.Sequential(*[sd.nn.Linear(16, 16) for _ in range(3)])(x)


assert deep_blocks(sd.randn((2, 16))).shape == (2, 16)


# ---- vision layers: shapes inferred from their registrations
img = sd.randn((2, 8, 5, 6))
v1: Tensor[tuple[Const[2], Const[8], Const[5], Const[6]]] = sd.nn.ReLU6()(img)
v2: Tensor[tuple[Const[2], Const[8], Const[5], Const[6]]] = sd.ops.relu6(img)
v3: Tensor[tuple[Const[2], Const[8], Const[5], Const[6]], sd.f32, Traced] = sd.nn.Dropout2d(0.1)(
    img.traced()
)
v4: Tensor[tuple[Const[2], Const[8], Const[8], Const[9]]] = sd.nn.ZeroPad2d((1, 2, 3, 0))(img)
v5: Tensor[tuple[Const[2], Const[8], Const[7], Const[8]]] = sd.nn.ReflectionPad2d(1)(img)
v6: Tensor[tuple[Const[2], Const[8], Const[7], Const[8]]] = sd.nn.ReplicationPad2d(1)(img)
v7: Tensor[tuple[Const[2], Const[2], Const[10], Const[12]]] = sd.nn.PixelShuffle(2)(img)
v8: Tensor[tuple[Const[2], Const[8], Const[5], Const[6]]] = sd.nn.PixelUnshuffle(2)(v7)
v9: Tensor[tuple[Const[8], Const[7], Const[8]]] = sd.nn.ReflectionPad2d(1)(img[0])
widths = ((0, 0), (0, 0), (1, 1), (2, 2))
v10: Tensor[tuple[Const[2], Const[8], Const[7], Const[10]]] = sd.ops.pad(img, widths, mode="reflect")
upscale = sd.nn.Sequential(
    sd.nn.ReflectionPad2d(1), sd.nn.Conv2d(8, 12, 3), sd.nn.ReLU6(), sd.nn.PixelShuffle(2)
)
v11: Tensor[tuple[Const[2], Const[3], Const[10], Const[12]]] = upscale(img)


def stem(x: Tensor[tuple[B, Const[3], Const[8], Const[8]]]) -> Tensor[tuple[B, Const[4], Any, Any]]:
    """torchvision's named stages: `Sequential(OrderedDict(...))`, its layers untyped."""
    named = sd.nn.Sequential(
        OrderedDict([("conv", sd.nn.Conv2d(3, 4, 3, padding=1)), ("relu", sd.nn.ReLU6())])
    )
    assert len(named) == 2 and named[0] is not None
    return named(x)


# NOTE: InstanceNorm2d keeps the shape; children() is PyTorch's way to drop a head
v12: Tensor[tuple[Const[2], Const[8], Const[5], Const[6]]] = sd.nn.InstanceNorm2d(8)(img)
body = sd.nn.Sequential(*list(upscale.children())[:-1])

print(v8.shape, v9.shape, v10.shape, v11.shape, stem(sd.randn((2, 3, 8, 8))).shape, v12.shape)
