"""The dtype an op gives integer and boolean operands, asked of the op itself.

A float tensor keeps its dtype through every op (the runtime sees to it), so the dtype the
op's signature gives (`DT` in, `DT` out) is right for it. Integer and boolean tensors follow
NumPy instead: `i64 / 2`, `i64 * 0.5` and `exp` of an i32 are f64, `bool_ + 1` is i64, the sum
of an i32 is i64. Rather than write NumPy's promotion a second time (where it would drift from
the runtime's), the plugin calls the op on one-element tensors of the operands' dtypes and
ranks, with the call's other arguments (their literal values, else a value of their type), and
reads the dtype of what comes back. Anything the probe cannot build or the op refuses leaves
the type as it was.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from dataclasses import dataclass
from typing import Any

from mypy.nodes import Expression, ListExpr, TupleExpr
from mypy.types import (
    AnyType,
    Instance,
    TupleType,
    Type,
    TypeOfAny,
    UnpackType,
    get_proper_type,
)

from shapedl.errors import DTypeError
from shapedl.ops.registry import OpSpec
from shapedl.types import DTYPES, FLOATS
from shapedl_mypy.call import Call
from shapedl_mypy.codes import DTYPE, report
from shapedl_mypy.convert import TENSOR, TYPES, UNKNOWN, int_dim, static_value, tensor_parts
from shapedl_mypy.dtypes import DTYPE_NAMES, dtype_sources, result_dtype

__all__ = ["runtime_dtype"]

_SCALARS = (bool, int, float, str, type(None))


@dataclass(frozen=True)
class Operand:
    """A tensor argument as the probe builds it: a zero of this dtype and rank."""

    dtype: str
    rank: int


@dataclass(frozen=True)
class Operands:
    """A list of tensors (`concat`'s), as the probe builds it: a zero of each."""

    items: tuple[Operand, ...]


@dataclass(frozen=True)
class Spread(Operands):
    """Tensors given to a `*operands` parameter (`einsum`'s), which the probe spreads too."""


@dataclass(frozen=True)
class Value:
    """Any other argument, with how it prints: probes are cached, and `True == 1 == 1.0`."""

    value: object
    shown: str


def runtime_dtype(call: Call, spec: OpSpec, result: Type) -> Type:
    """`result` with the dtype the op gives at run time, where an operand is an integer or
    boolean tensor and the op's dtype is not fixed by its registration; and where the op
    refuses the operands' dtypes (`f32 * bool_`, `concat` of f32 and i64), its `DTypeError`
    in the runtime's words, as a `[dtype]` error in place of mypy's own about overloads.
    An op's `dtype=`, or its default dtype where it has one, is the result's."""
    parts = tensor_parts(result)
    if parts is None or spec.returns != "tensor":
        # NOTE: a tuple (`meshgrid`'s) keeps mypy's items; only a mix the op refuses is said
        if isinstance(_asked_of_the_op(call, spec, mixed_only=True), DTypeError):
            return AnyType(TypeOfAny.from_error)
        return result
    asked = result_dtype(call, spec)
    if asked is not None:
        return call.named(TENSOR, [parts[0], asked, parts[2]])
    found = _asked_of_the_op(call, spec)
    # NOTE: an op of a fixed dtype (a comparison, `isclose`) may still refuse a mix
    fixed = spec.dtype is not None
    if isinstance(found, DTypeError):
        dtype = parts[1] if fixed else AnyType(TypeOfAny.from_error)
        return call.named(TENSOR, [parts[0], dtype, parts[2]])
    if found is None or fixed:
        return result
    dtype = call.named(f"{TYPES}.{DTYPES[found].__name__}", [])
    return call.named(TENSOR, [parts[0], dtype, parts[2]])


def _asked_of_the_op(call: Call, spec: OpSpec, mixed_only: bool = False) -> str | DTypeError | None:
    """The dtype name the op gives the call's operands, where the probe is needed (an integer
    or boolean operand, operands of different dtypes; `mixed_only`: only the latter); its
    `DTypeError`, reported, where it refuses them; else None."""
    args = _arguments(call, spec)
    # NOTE: the data operands only: `where`'s boolean condition changes no dtype
    sources = dtype_sources(spec)
    operands = [
        o
        for name, a in args or ()
        if sources is None or name in sources
        for o in (a.items if isinstance(a, Operands) else (a,))
        if isinstance(o, Operand)
    ]
    mixed = len({o.dtype for o in operands}) > 1
    plain = mixed_only or spec.dtype is not None or all(o.dtype in FLOATS for o in operands)
    if args is None or plain and not mixed:
        return None
    found = _probe(spec.function, args)
    if isinstance(found, DTypeError):
        report(call.api, str(found), call.context, DTYPE)
    return found


def _arguments(
    call: Call, spec: OpSpec
) -> tuple[tuple[str, Operand | Operands | Value], ...] | None:
    """The call's arguments as the probe passes them; None where one cannot be built."""
    out: list[tuple[str, Operand | Operands | Value]] = []
    for name, actuals in call.args.items():
        if len(actuals) != 1 and name in spec.tensor_lists:
            # NOTE: `*operands` (`einsum`'s, `meshgrid`'s): the probe spreads them too
            items = [_argument(call, *actual) for actual in actuals]
            if not all(isinstance(i, Operand) for i in items):
                return None
            out.append((name, Spread(tuple(i for i in items if isinstance(i, Operand)))))
            continue
        if len(actuals) != 1:
            return None  # NOTE: `*shape`, a spread tuple of sizes: no dtype comes of it
        value = _tensors(call, actuals[0][1])
        if value is None:
            value = _argument(call, *actuals[0])
        if value is UNKNOWN:
            return None
        out.append(
            (name, value if isinstance(value, Operand | Operands) else Value(value, repr(value)))
        )
    return tuple(out) if any(isinstance(v, Operand | Operands) for _, v in out) else None


def _tensors(call: Call, expr: Expression | None) -> Operands | None:
    """A list or tuple display of tensors (`sd.concat([dense, ids], axis=1)`) as `Operands`."""
    if not isinstance(expr, ListExpr | TupleExpr) or not expr.items:
        return None
    items = [
        _argument(call, call.lookup(e) or AnyType(TypeOfAny.special_form), e) for e in expr.items
    ]
    if not all(isinstance(i, Operand) for i in items):
        return None
    return Operands(tuple(i for i in items if isinstance(i, Operand)))


def _argument(call: Call, typ: Type, expr: Any) -> object:
    """A tensor as an `Operand`, else the literal value, else a value of the type."""
    parts = tensor_parts(typ)
    if parts is not None:
        dtype = get_proper_type(parts[1])
        name = DTYPE_NAMES.get(dtype.type.fullname) if isinstance(dtype, Instance) else None
        return UNKNOWN if name is None else Operand(name, _rank(parts[0]))
    value = static_value(call.conv, expr, typ, call.lookup)
    if isinstance(value, _SCALARS) or (
        isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value)
    ):
        return value
    t = get_proper_type(typ)
    # NOTE: a NumPy scalar is the Python scalar it holds to every op (`weak`)
    if isinstance(t, Instance) and t.type.has_base("numpy.bool"):
        return True
    if isinstance(t, Instance) and t.type.has_base("numpy.integer"):
        return 1
    if isinstance(t, Instance) and t.type.has_base("numpy.floating"):
        return 0.5
    if isinstance(t, Instance) and t.type.fullname == "builtins.bool":
        return True
    if int_dim(call.conv, t) is not None:
        return 1
    if isinstance(t, Instance) and t.type.fullname == "builtins.float":
        return 0.5
    return UNKNOWN


def _rank(shape: Type) -> int:
    """The rank of a shape type; 1 where it is not known (the dtype does not depend on it)."""
    s = get_proper_type(shape)
    if isinstance(s, TupleType) and not any(
        isinstance(get_proper_type(i), UnpackType) for i in s.items
    ):
        return len(s.items)
    return 1


@functools.cache
def _probe(
    function: str, args: tuple[tuple[str, Operand | Operands | Value], ...]
) -> str | DTypeError | None:
    """The dtype name of `function(*args)` on zeros of the operands' dtypes; the op's
    `DTypeError` where it refuses them; None where it fails otherwise."""
    from shapedl.device import Cpu
    from shapedl.ops.creation import zeros

    device = Cpu(seed=0)
    module, _, name = function.rpartition(".")
    try:
        fn = getattr(importlib.import_module(module), name)

        def zero(v: Operand) -> Any:
            return zeros((1,) * v.rank, dtype=DTYPES[v.dtype], device=device)

        def value(v: Operand | Operands | Value) -> Any:
            if isinstance(v, Operand):
                return zero(v)
            return [zero(i) for i in v.items] if isinstance(v, Operands) else v.value

        positional: list[Any] = []
        kwargs: dict[str, Any] = {}
        spread = any(isinstance(v, Spread) for _, v in args)
        for k, v in args:
            if spread:
                # NOTE: up to a `*operands`, by position, as Python takes them there
                positional += value(v) if isinstance(v, Spread) else [value(v)]
                spread = not isinstance(v, Spread)
            else:
                kwargs[k] = value(v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(*positional, **kwargs)
        found = str(out.data.dtype)
    except DTypeError as err:
        return err
    except Exception:  # noqa: BLE001 - the op refused these values: no answer, no guess
        return None
    return found if found in DTYPES else None
