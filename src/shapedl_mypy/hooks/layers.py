"""Every layer's constructor and call, built from its registration (`shapedl.nn.registry`).

A registered layer's constructor records the declared arguments as its type arguments, after
the declared parse (`Conv2d(1, 8, 3)` is `Conv2d[Const[1], Const[8], tuple[Const[3],
Const[3]], ...]`; a plain `int` is `Dyn`), and runs the declared construction check. Its call
decodes those arguments, takes the shapes of the declared inputs, and runs the declared shape
function: the output shape, or the runtime's `ShapeError` as a `[shape]` error. Nothing here
names a layer: a user's layer registered with `@register_layer` is checked the same way (the
decorator marks its class for the plugin, which imports the class's module for the
declaration when a constructor or call is checked).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import Expression, TypeInfo
from mypy.plugin import ClassDefContext, FunctionContext, MethodContext, MethodSigContext
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    NoneType,
    TupleType,
    Type,
    TypeVarId,
    TypeVarTupleType,
    TypeVarType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from shapedl import dims
from shapedl.dims import Shape
from shapedl.errors import NotStatic, ShapeError
from shapedl.nn.registry import LAYERS, LayerSpec, spec_of
from shapedl_mypy.call import Call, from_function
from shapedl_mypy.codes import SHAPE, report, said
from shapedl_mypy.convert import TENSOR, UNKNOWN, Converter, any_type, static_value, tensor_parts
from shapedl_mypy.hooks.generic import each_item, fresh_variable, inferred_in_context
from shapedl_mypy.rules import make_tensor

__all__ = [
    "MARK",
    "call_hook",
    "call_signature",
    "constructor_hook",
    "decode",
    "encode",
    "mark",
    "registered",
]

MARK = "shapedl_layer"
REGISTER = "shapedl.nn.registry.register_layer"


def mark(ctx: ClassDefContext) -> None:
    """`@register_layer(...)` on a class: the plugin will read its declaration."""
    ctx.cls.info.metadata[MARK] = {"registered": True}


def registered(info: TypeInfo) -> tuple[TypeInfo, LayerSpec] | None:
    """The nearest class in `info`'s MRO that is a registered layer, with its declaration."""
    for base in info.mro:
        if base.fullname in LAYERS or MARK in base.metadata:
            spec = spec_of(base.fullname)
            return None if spec is None else (base, spec)
    return None


# ---- values <-> type arguments -------------------------------------------------------------
def encode(call: Call, value: object) -> Type:
    """A recorded value as a type argument: a dim, a tuple of dims, a literal, None or `Any`."""
    if isinstance(value, bool | str):
        fallback = call.named("builtins.bool" if isinstance(value, bool) else "builtins.str", [])
        return LiteralType(value, fallback)
    if value is None:
        return NoneType()
    if dims.is_dim(value):
        return call.conv.dim_type(value)
    if isinstance(value, tuple | list) and all(dims.is_dim(v) for v in value):
        return call.conv.shape_type(tuple(value))
    return any_type()


def decode(conv: Converter, typ: Type) -> object:
    """A type argument back to the recorded value (`Any` is `DYN`)."""
    t = get_proper_type(typ)
    if isinstance(t, TupleType):
        return tuple(conv.dim(i) for i in t.items)
    if isinstance(t, LiteralType):
        return t.value
    if isinstance(t, NoneType):
        return None
    if isinstance(t, (Instance, AnyType, TypeVarType)):
        return conv.dim(t)
    return UNKNOWN


# ---- construction --------------------------------------------------------------------------
def constructor_hook(spec: LayerSpec) -> Callable[[FunctionContext], Type]:
    """`Layer(...)`: the declared arguments as type arguments; the declared check."""

    def hook(ctx: FunctionContext) -> Type:
        call = from_function(ctx)
        given: dict[str, object] = {}
        for name, actuals in call.args.items():
            if len(actuals) == 1:
                typ, expr = actuals[0]
                value = static_value(call.conv, expr, typ, call.lookup)
                given[name] = dims.DYN if value is UNKNOWN else value
        try:
            values = spec.recorded(given)
            if spec.check is not None:
                spec.check(**spec.arguments(given))
        except (ShapeError, ValueError) as err:
            # NOTE: one bug, one error: an argument mypy refused already needs no second one
            if not said(ctx, _refused, whole=True):
                report(call.api, str(err), call.context, SHAPE)
            return ctx.default_return_type
        default = get_proper_type(ctx.default_return_type)
        if not isinstance(default, Instance) or len(default.args) != len(spec.params):
            return ctx.default_return_type
        return default.copy_modified(args=[encode(call, values[p]) for p in spec.params])

    return hook


def _refused(error: Any) -> bool:
    """mypy's error that an argument does not fit the constructor's signature."""
    return getattr(error.code, "code", None) in ("arg-type", "call-overload")


# ---- calls ---------------------------------------------------------------------------------
def _layer_args(ctx: MethodContext, owner: TypeInfo) -> list[Type] | None:
    """The type arguments of the registered class `owner` for the receiver."""
    t = get_proper_type(ctx.type)
    if not isinstance(t, Instance):
        return None
    return list(map_instance_to_supertype(t, owner).args)


def _input_shapes(call: Call, ctx: MethodContext, names: tuple[str, ...]) -> dict[str, Any]:
    """The shape of each declared input (None when absent or of unknown rank), by name."""
    out: dict[str, Any] = dict.fromkeys(names)
    for i, name in enumerate(ctx.callee_arg_names):
        actual = ctx.arg_types[i] if i < len(ctx.arg_types) else []
        if name in out and len(actual) == 1:
            parts = tensor_parts(actual[0])
            out[name] = None if parts is None else call.conv.shape(parts[0])
    return out


def call_hook(owner: TypeInfo, spec: LayerSpec) -> Callable[[MethodContext], Type]:
    """`layer(x)`: the declared shape function on the inputs' shapes and the recorded values."""
    shape_of = spec.shape
    assert shape_of is not None

    def hook(ctx: MethodContext) -> Type:
        args = _layer_args(ctx, owner)
        if args is None or len(args) != len(spec.params):
            return ctx.default_return_type
        call = Call(ctx.api, ctx.context, ctx.default_return_type)
        values = {p: decode(call.conv, a) for p, a in zip(spec.params, args, strict=True)}
        inputs = _input_shapes(call, ctx, spec.inputs)
        if UNKNOWN in values.values() or inputs[spec.inputs[0]] is None:
            return ctx.default_return_type
        try:
            shape: Shape = shape_of(**inputs, **values)
        except ShapeError as err:
            report(call.api, str(err), call.context, SHAPE)
            return ctx.default_return_type
        except (NotStatic, TypeError, ValueError):
            return ctx.default_return_type
        first = next(i for i, n in enumerate(ctx.callee_arg_names) if n == spec.inputs[0])
        return make_tensor(call, call.conv.shape_type(shape), None, ctx.arg_types[first])

    return hook


def call_signature(spec: LayerSpec) -> Callable[[MethodSigContext], FunctionLike]:
    """Inputs whose recorded sizes may differ: the call hook checks them in the runtime's
    words, where plain typing would refuse the call first (an input of another width)."""

    def hook(ctx: MethodSigContext) -> FunctionLike:
        return each_item(ctx.default_signature, lambda item: _widened(item, spec.inputs, ctx.args))

    return hook


def _widened(
    sig: CallableType, inputs: tuple[str, ...], args: list[list[Expression]]
) -> CallableType:
    """Each input's dims that the result is not solved from (the layer's sizes, bound by the
    receiver, or a rank the shape function checks) become `Any`; an input of any shape gets a
    type variable of its own where mypy infers the argument from it (`conv(up(x))`)."""
    # NOTE: only the variables the result is solved from stay; the rest is the shape's to check
    own = {tv.id for tv in sig.variables} & _variables(sig.ret_type)
    fresh: list[TypeVarType] = []

    def widen(typ: Type, inferred: bool) -> Type:
        t = get_proper_type(typ)
        if isinstance(t, UnionType):
            return UnionType([widen(i, inferred) for i in t.items], t.line, t.column)
        if not (isinstance(t, Instance) and t.type.fullname == TENSOR and t.args):
            return typ
        shape = get_proper_type(t.args[0])
        if isinstance(shape, TupleType) and any(_own(i, own) for i in shape.items):
            items = [i if _own(i, own) else any_type() for i in shape.items]
            return t.copy_modified(args=[shape.copy_modified(items=items), *t.args[1:]])
        if not isinstance(shape, AnyType | TupleType):
            return typ
        if not inferred:
            return t.copy_modified(args=[any_type(), *t.args[1:]])
        upper = Instance(t.type.mro[-1], [])  # NOTE: the last of every MRO is `object`
        fresh.append(fresh_variable("_Shape", len(fresh), upper))
        return t.copy_modified(args=[fresh[-1], *t.args[1:]])

    types = [
        widen(t, inferred_in_context(args[i] if i < len(args) else [])) if name in inputs else t
        for i, (t, name) in enumerate(zip(sig.arg_types, sig.arg_names, strict=True))
    ]
    return sig.copy_modified(arg_types=types, variables=[*sig.variables, *fresh])


def _own(dim: Type, own: set[TypeVarId]) -> bool:
    """Whether a dim is (or unpacks) one of the variables in `own`."""
    t = get_proper_type(dim)
    if isinstance(t, UnpackType):
        t = get_proper_type(t.type)
    return isinstance(t, TypeVarType | TypeVarTupleType) and t.id in own


def _variables(typ: Type) -> set[TypeVarId]:
    """The ids of the type variables in a result type."""
    t = get_proper_type(typ)
    if isinstance(t, TypeVarType | TypeVarTupleType):
        return {t.id}
    if isinstance(t, UnpackType):
        return _variables(t.type)
    items = t.args if isinstance(t, Instance) else t.items if isinstance(t, TupleType) else ()
    return set().union(*(_variables(i) for i in items))
