"""The dtype of an op's result: mypy's answer where it says one, else the operands' that carry
it (as the op's own signature says), changed as the op changes it (`spec.promote`)."""

from __future__ import annotations

import functools
import importlib
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from mypy.subtypes import is_same_type
from mypy.types import AnyType, Instance, Type, TypeVarType, get_proper_type

from shapedl.ops.registry import OpSpec
from shapedl.tensor import Tensor
from shapedl.types import DTYPES
from shapedl_mypy.convert import TYPES, Named, tensor_parts

__all__ = ["DTYPE_NAMES", "concrete", "dtype_sources", "operand_dtype", "promoted"]

# a dtype class's full name -> the dtype's NumPy name ("shapedl.types.f32" -> "float32")
DTYPE_NAMES = {f"{TYPES}.{cls.__name__}": name for name, cls in DTYPES.items()}


def dtype_sources(spec: OpSpec) -> tuple[str, ...] | None:
    """The operands whose dtype the result has, as the op's signature says: all but those
    annotated as a tensor of a dtype of their own (`where`'s `cond`, `embedding`'s `index`, a
    loss's `target`); None for all."""
    return _dtype_sources(spec.function, spec.tensors)


@functools.cache
def _dtype_sources(function: str, tensors: tuple[str, ...]) -> tuple[str, ...] | None:
    module, _, name = function.rpartition(".")
    try:
        hints = typing.get_type_hints(getattr(importlib.import_module(module), name))
    except Exception:  # noqa: BLE001 - an annotation that does not evaluate: every operand
        return None
    own = [n for n in tensors if n in hints and _own_dtype(hints[n])]
    return tuple(n for n in tensors if n not in own) if own else None


def _own_dtype(hint: Any) -> bool:
    """Whether `hint` is a tensor (or an optional one) whose dtype is no type variable."""
    members = [m for m in typing.get_args(hint) if m is not type(None)]
    if typing.get_origin(hint) not in (typing.Union, types.UnionType):
        members = [hint]
    return bool(members) and all(
        typing.get_origin(m) is Tensor and not isinstance(typing.get_args(m)[1], typing.TypeVar)
        for m in members
    )


def concrete(typ: Type | None, base: str) -> Type | None:
    """`typ` when it is a `base` (a dtype, a tape), or a type variable bound to one (the `DT`
    of a generic caller, which mypy solved), else None."""
    if typ is None:
        return None
    t = get_proper_type(typ)
    if isinstance(t, TypeVarType):
        t = get_proper_type(t.upper_bound)
    return typ if isinstance(t, Instance) and t.type.has_base(base) else None


def operand_dtype(operands: Sequence[Type]) -> Type | None:
    """The dtype of the tensor operands when they all have the same one, else None.

    NOTE: not the first operand's: `where(cond, a, b)` and `embedding(index, weight)` take
    theirs from a later one; a Python scalar has none, an operand of unknown type any.
    """
    found: Type | None = None
    for typ in operands:
        parts = tensor_parts(typ)
        if parts is None:
            if isinstance(get_proper_type(typ), AnyType):
                return None
            continue
        if found is not None and not is_same_type(found, parts[1]):
            return None
        found = parts[1]
    return found


def promoted(named: Named, dtype: Type, promote: Callable[[str], str]) -> Type:
    """`dtype` as the op changes it (`sum` of `bool_` is `i64`); a type variable stays."""
    t = get_proper_type(dtype)
    name = DTYPE_NAMES.get(t.type.fullname) if isinstance(t, Instance) else None
    if name is None:
        return dtype
    return named(f"{TYPES}.{DTYPES[promote(name)].__name__}", [])
