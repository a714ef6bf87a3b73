"""A layer made through `functools.partial(nn.Conv2d, padding=1)`, checked where the partial is
called (`same_conv(1, 4, 3)`) with the partial's arguments and the call's together.

mypy's functools plugin checks each part alone: it calls the layer's constructor with the bound
arguments while it makes the partial, and with the call's arguments while the partial is
called, and neither gives the layer's type. So the constructor's hook (`layers.constructor_hook`)
asks `through_of` which of the two it is in: while the partial is made, it notes the bound
values (checking nothing); the partial keeps them, and at each call the hook adds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mypy.nodes import CallExpr, Context
from mypy.plugin import FunctionContext, MethodContext
from mypy.plugins.functools import partial_call_callback, partial_new_callback
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    NoneType,
    Overloaded,
    TupleType,
    Type,
    TypeVarType,
    get_proper_type,
)

from shapedl_mypy.convert import SIZE

__all__ = ["Through", "partial_call", "partial_new", "through_of"]

# NOTE: the values a partial binds, kept where mypy keeps the partial's signature, under names
# no attribute access can reach; `BOUND` alone marks a partial whose values are all kept
BOUND = "shapedl.bound"


@dataclass(eq=False)
class Through:
    """A constructor call mypy's functools plugin makes: with a partial's bound arguments
    alone, while it makes the partial (`making`, at the layer expression), or with a call's
    arguments alone, while the partial is called (at the call; `bound`: what it kept)."""

    at: Context
    making: bool
    bound: dict[str, Type] | None = None


# NOTE: the calls mypy's functools plugin is making: the constructor's hook cannot tell them
# from a direct call by its context alone (the callee of a partial's call is typed as the bound
# `partial.__call__` meanwhile, not as the partial)
_THROUGH: list[Through] = []


@contextmanager
def _through(entry: Through) -> Iterator[Through]:
    _THROUGH.append(entry)
    try:
        yield entry
    finally:
        _THROUGH.remove(entry)


def through_of(ctx: FunctionContext) -> Through | None:
    """How mypy's functools plugin makes this constructor call, if it does."""
    call = ctx.context
    for entry in reversed(_THROUGH):
        at = call.callee if entry.making and isinstance(call, CallExpr) else call
        if at is entry.at:
            return entry
    return None


def partial_new(ctx: FunctionContext) -> Type:
    """`functools.partial(nn.Conv2d, padding=1)`: mypy's partial, keeping what it binds.

    mypy checks the bound arguments by calling the constructor with them alone (no
    `in_channels`), and a call of the partial (`same_conv(1, 4, 3)`) with the call's alone (no
    `padding`): neither gives the layer's type. So the constructor's hook only notes the bound
    values while the partial is made (nothing is checked yet; the layer the partial's own type
    says it makes is `_unknown`), the partial keeps them, and the hook adds them at each call,
    where it checks and reports with all the arguments.
    """
    layer = ctx.args[0][0] if ctx.args and len(ctx.args[0]) == 1 else None
    if layer is None:
        return partial_new_callback(ctx)
    ctx = _sizes_as_dims(ctx)
    with _through(Through(layer, making=True)) as entry:
        out = get_proper_type(partial_new_callback(ctx))
    if entry.bound is None or not isinstance(out, Instance) or not out.extra_attrs:
        return out
    attrs = out.extra_attrs.copy()
    attrs.attrs[BOUND] = NoneType()
    attrs.attrs.update({f"{BOUND}.{k}": t for k, t in entry.bound.items()})
    made = out.copy_modified()
    made.extra_attrs = attrs
    return made


def _sizes_as_dims(ctx: FunctionContext) -> FunctionContext:
    """The partial's callable with each `Size[X]` formal (a user's generic module, `Block(i:
    Size[I], o: Size[O], act=True)`) as `X`: mypy's functools plugin checks a call of the
    partial against it by plain typing, where `Size[I]` given an int was `Size[Never]`, a false
    alarm (a direct call binds them in `generic.bind_sizes`); as `I` it solves from the int."""
    first = ctx.arg_types[0] if ctx.arg_types else []
    if len(first) != 1:
        return ctx
    fn = get_proper_type(first[0])
    if isinstance(fn, CallableType):
        changed: FunctionLike = _as_dims(fn)
    elif isinstance(fn, Overloaded):
        changed = Overloaded([_as_dims(i) for i in fn.items])
    else:
        return ctx
    return ctx._replace(arg_types=[[changed], *ctx.arg_types[1:]])


def _as_dims(fn: CallableType) -> CallableType:
    def dim(t: Type) -> Type:
        p = get_proper_type(t)
        if isinstance(p, Instance) and p.type.fullname == SIZE and len(p.args) == 1:
            if isinstance(get_proper_type(p.args[0]), TypeVarType):
                return p.args[0]
        if isinstance(p, TupleType):
            return p.copy_modified(items=[dim(i) for i in p.items])
        return t

    return fn.copy_modified(arg_types=[dim(a) for a in fn.arg_types])


def partial_call(ctx: MethodContext) -> Type:
    """`same_conv(1, 4, 3)`: mypy's call of the partial, the constructor's hook told the
    values the partial keeps (`partial_new`)."""
    entry = Through(ctx.context, making=False, bound=_kept(ctx.type))
    with _through(entry):
        return partial_call_callback(ctx)


def _kept(partial: Type) -> dict[str, Type] | None:
    """The values `partial_new` kept in a partial, by name; None where it kept none."""
    t = get_proper_type(partial)
    attrs = t.extra_attrs.attrs if isinstance(t, Instance) and t.extra_attrs else {}
    if BOUND not in attrs:
        return None
    prefix = f"{BOUND}."
    return {k[len(prefix) :]: v for k, v in attrs.items() if k.startswith(prefix)}
