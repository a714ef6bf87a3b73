"""Dimension arithmetic that mypy itself wrote, brought to the canonical form.

mypy substitutes type variables on its own: `Mlp[D]`'s field `Linear[D, Mul[Const[4], D]]`
read at `D = Mul[H, K]` is `Mul[Const[4], Mul[H, K]]`, while the plugin (and an annotation,
through `spellings.arithmetic_hook`) writes that dim `Mul[Mul[Const[4], H], K]`. Equal dims
must be equal types, so every signature, call result and attribute whose declaration holds
dimension arithmetic is rewritten in the canonical form of `shapedl.dims` before mypy compares
it. Declarations without arithmetic need nothing: substituting canonical dims into them keeps
them canonical.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy.nodes import Decorator, FuncBase, SymbolNode, TypeInfo, Var
from mypy.plugin import (
    AttributeContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
)
from mypy.type_visitor import TypeTranslator
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    Overloaded,
    TupleType,
    Type,
    TypeAliasType,
    TypeType,
    UnionType,
    get_proper_type,
)

from shapedl_mypy.convert import ARITHMETIC, Converter, Named, checker_named, convertible

__all__ = [
    "attribute",
    "canonical",
    "declared",
    "declares_arithmetic",
    "has_arithmetic",
    "result",
    "signature",
]

C = TypeVar("C", FunctionContext, MethodContext)
SigC = TypeVar("SigC", FunctionSigContext, MethodSigContext)


def has_arithmetic(typ: Type) -> bool:
    """Whether `typ` holds an `Add`/`Sub`/`Mul`/`FloorDiv` anywhere.

    NOTE: by hand: mypy's compiled `BoolTypeQuery` cannot be subclassed from Python.
    """
    t = get_proper_type(typ)
    if isinstance(t, Instance):
        return t.type.fullname in ARITHMETIC or any(has_arithmetic(a) for a in t.args)
    if isinstance(t, (TupleType, UnionType)):
        return any(has_arithmetic(i) for i in t.items)
    if isinstance(t, CallableType):
        return has_arithmetic(t.ret_type) or any(has_arithmetic(a) for a in t.arg_types)
    if isinstance(t, Overloaded):
        return any(has_arithmetic(i) for i in t.items)
    if isinstance(t, TypeType):
        return has_arithmetic(t.item)
    return False


class _Canonical(TypeTranslator):
    def __init__(self, named: Named) -> None:
        super().__init__()
        self.named = named

    def visit_instance(self, t: Instance) -> Type:
        if t.type.fullname in ARITHMETIC and len(t.args) == 2:
            args = [a.accept(self) for a in t.args]
            if all(convertible(a) for a in args):
                conv = Converter(self.named)
                return conv.dim_type(conv.dim(t.copy_modified(args=args)))
        return super().visit_instance(t)

    def visit_type_alias_type(self, t: TypeAliasType) -> Type:
        return get_proper_type(t).accept(self)


def canonical(typ: Type, named: Named) -> Type:
    """`typ` with every `Add`/`Sub`/`Mul`/`FloorDiv` in canonical form."""
    return typ.accept(_Canonical(named)) if has_arithmetic(typ) else typ


def declared(node: SymbolNode | None) -> list[Type]:
    """The declared types of a function, variable, or class (its constructor's)."""
    if isinstance(node, Decorator):
        node = node.func
    if isinstance(node, (FuncBase, Var)):
        return [node.type] if node.type is not None else []
    if isinstance(node, TypeInfo):
        # NOTE: a class is called through its constructor
        found = (node.get(name) for name in ("__init__", "__new__"))
        return [t for sym in found if sym is not None for t in _declared_member(sym.node)]
    return []


def _declared_member(node: SymbolNode | None) -> list[Type]:
    return [] if isinstance(node, TypeInfo) else declared(node)


def declares_arithmetic(node: SymbolNode | None) -> bool:
    """Whether a function, class (its members) or variable declares dimension arithmetic."""
    return any(has_arithmetic(t) for t in declared(node))


def result(hook: Callable[[C], Type] | None) -> Callable[[C], Type]:
    """A call hook whose type (the hook's, or mypy's own) is made canonical."""

    def run(ctx: C) -> Type:
        typ = ctx.default_return_type if hook is None else hook(ctx)
        return canonical(typ, checker_named(ctx.api))

    return run


def signature(hook: Callable[[SigC], FunctionLike] | None) -> Callable[[SigC], FunctionLike]:
    """A signature hook whose parameter and return types are made canonical."""

    def run(ctx: SigC) -> FunctionLike:
        sig = ctx.default_signature if hook is None else hook(ctx)
        out = get_proper_type(canonical(sig, checker_named(ctx.api)))
        return out if isinstance(out, FunctionLike) else sig

    return run


def attribute(ctx: AttributeContext) -> Type:
    """An attribute's type (mypy's, after substitution) in canonical form."""
    return canonical(ctx.default_attr_type, checker_named(ctx.api))
