"""A convolution layer's options are what its op takes: one given to the wrong parameter is
still an error."""

# fmt: off
from __future__ import annotations

from typing import Any

import shapedl as sd
from shapedl import Tensor, nn


class MaskedConv2d(nn.Conv2d):
    def forward(self, x: Tensor[Any, Any, Any]) -> Tensor[Any, Any, Any]:
        # NOTE: the stride left out: the padding (maybe "same") goes where the stride does
        return sd.ops.conv2d(x, self.weight.tril(), self.bias, self.padding)  # E: [arg-type] Argument 4 to "conv2d" has incompatible type
