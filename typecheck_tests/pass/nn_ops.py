"""conv/pool/norm/dropout/embedding/attention and the losses, sizes computed statically."""

from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor, Traced, i64

img = sd.ones((2, 3, 12, 12))
c1: Tensor[tuple[Const[2], Const[4], Const[12], Const[12]]] = sd.ops.conv2d(img, sd.ones((4, 3, 3, 3)), padding=1)  # op: conv2d
c2: Tensor[tuple[Const[2], Const[4], Const[4], Const[4]]] = sd.ops.conv2d(img, sd.ones((4, 3, 5, 5)), stride=2)
c3: Tensor[tuple[Const[2], Const[4], Const[8]]] = sd.ops.conv1d(sd.ones((2, 3, 10)), sd.ones((4, 3, 3)))  # op: conv1d
c4: Tensor[tuple[Const[2], Const[6], Const[24], Const[24]]] = sd.ops.conv_transpose2d(img, sd.ones((3, 6, 2, 2)), stride=2)  # op: conv_transpose2d
p1: Tensor[tuple[Const[2], Const[3], Const[6], Const[6]]] = sd.ops.max_pool2d(img, 2)  # op: max_pool2d
p2: Tensor[tuple[Const[2], Const[3], Const[12], Const[12]]] = sd.ops.avg_pool2d(img, 3, stride=1, padding=1)  # op: avg_pool2d
p3: Tensor[tuple[Const[2], Const[3], Const[3], Const[3]]] = sd.ops.max_pool2d(img, 5, 4, ceil_mode=True)
p4: Tensor[tuple[Const[2], Const[3], Const[3], Const[3]]] = sd.ops.avg_pool2d(img, 5, 4, count_include_pad=False, ceil_mode=True)
p5: Tensor[tuple[Const[2], Const[3], Const[3], Const[3]]] = sd.nn.MaxPool2d(5, 4, ceil_mode=True)(img)
x = sd.ones((2, 5, 8))
n1: Tensor[tuple[Const[2], Const[5], Const[8]]] = sd.ops.layer_norm(x, 8)  # op: layer_norm
n2: Tensor[tuple[Const[2], Const[5], Const[8]]] = sd.ops.batch_norm(x, sd.zeros((5,)), sd.ones((5,)))  # op: batch_norm
d1: Tensor[tuple[Const[2], Const[5], Const[8]], sd.f32, Traced] = sd.ops.dropout(x.traced(), 0.1)  # op: dropout
e1: Tensor[tuple[Const[2], Const[5], Const[8]]] = sd.ops.embedding(sd.zeros((2, 5), dtype=i64), sd.ones((10, 8)))  # op: embedding
a1: Tensor[tuple[Const[2], Const[5], Const[8]]] = sd.ops.scaled_dot_product_attention(x, x, x)  # op: scaled_dot_product_attention
y = sd.ones((4, 3))
t = sd.zeros((4,), dtype=i64)
l1: Tensor[tuple[()]] = sd.losses.mse_loss(y, y)  # op: mse_loss
l1 = sd.losses.mae_loss(y, y)  # op: mae_loss
l1 = sd.losses.huber_loss(y, y)  # op: huber_loss
l1 = sd.losses.smooth_l1_loss(y, y)  # op: smooth_l1_loss
l1 = sd.losses.binary_cross_entropy_loss(y.sigmoid(), y.sigmoid())  # op: binary_cross_entropy_loss
l1 = sd.losses.binary_cross_entropy_with_logits_loss(y, y)  # op: binary_cross_entropy_with_logits_loss
l1 = sd.losses.binary_cross_entropy_with_logits_loss(y, y, weight=sd.ones((4, 1)), pos_weight=sd.ones((3,)))
l1 = sd.losses.cross_entropy_with_logits_loss(y, t)  # op: cross_entropy_with_logits_loss
l1 = sd.losses.nll_loss(y.log_softmax(), t)  # op: nll_loss
l1 = sd.losses.nll_loss(y.log_softmax(), t, weight=sd.ones((3,)), ignore_index=1)
l1 = sd.losses.cross_entropy_with_logits_loss(y, t, weight=sd.ones((3,)), ignore_index=-1)
l1 = sd.losses.kl_div_with_logits_loss(y, y)  # op: kl_div_with_logits_loss
l2: Tensor[tuple[Const[4], Const[3]]] = sd.losses.mse_loss(y, y, reduction="none")
l2 = sd.losses.binary_cross_entropy_with_logits_loss(y, y, reduction="none", pos_weight=sd.ones((1,)))
assert c4.shape == (2, 6, 24, 24) and l2.shape == (4, 3)
