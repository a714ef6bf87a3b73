"""A tensor of unknown rank is typed `Tensor[Any, ...]`, never `tuple[*tuple[Any, ...], N]`.

`nn.Linear(8, 16)(x)` on a bare `x: Tensor` solves the layer's `*Bs` to `*tuple[Any, ...]`, so
mypy's own type of the call is `Tensor[tuple[*tuple[Any, ...], Literal[16]]]`. A name rebound
through such calls (`x = self.fc1(x)`, `x = self.fc2(x)`, the PyTorch habit) is then the union
of that and `Tensor[Any]`, and mypy 2.4 crashes inferring the next call's `*Bs` from that union
("Invalid type replacement to expand: tuple[*tuple[Any, ...]] | Any", an INTERNAL ERROR). The
hooks' results therefore give such a shape as `Any`: the one size it knew is lost, mypy is not.
"""

from __future__ import annotations

from mypy.types import (
    AnyType,
    Instance,
    TupleType,
    Type,
    TypeOfAny,
    UnionType,
    UnpackType,
    get_proper_type,
)

from shapedl_mypy.convert import TENSOR

__all__ = ["no_unknown_rank"]


def no_unknown_rank(typ: Type) -> Type:
    """`typ`, a tensor whose shape has an unpacked `tuple[Any, ...]` in it made shapeless."""
    t = get_proper_type(typ)
    if isinstance(t, UnionType):
        return UnionType.make_union([no_unknown_rank(i) for i in t.items], t.line, t.column)
    if not isinstance(t, Instance) or t.type.fullname != TENSOR or not t.args:
        return typ
    shape = get_proper_type(t.args[0])
    if isinstance(shape, TupleType) and any(_unknown_rank(i) for i in shape.items):
        return t.copy_modified(args=[AnyType(TypeOfAny.special_form), *t.args[1:]])
    return typ


def _unknown_rank(item: Type) -> bool:
    if not isinstance(item, UnpackType):
        return False
    inner = get_proper_type(item.type)
    if not isinstance(inner, Instance) or inner.type.fullname != "builtins.tuple":
        return False
    return isinstance(get_proper_type(inner.args[0]), AnyType)
