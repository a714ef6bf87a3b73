"""Every layer's constructor and call, built from its registration (`shapedl.nn.registry`).

A registered layer's constructor records the declared arguments as its type arguments, after
the declared parse (`Conv2d(1, 8, 3)` is `Conv2d[Const[1], Const[8], tuple[Const[3],
Const[3]], ...]`; a plain `int` is `Dyn`), and runs the declared construction check. Its call
decodes those arguments, takes the shapes of the declared inputs, and runs the declared shape
function: the output shape, or the runtime's `ShapeError` as a `[shape]` error. Nothing here
names a layer: a user's layer registered with `@register_layer` is checked the same way (the
decorator marks its class for the plugin, which imports the class's module for the
declaration, from the folder mypy found it in, when it analyses the class).

A layer made through `functools.partial(nn.Conv2d, padding=1)` is checked where the partial is
called, with the partial's arguments and the call's together (`partial.py`).

A module that cannot be imported for it (it raises, or it runs code at its top level, as a
script does, which the plugin does not start) gets a note at the class, code `layer-import`:
its layer's calls are not checked.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

from mypy.checker import TypeChecker
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import (
    Expression,
    ExpressionStmt,
    ForStmt,
    MypyFile,
    StrExpr,
    TypeInfo,
    WhileStmt,
    WithStmt,
)
from mypy.plugin import ClassDefContext, FunctionContext, MethodContext, MethodSigContext
from mypy.semanal import SemanticAnalyzer
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
from shapedl.nn.registry import LAYERS, LayerSpec, import_spec
from shapedl_mypy.call import Call, from_function
from shapedl_mypy.codes import LAYER_IMPORT, SHAPE, report, said
from shapedl_mypy.convert import (
    TENSOR,
    UNKNOWN,
    Converter,
    any_type,
    static_value,
    tensor_parts,
)
from shapedl_mypy.hooks.generic import each_item, fresh_variable, inferred_in_context
from shapedl_mypy.hooks.partial import through_of
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


# what importing each registered class's module gave: its declaration, or why there is none
_FOUND: dict[str, LayerSpec | str] = {}


def mark(ctx: ClassDefContext) -> None:
    """`@register_layer(...)` on a class: the plugin will read its declaration, importing its
    module from the folder mypy found it in (kept with the class, for a warm cache); where it
    cannot, a note says so at the class."""
    info = ctx.cls.info
    api = ctx.api
    if not isinstance(api, SemanticAnalyzer):
        return
    module = api.cur_mod_node
    info.metadata[MARK] = {
        "registered": True,
        "root": _root(module),
        "runs": _runs(module),
        # NOTE: part of the module's interface in mypy's cache, so an edit of the layer's
        # shape function (a body, which mypy's interface hash leaves out) rechecks its callers
        "source": _source_hash(module.path),
    }
    found = _declaration(info)
    if isinstance(found, str):
        problem = f"{info.name}: its calls are not shape-checked: {found}"
        api.note(problem, ctx.cls, code=LAYER_IMPORT)


def _root(module: MypyFile) -> str | None:
    """The folder mypy found the module's top package in (the user's project folder, which
    the plugin's own `sys.path` may lack); None for a stub."""
    if not module.path.endswith(".py"):
        return None
    ups = module.fullname.count(".") + (1 if module.is_package_init_file() else 0)
    folder = os.path.dirname(os.path.abspath(module.path))
    for _ in range(ups):
        folder = os.path.dirname(folder)
    return folder


def _source_hash(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()[:16]
    except OSError:
        return None


def _runs(module: MypyFile) -> int | None:
    """The line of the first statement that runs code at the module's top level (a call, a
    loop: a script's work), which importing the module would start; None if there is none."""
    for stmt in module.defs:
        if isinstance(stmt, ExpressionStmt) and not isinstance(stmt.expr, StrExpr):
            return stmt.line
        if isinstance(stmt, ForStmt | WhileStmt | WithStmt):
            return stmt.line
    return None


def _declaration(info: TypeInfo) -> LayerSpec | str:
    """The registered class's declaration, or why there is none (each module tried once)."""
    found = _FOUND.get(info.fullname)
    if found is None:
        marked = info.metadata.get(MARK, {})
        runs = marked.get("runs")
        if runs is not None and info.fullname not in LAYERS:
            found = (
                f"{info.module_name} runs code at its top level (line {runs}), so the plugin"
                ' does not import it; keep that under `if __name__ == "__main__":`'
            )
        else:
            qualname = info.fullname[len(info.module_name) + 1 :]
            found = import_spec(info.module_name, qualname, marked.get("root"))
        _FOUND[info.fullname] = found
    return found


def registered(info: TypeInfo) -> tuple[TypeInfo, LayerSpec] | None:
    """The nearest class in `info`'s MRO that is a registered layer, with its declaration."""
    for base in info.mro:
        if base.fullname in LAYERS or MARK in base.metadata:
            spec = _declaration(base)
            return None if isinstance(spec, str) else (base, spec)
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
        every = _given(call)
        given = {k: v for k, v in every.items() if len(call.args[k]) == 1}
        through = through_of(ctx)
        if through is not None:
            if through.making:
                # NOTE: checked where the partial is called, with the call's arguments
                through.bound = {k: encode(call, v) for k, v in every.items()}
            if through.making or through.bound is None:
                return _unknown(ctx.default_return_type)
            given = {**_decoded(call.conv, through.bound), **given}
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


def _given(call: Call) -> dict[str, object]:
    """Each argument's value by name: `DYN` where it is not one known value (one parameter
    given several, as `*sizes` may be, too)."""
    out: dict[str, object] = {}
    for name, actuals in call.args.items():
        if not actuals:
            continue
        typ, expr = actuals[0]
        value = static_value(call.conv, expr, typ, call.lookup) if len(actuals) == 1 else UNKNOWN
        out[name] = dims.DYN if value is UNKNOWN else value
    return out


def _refused(error: Any) -> bool:
    """mypy's error that an argument does not fit the constructor's signature."""
    return getattr(error.code, "code", None) in ("arg-type", "call-overload")


def _decoded(conv: Converter, kept: dict[str, Type]) -> dict[str, object]:
    """Kept values back to the constructor's arguments (`DYN` for one not known)."""
    values = {k: decode(conv, t) for k, t in kept.items()}
    return {k: dims.DYN if v is UNKNOWN else v for k, v in values.items()}


def _unknown(default: Type) -> Type:
    """The layer with `Any` for every type argument: what a partial says it makes
    (`partial[Conv2d[Any, ...]]`, whatever its bound values, so that partials of one layer
    still join: `[same_conv, strided_conv]`), and a call of a partial that kept nothing."""
    t = get_proper_type(default)
    return t.copy_modified(args=[any_type() for _ in t.args]) if isinstance(t, Instance) else t


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
        if _refused_for_context(ctx):
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


def _refused_for_context(ctx: MethodContext) -> bool:
    """Whether mypy refused an input of a call whose result must fit a type (an annotated
    assignment): it solved the layer's type variables from that type, so its error is the
    one to give (one bug, one error); the type it solved stands."""
    api = ctx.api
    if not isinstance(api, TypeChecker) or not api.expr_checker.type_context:
        return False
    return api.expr_checker.type_context[-1] is not None and said(ctx, _refused, whole=True)


def call_signature(
    spec: LayerSpec, base: Callable[[MethodSigContext], FunctionLike] | None = None
) -> Callable[[MethodSigContext], FunctionLike]:
    """Inputs whose recorded sizes may differ: the call hook checks them in the runtime's
    words, where plain typing would refuse the call first (an input of another width).
    `base` gives the signature to start from (mypy's own without it)."""

    def hook(ctx: MethodSigContext) -> FunctionLike:
        sig = ctx.default_signature if base is None else base(ctx)
        return each_item(sig, lambda item: _widened(item, spec.inputs, ctx.args))

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
