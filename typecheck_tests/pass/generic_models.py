"""Models generic in their widths and lengths, as users write them: each stage typed exactly.

Literal construction (`Tiny(11, 8)` is `Tiny[Const[11], Const[8]]`), slices by symbolic sizes,
layers whose channels are type variables, arithmetic folded after substitution, and inline
calls typed as the same calls named first.
"""

from __future__ import annotations

from typing import Generic, TypeVar, assert_type

import shapedl as sd
from shapedl import Add, Const, Dim, Dyn, FloorDiv, Size, Sub, Tensor, f32, i64, nn

B = TypeVar("B", bound=Dim)
T = TypeVar("T", bound=Dim)
C = TypeVar("C", bound=Dim)
H = TypeVar("H", bound=Dim)
V = TypeVar("V", bound=Dim)
D = TypeVar("D", bound=Dim)


# ---- literal construction of a user's generic module ---------------------------------------
class Tiny(nn.Module, Generic[V, D]):
    def __init__(self, vocab: Size[V], width: Size[D], block: int = 16) -> None:
        self.emb = nn.Embedding(vocab, width)
        self.head = nn.Linear(width, vocab)
        self.mask = sd.tril(sd.ones((block, block), dtype=sd.bool_))

    def forward(self, idx: Tensor[tuple[B, T], i64]) -> Tensor[tuple[B, T, V]]:
        b, t = idx.shape
        causal = self.mask[:t, :t]  # a slice by a symbolic size keeps it
        assert_type(causal, Tensor[tuple[T, T], sd.bool_])
        return self.head(self.emb(idx))

    def grow(self, width: Size[D]) -> None:
        assert width == self.emb.embedding_dim


model = Tiny(11, 8)
assert_type(model, Tiny[Const[11], Const[8]])
assert_type(Tiny(vocab=11, width=8, block=4), Tiny[Const[11], Const[8]])
model.grow(8)  # a size the receiver already fixed, given as a literal
assert_type(model(sd.zeros((2, 5), dtype=i64)), Tensor[tuple[Const[2], Const[5], Const[11]]])
n_vocab: int = 11
assert_type(Tiny(n_vocab, 8), Tiny[Dyn, Const[8]])
size: Size[Const[11]] = Size(11)
assert_type(Tiny(size, Size(8)), Tiny[Const[11], Const[8]])


# ---- a ResNet block generic in its width -----------------------------------------------------
class Block(nn.Module, Generic[C]):
    def __init__(self, channels: Size[C]) -> None:
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: Tensor[tuple[B, C, H, H]]) -> Tensor[tuple[B, C, H, H]]:
        y = self.bn1(self.conv1(x)).relu()
        assert_type(y, Tensor[tuple[B, C, H, H]])
        return (x + self.bn2(self.conv2(y))).relu()


# the output size of a stride-2 convolution, written as the formula users know
Half = Add[FloorDiv[Sub[H, Const[1]], Const[2]], Const[1]]


class Down(nn.Module, Generic[C, D]):
    def __init__(self, cin: Size[C], cout: Size[D]) -> None:
        self.conv = nn.Conv2d(cin, cout, 3, stride=2, padding=1)

    def forward(self, x: Tensor[tuple[B, C, H, H]]) -> Tensor[tuple[B, D, Half[H], Half[H]]]:
        return self.conv(x)


def halve(x: Tensor[tuple[B, C, H, H]]) -> Tensor[tuple[B, C, FloorDiv[Add[H, Const[1]], Const[2]]]]:
    """`(H - 1) // 2 + 1` and `(H + 1) // 2` are one dim."""
    pooled = sd.ops.max_pool2d(x, 3, 2, 1)
    return pooled[:, :, :, 0]


block = Block(8)
assert_type(block, Block[Const[8]])
image = sd.randn((2, 8, 32, 32))
assert_type(block(image), Tensor[tuple[Const[2], Const[8], Const[32], Const[32]]])
down = Down(8, 16)
assert_type(down(image), Tensor[tuple[Const[2], Const[16], Const[16], Const[16]]])
# inline and named are the same
assert_type(down(block(image)), Tensor[tuple[Const[2], Const[16], Const[16], Const[16]]])
named = block(image)
assert_type(down(named), Tensor[tuple[Const[2], Const[16], Const[16], Const[16]]])
assert_type(halve(image), Tensor[tuple[Const[2], Const[8], Const[16]]])
assert_type(sd.ops.flatten(down(block(image))), Tensor[tuple[Const[8192]]])


# ---- transformer layers: heads that divide the width, masks of the right lengths -------------
def encode(
    x: Tensor[tuple[B, T, Const[64]]], memory: Tensor[tuple[B, V, Const[64]]], t: Size[T]
) -> Tensor[tuple[B, T, Const[64]]]:
    enc = nn.TransformerEncoderLayer(64, 8, dropout=0.0)
    dec = nn.TransformerDecoderLayer(64, 8, dropout=0.0)
    causal = sd.tril(sd.ones((16, 16), dtype=sd.bool_))[:t, :t]
    return dec(enc(x, causal), memory, causal)


out = encode(sd.randn((2, 5, 64)), sd.randn((2, 7, 64)), Size(5))
assert_type(out, Tensor[tuple[Const[2], Const[5], Const[64]]])
assert out.shape == (2, 5, 64)
assert isinstance(out, Tensor) and out.dtype == f32


# ---- a union (a name rebound in a loop) fed to a layer through another call ------------------
h = sd.randn((1, 4, 8, 8))
for conv in [nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)]:
    h = nn.MaxPool2d(1)(conv(h))
    h = sd.ops.max_pool2d(conv(h), 1)
    h = nn.ReLU()(conv(h))  # a generic forward (S -> S) on a union: each member's result
    h = h[:, :, :4, :4]
assert h.shape == (1, 4, 4, 4)
wide = bool(h.shape[2] == 4)
flat = sd.ops.flatten(sd.ones((2, 3)) if wide else sd.ones((2, 4)))
proj = nn.Linear(3, 2)(sd.ones((2, 3)) if wide else sd.ones((5, 3)))
assert flat.shape == (6,) and proj.shape == (2, 2)
