"""Mixed precision as PyTorch users write it: `model.half()` (and `float`, `double`,
`bfloat16`) converts the module in place and returns it with its type, so a half-precision
model trains on the CPU with the loss taken in f32."""

# fmt: off
from __future__ import annotations

from typing import TypeVar, assert_type

import shapedl as sd
from shapedl import Const, Dim, Tape, Tensor, Traced, f16, f32, nn

B = TypeVar("B", bound=Dim)
TT = TypeVar("TT", bound=Tape)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x: Tensor[tuple[B, Const[4]], f16, TT]) -> Tensor[tuple[B, Const[3]], f16, TT]:
        return self.fc2(self.fc1(x).relu())

    __call__ = forward


net = Net().half()
assert_type(net, Net)
assert net.fc1.weight.numpy().dtype == "float16"
x = sd.randn((16, 4)).half()
y = sd.randint(0, 3, (16,))
opt = sd.optim.Sgd(lr=0.1)
out = net(x.traced())
assert_type(out, Tensor[tuple[Const[16], Const[3]], f16, Traced])
loss = sd.losses.cross_entropy_with_logits_loss(out.float(), y)
opt.update(net, loss.backward())
accuracy = (out.argmax(axis=-1) == y).float().mean().item()
assert 0.0 <= accuracy <= 1.0

seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).bfloat16()
assert seq(x.bfloat16()).dtype is sd.bf16
back = seq.float()
assert_type(back(x.float()), Tensor[tuple[Const[16], Const[3]], f32])
assert seq.double()(x.double()).dtype is sd.f64
