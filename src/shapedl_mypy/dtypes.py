"""The dtype of an op's result: mypy's answer where it says one, else the operands' that carry
it (as the op's own signature says), changed as the op changes it (`spec.promote`)."""

from __future__ import annotations

import functools
import importlib
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from mypy.subtypes import is_same_type
from mypy.types import (
    AnyType,
    FunctionLike,
    Instance,
    Type,
    TypeType,
    TypeVarType,
    get_proper_type,
)
from mypy.typevars import fill_typevars

from shapedl.ops.registry import OpSpec
from shapedl.tensor import Tensor
from shapedl.types import DTYPES, DType
from shapedl_mypy.call import Call
from shapedl_mypy.convert import TYPES, Named, tensor_parts

__all__ = [
    "DTYPE_NAMES",
    "concrete",
    "dtype_sources",
    "operand_dtype",
    "promoted",
    "result_dtype",
]

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


def result_dtype(call: Call, spec: OpSpec) -> Type | None:
    """The dtype the call's `dtype=` names (`sd.randn(s, dtype=sd.f64)`, `x.astype(sd.i64)`):
    the result's, for every op that has one; where the call gives none, the op's default
    (`zeros`' f32, `randint`'s i64). None where neither is a dtype class (a type variable).

    NOTE: mypy's answer is no guide there: it solves the `DT` of `dtype: type[DT] = f32` from
    where the tensor goes (`emb(sd.zeros(...))` as i64, an operand of a call whose own `DT`
    it could not solve as Any), but the runtime takes the argument, or the default."""
    given = call.args.get("dtype")
    if given:
        # NOTE: where mypy solved `DT` (from where the tensor goes), it checked the argument
        # against it and said so (`[arg-type]`): one bug, one error
        answer = tensor_parts(call.default)
        solved = answer is not None and concrete(answer[1], f"{TYPES}.DType") is not None
        return _dtype_class(given[0][0]) if len(given) == 1 and not solved else None
    default = _default_dtype(spec.function)
    return None if default is None else call.named(default, [])


def _dtype_class(typ: Type) -> Type | None:
    """The dtype a type names: that of the class `sd.f64`, or of a `type[f64]`."""
    t = get_proper_type(typ)
    if isinstance(t, FunctionLike) and t.is_type_obj():
        t = fill_typevars(t.type_object())
    elif isinstance(t, TypeType):
        t = t.item
    t = get_proper_type(t)
    return t if isinstance(t, Instance) and t.type.fullname in DTYPE_NAMES else None


@functools.cache
def _default_dtype(function: str) -> str | None:
    module, _, name = function.rpartition(".")
    try:
        parameters = inspect.signature(getattr(importlib.import_module(module), name)).parameters
    except Exception:  # noqa: BLE001 - a function that does not import: mypy's answer stays
        return None
    default = parameters["dtype"].default if "dtype" in parameters else None
    if isinstance(default, type) and issubclass(default, DType):
        return f"{TYPES}.{default.__name__}"
    return None


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
