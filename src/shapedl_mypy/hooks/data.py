"""`Batches` and `batches()` given tensors with a `Dyn` size: typed batches, not `Any`.

Both are typed with two overloads, one for typed tensors and one for anything else (arrays,
lists). An argument with `Any` in it (a `Dyn` row count, `Tensor[tuple[Dyn, Const[8]]]`)
matches both, and mypy then gives the call `Any` (`Batches[Any, Any]`): every batch of a
data set whose length is known at run time only was `Any`. Here both overloads give the type
the tensors decide: a batch has `Dyn` rows and the tensor's other sizes and dtype, untraced.

Both check the runtime's rule (`data.check_rows`): as many targets as rows, a `[shape]` error
where the two lengths are numbers that differ.
"""

from __future__ import annotations

from mypy.plugin import FunctionContext
from mypy.types import Instance, TupleType, Type, get_proper_type

from shapedl.data import check_rows
from shapedl.errors import ShapeError
from shapedl_mypy.codes import SHAPE, report
from shapedl_mypy.convert import TENSOR, TYPES, Converter, any_type, checker_named, tensor_parts

__all__ = ["BATCHES", "batches_hook"]

BATCHES = ("shapedl.data.Batches", "shapedl.data.batches")


def batches_hook(ctx: FunctionContext) -> Type:
    out = get_proper_type(ctx.default_return_type)
    if not isinstance(out, Instance) or out.type.fullname != BATCHES[0]:
        return ctx.default_return_type
    # NOTE: the same type from both overloads (mypy calls the hook once per overload that
    # matches), so that mypy finds no ambiguity to give `Any` for
    given = [types[0] for types in ctx.arg_types[:2] if len(types) == 1]
    _check_rows(ctx, given)
    batch = [_batch(ctx, t) for t in given]
    if len(batch) != 2 or None in batch:
        return ctx.default_return_type
    return out.copy_modified(args=batch)


def _check_rows(ctx: FunctionContext, given: list[Type]) -> None:
    """The runtime's rule: as many targets `y` as rows of `x` (where both lengths are known)."""
    conv = Converter(checker_named(ctx.api))
    parts = [tensor_parts(t) for t in given]
    shapes = [None if p is None else conv.shape(p[0]) for p in parts]
    if len(shapes) != 2 or shapes[0] is None or shapes[1] is None:
        return
    try:
        check_rows("batches", shapes[0], shapes[1])
    except ShapeError as err:
        report(ctx.api, str(err), ctx.context, SHAPE)


def _batch(ctx: FunctionContext, typ: Type) -> Type | None:
    """One batch of the tensor `typ`: its shape with `Dyn` rows, its dtype, untraced."""
    parts = tensor_parts(typ)
    shape = None if parts is None else get_proper_type(parts[0])
    if parts is None or not isinstance(shape, TupleType) or not shape.items:
        return None
    rows = shape.copy_modified(items=[any_type(), *shape.items[1:]])
    untraced = checker_named(ctx.api)(f"{TYPES}.NoTape", [])
    return checker_named(ctx.api)(TENSOR, [rows, parts[1], untraced])
