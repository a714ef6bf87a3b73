"""`x.T`: a matrix transpose, so a tensor that is not 2-d is the runtime's `[shape]` error."""

from __future__ import annotations

from mypy.plugin import AttributeContext
from mypy.types import Type

from shapedl.errors import not_matrix_t
from shapedl_mypy.codes import SHAPE, report
from shapedl_mypy.convert import TENSOR, Converter, any_type, checker_named, tensor_parts
from shapedl_mypy.hooks.tape import drop_self_error

__all__ = ["transpose_attribute_hook"]


def transpose_attribute_hook(ctx: AttributeContext) -> Type:
    """`x.T` on a tensor that is not 2-d: the runtime's [shape] error instead of mypy's."""
    parts = tensor_parts(ctx.type)
    conv = Converter(checker_named(ctx.api))
    shape = None if parts is None else conv.shape(parts[0])
    if parts is None or shape is None or len(shape) == 2:
        return ctx.default_attr_type
    drop_self_error(ctx, "T")
    report(ctx.api, not_matrix_t(shape), ctx.context, SHAPE)
    return conv.named(f"{TENSOR}", [any_type(), parts[1], parts[2]])
