"""`backward()`: allowed statically only on a traced scalar, with the runtime's words."""

from __future__ import annotations

from mypy.plugin import AttributeContext, FunctionContext, MethodContext
from mypy.typeops import make_simplified_union
from mypy.types import Instance, LiteralType, Type, UnionType, get_proper_type

from shapedl.errors import not_scalar, untraced
from shapedl_mypy.codes import TAPE
from shapedl_mypy.convert import TYPES, Converter, checker_named, tensor_parts

__all__ = ["backward_hook", "drop_self_error", "sum_hook"]


def backward_hook(ctx: MethodContext) -> Type:
    parts = tensor_parts(ctx.type)
    if parts is None:
        return ctx.default_return_type
    tape = get_proper_type(parts[2])
    name = tape.type.fullname if isinstance(tape, Instance) else None
    shape = Converter(checker_named(ctx.api)).shape(parts[0])
    if name == f"{TYPES}.NoTape" and _maybe_traced(ctx):
        drop_self_error(ctx, "backward")
        return ctx.default_return_type
    if name == f"{TYPES}.NoTape":
        message = untraced()
    elif name == f"{TYPES}.Traced" and shape:
        message = not_scalar(shape)
    else:
        return ctx.default_return_type
    drop_self_error(ctx, "backward")
    ctx.api.fail(message, ctx.context, code=TAPE)
    return ctx.default_return_type


def _maybe_traced(ctx: MethodContext) -> bool:
    """Whether the receiver is a union (a name rebound in a loop) with a traced member.

    NOTE: mypy checks `c.backward()` once per member of `c: Tensor[..., NoTape] | Tensor[...,
    Traced]` (corgi's `c = c + a * b` in a loop); the untraced member is the loop never run,
    which the runtime reports: gradual typing gives it the benefit of the doubt.
    """
    callee = getattr(ctx.context, "callee", None)
    receiver = getattr(callee, "expr", None)
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    whole = None if receiver is None or lookup is None else lookup(receiver)
    t = None if whole is None else get_proper_type(whole)
    if not isinstance(t, UnionType):
        return False
    for item in t.items:
        parts = tensor_parts(item)
        tape = None if parts is None else get_proper_type(parts[2])
        if isinstance(tape, Instance) and tape.type.fullname == f"{TYPES}.Traced":
            return True
    return False


def drop_self_error(ctx: MethodContext | AttributeContext, name: str) -> None:
    """Replace plain typing's `Invalid self argument ... "name"` by the plugin's error.

    The note mypy adds to it under `# type: ignore[tape]` ("Error code misc not covered")
    goes too: one bug, one error, silenced by our code.
    """
    errors = ctx.api.msg.errors
    # NOTE: a union's members are checked under error watchers that report what they kept later
    lists = [errors.error_info_map.get(errors.file) or []]
    lists += [getattr(w, "_filtered", None) or [] for w in errors._watchers]
    line = ctx.context.line
    for infos in lists:
        for info in list(infos):
            if info.line == line and (
                (info.message.startswith("Invalid self argument") and f'"{name}"' in info.message)
                or info.message.startswith('Error code "misc" not covered by "type: ignore')
            ):
                infos.remove(info)


def sum_hook(ctx: FunctionContext) -> Type:
    """`sum(losses)` of tensors is a tensor, not `Tensor | Literal[0]`.

    NOTE: typeshed types `sum(xs)` without a start as `T | Literal[0]` (the 0 of an empty
    `xs`), so the everyday `sum(losses).backward()` was an `[union-attr]` error; an empty list
    of losses is a bug the run shows at once, a false error on every correct program is not.
    """
    ret = get_proper_type(ctx.default_return_type)
    if any(ctx.args[1:]) or not isinstance(ret, UnionType):
        return ctx.default_return_type
    items = [get_proper_type(t) for t in ret.items]
    tensors = [t for t in items if tensor_parts(t) is not None]
    zero = [t for t in items if isinstance(t, LiteralType) and t.value == 0]
    if not tensors or len(tensors) + len(zero) != len(items):
        return ctx.default_return_type
    return make_simplified_union(tensors)
