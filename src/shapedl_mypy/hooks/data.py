"""`Batches` and `batches()` given tensors with a `Dyn` size: typed batches, not `Any`.

Both are typed with two overloads, one for typed tensors and one for anything else (arrays,
lists). An argument with `Any` in it (a `Dyn` row count, `Tensor[tuple[Dyn, Const[8]]]`)
matches both, and mypy then gives the call `Any` (`Batches[Any, Any]`): every batch of a
data set whose length is known at run time only was `Any`. Here both overloads give the type
the tensors decide: a batch has `Dyn` rows and the tensor's other sizes and dtype, untraced.
"""

from __future__ import annotations

from mypy.plugin import FunctionContext
from mypy.types import Instance, TupleType, Type, get_proper_type

from shapedl_mypy.convert import TENSOR, TYPES, any_type, checker_named, tensor_parts

__all__ = ["BATCHES", "batches_hook"]

BATCHES = ("shapedl.data.Batches", "shapedl.data.batches")


def batches_hook(ctx: FunctionContext) -> Type:
    out = get_proper_type(ctx.default_return_type)
    if not isinstance(out, Instance) or out.type.fullname != BATCHES[0]:
        return ctx.default_return_type
    # NOTE: the same type from both overloads (mypy calls the hook once per overload that
    # matches), so that mypy finds no ambiguity to give `Any` for
    batch = [_batch(ctx, types[0]) for types in ctx.arg_types[:2] if len(types) == 1]
    if len(batch) != 2 or None in batch:
        return ctx.default_return_type
    return out.copy_modified(args=batch)


def _batch(ctx: FunctionContext, typ: Type) -> Type | None:
    """One batch of the tensor `typ`: its shape with `Dyn` rows, its dtype, untraced."""
    parts = tensor_parts(typ)
    shape = None if parts is None else get_proper_type(parts[0])
    if parts is None or not isinstance(shape, TupleType) or not shape.items:
        return None
    rows = shape.copy_modified(items=[any_type(), *shape.items[1:]])
    untraced = checker_named(ctx.api)(f"{TYPES}.NoTape", [])
    return checker_named(ctx.api)(TENSOR, [rows, parts[1], untraced])
