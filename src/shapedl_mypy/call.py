"""One view of a function or method call: its arguments by the op's parameter names."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mypy.argmap import map_actuals_to_formals
from mypy.checker import TypeChecker
from mypy.nodes import ARG_STAR, ArgKind, CallExpr, Context, Expression
from mypy.plugin import (
    CheckerPluginInterface,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
)
from mypy.types import AnyType, CallableType, TupleType, Type, TypeOfAny, get_proper_type

from shapedl_mypy.convert import Converter, Named, checker_named

__all__ = ["Call", "from_function", "from_method", "lone_argument", "params_of"]

REFLECTED = frozenset(
    {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rpow__", "__rmatmul__"}
)


@dataclass
class Call:
    """The actual arguments of a call, keyed by the parameter names of the op's function."""

    api: CheckerPluginInterface
    context: Context
    default: Type
    args: dict[str, list[tuple[Type, Expression | None]]] = field(default_factory=dict)
    conv: Converter = field(init=False)
    named: Named = field(init=False)

    def __post_init__(self) -> None:
        self.named = checker_named(self.api)
        self.conv = Converter(self.named)

    def lookup(self, expr: Expression) -> Type | None:
        """The type mypy already inferred for a sub-expression of an argument."""
        if isinstance(self.api, TypeChecker):
            return self.api.lookup_type_or_none(expr)
        return None

    def one(self, name: str) -> tuple[Type, Expression | None] | None:
        actuals = self.args.get(name)
        return actuals[0] if actuals and len(actuals) == 1 else None


def lone_argument(
    ctx: FunctionSigContext | MethodSigContext, i: int, sig: CallableType | None = None
) -> Expression | None:
    """The one argument expression given for formal `i` of a signature hook's call, or None
    (none given, or several, as for `*args`).

    `sig`, where given, is the signature the hook gives instead of mypy's: its formals are
    the ones counted (`model(x, skip)` through `Module.__call__(*args, **kwargs)` is called
    as the model's `forward(x, skip)`)."""
    actuals = ctx.args
    default, call = ctx.default_signature, ctx.context
    differs = sig is not None and (sig.arg_kinds, sig.arg_names) != (
        default.arg_kinds,
        default.arg_names,
    )
    if sig is not None and differs and isinstance(call, CallExpr):
        mapped = map_actuals_to_formals(
            call.arg_kinds,
            call.arg_names,
            sig.arg_kinds,
            sig.arg_names,
            lambda j: AnyType(TypeOfAny.special_form),
        )
        actuals = [[call.args[j] for j in m] for m in mapped]
    actual = actuals[i] if i < len(actuals) else []
    return actual[0] if len(actual) == 1 else None


def params_of(fn: Callable[..., Any]) -> list[str]:
    """The parameter names a call's arguments map to (`*shape` too: `x.reshape(4, -1)`)."""
    return [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL, p.KEYWORD_ONLY)
    ]


def _collect(
    call: Call,
    ctx: FunctionContext | MethodContext,
    rename: Callable[[int, str | None], str | None],
) -> Call:
    names = ctx.callee_arg_names
    for i, (ts, es, ks) in enumerate(zip(ctx.arg_types, ctx.args, ctx.arg_kinds, strict=False)):
        name = rename(i, names[i] if i < len(names) else None)
        if name is not None and ts:
            call.args[name] = _spread(list(zip(ts, es, ks, strict=False)))
    return call


Actual = tuple[Type, Expression | None]


def _spread(actuals: list[tuple[Type, Expression, ArgKind]]) -> list[Actual]:
    """The actuals of one formal, a spread tuple (`x.reshape(*x.shape[:-1], 4, -1)`) item by
    item.

    NOTE: mypy maps a spread tuple of n items to `*shape` n times, each with the whole tuple's
    type
    """
    out: list[Actual] = []
    seen: set[int] = set()
    for t, e, kind in actuals:
        p = get_proper_type(t)
        if kind != ARG_STAR or not isinstance(p, TupleType):
            out.append((t, e))
        elif id(e) not in seen:
            seen.add(id(e))
            out += [(item, None) for item in p.items]
    return out


def from_function(ctx: FunctionContext) -> Call:
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    return _collect(call, ctx, lambda i, n: n)


def from_method(ctx: MethodContext, params: list[str], self_param: str) -> Call:
    """`self` becomes `self_param`; the other formals match by name, else by position."""
    call = Call(ctx.api, ctx.context, ctx.default_return_type)
    call.args[self_param] = [(ctx.type, None)]
    rest = [p for p in params if p != self_param]

    def rename(i: int, name: str | None) -> str | None:
        if name in rest:
            return name
        return rest[i] if i < len(rest) else None

    return _collect(call, ctx, rename)
