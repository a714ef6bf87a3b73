"""What a callable's (or attribute's) declaration asks of the plugin, found once per name."""

from __future__ import annotations

from dataclasses import dataclass

from mypy.nodes import SymbolNode
from mypy.types import CallableType

from shapedl_mypy.hooks import canonical, context, generic, size_args, stale_args, tape

__all__ = ["NOTHING", "Declared", "declared"]


@dataclass(frozen=True)
class Declared:
    """The features of a declaration that call, signature and attribute hooks are built from."""

    arithmetic: bool = False  # `Mul[...]` & co: results brought to canonical form
    sizes: bool = False  # `Size[X]` parameters: bound from ints
    any_tensor: bool = False  # `Tensor[Any, ...]` parameters: unpinned
    own: CallableType | None = None  # a user's generic signature: conflicts explained
    generic: bool = False  # tensor parameters shaped by its own type variables: union math
    tapes: bool = False  # tensor parameters sharing its own tape variable: traced if one is
    init: CallableType | None = None  # a class's constructor taking a `Size`: ints forgiven
    tensors: bool = False  # tensor parameters: stale members of union arguments forgiven
    spreads: bool = False  # a result of shape `(*Bs, ...)`: solved from known shapes only


NOTHING = Declared()


def declared(fullname: str, node: SymbolNode | None) -> Declared:
    """What the declaration `node` of `fullname` asks for."""
    types = canonical.declared(node)
    return Declared(
        arithmetic=any(canonical.has_arithmetic(t) for t in types),
        sizes=any(generic.declares_sizes(t) for t in types),
        any_tensor=any(generic.has_any_tensor(t) for t in types),
        own=None if fullname.startswith("shapedl.") else generic.own_signature(node),
        generic=any(generic.tensor_variables(t) for t in types),
        tapes=any(tape.tape_variables(t) for t in types),
        init=size_args.constructor(node),
        tensors=any(stale_args.takes_tensors(t) for t in types),
        spreads=any(context.spreads(t) for t in types),
    )
