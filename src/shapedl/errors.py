"""Errors and the one place their messages are built.

The run-time `ShapeError` and the mypy plugin's `[shape]` error carry the same text because
both come from these functions: a shape rule raises `ShapeError`, the runtime lets it
propagate, the plugin catches it and reports `str(err)`.
"""

from __future__ import annotations

from collections.abc import Sequence

from shapedl.types import DTYPES

__all__ = [
    "DTypeError",
    "NotStatic",
    "ShapeError",
    "TapeError",
    "dtype_error",
    "not_matrix_t",
    "not_scalar",
    "shape_error",
    "show_shape",
    "untraced",
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
    return DTypeError(
        f"{text}; convert the {role} to the model's dtype: {name}.astype(sd.{fix})"
    )
