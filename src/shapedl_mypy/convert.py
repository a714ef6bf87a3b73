"""mypy types <-> `shapedl.dims`: the only module that knows both worlds.

A dimension type converts to a dim: `Const[n]` (that is `Literal[n]`) is `n`, `Dyn` (that is
`Any`) and a plain `int` are `DYN`, a `TypeVar` is a symbol (keyed by the TypeVar's id, so two
TypeVars named alike stay apart), and `Add`/`Sub`/`Mul`/`FloorDiv` are the `dims` operations;
anything else is `DYN`. Back, an `Expr` becomes nested `Add`/`Sub`/`Mul`/`FloorDiv` in the
canonical order `dims` keeps, so `Mul[T, B]` is always written `Mul[B, T]`, and `DYN` is `Any`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mypy.lookup import lookup_fully_qualified
from mypy.nodes import (
    EllipsisExpr,
    Expression,
    FloatExpr,
    IntExpr,
    ListExpr,
    RefExpr,
    SliceExpr,
    StarExpr,
    StrExpr,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
)
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarType,
    UnionType,
    get_proper_type,
)

from shapedl import dims
from shapedl.dims import Dim, Expr, Shape, Sym
from shapedl.ops.index import IndexArray
from shapedl.types import DTYPES

__all__ = [
    "ADD",
    "ARITHMETIC",
    "FLOORDIV",
    "MODULE",
    "MUL",
    "SIZE",
    "SUB",
    "TENSOR",
    "Converter",
    "Named",
    "UNKNOWN",
    "any_as_dyn",
    "any_type",
    "checker_named",
    "convertible",
    "index_array",
    "int_dim",
    "static_value",
    "tensor_parts",
]

TYPES = "shapedl.types"
ADD = f"{TYPES}.Add"
SUB = f"{TYPES}.Sub"
MUL = f"{TYPES}.Mul"
FLOORDIV = f"{TYPES}.FloorDiv"
SIZE = f"{TYPES}.Size"
TENSOR = "shapedl.tensor.Tensor"
MODULE = "shapedl.nn.module.Module"
_OPS: dict[str, Callable[[Dim, Dim], Dim]] = {
    ADD: dims.add,
    SUB: dims.sub,
    MUL: dims.mul,
    FLOORDIV: dims.floordiv,
}

ARITHMETIC = frozenset(_OPS)
Named = Callable[[str, list[Type]], Instance]


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def checker_named(api: object) -> Named:
    """`named(fullname, args)` for the type checker, finding classes in any loaded module."""
    modules = getattr(api, "modules", None)
    fallback: Named = api.named_generic_type  # type: ignore[attr-defined]

    def named(fullname: str, args: list[Type]) -> Instance:
        if modules is not None:
            sym = lookup_fully_qualified(fullname, modules)
            if sym is not None and isinstance(sym.node, TypeInfo):
                return Instance(sym.node, args)
        return fallback(fullname, args)

    return named


def any_type() -> AnyType:
    return AnyType(TypeOfAny.special_form)


def _int_literal(t: ProperType) -> int | None:
    if isinstance(t, LiteralType) and type(t.value) is int:
        return t.value
    if isinstance(t, Instance) and t.last_known_value is not None:
        return _int_literal(t.last_known_value)
    return None


class Converter:
    """Converts in both directions, remembering which TypeVar each symbol came from."""

    def __init__(self, named: Named) -> None:
        self.named = named
        self.syms: dict[str, TypeVarType] = {}

    # ---- types -> dims ----------------------------------------------------------------
    def dim(self, typ: Type) -> Dim:
        t = get_proper_type(typ)
        if isinstance(t, TypeVarType):
            key = f"{t.fullname}@{t.id}"
            self.syms[key] = t
            return dims.sym(t.name, key)
        n = _int_literal(t)
        if n is not None:
            return n
        if not isinstance(t, Instance):
            return dims.DYN
        op = _OPS.get(t.type.fullname)
        if op is not None and len(t.args) == 2:
            return op(self.dim(t.args[0]), self.dim(t.args[1]))
        return dims.DYN

    def shape(self, typ: Type) -> Shape | None:
        """The dims of a `tuple[...]` shape type; None for an unknown rank."""
        t = get_proper_type(typ)
        if not isinstance(t, TupleType):
            return None
        out: list[Dim] = []
        for item in t.items:
            if not isinstance(get_proper_type(item), (Instance, LiteralType, TypeVarType, AnyType)):
                return None  # NOTE: an unpacked *tuple[...] has no fixed rank
            out.append(self.dim(item))
        return tuple(out)

    # ---- dims -> types ----------------------------------------------------------------
    def const(self, n: int) -> LiteralType:
        return LiteralType(n, self.named("builtins.int", []))

    def dim_type(self, d: object) -> Type:
        if isinstance(d, bool):
            raise TypeError(f"not a dimension: {d!r}")
        if isinstance(d, int):
            return self.const(d)
        if d is dims.DYN:
            return any_type()
        if isinstance(d, Expr):
            return self._expr(d)
        raise TypeError(f"not a dimension: {d!r}")

    def shape_type(self, shape: Sequence[object]) -> TupleType:
        items = [self.dim_type(d) for d in shape]
        fallback = self.named("builtins.tuple", [any_type()])
        return TupleType(items, fallback)

    def _atom(self, atom: object) -> Type:
        if isinstance(atom, Sym):
            tv = self.syms.get(atom.key)
            if tv is None:
                raise KeyError(f"unknown symbol {atom}")
            return tv
        num, den = atom.num, atom.den  # type: ignore[attr-defined]
        return self.named(FLOORDIV, [self.dim_type(num), self.dim_type(den)])

    def _fold(self, op: str, items: list[Type]) -> Type:
        out = items[0]
        for item in items[1:]:
            out = self.named(op, [out, item])
        return out

    def _expr(self, e: Expr) -> Type:
        pos: list[Type] = []
        neg: list[Type] = []
        for mono, coef in e.terms:
            factors: list[Type] = [self.const(abs(coef))] if abs(coef) != 1 or not mono else []
            for atom, power in mono:
                factors += [self._atom(atom)] * power
            (pos if coef > 0 else neg).append(self._fold(MUL, factors))
        out = self._fold(ADD, pos) if pos else self.const(0)
        for term in neg:
            out = self.named(SUB, [out, term])
        return out


def convertible(typ: Type) -> bool:
    """Whether a dimension type converts exactly (no placeholder of a name not yet bound)."""
    t = get_proper_type(typ)
    if isinstance(t, Instance):
        return t.type.fullname in ARITHMETIC and all(convertible(a) for a in t.args)
    return isinstance(t, (LiteralType, TypeVarType, AnyType))


def int_dim(conv: Converter, typ: Type) -> Dim | None:
    """The dim an int-typed value stands for: a literal, a `Size[X]`'s `X`, else `DYN`.

    A union of ints (`math.prod(x.shape[1:])` is `Size[int] | Literal[1]`, `b if flag else t`
    is `Size[B] | Size[T]`) is its members' one dim where they agree, else `DYN`, as a plain
    `int`'s. None when the type is not an int at all.
    """
    t = get_proper_type(typ)
    if isinstance(t, UnionType):
        return _union_dim(conv, t)
    n = _int_literal(t)
    if n is not None:
        return n
    if isinstance(t, Instance):
        if t.type.fullname == SIZE and t.args:
            return conv.dim(t.args[0])
        if t.type.fullname != "builtins.bool" and t.type.has_base("builtins.int"):
            return dims.DYN
    return None


def _union_dim(conv: Converter, t: UnionType) -> Dim | None:
    found: list[Dim] = []
    for member in t.relevant_items():
        d = int_dim(conv, member)
        if d is None:
            return None
        found.append(d)
    same = bool(found) and all(dims.same(d, found[0]) is True for d in found)
    return found[0] if same else dims.DYN


# a dtype class's full name -> whether an index tensor of it is a mask (int ones are not)
_INDEX_DTYPES = {
    f"{TYPES}.{cls.__name__}": name == "bool"
    for name, cls in DTYPES.items()
    if name == "bool" or name.startswith("int")
}


def index_array(conv: Converter, typ: Type) -> IndexArray | object | None:
    """What `getitem`'s rule sees of an index tensor (`C[X]`, `x[mask]`): its shape and whether
    it is a mask, as at run time; `UNKNOWN` for one of unknown shape or dtype; None for a type
    that is not a tensor."""
    parts = tensor_parts(typ)
    if parts is None:
        return None
    shape, dtype = conv.shape(parts[0]), get_proper_type(parts[1])
    mask = _INDEX_DTYPES.get(dtype.type.fullname) if isinstance(dtype, Instance) else None
    return UNKNOWN if shape is None or mask is None else IndexArray(shape, mask)


def static_value(
    conv: Converter,
    expr: Expression | None,
    typ: Type | None,
    lookup: Callable[[Expression], Type | None],
) -> object:
    """The Python value of a literal argument (ints may be dims), or `UNKNOWN`."""
    if isinstance(expr, IntExpr):
        return expr.value
    if (
        isinstance(expr, UnaryExpr)
        and expr.op == "-"
        and isinstance(expr.expr, IntExpr | FloatExpr)
    ):
        return -expr.expr.value
    if isinstance(expr, (FloatExpr, StrExpr)):
        return expr.value
    if isinstance(expr, RefExpr) and expr.fullname in _NAMED:
        return _NAMED[expr.fullname]
    if isinstance(expr, EllipsisExpr):
        return Ellipsis
    if isinstance(expr, SliceExpr):
        parts = [
            None if e is None else static_value(conv, e, lookup(e), lookup)
            for e in (expr.begin_index, expr.end_index, expr.stride)
        ]
        return UNKNOWN if any(v is UNKNOWN for v in parts) else slice(*parts)
    if isinstance(expr, (TupleExpr, ListExpr)):
        items = [v for item in expr.items for v in _items(conv, item, lookup)]
        if _flat(expr) and len(items) == len(expr.items):
            items = [any_as_dyn(v, lookup(e)) for v, e in zip(items, expr.items, strict=True)]
        if any(v is UNKNOWN for v in items):
            return UNKNOWN
        return tuple(items) if isinstance(expr, TupleExpr) else items
    if typ is None:
        return UNKNOWN
    return _static_from_type(conv, typ)


def _items(
    conv: Converter, expr: Expression, lookup: Callable[[Expression], Type | None]
) -> list[object]:
    """The values an item of a tuple expression gives: a spread tuple's each
    (`(*x.shape[:-1], 4, -1)`), else its own."""
    if not isinstance(expr, StarExpr):
        return [static_value(conv, expr, lookup(expr), lookup)]
    t = lookup(expr.expr)
    p = None if t is None else get_proper_type(t)
    if not isinstance(p, TupleType):
        return [UNKNOWN]
    return [_static_from_type(conv, item) for item in p.items]


def _flat(expr: TupleExpr | ListExpr) -> bool:
    """Whether no item is written as a tuple, a list or a spread (a shape, not pad's pairs)."""
    return not any(isinstance(e, (TupleExpr, ListExpr, StarExpr)) for e in expr.items)


def any_as_dyn(value: object, typ: Type | None) -> object:
    """An `Any` item of a flat tuple of sizes (`(arr.shape[0], 6)` for an array whose shape
    NumPy types as `tuple[Any, ...]`) is a size known only at run time: `Dyn`, as an `int`'s."""
    if value is UNKNOWN and typ is not None and isinstance(get_proper_type(typ), AnyType):
        return dims.DYN
    return value


_NAMED: dict[str, object] = {
    "builtins.True": True,
    "builtins.False": False,
    "builtins.None": None,
    "shapedl.dims.DYN": dims.DYN,
    "shapedl.DYN": dims.DYN,
}


def _static_from_type(conv: Converter, typ: Type) -> object:
    t = get_proper_type(typ)
    if isinstance(t, NoneType):
        return None
    if isinstance(t, LiteralType) and isinstance(t.value, (bool, str)):
        return t.value
    if isinstance(t, TupleType):
        items = [_static_from_type(conv, item) for item in t.items]
        return UNKNOWN if any(v is UNKNOWN for v in items) else tuple(items)
    array = index_array(conv, t)
    if array is not None:
        return array
    d = int_dim(conv, t)
    return UNKNOWN if d is None else d


def tensor_parts(typ: Type) -> tuple[Type, Type, Type] | None:
    """`(S, DT, T)` of a `Tensor[S, DT, T]` type, or None for anything else."""
    t = get_proper_type(typ)
    if isinstance(t, Instance) and t.type.has_base(TENSOR):
        for base in t.type.mro:
            if base.fullname == TENSOR:
                inst = t if t.type is base else None
                if inst is None:
                    from mypy.maptype import map_instance_to_supertype

                    inst = map_instance_to_supertype(t, base)
                if len(inst.args) == 3:
                    return inst.args[0], inst.args[1], inst.args[2]
    return None
