"""Model-building code as PyTorch users port it: no error, and it runs."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import shapedl as sd
from shapedl import Const, Dim, Size, Tape, Tensor, f32, nn

L = TypeVar("L", bound=Dim)

B = TypeVar("B", bound=Dim)
C = TypeVar("C", bound=Dim)
D = TypeVar("D", bound=Dim)
H = TypeVar("H", bound=Dim)
Z = TypeVar("Z", bound=Dim)
TT = TypeVar("TT", bound=Tape)
TU = TypeVar("TU", bound=Tape)


# ---- 1. a loss generic in its tape, given the traced output and the untraced data ------------
def vae_loss(
    recon: Tensor[tuple[B, D], f32, TT],
    x: Tensor[tuple[B, D], f32, TT],
    mu: Tensor[tuple[B, Z], f32, TT],
    logvar: Tensor[tuple[B, Z], f32, TT],
) -> Tensor[tuple[()], f32, TT]:
    kld = -0.5 * (1 + logvar - mu.square() - logvar.exp()).sum(axis=1).mean()
    return sd.losses.mse_loss(recon, x) + kld


class Vae(nn.Module, Generic[D, Z]):
    def __init__(self, d: Size[D], z: Size[Z]) -> None:
        self.enc = nn.Linear(d, 16)
        self.mu = nn.Linear(16, z)
        self.logvar = nn.Linear(16, z)
        self.dec = nn.Linear(z, d)

    def encode(
        self, x: Tensor[tuple[B, D], f32, TT]
    ) -> tuple[Tensor[tuple[B, Z], f32, TT], Tensor[tuple[B, Z], f32, TT]]:
        h = self.enc(x).relu()
        return self.mu(h), self.logvar(h)

    def forward(
        self, x: Tensor[tuple[B, D], f32, TT]
    ) -> tuple[Tensor[tuple[B, D], f32, TT], Tensor[tuple[B, Z], f32, TT], Tensor[tuple[B, Z], f32, TT]]:
        mu, logvar = self.encode(x)
        z = mu + sd.randn(mu.shape) * (0.5 * logvar).exp()
        return self.dec(z).sigmoid(), mu, logvar


vae = Vae(12, 3)
batch = sd.rand((4, 12))
recon, mu, logvar = vae(batch.traced())
step = vae_loss(recon, batch, mu, logvar)  # traced and untraced arguments: traced
sd.optim.Adam(lr=1e-3).update(vae, step.backward())


# ---- 2. inside a forward generic in its tape, a helper given an untraced weight --------------
def mix(a: Tensor[tuple[B, D], f32, TT], b: Tensor[tuple[B, D], f32, TT]) -> Tensor[tuple[B, D], f32, TT]:
    return a * b.sigmoid()


class Gated(nn.Module):
    def __init__(self) -> None:
        self.gate = sd.ones((1, 4))

    def forward(self, x: Tensor[tuple[B, Const[4]], f32, TU]) -> Tensor[tuple[B, Const[4]], f32, TU]:
        return mix(x, sd.broadcast_to(self.gate, x.shape))


gated = Gated()
assert gated(sd.ones((2, 4)).traced()).sum().backward()[gated.gate].shape == (1, 4)


# ---- 3. a module class called through a value: torchvision's `block(...)`, `cls(...)` ----------
class Block(nn.Module, Generic[C]):
    def __init__(self, channels: Size[C], scale: float = 1.0) -> None:
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.scale = scale

    def forward(self, x: Tensor[tuple[B, C, H, H], f32, TT]) -> Tensor[tuple[B, C, H, H], f32, TT]:
        return x + self.conv(x).relu() * self.scale

    @classmethod
    def wider(cls, channels: int) -> Block[Any]:
        return cls(2 * channels, scale=0.5)

    def copy(self, channels: int) -> Block[Any]:
        return type(self)(channels=channels)


def stage(block: type[Block[Any]], channels: int, depth: int) -> list[Block[Any]]:
    return [block(channels) for _ in range(depth)]


eight: type[Block[Const[8]]] = Block
blocks = [*stage(Block, 8, 2), eight(8), eight(channels=8), Block.wider(4), blocks_copy := Block(8).copy(8)]
image = sd.randn((1, 8, 4, 4))
for blk in blocks:
    image = blk(image)
assert image.shape == (1, 8, 4, 4) and blocks_copy.scale == 1.0


# ---- 4. a decoder step given its state as a tuple, traced by the encoder: traced ------------
State = tuple[Tensor[tuple[Const[1], B, Const[6]], f32, TT], Tensor[tuple[Const[1], B, Const[6]], f32, TT]]


class Step(nn.Module):
    def __init__(self) -> None:
        self.lstm = nn.LSTM(4, 6)
        self.out = nn.Linear(6, 3)

    def forward(
        self, x: Tensor[tuple[B, Const[1], Const[4]], f32, TT], state: State[B, TT]
    ) -> tuple[Tensor[tuple[B, Const[3]], f32, TT], State[B, TT]]:
        y, new = self.lstm(x, state)
        return self.out(y[:, 0]), new


def total(parts: list[Tensor[tuple[L], f32, TT]], extra: Tensor[tuple[L], f32, TT]) -> Tensor[tuple[()], f32, TT]:
    return sd.stack(parts).sum() + extra.sum()


encoder, step_model = nn.LSTM(4, 6), Step()
_, encoded = encoder(sd.randn((2, 5, 4)).traced())
first, _ = step_model(sd.zeros((2, 1, 4)), encoded)  # untraced start token, traced state
grads = (first.square().mean() + total([sd.ones((3,))], sd.ones((3,)).traced())).backward()
sd.optim.Sgd(lr=0.1).update(encoder, grads)


# ---- 5. library layers given a traced input beside an untraced first one: traced ----------
transformer = nn.Transformer(8, 2, 1, 1, 16)
src_tokens, tgt_tokens = sd.randn((2, 5, 8)), sd.randn((2, 4, 8))
out = transformer(src_tokens.traced(), tgt_tokens)  # the source traced, the target not
attention = nn.MultiHeadAttention(8, 2)
memory = sd.randn((2, 5, 8)).traced()
attended = attention(tgt_tokens, memory, memory)
lstm = nn.LSTM(8, 6)
_encoded, state = lstm(src_tokens.traced())
stepped, _ = lstm(tgt_tokens, state)  # untraced inputs, the encoder's traced state
grads = (out.square().mean() + attended.mean() + stepped.mean()).backward()
sd.optim.Adam(lr=1e-3).update(transformer, grads)


# ---- 6. train then evaluate, unpacking a layer's tuple into the same names -----------------
def train_then_eval(rnn: nn.LSTM[Const[8], Const[6], Const[1]], batch: Tensor[tuple[Const[2], Const[5], Const[8]]]) -> None:
    seq_out, (h, c) = rnn(batch.traced())
    seq_out.mean().backward()
    seq_out, (h, c) = rnn(batch)  # untraced now: the earlier names do not make it traced
    assert seq_out.shape == (2, 5, 6) and h.shape == c.shape == (1, 2, 6)


train_then_eval(nn.LSTM(8, 6), sd.randn((2, 5, 8)))
