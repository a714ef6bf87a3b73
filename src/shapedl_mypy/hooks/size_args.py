"""A class called through a value (`cls(d)`, `type(self)(d)`, `block(cin, cout)` with `block:
type[Block]`): ints for its `Size[X]` parameters, as in a call by the class's own name.

mypy runs a signature hook (`generic.bind_sizes`, which makes an int a `Size`) only for a
callee it knows by name; through a value it reports `incompatible type "int"; expected
"Size[D]"` first and only then runs the call hook with the class's name. What the binding
would accept (a plain int is `Dyn`, consistent with any size; a literal that fits) is taken
back here, in the call hook; a literal that cannot be the size stays an error. A method called
through `super()` (`super().__init__(8)`) has no name mypy gives a signature hook either: it is
forgiven the same way (`forgive_super`), by the bound method mypy checked it against.

`star_elements` says which ints a `*sizes` or `**cfg` argument gives a `Size` parameter, for
the binding: mypy matches such an argument item by item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy.checker import TypeChecker
from mypy.expandtype import expand_type
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    ARG_STAR,
    ARG_STAR2,
    CallExpr,
    Context,
    Expression,
    SuperExpr,
    SymbolNode,
    TypeInfo,
)
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    TupleType,
    Type,
    TypedDictType,
    TypeVarId,
    TypeVarType,
    get_proper_type,
)

from shapedl import dims
from shapedl_mypy.codes import take_back
from shapedl_mypy.convert import SIZE, Converter, checker_named, convertible, int_dim

__all__ = ["constructor", "forgive_ints", "forgive_super", "star_elements"]

C = TypeVar("C", FunctionContext, MethodContext)


def constructor(node: SymbolNode | None) -> CallableType | None:
    """A class's `__init__` as its callers see it (without `self`), if it takes a `Size`."""
    init = node.get("__init__") if isinstance(node, TypeInfo) else None
    sig = None if init is None else get_proper_type(getattr(init.node, "type", None))
    if not isinstance(sig, CallableType) or not sig.arg_types:
        return None
    sig = sig.copy_modified(
        arg_types=sig.arg_types[1:], arg_kinds=sig.arg_kinds[1:], arg_names=sig.arg_names[1:]
    )
    return sig if any(_size_of(t) is not None for t in sig.arg_types) else None


def _size_of(typ: Type) -> Type | None:
    """`X` of a formal `Size[X]`, else None."""
    t = get_proper_type(typ)
    if isinstance(t, Instance) and t.type.fullname == SIZE and t.args:
        return t.args[0]
    return None


def _accepts(conv: Converter, size: Type, actual: Type) -> bool:
    """Whether an int of type `actual` (not a `Size`) may be the size `size`."""
    t = get_proper_type(actual)
    if not isinstance(t, Instance) or t.type.fullname != "builtins.int":
        return False
    value = int_dim(conv, t)
    if value is None:
        return False
    x = get_proper_type(size)
    if isinstance(x, AnyType) or (isinstance(x, TypeVarType) and value is dims.DYN):
        return True
    return convertible(x) and dims.same(conv.dim(x), value) is not False


def _as_called(
    ctx: FunctionContext | MethodContext, sig: CallableType, own: dict[TypeVarId, Type]
) -> CallableType:
    """`sig` with the class's type variables as the call gives them (`type[Block[Const[8]]]`
    makes `C` 8; `cls` in a classmethod leaves the class's own `C`, which `own` binds)."""
    ret = _instance(ctx.default_return_type)
    if ret is None:
        return sig
    binding = {tv.id: arg for tv, arg in zip(ret.type.defn.type_vars, ret.args, strict=True)}
    expanded = get_proper_type(expand_type(sig, {**binding, **own}))
    return expanded if isinstance(expanded, CallableType) else sig


def _instance(typ: Type) -> Instance | None:
    """The class instance a constructor call gives (a `Self`'s bound for `type(self)(...)`)."""
    ret = get_proper_type(typ)
    if isinstance(ret, TypeVarType):
        ret = get_proper_type(ret.upper_bound)
    if not isinstance(ret, Instance) or len(ret.args) != len(ret.type.defn.type_vars):
        return None
    return ret


def _own_sizes(ctx: FunctionContext | MethodContext, sig: CallableType) -> dict[TypeVarId, Type]:
    """The class's own type variables that a call through `cls` (in the class's classmethod)
    leaves unsolved, bound to the literals given as a call by the class's name binds them
    (`generic._bind_bare`): `cls(64)` is `Encoder[Const[64]]` as `Encoder(64)` is. A plain
    int leaves the class's own size (`cls(width)` is `Encoder[D]`), and a variable of the
    caller's (`c: type[Encoder[D]]`, then `c(64)`) stays: `D` may be any size there."""
    ret = _instance(ctx.default_return_type)
    if ret is None:
        return {}
    own = {
        tv.id
        for tv, arg in zip(ret.type.defn.type_vars, ret.args, strict=True)
        if isinstance(arg, TypeVarType) and arg.id == tv.id
    }
    conv = Converter(checker_named(ctx.api))
    binding: dict[TypeVarId, Type] = {}
    for i, formal in enumerate(sig.arg_types):
        size = get_proper_type(_size_of(formal))
        if not isinstance(size, TypeVarType) or size.id not in own or i >= len(ctx.args):
            continue
        for actual in ctx.arg_types[i]:
            d = int_dim(conv, actual) if _size_of(actual) is None else None
            if isinstance(d, int) and size.id not in binding:
                binding[size.id] = conv.const(d)
    return binding


def _labels(
    ctx: FunctionContext | MethodContext, sig: CallableType, own: dict[TypeVarId, Type]
) -> list[str]:
    """How mypy names the arguments the binding would accept (`Argument 1`, `Argument "d"`)."""
    call = ctx.context
    if not isinstance(call, CallExpr):
        return []
    conv = Converter(checker_named(ctx.api))
    out = []
    for i, formal in enumerate(_as_called(ctx, sig, own).arg_types):
        size = _size_of(formal)
        if size is None or i >= len(ctx.args):
            continue
        for expr, actual in zip(ctx.args[i], ctx.arg_types[i], strict=False):
            at = next((k for k, e in enumerate(call.args) if e is expr), None)
            if at is None or not _accepts(conv, size, actual):
                continue
            name = call.arg_names[at]
            out.append(f'Argument "{name}" to ' if name else f"Argument {at + 1} to ")
    return out


def forgive_ints(sig: CallableType, hook: Callable[[C], Type] | None) -> Callable[[C], Type]:
    """A call hook that takes back mypy's refusal of an int the `Size` binding accepts."""

    def run(ctx: C) -> Type:
        out = ctx.default_return_type if hook is None else hook(ctx)
        own = _own_sizes(ctx, sig)
        labels = _labels(ctx, sig, own)
        if labels:
            take_back(
                ctx,
                lambda m: 'expected "Size[' in m and any(m.startswith(k) for k in labels),
                whole=True,
            )
        return expand_type(out, own) if own else out

    return run


def forgive_super(ctx: FunctionContext) -> Type:
    """`super().__init__(8)` in `class Block8(Block[Const[8]])`: the `Size` binding's ints.

    mypy looks a call through `super()` up by the callee's own name ("__init__ of Block"), not
    a fullname, and after checking its arguments: no signature hook binds the sizes first. The
    callee it checked them against is the method bound to the subclass's base, so a literal
    that fits (`d: Size[Const[8]]` given 8) is taken back and one that does not (9) stays.
    """
    call = ctx.context
    if not isinstance(call, CallExpr) or not isinstance(call.callee, SuperExpr):
        return ctx.default_return_type
    if not isinstance(ctx.api, TypeChecker):
        return ctx.default_return_type
    sig = get_proper_type(ctx.api.lookup_type_or_none(call.callee))
    if not isinstance(sig, CallableType) or all(_size_of(t) is None for t in sig.arg_types):
        return ctx.default_return_type
    return forgive_ints(sig, None)(ctx)


# ---- `*args` and `**kwargs` ------------------------------------------------------------------
def star_elements(
    api: TypeChecker,
    call: Context,
    args: list[list[Expression]],
    i: int,
    expr: Expression,
    typ: Type,
) -> list[Type | None]:
    """The types of what argument `expr` (of type `typ`) gives formal `i`: `typ` itself, or
    for `*sizes` the tuple's items there (the iterable's element), for `**cfg` the mapping's
    value; None for one not known. mypy matches a `*`/`**` argument element by element, so
    `Head(**cfg)` with `cfg: dict[str, int]` binds each `Size` to `Dyn`, as `Head(d, o)` with
    ints does."""
    if not isinstance(call, CallExpr):
        return [typ]
    at = next((k for k, e in enumerate(call.args) if e is expr), None)
    if at is None:
        return [typ]
    t = get_proper_type(typ)
    if call.arg_kinds[at] == ARG_STAR:
        if isinstance(t, TupleType):
            # NOTE: the items before go to the formals before; a `*args` formal takes the rest
            n = sum(any(e is expr for e in actuals) for actuals in args[:i])
            rest = any(any(e is expr for e in actuals) for actuals in args[i + 1 :])
            return list(t.items[n : n + 1 if rest else None]) or [None]
        return [_supertype_arg(api, t, "typing.Iterable", 0)]
    if call.arg_kinds[at] == ARG_STAR2:
        if isinstance(t, TypedDictType):
            return [None]  # NOTE: mypy matches a TypedDict's items by name on its own
        return [_supertype_arg(api, t, "typing.Mapping", 1)]
    return [typ]


def _supertype_arg(api: TypeChecker, t: Type, base: str, n: int) -> Type | None:
    t = get_proper_type(t)
    if not isinstance(t, Instance) or not t.type.has_base(base):
        return None
    return map_instance_to_supertype(t, api.lookup_typeinfo(base)).args[n]
