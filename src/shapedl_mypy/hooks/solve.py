"""Type variables a generic callable uses inside dimension arithmetic, solved from its arguments.

`halves(x: Tensor[tuple[B, Mul[Const[2], D]]])` given a `(3, 8)` tensor binds `D` to 4. mypy
alone solves nothing from `Mul[Const[2], D]` against `Literal[8]` (`D` becomes `Never`, and
the call an error), and where another formal binds `D` (`y: Tensor[tuple[D]]` given `(4,)`)
it compares the formal it substituted, `Mul[Const[2], Const[4]]`, with `8` unfolded.

So before mypy matches the arguments, each such variable is bound: from a formal where it is a
dimension by itself, when those arguments agree (where they do not, mypy's own error and
`generic.explain_conflicts` say so); else from a formal that is linear in it (`2 * D`,
`D + 1`, `H * K` with `H` known), by exact division; else (`D // 2`, an argument of unknown
shape) it is `Dyn`, never a static error, and the runtime checks it. The signature that comes
out holds the solved dims, brought to canonical form by `canonical.signature`.

A `Size` parameter is such a formal too, its argument the dim: `split(x, h: Size[H], k:
Size[K])` given `Size(3), Size(4)` checks `x` against `Mul[H, K]` = 12, and `Attn(12, 3)` for
`__init__(self, width: Size[Mul[H, K]], heads: Size[H])` solves `K` = 4 (`generic.bind_sizes`
bound `H`), after which an int argument that fits its solved size is taken as that `Size`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mypy.expandtype import expand_type
from mypy.nodes import Expression
from mypy.plugin import FunctionSigContext, MethodSigContext
from mypy.types import (
    CallableType,
    FunctionLike,
    Instance,
    Type,
    TypeVarId,
    TypeVarType,
    get_proper_type,
)

from shapedl import dims
from shapedl.dims import Dim
from shapedl_mypy.call import lone_argument
from shapedl_mypy.convert import ARITHMETIC, Converter, checker_named, tensor_parts
from shapedl_mypy.hooks.generic import (
    _actual_type,
    _fits,
    _size_of,
    _size_value,
    _tensors,
    each_item,
)

__all__ = ["solve_arithmetic", "variables_in_arithmetic"]

SigC = TypeVar("SigC", FunctionSigContext, MethodSigContext)
Pair = tuple[Type, Dim]  # a formal's dimension type and the argument's dim at that axis


def _variables(typ: Type, inside: bool, out: set[TypeVarId]) -> None:
    """Add to `out` the type variables of `typ` found inside arithmetic (`inside`) or bare."""
    t = get_proper_type(typ)
    if isinstance(t, TypeVarType):
        if inside:
            out.add(t.id)
    elif isinstance(t, Instance) and t.type.fullname in ARITHMETIC:
        for a in t.args:
            _variables(a, True, out)


def _shape_items(formal: Type) -> list[Type] | None:
    tensors = _tensors(formal)
    if len(tensors) != 1 or not tensors[0].args:
        return None
    shape = get_proper_type(tensors[0].args[0])
    items = getattr(shape, "items", None)
    return list(items) if isinstance(items, list) else None


def _dim_items(formal: Type) -> list[Type]:
    """The dimension types of a formal: a tensor's shape, or the `X` of a `Size[X]`."""
    size = _size_of(formal)
    return [size.args[0]] if size is not None else _shape_items(formal) or []


def variables_in_arithmetic(sig: CallableType) -> set[TypeVarId]:
    """The callable's own type variables that a tensor or `Size` formal uses inside dimension
    arithmetic."""
    own = {tv.id for tv in sig.variables}
    found: set[TypeVarId] = set()
    for formal in sig.arg_types:
        for item in _dim_items(formal):
            if isinstance(get_proper_type(item), Instance):
                _variables(item, False, found)
    return found & own


def _pairs(ctx: SigC, sig: CallableType, conv: Converter) -> list[Pair]:
    """(formal dim type, argument dim) at every axis of every tensor argument of known rank,
    and for every `Size` argument (a literal, a plain int's `Dyn`, a `Size`'s dim)."""
    out: list[Pair] = []
    for i, formal in enumerate(sig.arg_types):
        items, actual = _shape_items(formal), lone_argument(ctx, i, sig)
        if actual is None:
            continue
        size = _size_of(formal)
        if size is not None:
            d = _size_dim(ctx, conv, i, actual)
            out += [] if d is None else [(size.args[0], d)]
            continue
        if items is None:
            continue
        typ = _actual_type(ctx, actual)
        parts = tensor_parts(typ) if typ is not None else None
        shape = conv.shape(parts[0]) if parts is not None else None
        if shape is not None and len(shape) == len(items):
            out += list(zip(items, shape, strict=True))
    return out


def _bare(pairs: list[Pair], wanted: set[TypeVarId]) -> dict[TypeVarId, Dim]:
    """The variables that are a formal's dimension by themselves, where their arguments agree
    (a known size preferred to `Dyn`)."""
    seen: dict[TypeVarId, list[Dim]] = {}
    for dim_type, d in pairs:
        t = get_proper_type(dim_type)
        if isinstance(t, TypeVarType) and t.id in wanted:
            seen.setdefault(t.id, []).append(d)
    out: dict[TypeVarId, Dim] = {}
    for key, values in seen.items():
        if all(dims.same(values[0], v) is not False for v in values):
            out[key] = next((v for v in values if v is not dims.DYN), values[0])
    return out


def _size_dim(ctx: SigC, conv: Converter, i: int, actual: Expression) -> Dim | None:
    """The dim a `Size` formal's argument gives: its literal, `Dyn` for a plain int, a
    `Size[Y]`'s `Y`; None for anything else."""
    value = _size_value(ctx, i, actual)
    if value is not None:
        return conv.dim(value)
    typ = _actual_type(ctx, actual)
    size = _size_of(typ) if typ is not None else None
    return conv.dim(size.args[0]) if size is not None else None


def _bare_in_formals(sig: CallableType) -> set[TypeVarId]:
    """The variables some tensor or `Size` formal has as a dimension by itself (mypy solves
    those)."""
    items = (get_proper_type(i) for f in sig.arg_types for i in _dim_items(f))
    return {t.id for t in items if isinstance(t, TypeVarType)}


def _at(conv: Converter, dim_type: Type, x: TypeVarId, value: Dim) -> Dim:
    return conv.dim(expand_type(dim_type, {x: conv.dim_type(value)}))


def _linear(conv: Converter, dim_type: Type, x: TypeVarId, actual: Dim) -> Dim:
    """`x` such that `dim_type` (linear in `x`: `a * x + b`) is `actual`; `DYN` if unknown."""
    if actual is dims.DYN:
        return dims.DYN
    try:
        e1, e2, e3 = (_at(conv, dim_type, x, n) for n in (1, 2, 3))
        slope = dims.sub(e2, e1)
        if dims.same(dims.sub(e3, e2), slope) is not True or dims.same(slope, 0) is not False:
            return dims.DYN  # NOTE: not linear (`x // 2`), or not depending on x
        found = dims.floordiv(dims.sub(actual, dims.sub(e1, slope)), slope)
        exact = dims.same(_at(conv, dim_type, x, found), actual)
    except (ArithmeticError, ValueError):
        return dims.DYN
    # NOTE: sizes that no x fits keep the x that comes nearest: mypy then reports the mismatch
    return found if exact is True or isinstance(found, int) else dims.DYN


def _solve_item(ctx: SigC, sig: CallableType) -> CallableType:
    wanted = variables_in_arithmetic(sig)
    if not wanted:
        return sig
    conv = Converter(checker_named(ctx.api))
    pairs = _pairs(ctx, sig, conv)
    bare = _bare(pairs, wanted)
    # NOTE: a `Dyn` alone (`dyn(4)` for `d: Size[D]`) yields to `Mul[2, D]` given 8
    solved = {x: d for x, d in bare.items() if d is not dims.DYN}
    for dim_type, d in pairs:
        if not isinstance(get_proper_type(dim_type), Instance):
            continue
        unknown: set[TypeVarId] = set()
        _variables(expand_type(dim_type, _types(conv, solved)), False, unknown)
        unknown &= wanted - solved.keys()
        if len(unknown) == 1:
            x = unknown.pop()
            solved[x] = _linear(conv, expand_type(dim_type, _types(conv, solved)), x, d)
    solved = {**bare, **solved}
    for x in wanted - solved.keys() - _bare_in_formals(sig):
        solved[x] = dims.DYN  # NOTE: mypy would make it `Never`: a false error
    if not solved:
        return sig
    out = sig.copy_modified(variables=[tv for tv in sig.variables if tv.id not in solved])
    expanded = get_proper_type(expand_type(out, _types(conv, solved)))
    if not isinstance(expanded, CallableType):
        return sig
    return _ints_that_fit(ctx, expanded, conv)


def _ints_that_fit(ctx: SigC, sig: CallableType, conv: Converter) -> CallableType:
    """`sig` with `int` for each `Size` formal, now solved, that its int argument fits
    (`width: Size[Mul[H, K]]` given 12 with `H, K = 3, 4`); one that does not fit stays, and
    mypy reports the argument."""
    types = list(sig.arg_types)
    for i, formal in enumerate(sig.arg_types):
        size, actual = _size_of(formal), lone_argument(ctx, i, sig)
        value = None if size is None or actual is None else _size_value(ctx, i, actual)
        if size is not None and value is not None and _fits(conv, size.args[0], value):
            types[i] = checker_named(ctx.api)("builtins.int", [])
    return sig.copy_modified(arg_types=types)


def _types(conv: Converter, solved: dict[TypeVarId, Dim]) -> dict[TypeVarId, Type]:
    return {x: conv.dim_type(d) for x, d in solved.items()}


def solve_arithmetic(hook: Callable[[SigC], FunctionLike] | None) -> Callable[[SigC], FunctionLike]:
    """A signature hook that first binds the variables used inside dimension arithmetic."""

    def run(ctx: SigC) -> FunctionLike:
        sig = ctx.default_signature if hook is None else hook(ctx)
        return each_item(sig, lambda item: _solve_item(ctx, item))

    return run
