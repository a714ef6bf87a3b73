"""`einsum(subscripts, *operands)`: Einstein summation, with its shape read from the string.

Shape rule: each operand's letters bind its axes (`...` binds the axes left over, at most
once per operand); a letter is one size everywhere it appears, where a size 1 broadcasts, as
in NumPy and PyTorch, and a mismatch is a `ShapeError` naming the letter, both operands and
axes. The result has the output letters' sizes (after `->`; without it, the letters that
appear once, in alphabetical order, after `...`), so `einsum("bhtd,bhsd->bhts", q, k)` is
typed exactly, symbols included. If the operands use `...`, so must an explicit output.

The gradient of each operand is another einsum: the output's gradient contracted with the
other operands (and ones for letters only that operand has), summed back over what was
broadcast; a letter repeated in one operand (a diagonal, `"ii->i"`) gets its gradient on
that diagonal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from shapedl import dims
from shapedl.backend import Array
from shapedl.dims import Dim, Shape
from shapedl.errors import ShapeError, shape_error, show_shape
from shapedl.ops.elementwise import same_dtype
from shapedl.ops.precision import in_f32
from shapedl.ops.registry import register
from shapedl.tensor import Tensor, check_devices, record
from shapedl.types import DT

__all__ = ["einsum"]

ELLIPSIS = "..."
Term = list[str]  # letters and at most one "..."


def _terms(op: str, subscripts: str, shapes: Sequence[Shape]) -> tuple[list[Term], Term]:
    """The operands' terms and the output's, validated against the operands' ranks."""
    text = subscripts.replace(" ", "")
    lhs, arrow, rhs = text.partition("->")
    ins = [_split(op, t, shapes) for t in lhs.split(",")]
    if len(ins) != len(shapes):
        raise shape_error(
            op, shapes, f"subscripts {subscripts!r} name {len(ins)} operands, got {len(shapes)}"
        )
    for i, (term, shape) in enumerate(zip(ins, shapes, strict=True)):
        letters = len([c for c in term if c != ELLIPSIS])
        if (ELLIPSIS in term and len(shape) < letters) or (
            ELLIPSIS not in term and len(shape) != letters
        ):
            raise shape_error(
                op,
                shapes,
                f"operand {i} has rank {len(shape)}, but {''.join(term)!r} names "
                f"{letters} axes" + (" and ..." if ELLIPSIS in term else ""),
            )
        if ELLIPSIS in term and len(set(term)) != len(term):
            raise shape_error(
                op, shapes, f"operand {i}: a repeated letter with ... is not supported"
            )
    return ins, _output(op, ins, rhs if arrow else None, shapes)


def _split(op: str, term: str, shapes: Sequence[Shape]) -> Term:
    out: Term = []
    rest = term
    while rest:
        if rest.startswith(ELLIPSIS):
            out.append(ELLIPSIS)
            rest = rest[3:]
        elif rest[0].isalpha() and rest[0].isascii():
            out.append(rest[0])
            rest = rest[1:]
        else:
            raise shape_error(op, shapes, f"subscripts may hold letters and '...', not {rest[0]!r}")
    if out.count(ELLIPSIS) > 1:
        raise shape_error(op, shapes, f"{term!r} has more than one '...'")
    return out


def _output(op: str, ins: list[Term], rhs: str | None, shapes: Sequence[Shape]) -> Term:
    used = [c for term in ins for c in term]
    ellipsis = ELLIPSIS in used
    if rhs is None:
        once = sorted(c for c in set(used) if c != ELLIPSIS and used.count(c) == 1)
        return ([ELLIPSIS] if ellipsis else []) + once
    out = _split(op, rhs, shapes)
    for c in out:
        if c != ELLIPSIS and c not in used:
            raise shape_error(op, shapes, f"output letter {c!r} is in no operand")
        if out.count(c) > 1:
            raise shape_error(op, shapes, f"output letter {c!r} appears twice")
    if ellipsis and ELLIPSIS not in out:
        raise shape_error(op, shapes, "the operands use '...', so must the output", "add ...")
    return out


def _sizes(op: str, ins: list[Term], shapes: Sequence[Shape]) -> tuple[dict[str, Dim], Shape]:
    """Each letter's size (size 1 broadcasts) and the broadcast `...` dims."""
    sizes: dict[str, Dim] = {}
    where: dict[str, tuple[int, int]] = {}
    rests: list[Shape] = []
    for i, (term, shape) in enumerate(zip(ins, shapes, strict=True)):
        axis = 0
        for c in term:
            if c == ELLIPSIS:
                n = len(shape) - (len(term) - 1)
                rests.append(shape[axis : axis + n])
                axis += n
                continue
            d = shape[axis]
            if c in sizes:
                sizes[c] = _pair(op, shapes, c, sizes[c], where[c], d, (i, axis))
            else:
                sizes[c], where[c] = d, (i, axis)
            axis += 1
    try:
        return sizes, dims.broadcast(op, *rests) if rests else ()
    except ShapeError:
        shown = " and ".join(show_shape(r) for r in rests)
        raise shape_error(op, shapes, f"the axes of '...', {shown}, do not broadcast") from None


def _pair(
    op: str,
    shapes: Sequence[Shape],
    c: str,
    a: Dim,
    at: tuple[int, int],
    b: Dim,
    bt: tuple[int, int],
) -> Dim:
    if a == 1:
        return b
    if b == 1:
        return a
    both = dims.unify(a, b)
    if both is None:
        raise shape_error(
            op,
            shapes,
            f"letter {c!r} is {a} at axis {at[1]} of operand {at[0]} but {b} at axis {bt[1]} "
            f"of operand {bt[0]}",
        )
    return both


def einsum_rule(op: str, subscripts: Any, operands: Sequence[Shape]) -> Shape:
    """The output's shape: each output letter's size, `...` the broadcast leftover axes."""
    if not isinstance(subscripts, str):
        raise shape_error(op, list(operands), f"subscripts must be a string, not {subscripts!r}")
    ins, out = _terms(op, subscripts, operands)
    sizes, rest = _sizes(op, ins, operands)
    result: list[Dim] = []
    for c in out:
        result += list(rest) if c == ELLIPSIS else [sizes[c]]
    return tuple(result)


def _spec(term: Term) -> str:
    return "".join(term)


def _grad(xp: Any, g: Array, out: Term, ins: list[Term], arrays: list[Array], i: int) -> Array:
    """The gradient of operand `i`: `g` contracted with the others, back to operand i's shape."""
    term, x = ins[i], arrays[i]
    letters = [c for c in dict.fromkeys(term) if c != ELLIPSIS]
    axis = _axes(term, x.ndim)
    present = set(out) | {c for j, t in enumerate(ins) if j != i for c in t}
    lone = [c for c in letters if c not in present]  # NOTE: summed away; ones give their size
    ones = [xp.ones(x.shape[axis[c]], x.dtype) for c in lone]
    others = [a for j, a in enumerate(arrays) if j != i]
    lhs = ",".join([_spec(out), *(_spec(t) for j, t in enumerate(ins) if j != i), *lone])
    # NOTE: NumPy wants `...` in the output whenever an input has it; what x lacks is summed
    head = ELLIPSIS if ELLIPSIS in lhs else ""
    full = xp.einsum(f"{lhs}->{head}{''.join(letters)}", g, *others, *ones, optimize=True)
    keep = x.ndim - len(term) + 1 if ELLIPSIS in term else 0
    if head:
        full = full.sum(axis=tuple(range(full.ndim - keep - len(letters))))
    # NOTE: then sum where x has size 1 and the others more, and spread where x is wider
    target = _arranged(x.shape, term, letters)
    wide = tuple(k for k, (n, m) in enumerate(zip(target, full.shape, strict=True)) if n == 1 != m)
    if wide:
        full = full.sum(axis=wide, keepdims=True)
    full = xp.broadcast_to(full, target)
    return _placed(xp, full, x, term, letters, keep)


def _at(term: Term) -> int:
    return term.index(ELLIPSIS) if ELLIPSIS in term else len(term)


def _axes(term: Term, ndim: int) -> dict[str, int]:
    """Each letter's (first) axis in an operand of rank `ndim`."""
    at, n = _at(term), ndim - len(term) + 1
    axis: dict[str, int] = {}
    for k, c in enumerate(term):
        if c != ELLIPSIS:
            axis.setdefault(c, k if k < at else k + n - 1)
    return axis


def _arranged(shape: tuple[int, ...], term: Term, letters: list[str]) -> tuple[int, ...]:
    """Operand `shape` as `(..., *letters)`: the leftover axes first, then each letter once."""
    at, n = _at(term), len(shape) - len(term) + 1
    rest = shape[at : at + n] if ELLIPSIS in term else ()
    axis = _axes(term, len(shape))
    return (*rest, *(shape[axis[c]] for c in letters))


def _placed(xp: Any, full: Array, x: Array, term: Term, letters: list[str], keep: int) -> Array:
    """`full` (arranged as `(..., *letters)`) in operand order; repeated letters on the diagonal."""
    if ELLIPSIS in term:
        at = _at(term)
        order = [keep + letters.index(c) for c in term[:at]]
        order += list(range(keep))
        order += [keep + letters.index(c) for c in term[at + 1 :]]
        return xp.transpose(full, order)
    if len(letters) == len(term):
        return xp.transpose(full, [letters.index(c) for c in term])
    grad = xp.zeros(x.shape, dtype=full.dtype)
    n = len(letters)
    key = tuple(
        xp.arange(x.shape[k]).reshape((-1,) + (1,) * (n - letters.index(c) - 1))
        for k, c in enumerate(term)
    )
    grad[key] = full
    return grad


@register("einsum", einsum_rule, tensors=(), tensor_lists=("operands",), statics=("subscripts",))
@in_f32()
def einsum(subscripts: str, *operands: Tensor[Any, DT, Any]) -> Tensor[Any, DT, Any]:
    """Einstein summation over the operands' axes, as `numpy.einsum` / `torch.einsum`.

    Args:
        subscripts: one term of letters per operand, comma-separated, then `->` and the
            output's letters (or no `->`: the letters that appear once, alphabetically);
            `...` stands for the axes a term does not name, broadcast across operands.
        operands: the tensors, one per term, of one dtype.

    Raises:
        ShapeError: when a letter has two sizes (neither 1), a term does not fit its
            operand's rank, or the subscripts are malformed; the message names the letter,
            the operands and the axes.

    Shape:
        `"bhtd,bhsd->bhts": (B, H, T, D), (B, H, S, D) -> (B, H, T, S)`.

    Example:
        >>> import shapedl as sd
        >>> q, k = sd.ones((2, 4, 3)), sd.ones((2, 5, 3))
        >>> sd.ops.einsum("btd,bsd->bts", q, k).shape
        (2, 4, 5)
    """
    shapes = [x.shape for x in operands]
    einsum_rule("einsum", subscripts, shapes)
    check_devices("einsum", *operands)
    same_dtype("einsum", *operands)
    ins, out = _terms("einsum", subscripts, shapes)
    xp = operands[0].xp
    arrays = [x.data for x in operands]
    spec = f"{','.join(_spec(t) for t in ins)}->{_spec(out)}"
    result = xp.asarray(xp.einsum(spec, *arrays, optimize=True))

    def vjp(g: Array) -> list[Callable[[], Array] | None]:
        # NOTE: each operand's gradient is computed only if the tape wants it
        return [
            partial(_grad, xp, g, out, ins, arrays, i) if a.dtype.kind in "fc" else None
            for i, a in enumerate(arrays)
        ]

    return record(result, tuple(operands), vjp)
