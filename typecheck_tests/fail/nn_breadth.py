"""PyTorch's layers users port: Unflatten's sizes are checked, activations keep their shape,
and an Embedding.from_pretrained table types its rows."""

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
