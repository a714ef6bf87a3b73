"""`backward()`: allowed statically only on a traced scalar, with the runtime's words."""

from __future__ import annotations

from mypy.plugin import MethodContext
from mypy.types import Instance, Type, get_proper_type

from shapedl.errors import not_scalar, untraced
from shapedl_mypy.codes import TAPE
from shapedl_mypy.convert import TYPES, Converter, checker_named, tensor_parts

__all__ = ["backward_hook"]


def backward_hook(ctx: MethodContext) -> Type:
    parts = tensor_parts(ctx.type)
    if parts is None:
        return ctx.default_return_type
    tape = get_proper_type(parts[2])
    name = tape.type.fullname if isinstance(tape, Instance) else None
    shape = Converter(checker_named(ctx.api)).shape(parts[0])
    if name == f"{TYPES}.NoTape":
        message = untraced()
    elif name == f"{TYPES}.Traced" and shape:
        message = not_scalar(shape)
    else:
        return ctx.default_return_type
    _drop_self_error(ctx)
    ctx.api.fail(message, ctx.context, code=TAPE)
    return ctx.default_return_type


def _drop_self_error(ctx: MethodContext) -> None:
    """Replace plain typing's `Invalid self argument ... "backward"` by the [tape] error."""
    errors = ctx.api.msg.errors
    infos = errors.error_info_map.get(errors.file)
    if not infos:
        return
    line = ctx.context.line
    for info in list(infos):
        if (
            info.line == line
            and info.message.startswith("Invalid self argument")
            and '"backward"' in info.message
        ):
            infos.remove(info)
