"""A convolution layer's subclass that calls the op with the layer's own options (PixelCNN's
masked convolution, weight standardisation), as PyTorch's `F.conv2d(x, w, self.bias,
self.stride, self.padding, self.dilation, self.groups)`."""

from __future__ import annotations

from typing import Any

import shapedl as sd
from shapedl import Tensor, nn


class MaskedConv2d(nn.Conv2d):
    def forward(self, x: Tensor[Any, Any, Any]) -> Tensor[Any, Any, Any]:
        w = self.weight.tril()
        return sd.ops.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


class StandardizedConv2d(nn.Conv2d):
    def forward(self, x: Tensor[Any, Any, Any]) -> Tensor[Any, Any, Any]:
        w = self.weight
        w = (w - w.mean(axis=(1, 2, 3), keepdims=True)) / (
            w.std(axis=(1, 2, 3), keepdims=True) + 1e-5
        )
        return sd.ops.conv2d(x, w, self.bias, self.stride, self.padding, self.dilation, self.groups)


class TiedUpsample(nn.ConvTranspose2d):
    def forward(self, x: Tensor[Any, Any, Any]) -> Tensor[Any, Any, Any]:
        return sd.ops.conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )


conv = nn.Conv2d(2, 4, 3, stride=(1, 2), padding=1)
y = sd.ops.conv2d(sd.ones((1, 2, 5, 5)), conv.weight, conv.bias, conv.stride, conv.padding)
assert y.shape == (1, 4, 5, 3)
assert MaskedConv2d(2, 4, 3, padding=1)(sd.ones((1, 2, 5, 5))).shape == (1, 4, 5, 5)
assert StandardizedConv2d(2, 4, 3, padding="same")(sd.ones((1, 2, 5, 5))).shape == (1, 4, 5, 5)
assert TiedUpsample(4, 2, 2, stride=2)(sd.ones((1, 4, 3, 3))).shape == (1, 2, 6, 6)
assert repr(conv).endswith("stride=(1, 2), padding=1, dilation=1)")
