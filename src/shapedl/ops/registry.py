"""The one registry of ops: each op's shape rule and how its arguments map onto it.

`register` sits on an op's public function in its op file. The runtime calls the same rule
with concrete sizes; the mypy plugin reads `REGISTRY` to learn every op: for a call to
`spec.function` or a `Tensor` method in `spec.methods`, it converts the arguments named in
`spec.tensors` to shapes (lists of shapes for `spec.tensor_lists`) and the literal arguments
named in `spec.statics` to Python values, calls `spec.rule(spec.name, **those)`, and converts
the resulting shape back. Adding an op here is what teaches the plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shapedl.dims import Shape

__all__ = ["REGISTRY", "OpSpec", "register"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class OpSpec:
    """How one op's arguments feed its shape rule.

    Attributes:
        name: the op's name, used in messages (`matmul`).
        rule: `rule(name, **args) -> Shape` (or a tuple of shapes when `returns == "tuple"`).
        function: fullname of the public function (`shapedl.ops.matmul.matmul`).
        tensors: parameter names that hold one tensor (or a scalar, passed as shape `()`).
        tensor_lists: parameter names that hold a sequence of tensors (a list of shapes).
        statics: parameter names whose literal values the rule takes (axis, keepdims...).
        methods: `Tensor` methods that are this op with `self` as the first tensor.
        dtype: the result's dtype name when fixed (`"bool"`, `"int64"`), else None.
        returns: `"tensor"`, or `"tuple"` for ops that return several tensors.
        item_dtypes: for a tuple result, each item's fixed dtype name or None (the operands'):
            `sort` gives `(None, "int64")`, values and indices; empty: `dtype` for every item.
    """

    name: str
    rule: Callable[..., Any]
    function: str
    tensors: tuple[str, ...] = ("x",)
    tensor_lists: tuple[str, ...] = ()
    statics: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    dtype: str | None = None
    returns: str = "tensor"
    extra: dict[str, Any] = field(default_factory=dict)
    item_dtypes: tuple[str | None, ...] = ()

    def item_dtype(self, i: int) -> str | None:
        """The fixed dtype name of item `i` of the result (of the result itself: `i=0`)."""
        return self.item_dtypes[i] if i < len(self.item_dtypes) else self.dtype


REGISTRY: dict[str, OpSpec] = {}


def register(
    name: str,
    rule: Callable[..., Shape] | Callable[..., tuple[Shape, ...]],
    *,
    tensors: tuple[str, ...] = ("x",),
    tensor_lists: tuple[str, ...] = (),
    statics: tuple[str, ...] = (),
    methods: tuple[str, ...] = (),
    dtype: str | None = None,
    returns: str = "tensor",
    item_dtypes: tuple[str | None, ...] = (),
) -> Callable[[F], F]:
    """Record the decorated public function as op `name` with shape rule `rule`."""

    def decorate(fn: F) -> F:
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is registered twice")
        REGISTRY[name] = OpSpec(
            name,
            rule,
            f"{fn.__module__}.{fn.__qualname__}",
            tensors,
            tensor_lists,
            statics,
            methods,
            dtype,
            returns,
            item_dtypes=item_dtypes,
        )
        return fn

    return decorate
