"""conv/pool/norm/embedding/attention/dropout and the losses: their rules, same words."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

img = sd.ones((8, 3, 28, 28))
sd.ops.conv2d(img, sd.ones((16, 4, 3, 3)))  # E: [shape] conv2d: shapes (8, 3, 28, 28) and (16, 4, 3, 3)  # op: conv2d
sd.ops.conv2d(img, sd.ones((16, 3, 30, 30)))  # E: [shape] conv2d: shapes (8, 3, 28, 28) and (16, 3, 30, 30)
sd.ops.conv1d(sd.ones((2, 3, 10)), sd.ones((4, 2, 3)))  # E: [shape] conv1d: shapes (2, 3, 10) and (4, 2, 3)  # op: conv1d
sd.ops.conv_transpose2d(img, sd.ones((4, 6, 2, 2)))  # E: [shape] conv_transpose2d: shapes (8, 3, 28, 28) and (4, 6, 2, 2)  # op: conv_transpose2d
sd.ops.max_pool2d(sd.ones((3, 28, 28)), 2)  # E: [shape] max_pool2d: shape (3, 28, 28): the input must have rank 4  # op: max_pool2d
sd.ops.avg_pool2d(img, 30)  # E: [shape] avg_pool2d: shape (8, 3, 28, 28)  # op: avg_pool2d
floor: Tensor[tuple[Const[8], Const[3], Const[2], Const[2]]] = sd.ops.max_pool2d(img, 5, 10, ceil_mode=True)  # E: [assignment]
ceil: Tensor[tuple[Const[8], Const[3], Const[15], Const[15]]] = sd.nn.AvgPool2d(3, 2, 1)(img)  # E: [assignment]
x = sd.ones((2, 5, 8))
sd.ops.layer_norm(x, 4)  # E: [shape] layer_norm: shapes (2, 5, 8) and (4,): input size 8 at axis -1 differs from normalized_shape size 4  # op: layer_norm
sd.ops.batch_norm(x, sd.ones((4,)), sd.ones((4,)))  # E: [shape] batch_norm: shapes (2, 5, 8) and (4,)  # op: batch_norm
sd.ops.embedding(sd.zeros((2, 5), dtype=sd.i64), sd.ones((10, 8, 2)))  # E: [shape] embedding: shapes (2, 5) and (10, 8, 2): weight has rank 3 but must be 2-d  # op: embedding
sd.ops.scaled_dot_product_attention(x, sd.ones((2, 5, 7)), x)  # E: [shape] scaled_dot_product_attention: shapes  # op: scaled_dot_product_attention
sd.ops.dropout(sd.ones(()), 0.5).backward()  # E: [tape] call .traced() on an input  # op: dropout
y = sd.ones((4, 3))
sd.losses.mse_loss(y, sd.ones((4, 2)))  # E: [shape] mse_loss: shapes (4, 3) and (4, 2)  # op: mse_loss
sd.losses.mae_loss(y, sd.ones((3,)))  # E: [shape] mae_loss: shapes (4, 3) and (3,)  # op: mae_loss
sd.losses.huber_loss(y, sd.ones((4, 2)))  # E: [shape] huber_loss: shapes (4, 3) and (4, 2)  # op: huber_loss
sd.losses.smooth_l1_loss(y, sd.ones((4, 2)))  # E: [shape] smooth_l1_loss: shapes (4, 3) and (4, 2)  # op: smooth_l1_loss
sd.losses.binary_cross_entropy_loss(y.sigmoid(), sd.ones((4, 2)))  # E: [shape] binary_cross_entropy_loss: shapes (4, 3) and (4, 2): target axis 1 has size 2, expected 3  # op: binary_cross_entropy_loss
sd.losses.binary_cross_entropy_loss(y.sigmoid(), y, weight=sd.ones((2,)))  # E: [shape] binary_cross_entropy_loss: shapes (4, 3) and (4, 3) and (2,): weight must broadcast to the input's shape (4, 3)
sd.losses.binary_cross_entropy_with_logits_loss(y, sd.ones((4, 2)))  # E: [shape] binary_cross_entropy_with_logits_loss: shapes (4, 3) and (4, 2): target axis 1 has size 2, expected 3  # op: binary_cross_entropy_with_logits_loss
sd.losses.binary_cross_entropy_with_logits_loss(y, y, pos_weight=sd.ones((2,)))  # E: [shape] binary_cross_entropy_with_logits_loss: shapes (4, 3) and (4, 3) and (2,): pos_weight must broadcast to the logits' shape (4, 3)
sd.losses.binary_cross_entropy_with_logits_loss(y, y, weight=sd.ones((2, 4, 3)))  # E: [shape] binary_cross_entropy_with_logits_loss: shapes (4, 3) and (4, 3) and (2, 4, 3): weight must broadcast to the logits' shape (4, 3)
sd.losses.cross_entropy_with_logits_loss(y, sd.zeros((5,), dtype=sd.i64))  # E: [shape] cross_entropy_with_logits_loss: shapes (4, 3) and (5,)  # op: cross_entropy_with_logits_loss
sd.losses.nll_loss(y, sd.zeros((5,), dtype=sd.i64))  # E: [shape] nll_loss: shapes (4, 3) and (5,)  # op: nll_loss
sd.losses.nll_loss(y, sd.zeros((4,), dtype=sd.i64), weight=sd.ones((4,)))  # E: [shape] nll_loss: shapes (4, 3) and (4,) and (4,): weight must have shape (3,), one per class
sd.losses.cross_entropy_with_logits_loss(y, sd.zeros((4,), dtype=sd.i64), weight=sd.ones((3, 1)))  # E: [shape] cross_entropy_with_logits_loss: shapes (4, 3) and (4,) and (3, 1): weight must have shape (3,)
sd.losses.kl_div_with_logits_loss(y, sd.ones((4, 2)))  # E: [shape] kl_div_with_logits_loss: shapes (4, 3) and (4, 2)  # op: kl_div_with_logits_loss
