"""Errors and the one place their messages are built.

The run-time `ShapeError` and the mypy plugin's `[shape]` error carry the same text because
both come from these functions: a shape rule raises `ShapeError`, the runtime lets it
propagate, the plugin catches it and reports `str(err)`.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypedDict

from shapedl.types import DTYPES

__all__ = [
    "DTypeError",
    "InferenceWarning",
    "NoKeywords",
    "NotStatic",
    "ShapeError",
    "TapeError",
    "dtype_error",
    "input_dtype_error",
    "not_matrix_t",
    "not_scalar",
    "refused_keywords",
    "shape_error",
    "show_shape",
    "untraced",
    "warn_user",
]


class ShapeError(ValueError):
    """A shape mistake: the message names the op, the shapes and the offending axis."""


class NotStatic(Exception):
    """A rule met an option it needs as a number (an axis, a section count) that is known only
    at run time (`axis=dim` with `dim: int`). Never raised at run time, where every option is a
    number: the plugin catches it and gives the result an unknown shape, never an error."""


class TapeError(RuntimeError):
    """A tape mistake, such as `backward()` on a tensor that was never traced."""


class DTypeError(TypeError):
    """Operands of different dtypes met without an explicit `astype` (no silent promotion)."""


def show_shape(shape: Sequence[object]) -> str:
    """Render a shape the way Python prints a tuple: `(3, 4)`, `(B*T, C)`, `(5,)`."""
    inner = ", ".join(str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def shape_error(
    op: str, shapes: Sequence[Sequence[object]], problem: str, hint: str | None = None
) -> ShapeError:
    """`op: shapes (a) and (b): problem; hint` as a `ShapeError`."""
    shown = " and ".join(show_shape(s) for s in shapes)
    label = "shape" if len(shapes) == 1 else "shapes"
    text = f"{op}: {label} {shown}: {problem}"
    return ShapeError(f"{text}; {hint}" if hint else text)


def untraced() -> str:
    return (
        "backward() needs a traced tensor, but this one was never traced: "
        "call .traced() on an input (x = x.traced()) before the forward pass"
    )


def not_matrix_t(shape: Sequence[object]) -> str:
    """`.T` outside 2-d: NumPy reverses every axis there and PyTorch deprecates it."""
    return (
        f"T: shape {show_shape(shape)} has rank {len(shape)}, and .T is for 2-d tensors: "
        "use .mT to swap the last two axes, or .transpose(a, b)"
    )


def not_scalar(shape: Sequence[object]) -> str:
    return (
        f"backward() needs a scalar, but the tensor has shape {show_shape(shape)}: "
        "reduce it first with .sum() or .mean()"
    )


# NOTE: the names users write (`sd.f32`) of NumPy's dtype names, from the one table in types
_SHORT = {name: cls.__name__ for name, cls in DTYPES.items()}


def _kind(name: str) -> int:
    """Floats over ints over bools: the kind an operand of another kind is converted to."""
    return 2 if "float" in name or "complex" in name else 0 if name == "bool" else 1


def dtype_error(op: str, a: object, b: object, data: int = 0, name: str = "x") -> DTypeError:
    """`op: dtypes float64 and float32 differ; convert the input to the model's dtype: ...`.

    One rule for every op: operands of different dtypes are an error at the first op that
    mixes them (no silent promotion, so a float64 batch cannot slip through a float32 model).
    `a` and `b` are the dtypes in the op's argument order and `data` the position of the one
    that holds data (the input; a loss's target is `data=1, name="target"`): the fix converts
    the data, so the model keeps its dtype. An int or bool operand is converted to the float
    one whichever it is, since a model computes in floats.
    """
    names = [str(a), str(b)]
    text = f"{op}: dtypes {names[0]} and {names[1]} differ"
    kinds = [_kind(n) for n in names]
    if kinds[0] != kinds[1]:
        low = 0 if kinds[0] < kinds[1] else 1
        fix = _SHORT.get(names[1 - low], names[1 - low])
        return DTypeError(f"{text}; convert the {names[low]} operand: .astype(sd.{fix})")
    fix = _SHORT.get(names[1 - data], names[1 - data])
    role = "input" if name == "x" else name
    return DTypeError(f"{text}; convert the {role} to the model's dtype: {name}.astype(sd.{fix})")


def input_dtype_error(
    layer: str, shape: Sequence[object], got: object, want: object, width: object
) -> DTypeError:
    """`GRU: dtypes float64 and float32 differ: the input (3, 5, 4) is float64, ...`.

    A layer's own check of its input against its weights, before any op of its forward could
    report the mix under its own name (`matmul`). An integer input to a float layer is most
    likely token ids: they go through an `Embedding` of width `width` first.
    """
    fix = f"x.astype(sd.{_SHORT.get(str(want), str(want))})"
    text = (
        f"{layer}: dtypes {got} and {want} differ: the input {show_shape(shape)} is {got}, "
        f"the layer's weights {want}"
    )
    if _kind(str(got)) == 1 and _kind(str(want)) == 2:
        return DTypeError(
            f"{text}; integer ids (tokens) go through an Embedding first "
            f"(nn.Embedding(num_ids, {width}) before the {layer}); numbers convert: {fix}"
        )
    return DTypeError(f"{text}; convert the input to the model's dtype: {fix}")


class NoKeywords(TypedDict, total=False):
    """No keyword at all: an op's `**refused: Unpack[NoKeywords]` takes none (a type checker
    refuses each as an unexpected keyword), so that at run time PyTorch's `dim=` can be
    answered with the name to write (`refused_keywords`); a call without pays for an empty
    dict (tens of nanoseconds), where a wrapper catching the TypeError would cost a frame."""


# NOTE: PyTorch's keywords of the NumPy ones shapedl takes (DESIGN: NumPy's meaning wins);
# `dim0`, `dim1`, `dim2` are the axes an op takes by position (`transpose`'s two, `diagonal`'s
# pair after the offset), named `axis0`, `axis1`, `axis2` here
_NUMPY_NAMES = {
    "dim": "axis",
    "dims": "axis",
    "keepdim": "keepdims",
    "start_dim": "start_axis",
    "end_dim": "end_axis",
    "dim0": "axis0",
    "dim1": "axis1",
    "dim2": "axis2",
}


def refused_keywords(
    op: str, given: Mapping[str, object], note: str = "", names: Mapping[str, str] | None = None
) -> TypeError:
    """Python's `concat() got an unexpected keyword argument 'dim'`, with the fix where the
    keyword is PyTorch's name of a NumPy one (`axis=`, `keepdims=`, `start_axis=`), or of one
    the op names itself in `names` (`norm`'s `p=` is `ord=`).

    Example:
        >>> str(refused_keywords("sum", {"dim": 1, "keepdim": True})).split(": ", 1)[1]
        "write axis=1, keepdims=True (PyTorch's dim= is axis= and keepdim= is keepdims= here)"
    """
    table = _NUMPY_NAMES if names is None else {**_NUMPY_NAMES, **names}
    ours = [k for k in given if k in table]
    text = f"{op}() got an unexpected keyword argument {(ours or list(given))[0]!r}"
    if not ours:
        return TypeError(text)
    fix = ", ".join(f"{table[k]}={given[k]!r}" for k in ours)
    said = " and ".join(f"{k}= is {table[k]}=" for k in ours)
    return TypeError(f"{text}: write {fix} (PyTorch's {said} here){note}")


class InferenceWarning(UserWarning):
    """A loss's gradient reached the weights of a layer that ran in inference (its input
    untraced), which a training step rarely means (a GAN's `D(fake.detach())`)."""


_PACKAGE = str(Path(__file__).parent)


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn at the first frame outside shapedl: the user's call (`fit(...)`, `backward()`, or
    their callback that called into shapedl), so the warning names a line of theirs and
    filters by module work."""
    level, frame = 2, sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
