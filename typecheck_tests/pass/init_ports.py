"""A port's `init_weights`: PyTorch's `nn.init.<name>_` spellings, on a layer's bias too
(typed as present, as PyTorch's stub types it; None at run time with `bias=False`)."""

# fmt: off
from __future__ import annotations

from shapedl import nn


class TextClassifier(nn.Module):
    def __init__(self) -> None:
        self.embedding = nn.Embedding(100, 16)
        self.fc = nn.Linear(16, 4)
        self.conv = nn.Conv2d(3, 8, 3)

    def init_weights(self) -> None:
        nn.init.uniform_(self.embedding.weight, -0.5, 0.5)
        nn.init.uniform_(self.fc.weight, -0.5, 0.5)
        nn.init.zeros_(self.fc.bias)
        nn.init.constant_(self.conv.bias, 0.5)
        nn.init.normal(self.conv.weight, 0.0, 0.02)


model = TextClassifier()
model.init_weights()
assert model.fc.bias.tolist() == [0.0] * 4 and model.conv.bias.tolist() == [0.5] * 8


def weights_init(m: nn.Module) -> None:
    # NOTE: DCGAN's, through `apply`: norm layers' weight and bias are typed as present too
    if isinstance(m, nn.Conv2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.constant_(m.bias, 0)
    elif isinstance(m, nn.LayerNorm | nn.GroupNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.GroupNorm(2, 8))
net.apply(weights_init)
assert net[1].bias.tolist() == [0.0] * 8 and net[3].weight.tolist() == [1.0] * 8
