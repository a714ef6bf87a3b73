"""Training in a few readable lines: `fit`, its `History`, metrics, halting and callbacks.

Example:
    >>> import shapedl as sd
    >>> h = sd.train.History()
    >>> h.append({"loss": 1.0})
    >>> h.epochs
    1
"""

from shapedl.train import callbacks, checkpoints, halting, metrics
from shapedl.train.callbacks import (
    Callback,
    CosineDecay,
    LambdaCallback,
    LrSchedule,
    StepDecay,
    Warmup,
)
from shapedl.train.checkpoints import Checkpoint
from shapedl.train.fit import evaluate, fit
from shapedl.train.halting import (
    AccuracyAbove,
    Halt,
    LossBelow,
    MinAccuracyReached,
    MinLossReached,
    NoImprovement,
    TimeBudget,
    When,
)
from shapedl.train.history import History
from shapedl.train.metrics import accuracy, binary_accuracy, mean_absolute_error, top_k_accuracy
from shapedl.train.run import NonFiniteWarning, Run

__all__ = [
    "AccuracyAbove",
    "Callback",
    "Checkpoint",
    "CosineDecay",
    "Halt",
    "History",
    "LambdaCallback",
    "LossBelow",
    "LrSchedule",
    "MinAccuracyReached",
    "MinLossReached",
    "NoImprovement",
    "NonFiniteWarning",
    "Run",
    "StepDecay",
    "TimeBudget",
    "Warmup",
    "When",
    "accuracy",
    "binary_accuracy",
    "callbacks",
    "checkpoints",
    "evaluate",
    "fit",
    "halting",
    "mean_absolute_error",
    "metrics",
    "top_k_accuracy",
]
