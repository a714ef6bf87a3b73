"""Containers of layers (`Sequential`, `SplitInto`, `AddInto`) and user-defined modules.

Every registered layer's constructor and call come from its registration (`hooks/layers.py`).
Here: a container registered with `compose=...` calls the layers its type lists with mypy's
own call checking, so each layer's hook, or its plain signature, applies: a `"chain"` one
after another (and `Sequential(...)` checks neighbouring layers where their declarations tell:
`takes`, `gives`, `keeps`, the width of a `Linear` after an `Embedding`, the channels of a
convolution after a pool), a `"split"` each on the input (a tuple), an `"add"` each on the
input, summed by `add`'s rule. A user-defined module without its own `__call__` is called with
the signature of its `forward`.

A subclass of a layer without its own `__init__` (`class MyLinear(nn.Linear[In, Out])`) keeps
the layer's constructor, as at run time (not the one `dataclass_transform` would generate from
its fields), and the layer's constructor hook fills the type variables it maps to the layer's:
`MyLinear(784, 128)` is `MyLinear[Const[784], Const[128]]`. Its call is the nearest `forward`:
the layer's, with the layer's call hook, unless the subclass overrides it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mypy.checker import TypeChecker
from mypy.checkmember import analyze_member_access
from mypy.erasetype import erase_typevars
from mypy.expandtype import expand_type
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    ARG_POS,
    ARG_STAR,
    GDEF,
    CallExpr,
    Context,
    Expression,
    IntExpr,
    MemberExpr,
    NameExpr,
    SliceExpr,
    TempNode,
    TypeInfo,
    UnaryExpr,
)
from mypy.plugin import (
    ClassDefContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
)
from mypy.subtypes import is_same_type
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    Overloaded,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarTupleType,
    TypeVarType,
    UnpackType,
    get_proper_type,
)
from mypy.typevars import fill_typevars

from shapedl import dims
from shapedl.dims import Dim, Shape
from shapedl.errors import ShapeError, shape_error
from shapedl.nn.registry import ALL
from shapedl.ops.elementwise import broadcast_rule
from shapedl_mypy.call import Call
from shapedl_mypy.codes import SHAPE, report
from shapedl_mypy.convert import MODULE, TENSOR, Converter, any_type, checker_named, tensor_parts
from shapedl_mypy.hooks.layers import constructor_hook, decode, registered
from shapedl_mypy.rules import make_tensor

__all__ = [
    "MODULE",
    "call_owner",
    "identity_signature",
    "compose_call",
    "inherited_constructor",
    "inherited_init",
    "member_type",
    "module_call_signature",
    "sequential_item",
    "sequential_new",
    "unpacked_layers",
]


# ---- chains ------------------------------------------------------------------------------
def _layers(typ: Type) -> list[Type] | None:
    """The layer types of a `Sequential[...]` (None when they are not known one by one)."""
    t = get_proper_type(typ)
    if not isinstance(t, Instance):
        return None
    out: list[Type] = []
    for arg in t.args:
        p = get_proper_type(arg)
        if isinstance(p, UnpackType):
            inner = get_proper_type(p.type)
            if not isinstance(inner, TupleType):
                return None
            out += inner.items
        else:
            out.append(arg)
    if any(isinstance(get_proper_type(i), UnpackType) for i in out):
        return None
    return out


def _each_layer(typ: Type) -> Type | None:
    """The one layer type of a `Sequential(*layers)` of a list (`Sequential[*tuple[L, ...]]`),
    whatever the index: `model[0].weight` is that layer's, not `Any` (an error under mypy's
    `warn_return_any` where it is returned). Not for a list of bare `Module`s: PyTorch code
    reads their layers' attributes, which `Module` does not declare."""
    t = get_proper_type(typ)
    args = [get_proper_type(a) for a in t.args] if isinstance(t, Instance) else []
    if len(args) != 1 or not isinstance(args[0], UnpackType):
        return None
    inner = get_proper_type(args[0].type)
    if not isinstance(inner, Instance) or inner.type.fullname != "builtins.tuple":
        return None
    each = get_proper_type(inner.args[0]) if inner.args else None
    return each if isinstance(each, Instance) and each.type.fullname != MODULE else None


def sequential_item(ctx: MethodContext) -> Type:
    """`model[0]` of a `Sequential[Linear[...], ReLU, ...]` is that layer, as typed: so
    `model[0].weight` and `model[-1].out_features` (PyTorch's habits) are checked, not `Any`."""
    layers = _layers(ctx.type)
    index = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    if isinstance(index, SliceExpr):
        return _sliced(ctx, layers, index)
    each = _each_layer(ctx.type)
    if each is not None:
        return each
    arg = get_proper_type(ctx.arg_types[0][0]) if ctx.arg_types and ctx.arg_types[0] else None
    if isinstance(arg, Instance) and arg.last_known_value is not None:
        arg = arg.last_known_value
    if layers is None or not isinstance(arg, LiteralType) or not isinstance(arg.value, int):
        return ctx.default_return_type
    i = arg.value
    return layers[i] if -len(layers) <= i < len(layers) else ctx.default_return_type


def _sliced(ctx: MethodContext, layers: list[Type] | None, index: SliceExpr) -> Type:
    """`model[:-1]` is a `Sequential` of those layers (of the one layer type for a model of a
    list's layers), so calling it folds through them as the whole model's call does."""
    t = get_proper_type(ctx.type)
    if _each_layer(t) is not None:
        return t
    bounds = [
        None if e is None else _int_value(e)
        for e in (index.begin_index, index.end_index, index.stride)
    ]
    if layers is None or not isinstance(t, Instance) or any(b is False for b in bounds):
        return ctx.default_return_type
    kept = layers[slice(*bounds)]
    # NOTE: as mypy keeps known variadic arguments, one by one; none left is the declared type
    return t.copy_modified(args=kept) if kept else ctx.default_return_type


def _int_value(expr: Expression) -> int | None | bool:
    """A literal int of a slice (`-1` too), else False."""
    if isinstance(expr, IntExpr):
        return expr.value
    if isinstance(expr, UnaryExpr) and expr.op == "-" and isinstance(expr.expr, IntExpr):
        return -expr.expr.value
    return False


def _chain_error(
    ctx: FunctionContext,
    i: int,
    what: str,
    need: str,
    j: int,
    have: str,
    shapes: Sequence[Sequence[object]],
) -> None:
    """The broken link, reported at the layer that does not fit (its argument's line)."""
    problem = f"layer {i} ({what}) takes {need} but layer {j} gives {have}"
    where = ctx.args[i][0] if ctx.args[i] else ctx.context
    report(ctx.api, str(shape_error("Sequential", shapes, problem)), where, SHAPE)


def _broken(ctx: FunctionContext, i: int) -> Type:
    """The model with layer `i` unknown: its calls report nothing more (one bug, one error)."""
    t = get_proper_type(ctx.default_return_type)
    layers = _layers(t)
    if not isinstance(t, Instance) or layers is None:
        return ctx.default_return_type
    known = [AnyType(TypeOfAny.from_error) if k == i else layer for k, layer in enumerate(layers)]
    if len(t.args) == len(known):  # NOTE: mypy keeps known variadic arguments one by one
        return t.copy_modified(args=known)
    fallback = ctx.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
    return t.copy_modified(args=[UnpackType(TupleType(known, fallback))])


def _need(axis: int, d: Dim) -> str:
    return f"width {d} at axis -1" if axis == -1 else f"{d} channels at axis {axis}"


def _seen(axis: int, d: Dim) -> tuple[object, ...]:
    return ("...", d) if axis == -1 else ("N", d, "...")


def sequential_new(ctx: FunctionContext) -> Type:
    """Check neighbouring layers where their declarations tell.

    A layer that `takes` a recorded size on some axes must find it on the first of those axes
    that the layers before it `give` (through the layers that `keep` that axis): a `Linear`
    the width an `Embedding` gives, a convolution the channels of the one before the pool.
    """
    conv = Converter(checker_named(ctx.api))
    known: dict[int, tuple[int, Dim]] = {}
    broken: int | None = None
    for i, actual in enumerate(ctx.arg_types):
        t = get_proper_type(actual[0]) if len(actual) == 1 else None
        found = registered(t.type) if isinstance(t, Instance) else None
        if not isinstance(t, Instance) or found is None:
            known = {}
            continue
        owner, spec = found
        args = map_instance_to_supertype(t, owner).args
        values = {p: decode(conv, a) for p, a in zip(spec.params, args, strict=False)}
        if spec.takes is not None:
            name, axes = spec.takes
            axis = next((a for a in axes if a in known), None)
            need = values.get(name)
            if axis is not None and dims.is_dim(need):
                j, have = known[axis]
                if dims.same(have, need) is False:
                    weight = spec.weight(**values) if spec.weight else (need,)
                    shapes = [_seen(axes[0], have), weight]
                    what = t.type.name
                    need_text = _need(axes[0], need)
                    _chain_error(ctx, i, what, need_text, j, _have(axis, have), shapes)
                    broken = i if broken is None else broken
        known = (
            dict(known) if spec.keeps == ALL else {a: known[a] for a in spec.keeps if a in known}
        )
        if spec.gives is not None:
            name, axis = spec.gives
            if dims.is_dim(values.get(name)):
                known[axis] = (i, values[name])  # type: ignore[assignment]
    return ctx.default_return_type if broken is None else _broken(ctx, broken)


def unpacked_layers(ctx: FunctionSigContext) -> FunctionLike:
    """`Sequential(*block(8, 16), *block(16, 32), head)`: layers from two lists or more.

    mypy refuses a second unpack into `*layers: *Ls` ("Passing multiple variadic unpacks in a
    call is not supported") and types the whole call `Any`. Here such a call takes
    `*layers: Any` and gives a `Sequential[*tuple[Any, ...]]`: a chain whose layers the types
    do not show, as one unpack of a list gives, and the run checks.

    An empty `Sequential()` gives the same: it is the placeholder a shortcut starts as (`self.
    shortcut = Sequential()`, then `if stride != 1: self.shortcut = Sequential(conv, bn)`), so
    its type must take the chain assigned over it, in either order (typed `Sequential[()]`, it
    was the type context of the other call: "Too many arguments for Sequential").
    """
    sig, call = ctx.default_signature, ctx.context
    var = sig.var_arg()
    ts = None if var is None else get_proper_type(var.typ)
    ts = get_proper_type(ts.type) if isinstance(ts, UnpackType) else None
    if not isinstance(ts, TypeVarTupleType) or not isinstance(call, CallExpr):
        return sig
    spread = [
        a
        for a, kind in zip(call.args, call.arg_kinds, strict=True)
        if kind == ARG_STAR and not _fixed_tuple(ctx.api.get_expression_type(a))
    ]
    if len(spread) < 2 and call.args:
        return sig
    anything = AnyType(TypeOfAny.special_form)
    unknown = ts.tuple_fallback.copy_modified(args=[anything])
    kinds = zip(sig.arg_types, sig.arg_kinds, strict=True)
    types = [anything if k == ARG_STAR else t for t, k in kinds]
    return sig.copy_modified(
        arg_types=types,
        ret_type=expand_type(sig.ret_type, {ts.id: unknown}),
        variables=[v for v in sig.variables if v.id != ts.id],
    )


def _fixed_tuple(typ: Type) -> bool:
    """Whether `typ` is a tuple of known length, whose unpack mypy matches item by item."""
    t = get_proper_type(typ)
    return isinstance(t, TupleType) and not any(isinstance(i, UnpackType) for i in t.items)


def _have(axis: int, d: Dim) -> str:
    return f"width {d}" if axis == -1 else str(d)


def _results(ctx: MethodContext, chained: bool) -> list[Type] | None:
    """Each layer's result on the input (`chained`: on the result of the layer before), as
    if called one by one; None where the layers or the input are not known."""
    layers = _layers(ctx.type)
    if layers is None or not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return None
    x = ctx.arg_types[0][0]
    if tensor_parts(x) is None and not isinstance(get_proper_type(x), AnyType):
        return None  # NOTE: mypy has said what is wrong with the input; the layers say nothing
    api = ctx.api
    if not isinstance(api, TypeChecker):
        return None
    out = x
    results: list[Type] = []
    # NOTE: no type context: each layer's result is inferred from its input alone, not from
    # what the caller expects of the whole call's result
    api.expr_checker.type_context.append(None)
    try:
        for layer in layers:
            arg = TempNode(out if chained else x, context=ctx.context)
            out, _ = api.expr_checker.check_call(layer, [arg], [ARG_POS], ctx.context)
            results.append(_known(ctx, out))
    finally:
        api.expr_checker.type_context.pop()
    return results


def _repeated_layer(ctx: MethodContext) -> Type:
    """`nn.Sequential(*[nn.Linear(16, 16) for _ in range(3)])(x)`: layers of one type, how
    many known at run time only. Where that layer keeps its input's type (16 to 16), so does
    any number of them; otherwise the result is mypy's (unknown)."""
    each = _each_layer(ctx.type)
    api = ctx.api
    if each is None or not isinstance(api, TypeChecker) or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    x = ctx.arg_types[0][0]
    if tensor_parts(x) is None:
        return ctx.default_return_type
    api.expr_checker.type_context.append(None)
    try:
        with api.msg.filter_errors():
            out, _ = api.expr_checker.check_call(
                each, [TempNode(x, context=ctx.context)], [ARG_POS], ctx.context
            )
    finally:
        api.expr_checker.type_context.pop()
    return x if is_same_type(out, x) else ctx.default_return_type


def _known(ctx: MethodContext, out: Type) -> Type:
    """Past a broken layer (already reported) a tensor of unknown shape, not `Any`, which
    `--strict` would report again where it is returned."""
    parts = tensor_parts(ctx.arg_types[0][0])
    if isinstance(get_proper_type(out), AnyType) and parts is not None:
        return checker_named(ctx.api)(TENSOR, [any_type(), parts[1], parts[2]])
    return out


def _sum(ctx: MethodContext, results: list[Type]) -> Type:
    """The branches' results added up: their shapes broadcast by `add`'s rule."""
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    shapes = [call.conv.shape(p[0]) if (p := tensor_parts(r)) else None for r in results]
    if any(shape is None for shape in shapes):
        return ctx.default_return_type
    shape: Shape = shapes[0]  # type: ignore[assignment]
    try:
        for other in shapes[1:]:
            shape = broadcast_rule("add", shape, other)  # type: ignore[arg-type]
    except ShapeError as err:
        report(ctx.api, str(err), ctx.context, SHAPE)
        return ctx.default_return_type
    return make_tensor(call, call.conv.shape_type(shape), None, results)


def compose_call(kind: str) -> Callable[[MethodContext], Type]:
    """A container's call: `"chain"` the last layer's result, `"split"` the tuple of the
    results, `"add"` their broadcast sum, `"skip"` that sum with the input's."""

    def hook(ctx: MethodContext) -> Type:
        results = _results(ctx, chained=kind == "chain")
        if not results and kind == "chain":
            return _repeated_layer(ctx)
        if not results:
            return ctx.default_return_type
        if kind == "chain":
            return results[-1]
        if kind == "split":
            fallback = checker_named(ctx.api)("builtins.tuple", [any_type()])
            return TupleType(results, fallback)
        return _sum(ctx, [ctx.arg_types[0][0], *results] if kind == "skip" else results)

    return hook


# ---- user-defined modules ------------------------------------------------------------------
def call_owner(info: TypeInfo) -> TypeInfo | None:
    """The class whose `forward` (or own `__call__`) runs for `module(x)`.

    At run time `Module.__init_subclass__` makes `__call__` the `forward` of each class that
    defines `forward` but no `__call__`, so the nearest class with either one decides: a
    `MyLinear(nn.Linear)` that overrides `forward` is called as its own `forward`, not as
    `Linear`'s (whose `__call__ = forward` it inherits in the checker's eyes).
    """
    return next((c for c in info.mro if "forward" in c.names or "__call__" in c.names), None)


def module_call_signature(ctx: MethodSigContext) -> FunctionLike:
    """`model(x)` on a subclass without its own `__call__` has the signature of `forward`."""
    t = get_proper_type(ctx.type)
    default = ctx.default_signature
    if not isinstance(t, Instance) or not t.type.has_base(MODULE):
        return default
    owner = call_owner(t.type)
    if owner is None or owner.fullname == MODULE or "forward" not in owner.names:
        return default
    if not isinstance(ctx.api, TypeChecker):
        return default
    # NOTE: `int` for a size is `Dyn`, as written in a shape: the join of a list of modules of
    # different sizes (`[Block(8, 16), Block(16, 8)]`) is `Block[int, int]`
    t = t.copy_modified(args=[any_type() if _plain_int(a) else a for a in t.args])
    member = get_proper_type(member_type(ctx.api, t, "forward", ctx.context))
    if isinstance(member, Overloaded) and isinstance(default, CallableType):
        # NOTE: `__call__ = forward` with an overloaded `forward`: mypy asks the hook item by
        # item and takes a single signature back (an overload crashed it); the item is
        # `forward`'s own
        return default if _an_item(default, member) else member
    return member if isinstance(member, FunctionLike) else default


def identity_signature(ctx: MethodSigContext) -> FunctionLike:
    """`nn.Identity()(x)` gives `x`'s type, whatever type the call's context wants.

    Its `forward(x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]` is generic, so mypy solves `S`
    from the context first: as the other member of a part the configuration chooses (`self.
    proj = nn.Linear(c, d) if c != d else nn.Identity()`), `return self.proj(x)` or `self.
    fc(x) + self.proj(x)` made it want `(B, D)`, and said `x`'s `(B, C)` does not fit (or
    typed it `(B, D)`: a shape the run never has, which hid real errors). Here the call takes
    and gives the argument's own type. An argument other than a name or attribute keeps
    the generic signature: reading it again would check it twice.
    """
    sig, call = ctx.default_signature, ctx.context
    if not isinstance(sig, CallableType) or not isinstance(call, CallExpr):
        return sig
    if call.arg_kinds != [ARG_POS] or not isinstance(call.args[0], NameExpr | MemberExpr):
        return sig
    actual = ctx.api.get_expression_type(call.args[0])
    if tensor_parts(actual) is None or len(sig.arg_types) != 1:
        return sig
    return sig.copy_modified(arg_types=[actual], ret_type=actual, variables=[])


def _an_item(item: CallableType, overloaded: Overloaded) -> bool:
    """Whether `item` is one of `overloaded`'s items (the same overload of `forward`).

    NOTE: by its parameters and result, its own type variables erased (they are renumbered
    where they come from mypy's cache, which does not keep `definition` either)."""
    mine = erase_typevars(item)
    return any(is_same_type(erase_typevars(o), mine) for o in overloaded.items)


def _plain_int(typ: Type) -> bool:
    t = get_proper_type(typ)
    return isinstance(t, Instance) and t.type.fullname == "builtins.int" and not t.last_known_value


def member_type(chk: TypeChecker, receiver: Type, name: str, context: Context) -> Type:
    """The type of `receiver.name`, as mypy reads an attribute (a method bound to it)."""
    return analyze_member_access(
        name,
        receiver,
        context,
        is_lvalue=False,
        is_super=False,
        is_operator=False,
        original_type=receiver,
        chk=chk,
    )


def inherited_init(ctx: ClassDefContext) -> None:
    """A module class keeps the hand-written `__init__` it inherits, as at run time.

    `Module` is a `dataclass_transform` base, so checkers give every subclass without its own
    `__init__` one generated from its fields. `Module.__init_subclass__` generates one only
    where the inherited `__init__` is itself generated (or `Module`'s), so `class
    MyLinear(nn.Linear)` keeps `Linear(in_features, out_features, ...)`. Here such a class
    gets the class keyword `init=False` (as if the user had written it), which tells mypy's
    dataclass transform not to generate one either.
    """
    defn = ctx.cls
    info = defn.info
    if "init" in defn.keywords or "__init__" in info.names or not info.has_base(MODULE):
        return
    for base in info.mro[1:]:
        found = base.names.get("__init__")
        if found is None:
            continue
        if found.plugin_generated or base.fullname == MODULE:
            return  # NOTE: a generated constructor is inherited: the runtime generates one too
        break
    else:
        return
    false = ctx.api.lookup_fully_qualified_or_none("builtins.False")
    if false is None:
        return
    expr = NameExpr("False")
    expr.kind, expr.node, expr.fullname = GDEF, false.node, "builtins.False"
    expr.set_line(defn)
    defn.keywords["init"] = expr


def inherited_constructor(info: TypeInfo) -> Callable[[FunctionContext], Type] | None:
    """The constructor hook of the layer whose `__init__` a module class inherits, or None.

    `class MyLinear(nn.Linear[In, Out])` built as `MyLinear(784, 128)` is
    `MyLinear[Const[784], Const[128]]`: `Linear`'s hook computes `Linear[...]`, and each type
    variable of the subclass that stands for one of `Linear`'s takes its argument.
    """
    if "__init__" in info.names or not info.has_base(MODULE):
        return None
    base = next((b for b in info.mro[1:] if "__init__" in b.names), None)
    found = None if base is None else registered(base)
    if base is None or found is None or found[0] is not base or found[1].compose:
        return None
    hook = constructor_hook(found[1])
    own = fill_typevars(info)
    if not isinstance(own, Instance) or not own.args:
        return None
    up = map_instance_to_supertype(own, base)

    def run(ctx: FunctionContext) -> Type:
        default = get_proper_type(ctx.default_return_type)
        if not isinstance(default, Instance) or default.type is not info:
            return ctx.default_return_type
        as_base = map_instance_to_supertype(default, base)
        found = get_proper_type(hook(ctx._replace(default_return_type=as_base)))
        if not isinstance(found, Instance) or found.type is not base:
            return ctx.default_return_type
        args = list(default.args)
        for i, var in enumerate(own.args):
            for mine, theirs in zip(up.args, found.args, strict=False):
                if isinstance(var, TypeVarType) and mine == var:
                    args[i] = theirs
                    break
        return default.copy_modified(args=args)

    return run
