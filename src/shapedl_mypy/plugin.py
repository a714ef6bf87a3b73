"""The plugin: hook tables built from `shapedl.ops.REGISTRY`, plus the irregular hooks.

Every hook is wrapped by `_safe`: an exception inside one falls back to mypy's own type, so a
bug here (or in a shape rule) makes a type less precise, never a crash.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from mypy.checker import TypeChecker
from mypy.nodes import (
    CallExpr,
    Context,
    Decorator,
    Expression,
    FuncDef,
    IndexExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    OpExpr,
    SymbolNode,
    TypeInfo,
)
from mypy.options import Options
from mypy.plugin import (
    AnalyzeTypeContext,
    AttributeContext,
    ClassDefContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    Type,
    TypeOfAny,
    TypeVarTupleType,
    UninhabitedType,
    UnionType,
    get_proper_type,
)

from shapedl_mypy import rankless
from shapedl_mypy.cache import source_hash, source_roots
from shapedl_mypy.call import REFLECTED, from_function, from_method, params_of
from shapedl_mypy.codes import speculative
from shapedl_mypy.convert import ARITHMETIC, TENSOR, TYPES, tensor_parts
from shapedl_mypy.declared import NOTHING, Declared, declared
from shapedl_mypy.hooks import (
    canonical,
    context,
    creation,
    data,
    generic,
    grown,
    layers,
    lists,
    movement,
    nn,
    nograd,
    partial,
    recurrent,
    size_args,
    size_tests,
    sizes,
    solve,
    spellings,
    stale,
    stale_args,
    tape,
    unions,
    unroll,
    variance,
)
from shapedl_mypy.rules import apply_rule, list_signature, widen_operand

__all__ = ["ShapedlPlugin", "build_tables", "source_hash", "source_roots"]

C = TypeVar("C", FunctionContext, MethodContext, AttributeContext)
FunctionHook = Callable[[FunctionContext], Type]
MethodHook = Callable[[MethodContext], Type]


def _safe(hook: Callable[[C], Type]) -> Callable[[C], Type]:
    @functools.wraps(hook)
    def run(ctx: C) -> Type:
        try:
            stale.watch(ctx.api)  # NOTE: mypy has no hook at a return: see hooks/stale.py
            if _left_out(ctx) or _unfit_part(ctx, hook):
                return UninhabitedType()
            ctx = _sized(ctx)
            with speculative(ctx.api, _seen(ctx)):
                return rankless.no_unknown_rank(hook(ctx))
        except Exception:  # noqa: BLE001 - never crash mypy; mypy's type is still right
            if isinstance(ctx, AttributeContext):
                return ctx.default_attr_type
            return ctx.default_return_type

    return run


def _left_out(ctx: Any) -> bool:
    """Whether the call is on a member of a union receiver that the rank tests around it
    leave out (`if mask.dim() == 3:` keeps `mask`'s 3-d member): its type says nothing of
    this branch (`size_tests.excluded`)."""
    if not isinstance(ctx, MethodContext) or not isinstance(ctx.api, TypeChecker):
        return False
    e = ctx.context
    receiver = _receiver(e)
    if not isinstance(receiver, NameExpr):
        return False
    # NOTE: a union's member only: a name rebound in the branch (`x = x[None]` under `if
    # x.dim() == 2:`) has its new rank there, which the test does not speak of
    whole = get_proper_type(ctx.api.lookup_type_or_none(receiver))
    if not isinstance(whole, UnionType):
        return False
    return size_tests.excluded(ctx.api, receiver, ctx.type, e)


def _receiver(e: Context) -> Expression | None:
    """The receiver of a method call, an index or an operator (`h` of `h += y`)."""
    if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr):
        return e.callee.expr
    if isinstance(e, IndexExpr):
        return e.base
    if isinstance(e, OpExpr):
        return e.left
    return e.lvalue if isinstance(e, OperatorAssignmentStmt) else None


def _unfit_part(ctx: Any, hook: Callable[[Any], Type]) -> bool:
    """Whether the call is on a member of a union receiver that a part the configuration
    chooses gave (`self.proj(x) + self.fc(x)` with `self.proj` a `Linear` or an `Identity`),
    or a loop run a run-time number of times (`unroll.counted_at_run_time`), where this member
    does not fit and another does: the run has the one that fits, as for such an argument
    (`unions.per_member`). mypy checks a union receiver member by member, by itself."""
    if not isinstance(ctx, MethodContext) or not isinstance(ctx.api, TypeChecker):
        return False
    receiver = _receiver(ctx.context)
    whole = None if receiver is None else get_proper_type(ctx.api.lookup_type_or_none(receiver))
    if not isinstance(whole, UnionType) or receiver is None:
        return False
    if not unroll.counted_at_run_time(ctx.api, ctx.context.line, receiver):
        return False
    if unions.fits(ctx, hook):
        return False
    others = [get_proper_type(m) for m in whole.relevant_items() if m != ctx.type]
    return any(unions.fits(ctx._replace(type=m), hook) for m in others)


def _sized(ctx: C) -> C:
    """A `squeeze` under a test of the size it drops (`if x.shape[-1] == 1: x =
    x.squeeze(-1)`, in a helper generic in that size): the receiver with that size, which the
    run has there (`size_tests.sized`)."""
    e = ctx.context
    if not isinstance(ctx.api, TypeChecker) or not isinstance(e, CallExpr):
        return ctx
    if getattr(e.callee, "name", None) != "squeeze":
        return ctx
    if isinstance(ctx, MethodContext) and isinstance(e.callee, MemberExpr):
        receiver = e.callee.expr
        if not isinstance(receiver, NameExpr):
            return ctx
        found = get_proper_type(size_tests.sized(ctx.api, receiver, ctx.type, e))
        return ctx._replace(type=found)
    if isinstance(ctx, FunctionContext) and ctx.args and len(ctx.args[0]) == 1:
        x = ctx.args[0][0]  # NOTE: `sd.squeeze(x, 1)`
        if not isinstance(x, NameExpr):
            return ctx
        types = [list(actual) for actual in ctx.arg_types]
        types[0][0] = size_tests.sized(ctx.api, x, types[0][0], e)
        return ctx._replace(arg_types=types)
    return ctx


def _seen(ctx: Any) -> list[Type]:
    """The types a call hook reads: the receiver's and the arguments'."""
    if isinstance(ctx, AttributeContext):
        return [ctx.type]
    found = [t for ts in ctx.arg_types for t in ts]
    return [ctx.type, *found] if isinstance(ctx, MethodContext) else found


def _safe_analyze(
    hook: Callable[[AnalyzeTypeContext], Type],
) -> Callable[[AnalyzeTypeContext], Type]:
    @functools.wraps(hook)
    def run(ctx: AnalyzeTypeContext) -> Type:
        try:
            return hook(ctx)
        except Exception:  # noqa: BLE001
            return AnyType(TypeOfAny.from_error)

    return run


def _layer_repeats() -> dict[str, list[int | None]]:
    """For each layer of `sd.nn` with a type argument recorded through a parse that repeats
    one size (a convolution's `kernel_size`), how many sizes each type argument holds."""
    try:
        import shapedl.nn  # noqa: F401 - registers the layers
        from shapedl.nn.registry import LAYERS
    except Exception:  # noqa: BLE001 - no layers, no spellings, no crash
        return {}
    out: dict[str, list[int | None]] = {}
    for name, spec in LAYERS.items():
        counts = [
            None
            if spec.record is not None or p not in spec.parse
            else spellings.repeats(spec.parse[p])
            for p in spec.params
        ]
        if any(n is not None for n in counts):
            out[name] = counts
    return out


def _containers() -> set[str]:
    """The layers of `sd.nn` that hold a list of layers in their type (`Sequential`)."""
    try:
        import shapedl.nn  # noqa: F401 - registers the layers
        from shapedl.nn.registry import LAYERS
    except Exception:  # noqa: BLE001 - no layers, no spellings, no crash
        return set()
    return {name for name, spec in LAYERS.items() if spec.compose is not None}


SigC = TypeVar("SigC", FunctionSigContext, MethodSigContext)
CallC = TypeVar("CallC", FunctionContext, MethodContext)


def _safe_sig(hook: Callable[[SigC], FunctionLike]) -> Callable[[SigC], FunctionLike]:
    def run(ctx: SigC) -> FunctionLike:
        try:
            stale.watch(ctx.api)
            return _dtype_from_input(ctx, _no_context_unpack(ctx, hook(ctx)))
        except Exception:  # noqa: BLE001
            return ctx.default_signature

    return run


SEQUENTIAL = "shapedl.nn.module.Sequential"


def _dtype_from_input(ctx: SigC, sig: FunctionLike) -> FunctionLike:
    """A `Sequential`'s call with its result's dtype left out of `forward`'s signature.

    NOTE: `Sequential.forward` is `Tensor[Any, DT, TT] -> Tensor[Any, DT, TT]`, but its layers
    may change the dtype (`Embedding` takes i64 and gives f32). Where the call sits in an f32
    context (a loss's argument, `LayerNorm(d)(embed(x))`), mypy solved `DT` from that context
    and refused the i64 input. The call's hook gives the result from the layers.
    """
    t = get_proper_type(getattr(ctx, "type", None))
    if not isinstance(sig, CallableType) or not isinstance(t, Instance):
        return sig
    if t.type.fullname != SEQUENTIAL or tensor_parts(sig.ret_type) is None:
        return sig
    ret = get_proper_type(sig.ret_type)
    assert isinstance(ret, Instance)
    args = [ret.args[0], AnyType(TypeOfAny.special_form), *ret.args[2:]]
    return sig.copy_modified(ret_type=ret.copy_modified(args=args))


def _no_context_unpack(ctx: SigC, sig: FunctionLike) -> FunctionLike:
    """`sig` with an `Any` result where mypy would infer a `*Bs` from a union with `Any` in it.

    NOTE: `for layer in layers: x = layer(x); x = act(x)` with `act` a bare `nn.Module` (its
    call is `Any`): the next `layer(x)` has `x`'s union `Tensor[tuple[B, 8]] | Any` as its
    context, and mypy 2.4 solves the layer's `*Bs` from it to `tuple[B] | Any`, then crashes
    expanding that ("Invalid type replacement to expand", an INTERNAL ERROR). The call's hook
    gives the result from the arguments; only the context's inference is left out.
    """
    checker = ctx.api
    if not isinstance(checker, TypeChecker) or not isinstance(sig, CallableType):
        return sig
    contexts = checker.expr_checker.type_context
    context = get_proper_type(contexts[-1]) if contexts else None
    if not isinstance(context, UnionType) or not any(
        isinstance(get_proper_type(i), AnyType) for i in context.items
    ):
        return sig
    if not any(isinstance(v, TypeVarTupleType) for v in sig.variables):
        return sig
    return sig.copy_modified(ret_type=AnyType(TypeOfAny.special_form))


def _registry() -> dict[str, Any]:
    try:
        from shapedl.ops import REGISTRY
    except Exception:  # noqa: BLE001 - an op module that does not import: no rules, no crash
        return {}
    return dict(REGISTRY)


def _resolve(fullname: str) -> Callable[..., Any]:
    module, _, name = fullname.rpartition(".")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return fn


def _function_hook(spec: Any) -> FunctionHook:
    return _safe(unions.per_member(lambda ctx: apply_rule(from_function(ctx), spec)))


def _method_hook(spec: Any, method: str, params: list[str]) -> MethodHook:
    tensors = list(spec.tensors) or params[:1]
    self_param = tensors[-1] if method in REFLECTED and len(tensors) > 1 else tensors[0]
    return _safe(
        unions.skip_stale(
            unions.per_member(lambda ctx: apply_rule(from_method(ctx, params, self_param), spec))
        )
    )


def build_tables(
    registry: dict[str, Any],
) -> tuple[dict[str, FunctionHook], dict[str, MethodHook]]:
    """Function hooks by the ops' fullnames and method hooks by `Tensor.<method>`."""
    functions: dict[str, FunctionHook] = {}
    methods: dict[str, MethodHook] = {}
    for spec in registry.values():
        try:
            params = params_of(_resolve(spec.function))
        except Exception:  # noqa: BLE001
            continue
        functions[spec.function] = _function_hook(spec)
        for method in spec.methods:
            methods[f"{TENSOR}.{method}"] = _method_hook(spec, method, params)
    functions["shapedl.ops.creation.tensor"] = _safe(creation.tensor_hook)
    functions[f"{TYPES}.Size"] = _safe(sizes.size_new)
    functions["builtins.sum"] = _safe(tape.sum_hook)
    functions["functools.partial"] = _safe(partial.partial_new)
    for name in data.BATCHES:
        functions[name] = _safe(data.batches_hook)
    methods[f"{TENSOR}.realize"] = _safe(creation.realize_hook)
    methods["functools.partial.__call__"] = _safe(partial.partial_call)
    methods[f"{TENSOR}.backward"] = _safe(tape.backward_hook)
    methods[f"{TENSOR}.size"] = _safe(sizes.size_method_hook)
    methods[f"{TENSOR}.dim"] = _safe(sizes.rank_hook)
    methods[f"{TENSOR}.__iter__"] = _safe(movement.iter_hook)
    methods["shapedl.nn.module.Sequential.__getitem__"] = _safe(nn.sequential_item)
    methods["builtins.float.__rpow__"] = _safe(sizes.root_hook)
    # NOTE: `outs.append(h)` after `for layer in layers: h = layer(h)`: a stale member of `h`
    # is no error there either (`stale_args`)
    methods["builtins.list.append"] = methods["builtins.list.insert"] = _safe(
        stale_args.forgive_stale(lists.append_hook)
    )
    for name, op in sizes.INT_OPS.items():
        methods[f"builtins.int.{name}"] = _safe(sizes.int_op_hook(op))
        methods[f"{TYPES}.Size.{name}"] = methods[f"builtins.int.{name}"]
    for name in sizes.RANK_METHODS:
        methods[f"builtins.int.{name}"] = _safe(sizes.rank_test_hook)
    for name in ("__eq__", "__ne__"):
        methods[f"{TYPES}.Size.{name}"] = _safe(sizes.size_test_hook)
    for name in recurrent.LAYERS:
        methods[name] = _safe(recurrent.width_hook)
    return functions, methods


_MODULE_CALL = _safe_sig(nn.module_call_signature)
IDENTITY = "shapedl.nn.activation.Identity"


def _inherited_init(ctx: ClassDefContext) -> None:
    try:
        stale.watch(ctx.api)  # NOTE: before the first check, which may be a def's default
        variance.covariant_sizes(ctx)
        grown.check_early(ctx)
        nn.inherited_init(ctx)
    except Exception:  # noqa: BLE001 - mypy's own dataclass constructor stays
        return


_INHERITED_INIT = _inherited_init


REDEFINITION_OFF = (
    "shapedl_mypy: set allow_redefinition_new = true and local_partial_types = true in your mypy"
    " configuration (as the README shows): without them a name rebound to a tensor of another"
    " shape (x = x.sum(axis=0)) keeps its first shape, and later lines are checked against it"
)


class ShapedlPlugin(Plugin):
    """mypy plugin: shape and tape errors at type-check time, by the runtime's own rules."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        if not (options.allow_redefinition or getattr(options, "allow_redefinition_new", False)):
            print(REDEFINITION_OFF, file=sys.stderr)
        self.registry = _registry()
        self.functions, self.methods = build_tables(self.registry)
        self.types = {
            **{f"{TYPES}.Rank{n}": _safe_analyze(spellings.rank_hook(n)) for n in range(1, 7)},
            **{name: _safe_analyze(spellings.arithmetic_hook(name)) for name in ARITHMETIC},
        }
        self.int_sizes = spellings.IntSizes()
        self.layer_sizes = spellings.LayerSizes(_layer_repeats())
        self.any_layers = spellings.AnyLayers(_containers())
        self.function_signatures = {
            spec.function: _safe_sig(functools.partial(list_signature, spec))
            for spec in self.registry.values()
            if spec.tensor_lists
        }
        for name in _containers():
            self.function_signatures.setdefault(name, _safe_sig(nn.unpacked_layers))
        self.signatures = {
            f"{TENSOR}.realize": _safe_sig(creation.realize_signature_hook),
            f"{TENSOR}.__matmul__": _safe_sig(widen_operand),
            **{
                f"{IDENTITY}.{m}": _safe_sig(nn.identity_signature) for m in ("__call__", "forward")
            },
        }
        self._hash: str | None = None
        self._declared: dict[str, Declared] = {}

    def get_type_analyze_hook(self, fullname: str) -> Callable[[AnalyzeTypeContext], Type] | None:
        if fullname == TENSOR and not self.int_sizes.inside:
            return self.int_sizes.hook
        if fullname in self.layer_sizes.repeat and not self.layer_sizes.inside:
            return _safe_analyze(self.layer_sizes.hook)
        if fullname in self.any_layers.names and not self.any_layers.inside:
            return _safe_analyze(self.any_layers.hook)
        return self.types.get(fullname)

    def get_function_hook(self, fullname: str) -> FunctionHook | None:
        if " of " in fullname:  # NOTE: mypy's own name of a method called through `super()`
            return _safe(size_args.forgive_super)
        found = self.functions.get(fullname)
        if found is None:
            info = self._class_info(fullname)
            try:
                hook = None if info is None else self._constructor(info)
            except Exception:  # noqa: BLE001
                hook = None
            found = None if hook is None else _safe(hook)
        return self._call_hook(fullname, found)

    def _constructor(self, info: TypeInfo) -> FunctionHook | None:
        """A registered layer's constructor, a chain's check, or the constructor of the layer a
        module class subclasses (`class MyLinear(nn.Linear[In, Out])`)."""
        found = layers.registered(info)
        if found is None or found[0] is not info:
            return nn.inherited_constructor(info)
        spec = found[1]
        if spec.compose == "chain":
            return nn.sequential_new
        return layers.constructor_hook(spec) if spec.params or spec.check else None

    def _layer_call(self, fullname: str) -> tuple[TypeInfo, Any] | None:
        """`X.__call__` of a registered layer whose call is its registered class's (not a
        subclass's own `forward`): that class and its declaration."""
        cls, _, method = fullname.rpartition(".")
        info = self._class_info(cls) if method == "__call__" else None
        if info is None:
            return None
        found = layers.registered(info)
        owner = nn.call_owner(info)
        if found is None or owner is None or owner not in found[0].mro:
            return None
        return found

    def _call_hook(
        self, fullname: str, found: Callable[[CallC], Type] | None
    ) -> Callable[[CallC], Type] | None:
        """`found` (or mypy's own call) with what the callee's declaration asks for."""
        declared = self._declares(fullname)
        if declared.own is not None:
            found = generic.explain_conflicts(declared.own, found)
        if declared.any_tensor:
            found = unions.forgive_unions(found)
        if declared.init is not None:
            found = size_args.forgive_ints(declared.init, found)
        if found is not None or declared.arithmetic:
            found = canonical.result(found)
        if declared.generic:
            # NOTE: after the canonical form, which would otherwise run on every such call
            found = unions.union_math(functools.partial(self._callee, fullname), found)
        if declared.tensors and not fullname.startswith("shapedl."):
            found = stale_args.forgive_stale(found)
        found = nograd.untraced_inside(fullname, found)
        return None if found is None else _safe(found)

    def _callee(self, fullname: str, ctx: FunctionContext | MethodContext) -> Type | None:
        """The called function's type: a method looked up on the receiver, else its own."""
        if isinstance(ctx, MethodContext):
            if not isinstance(ctx.api, TypeChecker):
                return None
            return nn.member_type(ctx.api, ctx.type, fullname.rpartition(".")[2], ctx.context)
        node = self._node(fullname)
        node = node.func if isinstance(node, Decorator) else node
        return node.type if isinstance(node, FuncDef) else None

    def _signature_hook(
        self, fullname: str, found: Callable[[SigC], FunctionLike] | None
    ) -> Callable[[SigC], FunctionLike] | None:
        declared = self._declares(fullname)
        if declared.any_tensor:
            found = generic.unpinned(found)
        if declared.sizes:
            found = generic.bind_sizes(found)
        if declared.tapes:
            found = tape.mixed_tapes(found)
        if declared.arithmetic:
            found = solve.solve_arithmetic(found)
        if declared.spreads:
            found = context.known_shapes_context(found)
        if found is None and not declared.arithmetic and not declared.tapes:
            return None
        return _safe_sig(canonical.signature(found))

    def _declares(self, fullname: str) -> Declared:
        """What the named function, class, method or attribute declares (cached)."""
        found = self._declared.get(fullname)
        if found is None:
            try:
                found = declared(fullname, self._node(fullname))
            except Exception:  # noqa: BLE001
                found = NOTHING
            self._declared[fullname] = found
        return found

    def _node(self, fullname: str) -> SymbolNode | None:
        """The declaration of a name; of `forward` for a module called through `Module`'s."""
        owner, _, name = fullname.rpartition(".")
        if name == "__call__":
            info = self._class_info(owner)
            target = None if info is None else nn.call_owner(info)
            if target is not None and "forward" in target.names and target.get("__call__"):
                called = target.get("__call__")
                if (
                    called is not None
                    and called.node is not None
                    and (called.node.fullname.startswith(nn.MODULE))
                ):
                    return target.names["forward"].node
        try:
            sym = self.lookup_fully_qualified(fullname)
        except Exception:  # noqa: BLE001
            sym = None
        if sym is not None:
            return sym.node
        # NOTE: mypy names a member after the receiver's class, which may only inherit it
        info = self._class_info(owner)
        member = None if info is None else info.get(name)
        return None if member is None else member.node

    def _class_info(self, fullname: str) -> TypeInfo | None:
        try:
            node = self.lookup_fully_qualified(fullname)
        except Exception:  # noqa: BLE001
            return None
        info = node.node if node is not None else None
        return info if isinstance(info, TypeInfo) else None

    def get_method_hook(self, fullname: str) -> MethodHook | None:
        found = self.methods.get(fullname)
        layer = None if found is not None else self._layer_call(fullname)
        if layer is not None:
            owner, spec = layer
            if spec.compose is not None:
                found = _safe(nn.compose_call(spec.compose))
            elif spec.shape is not None:
                hook = layers.call_hook(owner, spec)
                found = _safe(unions.forgive_unions(unions.skip_stale(unions.per_member(hook))))
        if fullname.startswith("shapedl.nn.") and fullname.endswith(".__call__"):
            found = _safe(tape.layer_inputs(found))  # NOTE: traced if any input is
        return self._call_hook(fullname, found)

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return self._signature_hook(fullname, self.function_signatures.get(fullname))

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        found = self.signatures.get(fullname)
        if found is None and fullname.endswith(".__call__"):
            layer = self._layer_call(fullname)
            if layer is not None and layer[1].shape is not None:
                # NOTE: from `forward`'s signature, so mypy's refusal names it
                found = _safe_sig(layers.call_signature(layer[1], _MODULE_CALL))
            else:
                # NOTE: a user-defined module is called as its forward
                found = _MODULE_CALL
        return self._signature_hook(fullname, found)

    def get_class_decorator_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return layers.mark if fullname == layers.REGISTER else None

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return _INHERITED_INIT  # NOTE: every class statement; the hook looks for Module's

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        if fullname == f"{TENSOR}.shape":
            return _safe(sizes.shape_attribute_hook)
        if fullname == "shapedl.tensor_base.TensorBase.ndim":
            return _safe(sizes.rank_hook)
        if fullname == f"{TENSOR}.T":
            return _safe(movement.transpose_attribute_hook)
        if fullname == f"{TENSOR}.mT":  # NOTE: `_safe` gives a bare tensor's `Tensor[Any]`
            return _safe(lambda ctx: ctx.default_attr_type)
        found = _safe(canonical.attribute) if self._declares(fullname).arithmetic else None
        return _safe(grown.reader(fullname, found)) if grown.is_grown(fullname) else found

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        if self._hash is None:
            self._hash = source_hash(source_roots())
        return self._hash
