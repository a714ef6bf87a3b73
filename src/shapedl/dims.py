"""Dimension algebra over ints, `DYN` and symbolic expressions, in one canonical form.

A dimension is an `int` (known size), `DYN` (known only at run time) or an `Expr`: a
polynomial with integer coefficients over atoms, where an atom is a symbol (`Sym("B")`) or a
floor division that could not be simplified. Every operation returns the canonical form, so
`mul(T, B) == mul(B, T)` and `add(H, 0) is H`-equal; an `Expr` that folds to a constant is
returned as an `int`. A symbolic size divided by a number is taken as divisible by it where it
is multiplied back: `mul(H, floordiv(D, H))` is `D` (see `_whole`). Pure standard library:
the runtime calls these rules with ints, the mypy plugin with symbols.

Comparisons are three-valued: `same(a, b)` is `True`, `False`, or `None` when it cannot be
decided statically (a `DYN`, or a floor division whose divisibility is unknown). A shape rule
raises only on `False`; the runtime then checks the concrete sizes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard, TypeVar, Union, cast

from shapedl.errors import NotStatic, shape_error, show_shape

__all__ = [
    "DYN",
    "Dim",
    "Expr",
    "Shape",
    "Sym",
    "add",
    "broadcast",
    "check_int",
    "conv_out",
    "floordiv",
    "halves_whole",
    "int_tuple",
    "is_axis",
    "is_dim",
    "is_known",
    "is_size",
    "mul",
    "need_static",
    "never_negative",
    "normalize_axes",
    "normalize_axis",
    "option_tuple",
    "product",
    "same",
    "sub",
    "sym",
    "unify",
]


class _DynType:
    _instance: _DynType | None = None

    def __new__(cls) -> _DynType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Dyn"


DYN = _DynType()


@dataclass(frozen=True, order=True)
class Sym:
    """A symbolic dimension. `key` tells symbols apart (the plugin uses the TypeVar's id)."""

    name: str
    key: str = ""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class _Div:
    """The atom `num // den` left when the division could not be simplified."""

    num: Expr
    den: Expr | int

    def __str__(self) -> str:
        # NOTE: `B//(2*H)`, not `B//2*H`, which Python reads as `(B//2)*H`
        den = str(self.den)
        lone = isinstance(self.den, int) or den.isidentifier()
        return f"{_paren(self.num)}//{den if lone else f'({den})'}"

    def sort_key(self) -> str:
        return str(self)


Atom = Union[Sym, _Div]
Monomial = tuple[tuple[Atom, int], ...]  # sorted (atom, power) pairs; () is the constant


def _atom_key(atom: Atom) -> tuple[int, str, str]:
    return (0, atom.name, atom.key) if isinstance(atom, Sym) else (1, atom.sort_key(), "")


def _mono_key(mono: Monomial) -> tuple[object, ...]:
    return (-sum(p for _, p in mono), tuple((_atom_key(a), p) for a, p in mono))


@dataclass(frozen=True)
class Expr:
    """A canonical polynomial: sorted `(monomial, coefficient)` terms, no zero coefficients."""

    terms: tuple[tuple[Monomial, int], ...]

    def __str__(self) -> str:
        out = ""
        for mono, coef in self.terms:
            lone = len(mono) == 1 and (coef == 1 or (coef == -1 and out != ""))
            body = "*".join(_factor(a, p, lone) for a, p in mono)
            mag = abs(coef)
            text = body if mag == 1 and body else (f"{mag}*{body}" if body else str(mag))
            out += (
                (" - " if coef < 0 else " + ") + text if out else ("-" + text if coef < 0 else text)
            )
        return out

    @property
    def constant(self) -> int:
        return dict(self.terms).get((), 0)


def _factor(atom: Atom, power: int, lone: bool) -> str:
    # NOTE: `2*D//H` reads as `(2*D)//H` in Python, so a floor division is parenthesized
    # unless it stands alone (`D//H`, `B - D//H`)
    text = str(atom) if isinstance(atom, Sym) or (lone and power == 1) else f"({atom})"
    return text if power == 1 else f"{text}**{power}"


Dim = Union[int, Expr, _DynType]
Shape = tuple[Dim, ...]
_V = TypeVar("_V")


def _paren(d: Dim) -> str:
    s = str(d)
    return f"({s})" if isinstance(d, Expr) and (len(d.terms) > 1 or d.terms[0][1] < 0) else s


def _poly(d: int | Expr) -> dict[Monomial, int]:
    return {(): d} if isinstance(d, int) else dict(d.terms)


def _make(poly: dict[Monomial, int]) -> int | Expr:
    poly = _whole(poly)
    terms = tuple(sorted(((m, c) for m, c in poly.items() if c), key=lambda t: _mono_key(t[0])))
    if not terms:
        return 0
    if len(terms) == 1 and terms[0][0] == ():
        return terms[0][1]
    return Expr(terms)


def _whole(poly: dict[Monomial, int], numbers: bool = False) -> dict[Monomial, int]:
    """`poly` with each multiple of a symbolic divisor times its floor division made whole:
    `H * (D // H)` is `D`, `2*H*B * (D // H)` is `2*B*D`; repeated until none is left, since
    what comes out may hold another.

    NOTE: this takes `H` to divide `D`, which the symbols do not show. A size split by a
    symbol is a model's width split into heads (`view`/`reshape` into `(H, D // H)`), which
    the run checks makes the whole. A size split by a number is not taken as divisible: it is
    as often a kernel's half (`padding=k // 2`, `2 * (K // 2)` is `K - 1` for an odd kernel) or
    a pooled size (`2 * (H // 2)` upsampled back is `H - 1` for an odd `H`) as a width's half;
    there the plugin accepts what it cannot decide, and the runtime checks. Nor is a size with
    an offset (`H * ((D + 1) // H)`), nor a numbers' division (`2 * (7 // 2)` is 6). Only a
    multiple of the whole divisor is made whole: `B * (D // H)` stays.
    """
    for mono, coef in poly.items():
        for atom, _ in mono:
            if not coef or not isinstance(atom, _Div) or len(_poly(atom.den)) != 1:
                continue
            num = _poly(atom.num)
            ((dmono, dcoef),) = _poly(atom.den).items()
            if len(num) != 1 or () in num or (dmono == () and not numbers):
                continue
            rest = tuple((a, p - 1 if a == atom else p) for a, p in mono if a != atom or p > 1)
            q = _divide_term(rest, coef, dmono, dcoef)
            if q is None:
                continue
            out = dict(poly)
            del out[mono]
            for m, c in _poly(atom.num).items():
                key = _mono_mul(m, q[0])
                out[key] = out.get(key, 0) + c * q[1]
            return _whole(out, numbers)
    return poly


def halves_whole(d: Dim) -> Dim:
    """`d` with a number's multiples of its floor divisions made whole too (`2 * (C // 2)` is
    `C`): what `d` is where the number divides (a U-Net's channels halved and joined back).
    Not the normal form (`_whole` says why): the plugin asks it only where mypy refused a
    call whose argument would fit so, an undecided size it would otherwise accept."""
    if not isinstance(d, Expr):
        return d
    return _make(_whole(dict(d.terms), numbers=True))


def sym(name: str, key: str = "") -> Expr:
    """The dimension that is the symbol `name`."""
    return _atom(Sym(name, key))


def _atom(atom: Atom) -> Expr:
    mono: Monomial = ((atom, 1),)
    return Expr(((mono, 1),))


def is_known(d: Dim) -> bool:
    """True for an int or a symbolic expression; False for `DYN`."""
    return d is not DYN


def add(a: Dim, b: Dim) -> Dim:
    if type(a) is int and type(b) is int:
        return a + b
    if a is DYN or b is DYN:
        return DYN
    poly = _poly(a)  # type: ignore[arg-type]
    for m, c in _poly(b).items():  # type: ignore[arg-type]
        poly[m] = poly.get(m, 0) + c
    return _make(poly)


def sub(a: Dim, b: Dim) -> Dim:
    if type(a) is int and type(b) is int:
        return a - b
    return add(a, mul(-1, b))


def _mono_mul(x: Monomial, y: Monomial) -> Monomial:
    powers: dict[Atom, int] = dict(x)
    for a, p in y:
        powers[a] = powers.get(a, 0) + p
    return tuple(sorted(powers.items(), key=lambda t: _atom_key(t[0])))


def mul(a: Dim, b: Dim) -> Dim:
    if type(a) is int and type(b) is int:
        return a * b
    if a == 0 or b == 0:
        return 0
    if a is DYN or b is DYN:
        return DYN
    poly: dict[Monomial, int] = {}
    for ma, ca in _poly(a).items():  # type: ignore[arg-type]
        for mb, cb in _poly(b).items():  # type: ignore[arg-type]
            m = _mono_mul(ma, mb)
            poly[m] = poly.get(m, 0) + ca * cb
    return _make(poly)


def _divide_term(
    mono: Monomial, coef: int, dmono: Monomial, dcoef: int
) -> tuple[Monomial, int] | None:
    if coef % dcoef:
        return None
    powers = dict(mono)
    for a, p in dmono:
        if powers.get(a, 0) < p:
            return None
        powers[a] -= p
    rest = tuple(sorted(((a, p) for a, p in powers.items() if p), key=lambda t: _atom_key(t[0])))
    return rest, coef // dcoef


def floordiv(a: Dim, b: Dim) -> Dim:
    """`a // b`, exact where the divisor divides every term; else a floor-division atom."""
    if type(a) is int and type(b) is int:
        if b == 0:
            raise ZeroDivisionError("dimension division by zero")
        return a // b
    if a is DYN or b is DYN:
        return DYN
    if b == 1:
        return a
    if b == 0:
        raise ZeroDivisionError("dimension division by zero")
    dpoly = _poly(b)  # type: ignore[arg-type]
    if len(dpoly) != 1:
        return _atom(_Div(a, b))  # type: ignore[arg-type]
    # Terms the divisor divides come out exactly; so does k*q of a constant c = k*q + r when
    # dividing by an int k, since (P + k*q + r) // k == (P + r) // k + q for integer P.
    ((dmono, dcoef),) = dpoly.items()
    exact: dict[Monomial, int] = {}
    rest: dict[Monomial, int] = {}
    for mono, coef in _poly(a).items():  # type: ignore[arg-type]
        q = _divide_term(mono, coef, dmono, dcoef)
        if q is not None:
            exact[q[0]] = q[1]
        elif mono == () and dmono == () and dcoef > 0:
            exact[()], rest[()] = divmod(coef, dcoef)
        else:
            rest[mono] = coef
    remainder = _make(rest)
    if remainder == 0 or (isinstance(remainder, int) and dmono == ()):
        return add(_make(exact), remainder // dcoef)
    common = _common_factor(rest, dmono, dcoef)
    if common == ((), 1):
        return add(_make(exact), _atom(_Div(remainder, b)))  # type: ignore[arg-type]
    # NOTE: (g*P) // (g*d) is P // d for g > 0: a reshape's -1 `(B*T*D) // (B*T*H)` is `D // H`,
    # and `(16*B*T) // (3*B*T)` is 5 (which no multiple of `3*B*T` makes whole again)
    g = _make({common[0]: common[1]})
    return add(_make(exact), floordiv(floordiv(remainder, g), floordiv(b, g)))


def _common_factor(poly: dict[Monomial, int], dmono: Monomial, dcoef: int) -> tuple[Monomial, int]:
    """The largest term that divides each term of `poly` and the divisor `dcoef * dmono`."""
    least = {a: min(dict(m).get(a, 0) for m in poly) for a, _ in dmono}
    mono = tuple((a, min(p, least[a])) for a, p in dmono if least[a])
    return mono, math.gcd(dcoef, *poly.values())


def _has_div(d: Dim) -> bool:
    return isinstance(d, Expr) and any(isinstance(a, _Div) for m, _ in d.terms for a, _ in m)


def never_negative(d: Dim) -> bool:
    """Whether `d` is at least 0 for every binding of its symbols: an int at least 0, or a sum
    of terms with coefficients at least 0 (a symbol, and a floor division of sizes, is a size:
    never negative)."""
    return d is not DYN and all(c >= 0 for c in _poly(d).values())  # type: ignore[arg-type]


def same(a: Dim, b: Dim) -> bool | None:
    """Whether two dims are equal for every binding of their symbols; `None` if undecidable."""
    if type(a) is int and type(b) is int:
        return a == b
    if a is DYN or b is DYN:
        return None
    if a == b:
        return True
    return None if _has_div(a) or _has_div(b) else False


def unify(a: Dim, b: Dim) -> Dim | None:
    """The more precise of two compatible dims, or `None` if they differ."""
    eq = same(a, b)
    if eq is False:
        return None
    return b if a is DYN or (eq is None and _has_div(a) and not _has_div(b)) else a


def never_divides(a: Dim, b: Dim) -> bool:
    """Whether `b` divides `a` for no binding of their symbols: both one term of the same
    symbols (`16*B*T` and `3*B*T`), whose constant ratio (16/3) is not whole."""
    terms = [_poly(d) if isinstance(d, int | Expr) else None for d in (a, b)]
    if terms[0] is None or terms[1] is None or len(terms[0]) != 1 or len(terms[1]) != 1:
        return False
    ((ma, ca),), ((mb, cb),) = terms[0].items(), terms[1].items()
    return ma == mb and cb != 0 and ca % cb != 0


def product(dims: Iterable[Dim]) -> Dim:
    known, rest = 1, []
    for d in dims:  # NOTE: the ints in Python first: at run time every size is one
        if type(d) is int:
            known *= d
        else:
            rest.append(d)
    out: Dim = known
    for d in rest:
        out = mul(out, d)
    return out


def is_static(v: object) -> bool:
    """Whether an option is a value (not a size known only at run time), items included."""
    if isinstance(v, (tuple, list)):
        return all(is_static(i) for i in v)
    return v is not DYN and not isinstance(v, Expr)


def option_tuple(
    op: str, shapes: Sequence[Shape], name: str, v: object, n: int, low: int
) -> tuple[Dim, ...]:
    """A size option (`stride`, `padding`, `kernel_size`...) given as one int or `n` ints,
    each at least `low`, as an `n`-tuple. A size known only at run time (`DYN`, a symbol) is
    kept as it is: the result's dims that depend on it follow the algebra, and the runtime
    checks the number."""
    out = (v,) * n if is_size(v) else v
    if not (isinstance(out, tuple) and len(out) == n and all(is_size(i) for i in out)):
        raise shape_error(op, shapes, f"{name} must be an int or {n} ints, got {_shown(v)}")
    if any(isinstance(i, int) and i < low for i in out):
        raise shape_error(op, shapes, f"{name} must be at least {low}, got {_shown(v)}")
    return out


def _shown(v: object) -> str:
    """An option as the user wrote it: sizes as in a shape (`(2, B)`), anything else as repr."""
    if isinstance(v, tuple) and all(is_size(i) for i in v):
        return show_shape(v)
    return str(v) if is_size(v) else repr(v)


def int_tuple(
    op: str, shapes: Sequence[Shape], name: str, v: object, n: int, low: int
) -> tuple[int, ...]:
    """`option_tuple` at run time, where every option must be an int."""
    out = option_tuple(op, shapes, name, v, n, low)
    ints = tuple(i for i in out if isinstance(i, int))
    if len(ints) != n:
        raise shape_error(op, shapes, f"{name} must be an int or {n} ints, got {_shown(v)}")
    return ints


def is_size(v: object) -> TypeGuard[Dim]:
    """Whether `v` can stand for a size: an int, `DYN` or a symbolic expression."""
    return isinstance(v, int) or v is DYN or isinstance(v, Expr)


def is_dim(v: object) -> TypeGuard[Dim]:
    """`is_size` without `True`/`False`: a value that stands for a size in an argument."""
    return is_size(v) and not isinstance(v, bool)


def need_static(op: str, name: str, v: object) -> None:
    """`NotStatic` where the rule needs option `name` as a number and it is not one yet.

    The plugin passes a non-literal `int` argument as `DYN` (a `Size[X]` as `X`); a rule that
    cannot say its result without the number calls this first, so that a size known only at run
    time makes the result unknown instead of a false error. A tensor is never one (`check_int`).
    """
    if type(v) is int:
        return
    check_int(op, name, v)
    if not is_static(v):
        raise NotStatic(f"{op}: {name} is known only at run time")


def check_int(op: str, name: str, v: object) -> None:
    """A `TypeError` naming `op` where a tensor stands for an int (a size, a count, an axis).

    PyTorch reads a 0-d tensor there; here a size is an int, which the plugin can see (a
    tensor's value is known only at run time). NumPy's integers and integer arrays of shape
    `()` index as ints and pass.
    """
    shape = getattr(v, "shape", None)
    if isinstance(shape, tuple) and not hasattr(v, "__index__"):
        hint = "pass int(n) (or n.item()) for a 0-d tensor n" if not shape else "pass n.tolist()"
        raise TypeError(
            f"{op}: {name} must be an int, not a tensor of shape {show_shape(shape)}; {hint}"
        )


def is_axis(v: object) -> TypeGuard[int]:
    """Whether option `v` is one axis known now: an int, or an integer of another type
    (NumPy's `np.int64`, from `np.argmax` or a loop over `np.arange`), which the
    normalization below takes as the int it holds."""
    return isinstance(v, int) or isinstance(v, numbers.Integral)


def _integer(v: _V) -> _V:
    # NOTE: the plain int first: the ABC's check costs more, on every reduction
    if isinstance(v, int) or not isinstance(v, numbers.Integral):
        return v
    return cast(_V, int(v))


def normalize_axis(op: str, axis: int, shape: Shape, what: str = "axis") -> int:
    """`axis` (an int, NumPy's included) as a non-negative index into `shape`, or a
    `ShapeError` naming the rank."""
    need_static(op, what, axis)
    axis = _integer(axis)
    ndim = len(shape)
    if not -ndim <= axis < ndim:
        raise shape_error(op, [shape], f"{what} {axis} is out of range for rank {ndim}")
    return axis % ndim


def normalize_axes(op: str, axis: int | Sequence[int] | None, shape: Shape) -> tuple[int, ...]:
    """A sorted tuple of distinct non-negative axes; `None` means every axis."""
    if axis is None:
        return tuple(range(len(shape)))
    need_static(op, "axis", axis)
    axis = _integer(axis)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = tuple(sorted(normalize_axis(op, a, shape) for a in axes))
    if len(set(out)) != len(out):
        raise shape_error(op, [shape], f"axis {tuple(axes)} repeats an axis")
    return out


def _broadcast_pair(a: Dim, b: Dim) -> Dim | None:
    if a == 1:
        return b
    if b == 1:
        return a
    if a is DYN:
        return b if b is not DYN else DYN
    if b is DYN:
        return a
    return unify(a, b)


def broadcast(op: str, *shapes: Shape) -> Shape:
    """NumPy broadcasting of `shapes`; a `ShapeError` names the axis (counted from the end)."""
    if len(shapes) == 2 and shapes[0] == shapes[1]:
        return shapes[0]
    rank = max(len(s) for s in shapes)
    out: list[Dim] = []
    # NOTE: from the last axis, as NumPy aligns shapes, so the axis named is the one nearest
    # the end (a reduction's missing axis, `x / x.sum(axis=-1)`, is axis -1, not a batch axis)
    for i in range(1, rank + 1):
        d: Dim = 1
        for s in shapes:
            if len(s) >= i:
                nxt = _broadcast_pair(d, s[-i])
                if nxt is None:
                    raise shape_error(
                        op,
                        shapes,
                        f"cannot broadcast {d} against {s[-i]} at axis {-i}" + _kept(shapes),
                    )
                d = nxt
        out.append(d)
    return tuple(reversed(out))


def _kept(shapes: tuple[Shape, ...]) -> str:
    """A hint where one shape is the other with one axis left out: a reduction without
    `keepdims=True` (`x / x.sum(axis=1)`)."""
    if len(shapes) != 2 or abs(len(shapes[0]) - len(shapes[1])) != 1:
        return ""
    long, short = sorted(shapes, key=len, reverse=True)
    for k in range(len(long)):
        if tuple(long[:k]) + tuple(long[k + 1 :]) == tuple(short):
            return f"; a reduction over axis {k - len(long)} keeps it with keepdims=True"
    return ""


def conv_out(size: Dim, kernel: Dim, stride: Dim, padding: Dim, dilation: Dim = 1) -> Dim:
    """`(size + 2*padding - dilation*(kernel-1) - 1) // stride + 1`, in canonical form."""
    span = add(mul(dilation, sub(kernel, 1)), 1)
    return add(floordiv(sub(add(size, mul(2, padding)), span), stride), 1)
