"""The generic hook: any op in `shapedl.ops.REGISTRY`, checked by its own shape rule.

The arguments named in the op's spec become shapes and literal values, the rule runs on them
(`spec.rule(spec.name, **args)`), a `ShapeError` becomes a `[shape]` error with the very same
text, and the result shape, dtype and tape become the call's type. Whatever cannot be
converted leaves the call with mypy's own type: less precise, never wrong.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from mypy import errorcodes
from mypy.nodes import (
    ARG_NAMED,
    ARG_STAR2,
    CallExpr,
    Expression,
    ListComprehension,
    ListExpr,
    StarExpr,
    TupleExpr,
)
from mypy.plugin import FunctionSigContext, MethodSigContext
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    NoneType,
    Overloaded,
    TupleType,
    Type,
    TypeVarTupleType,
    TypeVarType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from shapedl.dims import DYN, Shape
from shapedl.errors import NotStatic, ShapeError
from shapedl.ops.registry import OpSpec
from shapedl.types import DTYPES
from shapedl_mypy.call import Call, lone_argument
from shapedl_mypy.codes import SHAPE, report
from shapedl_mypy.convert import (
    TENSOR,
    TYPES,
    UNKNOWN,
    any_as_dyn,
    any_type,
    checker_named,
    int_dim,
    static_value,
    tensor_parts,
)
from shapedl_mypy.dtypes import concrete, dtype_sources, operand_dtype, promoted
from shapedl_mypy.probe import runtime_dtype

__all__ = [
    "apply_rule",
    "list_signature",
    "make_tensor",
    "rule_kwargs",
    "static_operands",
    "tape_of",
    "widen_operand",
]

NOTAPE = f"{TYPES}.NoTape"
TRACED = f"{TYPES}.Traced"
_DTYPE_CLASSES = {name: cls.__name__ for name, cls in DTYPES.items()}


def _operand_shape(call: Call, typ: Type) -> Shape | None | object:
    """A tensor's shape, `()` for a Python scalar, None for None; `UNKNOWN` otherwise."""
    parts = tensor_parts(typ)
    if parts is not None:
        shape = call.conv.shape(parts[0])
        return UNKNOWN if shape is None else shape
    t = get_proper_type(typ)
    if isinstance(t, Instance) and t.type.fullname in ("builtins.float", "builtins.complex"):
        return ()
    if isinstance(t, Instance) and t.type.has_base("numpy.generic"):
        return ()  # NOTE: a NumPy scalar is a Python scalar to every op (`weak`)
    if int_dim(call.conv, t) is not None or (
        isinstance(t, Instance) and t.type.fullname == "builtins.bool"
    ):
        return ()
    return None if isinstance(t, NoneType) else UNKNOWN


def _tensor_list(
    call: Call, typ: Type, expr: Expression | None, length: int | None = None
) -> list[Any] | object:
    """The shapes of a literal list (or tuple type) of tensors; `UNKNOWN` otherwise (a list of
    one tensor type but of unknown length has `length` of them, where `length` is given).

    A comprehension (`[head(x) for head in heads]`) and a spread list (`[*xs, x]`) are of
    unknown length too; their items' types are read from the expressions, as the list's own
    type is inferred in the context of the op's `Sequence[Tensor[Any, ...]]` and lost them."""
    items: list[Type | None]
    if isinstance(expr, ListComprehension):
        if length is None:
            return UNKNOWN
        items = [call.lookup(expr.generator.left_expr)] * length
    elif isinstance(expr, (ListExpr, TupleExpr)):
        items = []
        for e in expr.items:
            spread = _spread(call, e, length)
            if spread is UNKNOWN:
                return UNKNOWN
            items += spread if isinstance(spread, list) else [call.lookup(e)]
    else:
        t = get_proper_type(typ)
        if isinstance(t, Instance) and length is not None and len(t.args) == 1:
            repeated = _repeated(t, length)
            if not isinstance(repeated, list):
                return UNKNOWN
            items = repeated
        elif not isinstance(t, TupleType):
            return UNKNOWN
        else:
            items = list(t.items)
    shapes = [UNKNOWN if i is None else _operand_shape(call, i) for i in items]
    return UNKNOWN if any(s is UNKNOWN for s in shapes) else shapes


def _spread(call: Call, e: Expression, length: int | None) -> list[Type | None] | object:
    """The item types a `*xs` item of a list stands for (a tuple's own, `length` of a list's
    item type), `UNKNOWN` where it cannot say, None for an item that is not spread."""
    if not isinstance(e, StarExpr):
        return None
    t = call.lookup(e.expr)
    p = None if t is None else get_proper_type(t)
    if isinstance(p, TupleType):
        return list(p.items)
    if length is None or not isinstance(p, Instance) or len(p.args) != 1:
        return UNKNOWN
    return _repeated(p, length)


def _repeated(seq: Instance, length: int) -> list[Type | None] | object:
    """`length` of the item type of a sequence of one tensor type (`list[Tensor[...]]`),
    `UNKNOWN` for any other sequence."""
    if not seq.type.has_base("typing.Sequence") or tensor_parts(seq.args[0]) is None:
        return UNKNOWN
    return [seq.args[0]] * length


def operand_types(call: Call, spec: OpSpec, names: Sequence[str] | None = None) -> list[Type]:
    """The types of the call's tensor operands (items of literal lists one by one), or of
    those among them in `names`."""
    out: list[Type] = []
    for name in spec.tensors:
        one = call.one(name)
        if one is not None and (names is None or name in names):
            out.append(one[0])
    for name in spec.tensor_lists if names is None else ():
        for t, e in call.args.get(name, []):
            if isinstance(e, (ListExpr, TupleExpr)):
                out += [call.lookup(i) or any_type() for i in e.items]
            else:
                out.append(t)
    return out


def static_operands(call: Call, spec: OpSpec) -> list[Type]:
    """The tensors inside the static arguments (`W[ix]`'s index `ix`, `P[xs, ys]`'s): operands
    as to the tape, since a traced index traces the result at run time (as `embedding`'s
    index does), not as to the dtype."""
    out: list[Type] = []
    for name in spec.statics:
        for t, _ in call.args.get(name, []):
            p = get_proper_type(t)
            items = p.items if isinstance(p, TupleType) else [t]
            out += [i for i in items if tensor_parts(i) is not None]
    return out


def rule_kwargs(
    call: Call, spec: OpSpec, rank: int | None = None, length: int | None = None
) -> dict[str, Any] | None:
    """The rule's arguments from the call, or None when some of them are not static (a tensor
    of unknown rank has `rank` unknown sizes, where `rank` is given; a list of tensors of
    unknown length has `length` of them, where `length` is given)."""
    kwargs: dict[str, Any] = {}
    for name in spec.tensors:
        one = call.one(name)
        if one is None:
            if name in call.args:
                return None
            continue
        shape = _operand_shape(call, one[0])
        if shape is UNKNOWN and rank is not None and _rankless(one[0]):
            shape = (DYN,) * rank
        if shape is UNKNOWN:
            return None
        kwargs[name] = shape
    for name in spec.tensor_lists:
        actuals = call.args.get(name)
        if not actuals:
            continue
        if len(actuals) == 1 and tensor_parts(actuals[0][0]) is None:
            shapes = _tensor_list(call, *actuals[0], length)
        else:  # NOTE: *tensors, one of them too (`sd.einsum("ij->ji", x)`)
            shapes = [_operand_shape(call, t) for t, _ in actuals]
            shapes = UNKNOWN if any(s is UNKNOWN for s in shapes) else shapes
        if shapes is UNKNOWN:
            return None
        kwargs[name] = shapes
    for name in spec.statics:
        actuals = call.args.get(name)
        if not actuals:
            continue
        if len(actuals) > 1:  # NOTE: *axes
            values = [any_as_dyn(static_value(call.conv, e, t, call.lookup), t) for t, e in actuals]
            value: object = UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
        else:
            t, e = actuals[0]
            value = static_value(call.conv, e, t, call.lookup)
        if value is UNKNOWN:
            return None
        kwargs[name] = value
    return _accepted(spec, kwargs)


@functools.cache
def _rule_params(rule: Callable[..., Any]) -> tuple[list[str], bool]:
    """The rule's parameter names and whether it takes `**kwargs`."""
    params = inspect.signature(rule).parameters
    return list(params), any(p.kind is p.VAR_KEYWORD for p in params.values())


def _accepted(spec: OpSpec, kwargs: dict[str, Any]) -> dict[str, Any]:
    """`kwargs` the rule takes; a tensor named otherwise in the spec goes by its position."""
    params, any_kwargs = _rule_params(spec.rule)
    if any_kwargs:
        return kwargs
    positional = params[1:]
    out: dict[str, Any] = {}
    for i, name in enumerate((*spec.tensors, *spec.tensor_lists)):
        if name in kwargs:
            key = name if name in params else (positional[i] if i < len(positional) else name)
            out[key] = kwargs[name]
    out.update((k, v) for k, v in kwargs.items() if k in spec.statics)
    return {k: v for k, v in out.items() if k in params}


def tape_of(types: Sequence[Type]) -> Type | str | None:
    """`Traced` if an operand is traced, `NoTape` if all are untraced, `Any` if one may be
    either, the operands' one tape TypeVar if they share it, else None."""
    tapes: list[Type] = []
    members = [m for t in types for m in _members(t)]
    for typ in members:
        parts = tensor_parts(typ)
        if parts is not None:
            tapes.append(parts[2])
        elif isinstance(get_proper_type(typ), AnyType):
            tapes.append(typ)  # NOTE: an operand of unknown type may be traced
    names = [_name(t) for t in tapes]
    if TRACED in names:
        return TRACED
    if names and all(n == NOTAPE for n in names):
        return NOTAPE
    # NOTE: not mypy's answer, which takes `TT`'s default (NoTape) or the first overload
    # (Traced) for an `Any` tape: `t.mean().backward()` on `t: Tensor[Any, Any, Any]` is fine
    unknown = [t for t in tapes if isinstance(get_proper_type(t), AnyType)]
    if unknown:
        return unknown[0]
    # NOTE: `TT` with untraced operands is traced exactly when `TT` is
    rest = [get_proper_type(t) for t, n in zip(tapes, names, strict=True) if n != NOTAPE]
    if rest and all(isinstance(t, TypeVarType) and t == rest[0] for t in rest):
        return rest[0]
    return None


def _members(typ: Type) -> list[Type]:
    """A union's members (`Any | Tensor[..., Traced]`, a loop's start read from an untyped
    list, may be traced), else the type itself."""
    t = get_proper_type(typ)
    return list(t.items) if isinstance(t, UnionType) else [typ]


def _name(typ: Type) -> str | None:
    t = get_proper_type(typ)
    return t.type.fullname if isinstance(t, Instance) else None


def make_tensor(
    call: Call,
    shape: Type,
    spec_dtype: str | None,
    operands: Sequence[Type],
    answer: Type | None = None,
    sources: Sequence[Type] | None = None,
    *,
    promote: Callable[[str], str] | None = None,
) -> Type:
    """`Tensor[shape, DT, T]`, DT and T from mypy's own answer (`answer`, by default the
    call's type) where it is concrete, else from the operands (`sources` for the dtype)."""
    default = tensor_parts(call.default if answer is None else answer)
    dtype = concrete(default[1] if default else None, f"{TYPES}.DType")
    if dtype is None and spec_dtype in _DTYPE_CLASSES:
        dtype = call.named(f"{TYPES}.{_DTYPE_CLASSES[spec_dtype]}", [])
    if dtype is None:
        dtype = operand_dtype(operands if sources is None else sources)
    if promote is not None and dtype is not None:
        dtype = promoted(call.named, dtype, promote)
    # NOTE: ops with a fixed dtype (comparisons, argmax) are untraced by signature
    tape = concrete(default[2] if default else None, f"{TYPES}.Tape") if spec_dtype else None
    if tape is None:
        found = tape_of(operands)
        tape = call.named(found, []) if isinstance(found, str) else found
    if tape is None and default is not None:
        tape = default[2]
    return call.named(TENSOR, [shape, dtype or any_type(), tape or any_type()])


def apply_rule(call: Call, spec: OpSpec) -> Type:
    """The call's type by the op's shape rule; a `[shape]` error where the rule refuses."""
    return runtime_dtype(call, spec, _by_rule(call, spec))


def _by_rule(call: Call, spec: OpSpec) -> Type:
    sources = operand_types(call, spec, dtype_sources(spec))
    operands = operand_types(call, spec) + static_operands(call, spec)
    unexpected = _unexpected_keywords(call)
    if unexpected:
        # NOTE: mypy refused the call (`[call-arg]`); the rule without the keyword (the
        # default axis for `dim=1`) would blame shapes that are right for the axis meant
        for given, spelled in unexpected.items():
            if spelled is not None:
                note = f'shapedl spells "{given}=" as NumPy does: "{spelled}="'
                call.api.msg.note(note, call.context, code=errorcodes.CALL_ARG)
        return _unknown_shape(call, spec, operands, sources)
    kwargs = rule_kwargs(call, spec)
    whatever = None if kwargs is not None else _whatever(call, spec)
    if whatever is not None:
        shape = call.conv.shape_type(whatever)
        return make_tensor(call, shape, spec.dtype, operands, sources=sources, promote=spec.promote)
    if kwargs is None:
        return _refine_tape(call, spec, operands, sources)
    try:
        result = spec.rule(spec.name, **kwargs)
    except NotStatic:
        # NOTE: an option known only at run time (`axis=dim`): the result's shape is unknown
        return _unknown_shape(call, spec, operands, sources)
    except ShapeError as err:
        report(call.api, str(err), call.context, SHAPE)
        # NOTE: no shape is right after a shape error; Any stops one mistake from cascading
        return _unknown_shape(call, spec, operands, sources)
    if spec.returns == "tuple":
        return _tuple_result(call, spec, result, operands)
    shape = call.conv.shape_type(result)
    return make_tensor(call, shape, spec.dtype, operands, sources=sources, promote=spec.promote)


# NOTE: PyTorch's keywords that shapedl spells as NumPy does
_NUMPY_NAMES = {
    "dim": "axis",
    "keepdim": "keepdims",
    "start_dim": "start_axis",
    "end_dim": "end_axis",
    "dims": "axis",
}


def _unexpected_keywords(call: Call) -> dict[str, str | None]:
    """The keywords of the call that its callee does not take (`sd.cat(xs, dim=1)`), which
    mypy reports as `Unexpected keyword argument`, each with NumPy's spelling of it where the
    callee takes that (`axis`)."""
    e = call.context
    callee = get_proper_type(call.lookup(e.callee)) if isinstance(e, CallExpr) else None
    if not isinstance(e, CallExpr) or not isinstance(callee, CallableType | Overloaded):
        return {}
    if any(ARG_STAR2 in item.arg_kinds for item in callee.items):
        return {}
    names = {n for item in callee.items for n in item.arg_names if n is not None}
    return {
        n: _NUMPY_NAMES[n] if _NUMPY_NAMES.get(n) in names else None
        for n, k in zip(e.arg_names, e.arg_kinds, strict=True)
        if k == ARG_NAMED and n is not None and n not in names
    }


# NOTE: the ranks an operand of unknown rank is tried at; a rule whose result has one rank over
# all of them (`x.sum()`, `x.flatten()`) is taken to have it at every rank
_RANKS = range(6)


# NOTE: the lengths a list of tensors of unknown length (`sd.stack(outputs)`) is tried at
_LENGTHS = range(1, 4)


def _whatever(call: Call, spec: OpSpec) -> Shape | None:
    """The result's shape where an operand's rank, or a list's length, is unknown."""
    by_rank = _whatever_rank(call, spec)
    return by_rank if by_rank is not None else _whatever_length(call, spec)  # NOTE: () is 0-d


def _whatever_length(call: Call, spec: OpSpec) -> Shape | None:
    """The result's shape where a list of one tensor type has an unknown length
    (`sd.stack(steps, axis=1)`, `sd.concat(chunks)`): the sizes that differ between lengths
    (the count, a sum along the axis) are `Dyn`. None where the rule refuses any length: the
    run then decides (no static error for a list whose length is not known)."""
    if spec.returns != "tensor" or not spec.tensor_lists:
        return None
    found: list[Shape] = []
    for length in _LENGTHS:
        kwargs = rule_kwargs(call, spec, length=length)
        if kwargs is None:
            return None
        try:
            found.append(spec.rule(spec.name, **kwargs))
        except (NotStatic, ShapeError):
            return None
    return _agreed(found)


def _agreed(found: Sequence[Shape]) -> Shape | None:
    """The sizes all `found` shapes agree on, `Dyn` for the rest; None where ranks differ."""
    if not found or len({len(shape) for shape in found}) != 1:
        return None
    first = found[0]
    return tuple(d if all(s[i] == d for s in found) else DYN for i, d in enumerate(first))


def _whatever_rank(call: Call, spec: OpSpec) -> Shape | None:
    """The result's shape where an operand's rank is unknown but the rule gives one rank
    whatever it is (`x.sum()` is 0-d, `x.flatten()` 1-d, `loss(pred, y)` 0-d): the sizes that
    differ between ranks are `Dyn`. None where no rank fits or the result's rank varies.

    NOTE: a rank the rule refuses is one the run cannot have, so it is left out
    """
    if spec.returns != "tensor":
        return None
    # NOTE: one operand of unknown rank: with two, each rank tried is both's, and a rule that
    # wants one of them 0-d (`masked_fill`'s value) would make the other 0-d too
    rankless = [t for name in spec.tensors for t, _ in call.args.get(name, []) if _rankless(t)]
    if len(rankless) > 1:
        return None
    found: list[Shape] = []
    for rank in _RANKS:
        kwargs = rule_kwargs(call, spec, rank)
        if kwargs is None:
            return None
        try:
            found.append(spec.rule(spec.name, **kwargs))
        except (NotStatic, ShapeError):
            continue
    return _agreed(found)


def _unknown_shape(
    call: Call, spec: OpSpec, operands: Sequence[Type], sources: Sequence[Type]
) -> Type:
    """The call's tensor with an unknown shape (mypy's own type where it is not a tensor)."""
    if tensor_parts(call.default) is None:
        return call.default
    return make_tensor(
        call, any_type(), spec.dtype, operands, sources=sources, promote=spec.promote
    )


def _refine_tape(
    call: Call, spec: OpSpec, operands: Sequence[Type], sources: Sequence[Type]
) -> Type:
    """No rule result: keep mypy's type, with an unknown shape where an operand's rank is
    unknown (plain typing may have matched it to a 2-d overload), and the tape refined."""
    default = tensor_parts(call.default)
    if default is None:
        return call.default
    rankless = any(_rankless(t) for t in operands)
    found = tape_of(operands)
    unknown = isinstance(get_proper_type(default[2]), AnyType) or isinstance(found, AnyType)
    # NOTE: mypy solves the tape from the receiver alone; a traced index (`W[ix.traced()]`)
    # traces the result too
    traced = found == TRACED and _name(default[2]) != TRACED
    if not rankless and not unknown and not traced:
        return call.default
    shape = any_type() if rankless else default[0]
    return make_tensor(call, shape, spec.dtype, operands, sources=sources, promote=spec.promote)


def _rankless(typ: Type) -> bool:
    """Whether an operand's rank is unknown (an `Any` operand or shape, `tuple[X, ...]`).

    Not a `*Bs` of a helper generic in its leading axes (`rms_norm(x: Tensor[tuple[*Bs, D]])`):
    its shape is known, only not as sizes, and mypy's type of `x.relu()` keeps it."""
    parts = tensor_parts(typ)
    if parts is None:
        return isinstance(get_proper_type(typ), AnyType)
    s = get_proper_type(parts[0])
    return isinstance(s, (AnyType, Instance)) or (
        isinstance(s, TupleType) and any(_unknown_items(i) for i in s.items)
    )


def _unknown_items(item: Type) -> bool:
    """Whether a shape's item is an unpacked tuple of unknown length (not a `*Bs`)."""
    t = get_proper_type(item)
    return isinstance(t, UnpackType) and not isinstance(get_proper_type(t.type), TypeVarTupleType)


def _tuple_result(call: Call, spec: OpSpec, result: Any, operands: Sequence[Type]) -> Type:
    default = get_proper_type(call.default)
    is_tuple = isinstance(default, TupleType) or (
        isinstance(default, Instance) and default.type.fullname == "builtins.tuple"
    )
    if not is_tuple:
        return call.default
    # NOTE: each item from its own dtype and its own item of mypy's answer: `sort`'s values
    # keep the input's dtype and tape, its indices are untraced int64
    answers = default.items if isinstance(default, TupleType) else []
    items = [
        make_tensor(
            call,
            call.conv.shape_type(s),
            spec.item_dtype(i),
            operands,
            answers[i] if len(answers) == len(result) else None,
        )
        for i, s in enumerate(result)
    ]
    return TupleType(items, call.named("builtins.tuple", [call.named(TENSOR, [any_type()] * 3)]))


def list_signature(spec: OpSpec, ctx: FunctionSigContext) -> FunctionLike:
    """Let a literal list of tensors of different shapes through (its join is `object`).

    The rule checks the shapes instead; the result's dtype and tape come from the items.
    NOTE: `Sequence[object]`, not `Sequence[Tensor[Any, ...]]`: an item that is a generic call
    (`concat([f(x), g(x)])`) would solve its type variables from that context, to `Any`.
    """
    sig = ctx.default_signature
    seq = checker_named(ctx.api)("typing.Sequence", [checker_named(ctx.api)("builtins.object", [])])
    types = list(sig.arg_types)
    for i, name in enumerate(sig.arg_names):
        if name in spec.tensor_lists and isinstance(lone_argument(ctx, i), ListExpr | TupleExpr):
            types[i] = seq
    if types == sig.arg_types:
        return sig
    # NOTE: the items no longer solve `DT`/`TT`, whose defaults (f32, NoTape) would read as
    # the result's: unknown here, the hook takes them from the items
    ret = tensor_parts(sig.ret_type)
    if ret is not None:
        ret_type = checker_named(ctx.api)(TENSOR, [ret[0], any_type(), any_type()])
        return sig.copy_modified(arg_types=types, ret_type=ret_type)
    return sig.copy_modified(arg_types=types)


def widen_operand(ctx: MethodSigContext) -> FunctionLike:
    """`a @ b`: plain typing's overloads reject 2-d operands whose inner dims differ (and a
    `Dyn` against a `Const`); with the plugin the shape rule decides instead."""
    sig = ctx.default_signature
    if len(sig.arg_types) != 1:
        return sig
    parts = tensor_parts(sig.arg_types[0])
    dtype = parts[1] if parts is not None else any_type()
    named = checker_named(ctx.api)
    ret = tensor_parts(sig.ret_type)
    if ret is None:
        return sig
    # NOTE: the result's shape is the rule's to say; an unsolvable `M` would read as Never
    return sig.copy_modified(
        arg_types=[named(TENSOR, [any_type(), dtype, any_type()])],
        ret_type=named(TENSOR, [any_type(), ret[1], ret[2]]),
    )
