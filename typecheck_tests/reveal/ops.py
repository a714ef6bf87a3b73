"""Inferred shapes for every op family (hand-checked against PyTorch's sizes)."""

# fmt: off
from __future__ import annotations

from typing import reveal_type

import shapedl as sd

x = sd.zeros((2, 3, 4))
m = sd.zeros((3, 4))
v = sd.ones((4,))
reveal_type(m @ sd.ones((4, 5)))  # R: Tensor[tuple[Literal[3], Literal[5]], f32, NoTape]
reveal_type(m @ v)  # R: Tensor[tuple[Literal[3]], f32, NoTape]
reveal_type(v @ v)  # R: Tensor[tuple[()], f32, NoTape]
reveal_type(x @ sd.ones((4, 6)))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[6]], f32, NoTape]
reveal_type(sd.ones((5, 1, 3, 4)) @ sd.ones((2, 4, 6)))  # R: Tensor[tuple[Literal[5], Literal[2], Literal[3], Literal[6]], f32, NoTape]
_ = (m @ sd.ones((5, 5)))  # E: [shape] matmul: shapes (3, 4) and (5, 5): inner dimensions differ: 4 (axis -1 of the left) vs 5 (axis -2 of the right)
reveal_type(sd.ops.matmul(m, sd.ones((4, 7))))  # R: Tensor[tuple[Literal[3], Literal[7]], f32, NoTape]
reveal_type(x.mean(axis=1))  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(x.max(axis=-1, keepdims=True))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[1]], f32, NoTape]
reveal_type(x.var(axis=(0, 1)))  # R: Tensor[tuple[Literal[4]], f32, NoTape]
reveal_type(x.argmax(axis=1))  # R: Tensor[tuple[Literal[2], Literal[4]], i64, NoTape]
reveal_type(x.logsumexp(axis=2))  # R: Tensor[tuple[Literal[2], Literal[3]], f32, NoTape]
reveal_type(x.softmax(axis=1))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
_ = (x.softmax(axis=3))  # E: [shape] softmax: shape (2, 3, 4): axis 3 is out of range for rank 3
reveal_type(x < 0)  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], bool_, NoTape]
reveal_type(x.eq(v))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], bool_, NoTape]
reveal_type(sd.ops.where(x > 0, x, v))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(x.reshape((6, 4)))  # R: Tensor[tuple[Literal[6], Literal[4]], f32, NoTape]
reveal_type(x.reshape((-1, 2)))  # R: Tensor[tuple[Literal[12], Literal[2]], f32, NoTape]
_ = (x.reshape((5, 5)))  # E: [shape] reshape: shapes (2, 3, 4) and (5, 5): 24 values cannot take the shape of 25; use -1 for the size to infer
reveal_type(x.flatten())  # R: Tensor[tuple[Literal[24]], f32, NoTape]
reveal_type(x.flatten(1))  # R: Tensor[tuple[Literal[2], Literal[12]], f32, NoTape]
reveal_type(x.permute((2, 0, 1)))  # R: Tensor[tuple[Literal[4], Literal[2], Literal[3]], f32, NoTape]
reveal_type(x.permute(2, 0, 1))  # R: Tensor[tuple[Literal[4], Literal[2], Literal[3]], f32, NoTape]
reveal_type(x.permute(-1, 0, 1))  # R: Tensor[tuple[Literal[4], Literal[2], Literal[3]], f32, NoTape]
reveal_type(x.reshape(4, -1))  # R: Tensor[tuple[Literal[4], Literal[6]], f32, NoTape]
reveal_type(x.reshape(24))  # R: Tensor[tuple[Literal[24]], f32, NoTape]
reveal_type(x.reshape(-1))  # R: Tensor[tuple[Literal[24]], f32, NoTape]
reveal_type(sd.ops.reshape(x, 2, 12))  # R: Tensor[tuple[Literal[2], Literal[12]], f32, NoTape]
reveal_type(sd.ops.permute(x, 1, 0, 2))  # R: Tensor[tuple[Literal[3], Literal[2], Literal[4]], f32, NoTape]
_ = (x.reshape(5, 5))  # E: [shape] reshape: shapes (2, 3, 4) and (5, 5): 24 values cannot take the shape of 25; use -1 for the size to infer
_ = (x.permute(0, 1))  # E: [shape] permute: shape (2, 3, 4): axes (0, 1) has 2 axes for rank 3
reveal_type(x.transpose(0, 2))  # R: Tensor[tuple[Literal[4], Literal[3], Literal[2]], f32, NoTape]
reveal_type(x.transpose())  # R: Tensor[tuple[Literal[2], Literal[4], Literal[3]], f32, NoTape]
reveal_type(x.mT)  # R: Tensor[tuple[Literal[2], Literal[4], Literal[3]], f32, NoTape]
reveal_type(x.unsqueeze(0))  # R: Tensor[tuple[Literal[1], Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.ones((1, 3, 1)).squeeze())  # R: Tensor[tuple[Literal[3]], f32, NoTape]
reveal_type(sd.ones((1, 3, 1)).squeeze(0))  # R: Tensor[tuple[Literal[3], Literal[1]], f32, NoTape]
# NOTE: a size that is not a number may be 1 at run time (a last batch of one): unknown rank
batch = len(x)  # NOTE: an `int`, a `Dyn` size
reveal_type(sd.ones((batch, 1)).squeeze())  # R: Tensor[Any, f32, NoTape]
reveal_type(sd.ones((batch, 1)).squeeze(-1))  # R: Tensor[tuple[Any], f32, NoTape]
reveal_type(v.broadcast_to((3, 4)))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.ops.concat([m, m], axis=0))  # R: Tensor[tuple[Literal[6], Literal[4]], f32, NoTape]
reveal_type(sd.ops.concat([m, sd.ones((3, 2))], axis=1))  # R: Tensor[tuple[Literal[3], Literal[6]], f32, NoTape]
reveal_type(sd.ops.stack([m, m], axis=1))  # R: Tensor[tuple[Literal[3], Literal[2], Literal[4]], f32, NoTape]
reveal_type(x.split(2, axis=2))  # R: tuple[Tensor[tuple[Literal[2], Literal[3], Literal[2]], f32, NoTape], Tensor[tuple[Literal[2], Literal[3], Literal[2]], f32, NoTape]]
reveal_type(sd.ops.split(x, [1], axis=1))  # R: tuple[Tensor[tuple[Literal[2], Literal[1], Literal[4]], f32, NoTape], Tensor[tuple[Literal[2], Literal[2], Literal[4]], f32, NoTape]]
reveal_type(x.chunk(3, axis=1))  # R: tuple[Tensor[tuple[Literal[2], Literal[1], Literal[4]], f32, NoTape], Tensor[tuple[Literal[2], Literal[1], Literal[4]], f32, NoTape], Tensor[tuple[Literal[2], Literal[1], Literal[4]], f32, NoTape]]
reveal_type(x[0])  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(x[0, 1:3, None, ...])  # R: Tensor[tuple[Literal[2], Literal[1], Literal[4]], f32, NoTape]
reveal_type(x[:, -1])  # R: Tensor[tuple[Literal[2], Literal[4]], f32, NoTape]
reveal_type(x[..., ::2])  # R: Tensor[tuple[Literal[2], Literal[3], Literal[2]], f32, NoTape]
reveal_type(m.gather(sd.zeros((3, 2), dtype=sd.i64), axis=1))  # R: Tensor[tuple[Literal[3], Literal[2]], f32, NoTape]
reveal_type(m.select(sd.zeros((5,), dtype=sd.i64), axis=0))  # R: Tensor[tuple[Literal[5], Literal[4]], f32, NoTape]
reveal_type(m.tril())  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(m.masked_fill(m > 0, 0.0))  # R: Tensor[tuple[Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.ops.layer_norm(x, 4))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.ops.batch_norm(x, sd.ones((3,)), sd.ones((3,))))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
img = sd.ones((8, 3, 28, 28))
reveal_type(sd.ops.conv2d(img, sd.ones((16, 3, 3, 3)), padding=1))  # R: Tensor[tuple[Literal[8], Literal[16], Literal[28], Literal[28]], f32, NoTape]
reveal_type(sd.ops.conv2d(img, sd.ones((16, 3, 5, 5)), stride=2))  # R: Tensor[tuple[Literal[8], Literal[16], Literal[12], Literal[12]], f32, NoTape]
reveal_type(sd.ops.conv1d(sd.ones((2, 3, 10)), sd.ones((4, 3, 3))))  # R: Tensor[tuple[Literal[2], Literal[4], Literal[8]], f32, NoTape]
reveal_type(sd.ops.conv_transpose2d(img, sd.ones((3, 6, 2, 2)), stride=2))  # R: Tensor[tuple[Literal[8], Literal[6], Literal[56], Literal[56]], f32, NoTape]
reveal_type(sd.ops.max_pool2d(img, 2))  # R: Tensor[tuple[Literal[8], Literal[3], Literal[14], Literal[14]], f32, NoTape]
reveal_type(sd.ops.avg_pool2d(img, 3, stride=1, padding=1))  # R: Tensor[tuple[Literal[8], Literal[3], Literal[28], Literal[28]], f32, NoTape]
reveal_type(sd.ops.dropout(x.traced(), 0.1))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, Traced]
reveal_type(sd.ops.embedding(sd.zeros((2, 5), dtype=sd.i64), sd.ones((10, 8))))  # R: Tensor[tuple[Literal[2], Literal[5], Literal[8]], f32, NoTape]
reveal_type(sd.ops.scaled_dot_product_attention(x, x, x))  # R: Tensor[tuple[Literal[2], Literal[3], Literal[4]], f32, NoTape]
reveal_type(sd.ops.pad(m, 1))  # R: Tensor[tuple[Literal[5], Literal[6]], f32, NoTape]
reveal_type(sd.ops.pad(m, ((0, 1), (2, 3))))  # R: Tensor[tuple[Literal[4], Literal[9]], f32, NoTape]
reveal_type(sd.losses.mse_loss(m, m))  # R: Tensor[tuple[()], f32, NoTape]
reveal_type(sd.losses.cross_entropy_with_logits_loss(m, sd.zeros((3,), dtype=sd.i64)))  # R: Tensor[tuple[()], f32, NoTape]


# ---- sort, argsort and topk as methods (PyTorch's logits.topk(k) in top-k sampling) ------------
scores = sd.zeros((2, 10))
reveal_type(scores.topk(3)[0])  # R: Tensor[tuple[Literal[2], Literal[3]], f32, NoTape]
reveal_type(scores.topk(1, axis=0)[1])  # R: Tensor[tuple[Literal[1], Literal[10]], i64, NoTape]
reveal_type(scores.sort(descending=True)[0])  # R: Tensor[tuple[Literal[2], Literal[10]], f32, NoTape]
reveal_type(scores.argsort())  # R: Tensor[tuple[Literal[2], Literal[10]], i64, NoTape]
