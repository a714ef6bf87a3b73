"""Type-analysis hooks: `Rank2[3, 4]` is `tuple[Const[3], Const[4]]`, dimension arithmetic
written in an annotation takes its canonical form, and `int` written as a size is `Dyn`."""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import AnalyzeTypeContext
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    RawExpressionType,
    TupleType,
    Type,
    TypeAliasType,
    TypeOfAny,
    TypeVarType,
    UnpackType,
    get_proper_type,
)

from shapedl_mypy.codes import SHAPE
from shapedl_mypy.convert import ADD, MUL, TENSOR, Converter, convertible

__all__ = ["AnyLayers", "IntSizes", "LayerSizes", "arithmetic_hook", "rank_hook", "repeats"]


def _size(ctx: AnalyzeTypeContext, arg: Type) -> Type:
    """One dimension argument: an int literal becomes `Const[n]`, that is `Literal[n]`."""
    if isinstance(arg, RawExpressionType):
        value = arg.literal_value
        if type(value) is int and value >= 0:
            _drop_expression_error(ctx, value)
            return _const(ctx, value)
        ctx.api.fail(_bad_size(value), ctx.context, code=SHAPE)
        return AnyType(TypeOfAny.from_error)
    return ctx.api.analyze_type(arg)


def _drop_expression_error(ctx: AnalyzeTypeContext, value: int) -> None:
    """Drop mypy's `try using Literal[3]` for `Rank4[B, 3, 32, 32]` in a type alias.

    NOTE: mypy reads an alias's right side as an expression first, and there it analyzes the
    arguments of `Rank4[...]` one by one, without this hook; the alias itself then comes here.
    """
    errors = getattr(getattr(ctx.api, "api", None), "errors", None)
    infos = [] if errors is None else errors.error_info_map.get(errors.file, [])
    wrong = f"Invalid type: try using Literal[{value}] instead?"
    for info in list(infos):
        if info.line == ctx.context.line and info.message == wrong:
            infos.remove(info)


def _bad_size(value: object) -> str:
    if type(value) is int:
        return f"a dimension size must be >= 0, got {value}"
    shown = "" if value is None else f", got {value!r}"
    return f"a dimension size must be a non-negative int literal{shown}"


def _const(ctx: AnalyzeTypeContext, value: int) -> Type:
    return LiteralType(value, ctx.api.named_type("builtins.int", []))


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


def arithmetic_hook(fullname: str) -> Callable[[AnalyzeTypeContext], Type]:
    """`Mul[T, B]` as written is `Mul[B, T]`: dimension arithmetic in an annotation takes the
    canonical form of `shapedl.dims`, exactly like inferred dims, so equal dims are equal types
    (`Mul[Const[3], Mul[H, K]]` is `Mul[Mul[Const[3], H], K]`; `Add[H, Const[0]]` is `H`).
    `Add` and `Mul` take any number of dimensions (`Mul[C, H, W]`), the others two."""

    def hook(ctx: AnalyzeTypeContext) -> Type:
        args = [_size(ctx, a) for a in ctx.type.args]
        name = fullname.rpartition(".")[2]
        if len(args) != 2 and not (len(args) > 2 and fullname in (ADD, MUL)):
            ctx.api.fail(f"{name} takes 2 dimensions, got {len(args)}", ctx.context, code=SHAPE)
            return AnyType(TypeOfAny.from_error)
        # NOTE: `Mul[C, H, W]` is `C * H * W` (and `Add` alike), folded from the left
        written = ctx.api.named_type(fullname, args[:2])
        for arg in args[2:]:
            written = ctx.api.named_type(fullname, [written, arg])
        if not all(convertible(a) for a in args):
            return written  # NOTE: a forward reference not yet bound: keep it as written
        conv = Converter(lambda name, targs: ctx.api.named_type(name, targs))
        return conv.dim_type(conv.dim(written))

    return hook


class IntSizes:
    """`Tensor[tuple[int, int]]` and `Tensor[tuple[int, ...]]` (or `Dim` for `int`): a size
    written as `int` is any size, `Dyn`. Taken literally, `int` holds every literal size (the
    shape argument is covariant) but fits none, so `x: Tensor[tuple[int, ...]]` could not be
    passed where `(3, 4)` is declared, for a spelling that plainly means "any sizes".

    The hook analyzes the annotation as mypy would (`inside` tells the plugin not to hook the
    same `Tensor` again meanwhile), then reads its `int` sizes as `Dyn`.
    """

    def __init__(self) -> None:
        self.inside = False

    def hook(self, ctx: AnalyzeTypeContext) -> Type:
        if not ctx.type.args and not ctx.type.empty_tuple_index:
            # NOTE: a bare `Tensor` (PyTorch's habit) is any tensor, not a missing argument
            # under --strict, nor an f32 untraced one that `model(x.traced())` would not fit
            return ctx.api.named_type(TENSOR, [_dyn(), _dyn(), _dyn()])
        self.inside = True
        try:
            typ = ctx.api.analyze_type(ctx.type)
        finally:
            self.inside = False
        if not isinstance(typ, Instance) or not typ.args:
            return typ
        shape = typ.args[0]
        if isinstance(shape, TupleType) and any(_is_int(i) for i in shape.items):
            items = [_dyn() if _is_int(i) else i for i in shape.items]
            return typ.copy_modified(args=[shape.copy_modified(items=items), *typ.args[1:]])
        if _is_int_tuple(shape):
            assert isinstance(shape, Instance)
            return typ.copy_modified(args=[shape.copy_modified(args=[_dyn()]), *typ.args[1:]])
        return typ


def _dyn() -> AnyType:
    return AnyType(TypeOfAny.special_form)


def _is_int(typ: Type) -> bool:
    """`int` itself (or an alias of it such as `Dim`), not a literal or a subclass (`Size`)."""
    if isinstance(typ, TypeAliasType) and typ.alias is not None and not typ.args:
        typ = typ.alias.target
    return (
        isinstance(typ, Instance)
        and typ.type.fullname == "builtins.int"
        and typ.last_known_value is None
    )


def _is_int_tuple(typ: Type) -> bool:
    """`tuple[int, ...]`."""
    return (
        isinstance(typ, Instance)
        and typ.type.fullname == "builtins.tuple"
        and len(typ.args) == 1
        and _is_int(typ.args[0])
    )


class _Probe:
    """A stand-in size handed to a layer's `parse` to see what it makes of one size."""


def repeats(parse: Callable[[object], object]) -> int | None:
    """How many sizes `parse` makes of one (`pair(2)`: 2), None where it keeps one as one."""
    probe = _Probe()
    try:
        out = parse(probe)
    except Exception:  # noqa: BLE001 - a parse that refuses the probe: nothing to repeat
        return None
    if isinstance(out, tuple) and out and all(v is probe for v in out):
        return len(out)
    return None


class LayerSizes:
    """`nn.Conv2d[C, O, Const[3]]`: a type argument the layer records through a parse that
    repeats one size (`pair`: `kernel_size=3` is `(3, 3)`) may be written as that one size in
    an annotation, as in the constructor call; it is read as the tuple the call's type holds
    (`tuple[Const[3], Const[3]]`), so the annotation fits the layer it describes.

    `repeat[i]` is the count for type argument `i` (None: taken as written).
    """

    def __init__(self, repeat: dict[str, list[int | None]]) -> None:
        self.repeat = repeat
        self.inside = False

    def hook(self, ctx: AnalyzeTypeContext) -> Type:
        self.inside = True
        try:
            typ = ctx.api.analyze_type(ctx.type)
        finally:
            self.inside = False
        counts = self.repeat.get(typ.type.fullname) if isinstance(typ, Instance) else None
        if not isinstance(typ, Instance) or counts is None:
            return typ
        fallback = ctx.api.named_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
        args = [
            TupleType([arg] * n, fallback) if n is not None and _one_size(arg) else arg
            for arg, n in zip(typ.args, [*counts, *[None] * len(typ.args)], strict=False)
        ]
        return typ.copy_modified(args=args)


def _one_size(typ: Type) -> bool:
    """A size written alone: a literal, `int`, a `Size`-free dim type or a type variable."""
    if isinstance(typ, TypeAliasType) and typ.alias is not None and not typ.args:
        typ = typ.alias.target
    if isinstance(typ, (AnyType, TupleType)):
        return False
    if isinstance(typ, Instance) and typ.type.fullname == "builtins.tuple":
        return False
    return isinstance(typ, (Instance, LiteralType, TypeVarType))


class AnyLayers:
    """`nn.Sequential[Any]`: a container of layers (`Sequential`, `SplitInto`, `AddInto`) with
    the one type argument `Any` is any such container, as the bare name is. Taken literally it
    is a container of one layer, so `def f() -> nn.Sequential[Any]: return nn.Sequential(a, b)`
    was "Too many arguments", though every container fits `Sequential[*tuple[Any, ...]]`."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.inside = False

    def hook(self, ctx: AnalyzeTypeContext) -> Type:
        self.inside = True
        try:
            typ = ctx.api.analyze_type(ctx.type)
            if _one_any(typ):
                return ctx.api.analyze_type(ctx.type.copy_modified(args=[]))
            return typ
        finally:
            self.inside = False


def _one_any(typ: Type) -> bool:
    """`C[Any]`, written so, of a class whose one type parameter is a `TypeVarTuple`."""
    if not isinstance(typ, Instance) or len(typ.args) != 1:
        return False
    # NOTE: as written, before mypy packs the argument into `*tuple[Any]`
    return not isinstance(typ.args[0], UnpackType) and _is_any(typ.args[0])


def _is_any(typ: Type) -> bool:
    t = get_proper_type(typ)
    return isinstance(t, AnyType) and t.type_of_any == TypeOfAny.explicit
