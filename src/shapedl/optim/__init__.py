"""Optimizers: `opt.update(model, grads)` steps every parameter in place.

Example:
    >>> import shapedl as sd
    >>> w = sd.tensor([3.0])
    >>> opt = sd.optim.Sgd(lr=0.1)
    >>> for _ in range(50):
    ...     opt.update({"w": w}, (w.traced() ** 2).sum().backward())
    >>> abs(w.item()) < 1e-3
    True
"""

from shapedl.optim.adadelta import Adadelta
from shapedl.optim.adagrad import Adagrad
from shapedl.optim.adam import Adam, AdamW
from shapedl.optim.base import (
    MissingGradientError,
    MissingGradientWarning,
    Optimizer,
    named_parameters,
)
from shapedl.optim.clip import clip_grad_norm, clip_grad_value
from shapedl.optim.rmsprop import RMSprop
from shapedl.optim.sgd import Sgd

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "MissingGradientError",
    "MissingGradientWarning",
    "Optimizer",
    "RMSprop",
    "Sgd",
    "clip_grad_norm",
    "clip_grad_value",
    "named_parameters",
]
