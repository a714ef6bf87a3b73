"""Calls of generic functions and modules as users write them: sizes, context, conflicts.

Three things mypy does on its own get in a user's way, and each is mended here for every
callable whose declaration asks for it (the plugin decides once per name):

- **Literal sizes bind type variables.** `GPT(11, 8)` against `__init__(self, vocab: Size[V],
  width: Size[D])` is `GPT[Const[11], Const[8]]`, and a plain `int` gives `Dyn`; mypy alone
  refuses an `int` where a `Size[V]` is declared (the items of `*sizes` and `**cfg` too).
  `bind_sizes` substitutes the bound variables into the signature before mypy matches the
  arguments; one variable given two different literals (`square(3, 4)` for `n: Size[N], m:
  Size[N]`) keeps the first, and mypy reports the other argument.
- **A layer's `Any` does not leak into its argument.** mypy infers an argument that is itself
  a generic call (`conv(up(x))`) in the context of the formal, and a formal `Tensor[Any, ...]`
  would solve the inner call's variables to `Any`: the inline call would lose the dims that
  the same call, named first, keeps. `unpinned` gives each `Any` in a `Tensor` formal a type
  variable of its own, which tells mypy nothing about the argument.
- **A conflict says which dimension.** Two arguments that give one type variable different
  sizes (`loss(idx, targets)` with batches 3 and 2) are a `[shape]` error naming the variable,
  both values, axes and arguments, in place of mypy's `Cannot infer value of type parameter`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from mypy.checker import TypeChecker
from mypy.expandtype import expand_type
from mypy.nodes import (
    ARG_STAR,
    ARG_STAR2,
    FUNC_NO_INFO,
    CallExpr,
    Decorator,
    Expression,
    FuncDef,
    FuncItem,
    IntExpr,
    SymbolNode,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
)
from mypy.plugin import FunctionContext, FunctionSigContext, MethodContext, MethodSigContext
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    Overloaded,
    TupleType,
    Type,
    TypeVarId,
    TypeVarLikeType,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from shapedl import dims
from shapedl.dims import Dim
from shapedl.errors import shape_error
from shapedl_mypy.codes import CANNOT_INFER, SHAPE, report, take_back
from shapedl_mypy.convert import (
    MODULE,
    SIZE,
    TENSOR,
    Converter,
    Named,
    any_type,
    checker_named,
    convertible,
    int_dim,
    tensor_parts,
)
from shapedl_mypy.hooks import size_args

__all__ = [
    "bind_sizes",
    "declares_sizes",
    "each_item",
    "explain_conflicts",
    "fresh_variable",
    "has_any_tensor",
    "inferred_in_context",
    "own_signature",
    "tensor_variables",
    "unpinned",
]

SigC = TypeVar("SigC", FunctionSigContext, MethodSigContext)
C = TypeVar("C", FunctionContext, MethodContext)
FRESH = ("_Free", "_Shape")  # the names of the type variables the hooks add


def each_item(sig: FunctionLike, change: Callable[[CallableType], CallableType]) -> FunctionLike:
    """`sig` with `change` applied to it, or to each item of an overload."""
    if isinstance(sig, Overloaded):
        return Overloaded([change(item) for item in sig.items])
    return change(sig) if isinstance(sig, CallableType) else sig


# ---- what a declaration asks for -----------------------------------------------------------
def _size_of(typ: Type) -> Instance | None:
    t = get_proper_type(typ)
    return t if isinstance(t, Instance) and t.type.fullname == SIZE and t.args else None


def declares_sizes(sig: Type) -> bool:
    """Whether a signature takes a `Size[...]` parameter (or a tuple of them)."""
    return any(
        _size_of(a) is not None
        for item in _callables(sig)
        for arg in item.arg_types
        for a in _items_of(arg)
    )


def _items_of(formal: Type) -> list[Type]:
    """A tuple formal's items (`c2: tuple[Size[A], Size[B]]`, d2l's Inception), else itself."""
    t = get_proper_type(formal)
    return list(t.items) if isinstance(t, TupleType) else [formal]


def _callables(sig: Type) -> list[CallableType]:
    t = get_proper_type(sig)
    if isinstance(t, CallableType):
        return [t]
    if isinstance(t, Overloaded):
        return list(t.items)
    return []


def _tensors(typ: Type) -> list[Instance]:
    """The `Tensor` instances a formal is (`Tensor[...]`, or one of a union's members)."""
    t = get_proper_type(typ)
    members = [get_proper_type(i) for i in t.items] if isinstance(t, UnionType) else [t]
    return [m for m in members if isinstance(m, Instance) and tensor_parts(m) is not None]


def has_any_tensor(sig: Type) -> bool:
    """Whether a formal is a `Tensor` with an `Any` type argument (`Tensor[Any, DT, TT]`)."""
    return any(
        isinstance(get_proper_type(a), AnyType)
        for item in _callables(sig)
        for formal in item.arg_types
        for tensor in _tensors(formal)
        for a in tensor.args
    )


def tensor_variables(sig: Type) -> bool:
    """Whether a formal's shape is, or holds, one of the callable's own type variables."""
    for item in _callables(sig):
        own = {tv.id for tv in item.variables}
        for formal in item.arg_types:
            for tensor in _tensors(formal):
                shape = get_proper_type(tensor.args[0]) if tensor.args else None
                items = shape.items if isinstance(shape, TupleType) else [shape] if shape else []
                dims_ = [get_proper_type(i) for i in items]
                if any(isinstance(d, TypeVarType) and d.id in own for d in dims_):
                    return True
    return False


# ---- literal sizes -------------------------------------------------------------------------
def _actual_type(ctx: FunctionSigContext | MethodSigContext, expr: Expression) -> Type | None:
    """The type of an argument, before mypy checks the call (errors of this look are dropped)."""
    if not isinstance(ctx.api, TypeChecker):
        return None
    with ctx.api.msg.filter_errors():
        return ctx.api.expr_checker.accept(expr)


def _size_value(
    ctx: FunctionSigContext | MethodSigContext, i: int, expr: Expression
) -> Type | None:
    """What a `Size[X]` parameter (formal `i`) binds `X` to for one argument: `Const[n]` for a
    literal, `Dyn` for a plain `int`; None where mypy's own matching is right (a `Size`,
    anything else)."""
    values = _size_values(ctx, i, [expr])
    return values[0] if values is not None and len(values) == 1 else None


def _size_values(
    ctx: FunctionSigContext | MethodSigContext, i: int, actuals: list[Expression]
) -> list[Type] | None:
    """`_size_value` of every int the arguments give formal `i` (one each, or the items of a
    `*sizes` or `**cfg`); None unless all of them are ints."""
    conv = Converter(checker_named(ctx.api))
    out: list[Type] = []
    for expr in actuals:
        if isinstance(expr, IntExpr):
            out.append(conv.const(expr.value))
            continue
        if isinstance(expr, UnaryExpr) and expr.op == "-" and isinstance(expr.expr, IntExpr):
            out.append(conv.const(-expr.expr.value))
            continue
        typ = _actual_type(ctx, expr)
        if typ is None or not isinstance(ctx.api, TypeChecker):
            return None
        for t in size_args.star_elements(ctx.api, ctx.context, ctx.args, i, expr, typ):
            d = None if t is None or _size_of(t) is not None else int_dim(conv, t)
            if not isinstance(d, int) and d is not dims.DYN:
                return None  # NOTE: a `Size`, a bool, anything else: mypy's own matching
            out.append(conv.dim_type(d))
    return out or None


def _bind_item(ctx: FunctionSigContext | MethodSigContext, sig: CallableType) -> CallableType:
    own = {tv.id for tv in sig.variables}
    named = checker_named(ctx.api)
    int_type, conv = named("builtins.int", []), Converter(named)
    # NOTE: (formal, item of a tuple formal or None, its size, the arguments' values)
    given: list[tuple[int, int | None, Type, list[Type]]] = []
    for i, formal in enumerate(sig.arg_types):
        size, actuals = _size_of(formal), ctx.args[i] if i < len(ctx.args) else []
        values = None if size is None else _size_values(ctx, i, actuals)
        if size is not None and not actuals:
            values = _default_size(conv, sig, i)
        if size is not None and values is not None:
            given.append((i, None, size.args[0], values))
        given += _tuple_sizes(ctx, i, formal, actuals)
    binding = _bind_bare(conv, [(i, size, values) for i, _, size, values in given], own)
    types = list(sig.arg_types)
    for i, k, size, values in given:
        bound = expand_type(size, binding)
        if isinstance(get_proper_type(bound), AnyType) or (
            not _unsolved(bound, own - binding.keys())
            and all(_fits(conv, bound, v) for v in values)
        ):
            # NOTE: `Size[Const[8]]` (bound by the receiver) given an 8; a size with variables
            # left (`Mul[H, K]`, `K` unknown) is `solve.solve_arithmetic`'s
            types[i] = int_type if k is None else _with_item(types[i], k, int_type)
    if not binding and types == list(sig.arg_types):
        return sig
    out = sig.copy_modified(
        arg_types=types, variables=[tv for tv in sig.variables if tv.id not in binding]
    )
    expanded = get_proper_type(expand_type(out, binding))
    return expanded if isinstance(expanded, CallableType) else sig


def _tuple_sizes(
    ctx: FunctionSigContext | MethodSigContext, i: int, formal: Type, actuals: list[Expression]
) -> list[tuple[int, int | None, Type, list[Type]]]:
    """The sizes a tuple formal of sizes takes from a tuple display (`c2=(96, 128)`)."""
    t = get_proper_type(formal)
    if not isinstance(t, TupleType) or len(actuals) != 1:
        return []
    display = actuals[0]
    if not isinstance(display, TupleExpr) or len(display.items) != len(t.items):
        return []
    out: list[tuple[int, int | None, Type, list[Type]]] = []
    for k, (item, expr) in enumerate(zip(t.items, display.items, strict=True)):
        size = _size_of(item)
        values = None if size is None else _size_values(ctx, i, [expr])
        if size is not None and values is not None:
            out.append((i, k, size.args[0], values))
    return out


def _with_item(formal: Type, k: int, typ: Type) -> Type:
    t = get_proper_type(formal)
    assert isinstance(t, TupleType)
    return t.copy_modified(items=[typ if j == k else item for j, item in enumerate(t.items)])


def _default_size(conv: Converter, sig: CallableType, i: int) -> list[Type] | None:
    """The literal int default of parameter `i` (`stride: Size[S] = 1`) where a call leaves it
    out: the size that call binds."""
    defn = sig.definition
    arguments = getattr(defn, "arguments", None)
    if not isinstance(defn, FuncItem) or arguments is None or sig.arg_names[i] is None:
        return None
    for arg in arguments:
        if arg.variable.name == sig.arg_names[i] and isinstance(arg.initializer, IntExpr):
            return [conv.const(arg.initializer.value)]
    return None


def _bind_bare(
    conv: Converter, given: list[tuple[int, Type, list[Type]]], own: set[TypeVarId]
) -> dict[TypeVarId, Type]:
    """The own variables that are a `Size` formal by themselves, each bound to the first known
    size its arguments give (`Dyn` only where all are plain ints). An argument that disagrees
    (`square(3, 4)` for `n: Size[N], m: Size[N]`) keeps its formal, which mypy then reports."""
    binding: dict[TypeVarId, Type] = {}
    for _, size, values in given:
        x = get_proper_type(size)
        if not isinstance(x, TypeVarType) or x.id not in own:
            continue
        for value in values:
            if x.id not in binding or conv.dim(binding[x.id]) is dims.DYN:
                binding[x.id] = value
    return binding


def _unsolved(typ: Type, variables: set[TypeVarId]) -> bool:
    """Whether a dimension type holds one of `variables`."""
    t = get_proper_type(typ)
    if isinstance(t, TypeVarType):
        return t.id in variables
    return isinstance(t, Instance) and any(_unsolved(a, variables) for a in t.args)


def _fits(conv: Converter, size: Type, value: Type) -> bool:
    """Whether an int of type `value` can be the size `size` that is already known (equal, or
    either one `Dyn`, which is never a static error): mypy's `int` alone is not a `Size`."""
    if not convertible(size):
        return False
    return dims.same(conv.dim(size), conv.dim(value)) is not False


def bind_sizes(hook: Callable[[SigC], FunctionLike] | None) -> Callable[[SigC], FunctionLike]:
    """A signature hook that first binds `Size[X]` parameters given ints (literal or plain)."""

    def run(ctx: SigC) -> FunctionLike:
        sig = ctx.default_signature if hook is None else hook(ctx)
        return each_item(sig, lambda item: _bind_item(ctx, item))

    return run


# ---- formals that tell mypy nothing about their argument ------------------------------------
def fresh_variable(name: str, n: int, upper: Instance) -> TypeVarType:
    """The `n`-th type variable a hook adds to a signature under `name` (a name, and a range
    of ids, of each hook's own, so two hooks on one signature never clash)."""
    base = {FRESH[0]: -1000, FRESH[1]: -2000}[name]
    return TypeVarType(
        f"{name}{n}", f"shapedl_mypy.{name}{n}", TypeVarId(base - n), [], upper, any_type()
    )


def inferred_in_context(actuals: list[Expression]) -> bool:
    """Whether the argument is a call, whose type variables mypy solves from the formal too.

    Anything else (a name, `a if c else b`) keeps its formal as it is, so that the members of
    a union each meet it.
    """
    return any(isinstance(e, CallExpr) for e in actuals)


def _unpin_item(sig: CallableType, named: Named, args: list[list[Expression]]) -> CallableType:
    fresh: list[TypeVarType] = []
    upper = named("builtins.object", [])

    def unpin(typ: Type) -> Type:
        t = get_proper_type(typ)
        if isinstance(t, UnionType):
            return UnionType([unpin(i) for i in t.items], t.line, t.column)
        if isinstance(t, Instance) and t.type.fullname == TENSOR:
            args: list[Type] = []
            for a in t.args:
                if isinstance(get_proper_type(a), AnyType):
                    fresh.append(fresh_variable("_Free", len(fresh), upper))
                    args.append(fresh[-1])
                else:
                    args.append(a)
            return t.copy_modified(args=args)
        return typ

    # NOTE: not `*operands`: one variable would have to be every operand's shape at once
    types = [
        unpin(a)
        if kind not in (ARG_STAR, ARG_STAR2)
        and inferred_in_context(args[i] if i < len(args) else [])
        else a
        for i, (a, kind) in enumerate(zip(sig.arg_types, sig.arg_kinds, strict=True))
    ]
    if not fresh:
        return sig
    return sig.copy_modified(arg_types=types, variables=[*sig.variables, *fresh])


def unpinned(hook: Callable[[SigC], FunctionLike] | None) -> Callable[[SigC], FunctionLike]:
    """A signature hook whose `Tensor[Any, ...]` formals get type variables of their own."""

    def run(ctx: SigC) -> FunctionLike:
        sig = ctx.default_signature if hook is None else hook(ctx)
        named = checker_named(ctx.api)
        return each_item(sig, lambda item: _unpin_item(item, named, ctx.args))

    return run


# ---- conflicts -----------------------------------------------------------------------------
def _name(item: CallableType) -> str:
    name = item.name or "call"
    return name.split(" of ")[0]


def explain_conflicts(sig: CallableType, hook: Callable[[C], Type] | None) -> Callable[[C], Type]:
    """A call hook that names the dimension two arguments disagree on, in mypy's stead.

    `sig` is the callee's own signature (`own_signature`), its type variables unsolved.
    """

    def run(ctx: C) -> Type:
        out = ctx.default_return_type if hook is None else hook(ctx)
        _explain(ctx, sig)
        return out

    return run


def _formal_actuals(
    ctx: FunctionContext | MethodContext, sig: CallableType
) -> list[tuple[str, Type, Type]]:
    """(name, formal, actual) for each formal given exactly one argument, matched by name."""
    names, formals = sig.arg_names, sig.arg_types
    out = []
    for i, actual in enumerate(ctx.arg_types):
        if i < len(formals) and len(actual) == 1:
            out.append((names[i] or f"argument {i + 1}", formals[i], actual[0]))
    return out


def _bound_dims(
    conv: Converter, name: str, formal: Type, actual: Type
) -> Iterator[tuple[Type, Dim, str, tuple[Dim, ...] | None]]:
    """(the formal's dim, the actual's, where, the actual's shape) for each dim a formal
    binds: a tensor's axes, a tuple's items' (an LSTM's `(h, c)`), and a layer's sizes
    (`layer: nn.Linear[D, C]` given `nn.Linear(16, 4)`)."""
    f, a = get_proper_type(formal), get_proper_type(actual)
    if isinstance(f, TupleType) and isinstance(a, TupleType) and len(f.items) == len(a.items):
        for k, (fi, ai) in enumerate(zip(f.items, a.items, strict=True)):
            yield from _bound_dims(conv, f"{name}[{k}]", fi, ai)
        return
    tensors = _tensors(f)
    parts = tensor_parts(a)
    if len(tensors) == 1 and parts is not None:
        shape_type = get_proper_type(tensors[0].args[0])
        shape = conv.shape(parts[0])
        if isinstance(shape_type, TupleType) and shape is not None:
            if len(shape_type.items) == len(shape):
                for axis, (dim_type, d) in enumerate(zip(shape_type.items, shape, strict=True)):
                    yield dim_type, d, f"at axis {axis} of {name}", shape
        return
    if (
        isinstance(f, Instance)
        and isinstance(a, Instance)
        and f.type is a.type
        and f.args
        and f.type.has_base(MODULE)
    ):
        for k, (fa, aa) in enumerate(zip(f.args, a.args, strict=True)):
            d = conv.dim(aa)
            if d is not dims.DYN:
                yield fa, d, f"as size {k} of {name} ({f.type.name})", None


def _explain(ctx: FunctionContext | MethodContext, sig: CallableType) -> None:
    own: dict[TypeVarId, TypeVarLikeType] = {tv.id: tv for tv in sig.variables}
    conv = Converter(checker_named(ctx.api))
    seen: dict[TypeVarId, tuple[Dim, str, tuple[Dim, ...] | None]] = {}
    errors: list[str] = []
    names: set[str] = set()
    for name, formal, actual in _formal_actuals(ctx, sig):
        for dim_type, d, where, shape in _bound_dims(conv, name, formal, actual):
            tv = get_proper_type(dim_type)
            if not isinstance(tv, TypeVarType) or tv.id not in own:
                continue
            if tv.id not in seen:
                seen[tv.id] = (d, where, shape)
                continue
            first, first_where, first_shape = seen[tv.id]
            if dims.same(first, d) is False:
                problem = f"{tv.name} is {first} {first_where} but {d} {where}"
                shapes = [s for s in (first_shape, shape) if s is not None]
                # NOTE: two layers' sizes (`chain(Linear(16, 4), Linear(5, 16))`): no shapes
                text = shape_error(_name(sig), shapes, problem) if shapes else None
                errors.append(str(text) if text else f"{_name(sig)}: {problem}")
                names.add(tv.name)
    if errors:
        # NOTE: ours says it: mypy's `Cannot infer value of type parameter "B"` is taken back
        markers = tuple(f'{CANNOT_INFER} "{name}"' for name in names)
        take_back(ctx, lambda message: message.startswith(markers))
        report(ctx.api, errors[0], ctx.context, SHAPE)


def own_signature(node: SymbolNode | None) -> CallableType | None:
    """The signature a call of `node` must agree with, without `self`, with the variables it
    solves (a class's own for its constructor); None unless a tensor formal's shape uses one."""
    if isinstance(node, Decorator):
        node = node.func
    extra: list[TypeVarLikeType] = []
    if isinstance(node, TypeInfo):
        extra = list(node.defn.type_vars)
        init = node.get("__init__")
        node = init.node if init is not None else None
    if not isinstance(node, FuncDef) or node.is_static:
        return None
    sig = get_proper_type(node.type)
    if not isinstance(sig, CallableType):
        return None
    if node.info is not FUNC_NO_INFO and sig.arg_types:
        sig = sig.copy_modified(
            arg_types=sig.arg_types[1:], arg_kinds=sig.arg_kinds[1:], arg_names=sig.arg_names[1:]
        )
    sig = sig.copy_modified(variables=[*extra, *sig.variables])
    return sig if tensor_variables(sig) else None
