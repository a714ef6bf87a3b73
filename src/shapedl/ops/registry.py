"""The one registry of ops: each op's shape rule and how its arguments map onto it.

`register` sits on an op's public function in its op file. The runtime calls the same rule
with concrete sizes; the mypy plugin reads `REGISTRY` to learn every op: for a call to
`spec.function` or a `Tensor` method in `spec.methods`, it converts the arguments named in
`spec.tensors` to shapes (lists of shapes for `spec.tensor_lists`) and the literal arguments
named in `spec.statics` to Python values, calls `spec.rule(spec.name, **those)`, and converts
the resulting shape back. Adding an op here is what teaches the plugin.

`register` also binds the op as the `Tensor` methods in `methods` (tensor.py declares their
types, not their bodies): the tensor is the first operand, the second for a reflected operator
(`__radd__` beside `__add__`), and ops on two operands `a`, `b` take the other as `other`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shapedl.dims import Shape
from shapedl.tensor import Tensor

__all__ = ["REGISTRY", "OpSpec", "counts", "floats", "register"]

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
        promote: the result's dtype name from the operand's where NumPy changes it (`counts`:
            a sum of i32 or bools is int64; `floats`: the mean of ints is float64), else None.
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
    promote: Callable[[str], str] | None = None

    def item_dtype(self, i: int) -> str | None:
        """The fixed dtype name of item `i` of the result (of the result itself: `i=0`)."""
        return self.item_dtypes[i] if i < len(self.item_dtypes) else self.dtype


REGISTRY: dict[str, OpSpec] = {}


def counts(dtype: str) -> str:
    """A sum's (or a product's, or a scan's) dtype, as PyTorch's: integers and bools count in
    int64."""
    return "int64" if dtype in ("bool", "int32") else dtype


def floats(dtype: str) -> str:
    """A mean's (or variance's) dtype, as NumPy's: float64 for ints and bools."""
    return dtype if "float" in dtype else "float64"


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
    promote: Callable[[str], str] | None = None,
    guard: Callable[..., None] | None = None,
) -> Callable[[F], F]:
    """Record the decorated public function as op `name` with shape rule `rule`, and bind it
    as the `Tensor` methods in `methods`; `guard(*operands)`, if given, checks an operator
    method's operands first (`&` takes boolean tensors only, while `logical_and` and
    `x.logical_and(y)` take any)."""

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
            promote=promote,
        )
        for method in methods:
            reflected = method.startswith("__r") and f"__{method[3:]}" in methods
            _bind(method, fn, reflected, tensors == ("a", "b"), guard)
        return fn

    return decorate


_BOUND: set[str] = set()


def _bind(
    name: str,
    fn: Callable[..., Any],
    reflected: bool,
    binary: bool,
    guard: Callable[..., None] | None,
) -> None:
    """`Tensor.<name>` as a call of `fn`, unless the class writes that method itself."""
    if name in _BOUND:
        raise ValueError(f"Tensor.{name} is bound by two ops")
    _BOUND.add(name)
    if name in vars(Tensor):  # NOTE: `==` needs more than the op: `t == None` is False
        return
    method = _reflected(fn) if reflected else _binary(fn) if binary else _unary(fn)
    # NOTE: the guard is the operator's (`&`), not the named method's (`x.logical_and(y)`)
    bound = method if guard is None or not name.startswith("__") else _guarded(method, guard)
    bound.__name__, bound.__qualname__, bound.__doc__ = name, f"Tensor.{name}", fn.__doc__
    setattr(Tensor, name, bound)


def _reflected(fn: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, other: Any) -> Any:
        return fn(other, self)

    return method


def _binary(fn: Callable[..., Any]) -> Callable[..., Any]:
    # NOTE: the options after `other` pass on (`x.isclose(y, atol=1e-6)`)
    def method(self: Any, other: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, other, *args, **kwargs)

    return method


def _unary(fn: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    return method


def _guarded(method: Callable[..., Any], guard: Callable[..., None]) -> Callable[..., Any]:
    def checked(self: Any, *args: Any) -> Any:
        guard(self, *args)
        return method(self, *args)

    return checked
