"""prelu's slopes, rms_norm's trailing sizes, group_norm's groups and cosine_similarity's
broadcast and axis are checked."""

# fmt: off
from __future__ import annotations

import shapedl as sd
from shapedl import Const, Tensor

x = sd.randn((2, 6, 5))
sd.ops.prelu(x, sd.ones((5,)))  # E: [shape] prelu: shapes (2, 6, 5) and (5,): weight has 5 slopes, but axis 1 of x has 6 channels; give one slope, or one per channel  # op: prelu
sd.ops.rms_norm(x, 6)  # E: [shape] rms_norm: shapes (2, 6, 5) and (6,): input size 5 at axis -1 differs from normalized_shape size 6  # op: rms_norm
sd.ops.group_norm(x, 4)  # E: [shape] group_norm: shape (2, 6, 5): num_groups 4 does not divide the 6 channels at axis 1  # op: group_norm
sd.ops.group_norm(x, 3, sd.ones((5,)))  # E: [shape] group_norm: shapes (2, 6, 5) and (5,): weight must be (6,), one value per channel at axis 1
sd.ops.cosine_similarity(x, sd.ones((3, 5)))  # E: [shape] cosine_similarity: shapes (2, 6, 5) and (3, 5): cannot broadcast 6 against 3 at axis -2  # op: cosine_similarity
sd.ops.cosine_similarity(x, x, axis=3)  # E: [shape] cosine_similarity: shape (2, 6, 5): axis 3 is out of range for rank 3
r1 = sd.ops.elu(x)  # op: elu
e1: Tensor[tuple[Const[2], Const[5]]] = r1  # E: [assignment]
r2 = sd.ops.selu(x)  # op: selu
e2: Tensor[tuple[Const[2], Const[5]]] = r2  # E: [assignment]
r3 = sd.ops.hardtanh(x)  # op: hardtanh
e3: Tensor[tuple[Const[2], Const[5]]] = r3  # E: [assignment]
r4 = sd.ops.softsign(x)  # op: softsign
e4: Tensor[tuple[Const[2], Const[5]]] = r4  # E: [assignment]
r5 = sd.ops.mish(x)  # op: mish
e5: Tensor[tuple[Const[2], Const[5]]] = r5  # E: [assignment]
r6 = sd.ops.logsigmoid(x)  # op: logsigmoid
e6: Tensor[tuple[Const[2], Const[5]]] = r6  # E: [assignment]
