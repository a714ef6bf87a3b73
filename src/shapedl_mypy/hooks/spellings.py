"""Type-analysis hooks: `Const[10]` is `Const[Literal[10]]`, `Rank2[3, 4]` a tuple of Consts."""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import AnalyzeTypeContext
from mypy.types import (
    AnyType,
    LiteralType,
    RawExpressionType,
    TupleType,
    Type,
    TypeOfAny,
    get_proper_type,
)

from shapedl_mypy.codes import SHAPE
from shapedl_mypy.convert import CONST

__all__ = ["const_hook", "rank_hook"]


def _size(ctx: AnalyzeTypeContext, arg: Type) -> Type:
    """One dimension argument: an int literal becomes `Const[Literal[n]]`."""
    if isinstance(arg, RawExpressionType):
        value = arg.literal_value
        if type(value) is int and value >= 0:
            return _const(ctx, value)
        ctx.api.fail(_bad_size(value), ctx.context, code=SHAPE)
        return AnyType(TypeOfAny.from_error)
    return ctx.api.analyze_type(arg)


def _bad_size(value: object) -> str:
    if type(value) is int:
        return f"a dimension size must be >= 0, got {value}"
    shown = "" if value is None else f", got {value!r}"
    return f"a dimension size must be a non-negative int literal{shown}"


def _const(ctx: AnalyzeTypeContext, value: int) -> Type:
    lit = LiteralType(value, ctx.api.named_type("builtins.int", []))
    return ctx.api.named_type(CONST, [lit])


def const_hook(ctx: AnalyzeTypeContext) -> Type:
    """`Const[10]` -> `Const[Literal[10]]`; a negative or non-int size is an error here."""
    args = ctx.type.args
    if len(args) != 1:
        return ctx.api.named_type(CONST, [AnyType(TypeOfAny.from_omitted_generics)])
    (arg,) = args
    if isinstance(arg, RawExpressionType):
        return _size(ctx, arg)
    analyzed = ctx.api.analyze_type(arg)
    lit = get_proper_type(analyzed)
    if isinstance(lit, LiteralType) and type(lit.value) is int and lit.value < 0:
        ctx.api.fail(_bad_size(lit.value), ctx.context, code=SHAPE)
        return AnyType(TypeOfAny.from_error)
    return ctx.api.named_type(CONST, [analyzed])


def rank_hook(rank: int) -> Callable[[AnalyzeTypeContext], Type]:
    """`RankN[a, b, ...]` -> `tuple[a, b, ...]`, int literals as `Const`s."""

    def hook(ctx: AnalyzeTypeContext) -> Type:
        args = ctx.type.args
        fallback = ctx.api.named_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
        if not args:
            return TupleType([AnyType(TypeOfAny.from_omitted_generics)] * rank, fallback)
        if len(args) != rank:
            ctx.api.fail(f"Rank{rank} takes {rank} dimensions, got {len(args)}", ctx.context)
            return AnyType(TypeOfAny.from_error)
        return TupleType([_size(ctx, a) for a in args], fallback)

    return hook
