"""`backward()`: allowed statically only on a traced scalar, with the runtime's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy.checker import TypeChecker
from mypy.expandtype import expand_type
from mypy.nodes import MemberExpr, NameExpr
from mypy.plugin import (
    AttributeContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
)
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    Overloaded,
    TupleType,
    Type,
    TypeVarId,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from shapedl.errors import not_scalar, untraced
from shapedl_mypy.codes import TAPE
from shapedl_mypy.convert import TENSOR, TYPES, Converter, any_type, checker_named, tensor_parts
from shapedl_mypy.rules import tape_of

__all__ = ["backward_hook", "drop_self_error", "mixed_tapes", "sum_hook", "tape_variables"]

SigC = TypeVar("SigC", FunctionSigContext, MethodSigContext)
_CONTAINERS = ("builtins.list", "builtins.tuple", "typing.Sequence", "collections.abc.Sequence")


def backward_hook(ctx: MethodContext) -> Type:
    parts = tensor_parts(ctx.type)
    if parts is None:
        return ctx.default_return_type
    tape = get_proper_type(parts[2])
    name = tape.type.fullname if isinstance(tape, Instance) else None
    shape = Converter(checker_named(ctx.api)).shape(parts[0])
    if name == f"{TYPES}.NoTape" and _maybe_traced(ctx):
        drop_self_error(ctx, "backward")
        return ctx.default_return_type
    if name == f"{TYPES}.NoTape":
        message = untraced()
    elif name == f"{TYPES}.Traced" and shape:
        message = not_scalar(shape)
    else:
        return ctx.default_return_type
    drop_self_error(ctx, "backward")
    ctx.api.fail(message, ctx.context, code=TAPE)
    return ctx.default_return_type


def _maybe_traced(ctx: MethodContext) -> bool:
    """Whether the receiver is a union (a name rebound in a loop) with a member that is or may
    be traced.

    NOTE: mypy checks `c.backward()` once per member of `c: Tensor[..., NoTape] | Tensor[...,
    Traced]` (corgi's `c = c + a * b` in a loop); the untraced member is the loop never run,
    which the runtime reports: gradual typing gives it the benefit of the doubt. So does a
    member of unknown tape (`loss = forward(x.traced())` with `forward(...) -> Tensor`, after
    an untraced `loss`: mypy keeps the old member beside an `Any`-typed new one).
    """
    callee = getattr(ctx.context, "callee", None)
    receiver = getattr(callee, "expr", None)
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    whole = None if receiver is None or lookup is None else lookup(receiver)
    t = None if whole is None else get_proper_type(whole)
    if not isinstance(t, UnionType):
        return False
    for item in t.items:
        parts = tensor_parts(item)
        tape = get_proper_type(item if parts is None else parts[2])
        if isinstance(tape, AnyType):
            return True
        if isinstance(tape, Instance) and tape.type.fullname == f"{TYPES}.Traced":
            return True
    return False


def drop_self_error(ctx: MethodContext | AttributeContext, name: str) -> None:
    """Replace plain typing's `Invalid self argument ... "name"` by the plugin's error.

    The note mypy adds to it under `# type: ignore[tape]` ("Error code misc not covered")
    goes too: one bug, one error, silenced by our code.
    """
    errors = ctx.api.msg.errors
    # NOTE: a union's members are checked under error watchers that report what they kept later
    lists = [errors.error_info_map.get(errors.file) or []]
    lists += [getattr(w, "_filtered", None) or [] for w in errors._watchers]
    line = ctx.context.line
    for infos in lists:
        for info in list(infos):
            if info.line == line and (
                (info.message.startswith("Invalid self argument") and f'"{name}"' in info.message)
                or info.message.startswith('Error code "misc" not covered by "type: ignore')
            ):
                infos.remove(info)


def sum_hook(ctx: FunctionContext) -> Type:
    """`sum(losses)` of tensors is a tensor, not `Tensor | Literal[0]`.

    NOTE: typeshed types `sum(xs)` without a start as `T | Literal[0]` (the 0 of an empty
    `xs`), so the everyday `sum(losses).backward()` was an `[union-attr]` error; an empty list
    of losses is a bug the run shows at once, a false error on every correct program is not.
    """
    ret = get_proper_type(ctx.default_return_type)
    if any(ctx.args[1:]) or not isinstance(ret, UnionType):
        return ctx.default_return_type
    items = [get_proper_type(t) for t in ret.items]
    tensors = [t for t in items if tensor_parts(t) is not None]
    zero = [t for t in items if isinstance(t, LiteralType) and t.value == 0]
    if not tensors or len(tensors) + len(zero) != len(items):
        return ctx.default_return_type
    return make_simplified_union(tensors)


# ---- a user's function generic in its tape, given traced and untraced tensors --------------
def _own_tapes(sig: CallableType) -> list[TypeVarType]:
    """The callable's own type variables bound to `Tape` (its `TT`)."""
    out = []
    for tv in sig.variables:
        upper = get_proper_type(tv.upper_bound) if isinstance(tv, TypeVarType) else None
        if isinstance(upper, Instance) and upper.type.fullname == f"{TYPES}.Tape":
            out.append(tv)
    return [tv for tv in out if isinstance(tv, TypeVarType)]


def _tapes_in(typ: Type) -> list[Type]:
    """The tapes of the tensors a type holds: itself, a union's members, a tuple's or a
    list's items (`tuple[Tensor[..., TT], Tensor[..., TT]]`, `list[Tensor[..., TT]]`)."""
    t = get_proper_type(typ)
    parts = tensor_parts(t)
    if parts is not None:
        return [parts[2]]
    if isinstance(t, UnionType):
        items = list(t.items)
    elif isinstance(t, TupleType):
        items = list(t.items)
    elif isinstance(t, Instance) and t.type.fullname in _CONTAINERS:
        items = list(t.args)
    else:
        items = []
    return [tape for item in items for tape in _tapes_in(item)]


def _count(sig: CallableType, tv: TypeVarType) -> int:
    """How many tensors of the formals have the tape `tv`."""
    return sum(get_proper_type(a) == tv for f in sig.arg_types for a in _tapes_in(f))


def tape_variables(sig: Type) -> bool:
    """Whether one of the callable's own tape variables is the tape of a tensor formal and of
    the result, or of two tensor formals."""
    t = get_proper_type(sig)
    for item in list(t.items) if isinstance(t, Overloaded) else [t]:
        if not isinstance(item, CallableType):
            continue
        for tv in _own_tapes(item):
            result = tv in [get_proper_type(a) for a in _tapes_in(item.ret_type)]
            if _count(item, tv) > 1 or (result and _count(item, tv) == 1):
                return True
    return False


def _actual_tapes(
    ctx: FunctionSigContext | MethodSigContext, sig: CallableType, tv: Type, calls: bool
) -> tuple[list[Type], bool] | None:
    """The tapes of the tensors given for the formals whose tensors have the tape `tv`, and
    whether one was read from an earlier check; None where an argument's type is unknown
    (`Any`), or is a call that `calls` (False) does not check and mypy has not checked yet."""
    if not isinstance(ctx.api, TypeChecker):
        return None
    given = [
        expr
        for i, formal in enumerate(sig.arg_types)
        if tv in _tapes_in(formal) and i < len(ctx.args)
        for expr in ctx.args[i]
    ]
    out, read = [], False
    for expr in given:
        if calls or isinstance(expr, (NameExpr, MemberExpr)):
            with ctx.api.msg.filter_errors():
                actual: Type | None = ctx.api.expr_checker.accept(expr)
        else:
            # NOTE: a nested call would be checked again at each level of nesting; the type
            # of one mypy already checked (`o, h = gru(emb(tok), h)` is checked twice, the
            # second time in the context of the first's result) is read instead
            actual, read = ctx.api.lookup_type_or_none(expr), True
        if actual is None or isinstance(get_proper_type(actual), AnyType):
            return None
        out += _tapes_in(actual)
    return out, read


def _mix_item(ctx: FunctionSigContext | MethodSigContext, sig: CallableType) -> CallableType:
    formals: dict[TypeVarId, Type] = {}
    result: dict[TypeVarId, Type] = {}
    named = checker_named(ctx.api)
    for tv in _own_tapes(sig):
        found_tapes = _actual_tapes(ctx, sig, tv, calls=_count(sig, tv) > 1)
        tapes, read = found_tapes or ([], False)
        proper = [get_proper_type(t) for t in tapes]
        if not proper or any(isinstance(t, AnyType) for t in proper):
            continue  # NOTE: no tensor given, or one of unknown tape: mypy's own solution
        if len(set(proper)) == 1 and read:
            # NOTE: read from an earlier check (in a loop, perhaps an earlier pass's): the
            # argument is not held to it, the result only takes it
            formals[tv.id], result[tv.id] = any_type(), proper[0]
            continue
        if len(set(proper)) == 1:
            # NOTE: solved from the arguments, so the result's context cannot pin it
            # (`out, state = lstm(x)` after `out, state = lstm(x.traced())`)
            formals[tv.id] = result[tv.id] = proper[0]
            continue
        found = tape_of([named(TENSOR, [any_type(), any_type(), t]) for t in proper])
        solved = named(found, []) if isinstance(found, str) else found
        if solved is not None:
            formals[tv.id], result[tv.id] = any_type(), solved
    if not formals:
        return sig
    return sig.copy_modified(
        arg_types=[expand_type(a, formals) for a in sig.arg_types],
        ret_type=expand_type(sig.ret_type, result),
        variables=[tv for tv in sig.variables if tv.id not in formals],
    )


def mixed_tapes(hook: Callable[[SigC], FunctionLike] | None) -> Callable[[SigC], FunctionLike]:
    """A signature hook for `f(a: Tensor[S, DT, TT], b: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]`
    given a traced and an untraced tensor: `TT` is `Traced`, as for the ops.

    NOTE: mypy joins `Traced` and `NoTape` to their base `Tape` (so `f(pred, y).backward()`
    was refused) and, inside a forward generic in its own tape, pins `TT` to it from the
    return's context (so a `NoTape` weight was an `[arg-type]` error); at run time either
    operand traced gives a traced result, the rule every op follows (`rules.tape_of`).
    """

    def run(ctx: SigC) -> FunctionLike:
        sig = ctx.default_signature if hook is None else hook(ctx)
        if isinstance(sig, Overloaded):
            return Overloaded([_mix_item(ctx, item) for item in sig.items])
        return _mix_item(ctx, sig) if isinstance(sig, CallableType) else sig

    return run


# ---- a library layer given a traced input beside its first ------------------------------
C = TypeVar("C", FunctionContext, MethodContext)


def _with_tape(typ: Type, tape: Type) -> Type:
    """`typ` with `tape` for each tensor in it (a tuple's items too) that is untraced or
    traced as a type variable is; a traced one, or one of unknown tape, is kept."""
    t = get_proper_type(typ)
    if isinstance(t, TupleType):
        return t.copy_modified(items=[_with_tape(i, tape) for i in t.items])
    parts = tensor_parts(t)
    if parts is None or not isinstance(t, Instance) or t.type.fullname != TENSOR:
        return typ
    old = get_proper_type(parts[2])
    if isinstance(old, TypeVarType) or (
        isinstance(old, Instance) and old.type.fullname == f"{TYPES}.NoTape"
    ):
        return t.copy_modified(args=[parts[0], parts[1], tape])
    return typ


def layer_inputs(hook: Callable[[C], Type] | None) -> Callable[[C], Type]:
    """A call hook for a library layer: its output is traced if any tensor input is.

    NOTE: a layer's declared forward takes its result's tape from its first input (`query`,
    `tgt`) and types the others with any tape (`memory`, `key`, an LSTM's state), so
    `decoder(tgt, memory.traced())` came out untraced, and `.backward()` on its loss was
    refused; at run time every input takes part, the rule of the ops (`rules.tape_of`).
    """

    def run(ctx: C) -> Type:
        out = ctx.default_return_type if hook is None else hook(ctx)
        named = checker_named(ctx.api)
        tapes = [tape for types in ctx.arg_types for t in types for tape in _tapes_in(t)]
        found = tape_of([named(TENSOR, [any_type(), any_type(), t]) for t in tapes])
        solved = named(found, []) if isinstance(found, str) else found
        if solved is None or isinstance(get_proper_type(solved), AnyType):
            return out
        return _with_tape(out, solved)

    return run
