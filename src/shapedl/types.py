"""The type vocabulary users write: dimensions, shapes, dtypes and tape markers.

Everything here exists for the type checker first. `Const[10]` is `Literal[10]`, `Dyn` is
`Any`, `Rank2[3, 4]` is `tuple[Const[3], Const[4]]`, and at run time a `Size[B]` is a plain
`int`; `Add`/`Sub`/`Mul`/`FloorDiv` are markers the plugin writes in canonical form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar
from typing import Any as Dyn
from typing import Literal as Const

from typing_extensions import TypeVar as DefaultTypeVar

__all__ = [
    "Add",
    "Const",
    "DType",
    "Dim",
    "Dyn",
    "FloorDiv",
    "Mul",
    "NoTape",
    "Rank0",
    "Rank1",
    "Rank2",
    "Rank3",
    "Rank4",
    "Rank5",
    "Rank6",
    "Size",
    "Sub",
    "Tape",
    "Traced",
    "bf16",
    "bool_",
    "f16",
    "f32",
    "f64",
    "i32",
    "i64",
]


# NOTE: `Const` is `Literal` and `Dyn` is `Any` (imported under our names, which every checker
# follows): `Const[10]` is valid in mypy and pyright alike, and `Dyn` is consistent with every
# size in both directions at every boundary (arguments, returns, attributes, generic classes),
# which a class could not be under invariance.
Dim: TypeAlias = int
"""What a dimension type is: a size `Const[10]` (a literal int), `Dyn`, a symbol (a `TypeVar`
bound to `Dim`) or dimension arithmetic (`Mul[B, T]`)."""

A = TypeVar("A", bound=Dim)
B = TypeVar("B", bound=Dim)
X = TypeVar("X", bound=Dim, covariant=True)  # NOTE: so `max(h, w)` of two sizes is a `Size`


class _Nary:
    """At run time, `Add[A, B, C]` as `Add[Add[A, B], C]`, what the plugin reads it as: an
    annotation is evaluated where `from __future__ import annotations` is missing, and
    `Generic` alone refused the third dim with a `TypeError` at the definition."""

    if not TYPE_CHECKING:

        def __class_getitem__(cls, items: Any) -> Any:
            if isinstance(items, tuple) and len(items) > 2:
                items = (cls[items[:-1]], items[-1])
            return super().__class_getitem__(items)


class Add(_Nary, int, Generic[A, B]):
    """`A + B`, written by the plugin in canonical form."""


class Sub(int, Generic[A, B]):
    """`A - B`, written by the plugin in canonical form."""


class Mul(_Nary, int, Generic[A, B]):
    """`A * B`, written by the plugin in canonical form (`Mul[T, B]` is `Mul[B, T]`)."""


class FloorDiv(int, Generic[A, B]):
    """`A // B`, written by the plugin in canonical form."""


class Size(int, Generic[X]):
    """The static type of a run-time `int` that is the dimension `X` (`B, T, C = x.shape`)."""


if TYPE_CHECKING:
    D1 = TypeVar("D1", bound=Dim)
    D2 = TypeVar("D2", bound=Dim)
    D3 = TypeVar("D3", bound=Dim)
    D4 = TypeVar("D4", bound=Dim)
    D5 = TypeVar("D5", bound=Dim)
    D6 = TypeVar("D6", bound=Dim)
    Rank0 = tuple[()]
    Rank1 = tuple[D1]
    Rank2 = tuple[D1, D2]
    Rank3 = tuple[D1, D2, D3]
    Rank4 = tuple[D1, D2, D3, D4]
    Rank5 = tuple[D1, D2, D3, D4, D5]
    Rank6 = tuple[D1, D2, D3, D4, D5, D6]
else:
    Rank0 = tuple[()]

    class _Rank:
        rank: ClassVar[int]

        def __class_getitem__(cls, items: Any) -> Any:
            items = items if isinstance(items, tuple) else (items,)
            if len(items) != cls.rank:
                raise TypeError(f"{cls.__name__} takes {cls.rank} dimensions, got {len(items)}")
            return tuple[tuple(Const[i] if isinstance(i, int) else i for i in items)]

    class Rank1(_Rank):
        rank = 1

    class Rank2(_Rank):
        rank = 2

    class Rank3(_Rank):
        rank = 3

    class Rank4(_Rank):
        rank = 4

    class Rank5(_Rank):
        rank = 5

    class Rank6(_Rank):
        rank = 6


class _DTypeClass(type):
    """A dtype prints as users spell it, `shapedl.f32`, not `<class 'shapedl.types.f32'>`."""

    def __repr__(cls) -> str:
        return f"shapedl.{cls.__name__}"


class DType(metaclass=_DTypeClass):
    """Base of the dtype markers; `name` is the NumPy/CuPy name of the element type.

    Example:
        >>> import shapedl as sd
        >>> print(sd.f32, sd.zeros((2,), dtype=sd.i64).dtype)
        shapedl.f32 shapedl.i64
    """

    name: ClassVar[str] = ""


class f16(DType):
    name = "float16"


class bf16(DType):
    name = "bfloat16"


class f32(DType):
    name = "float32"


class f64(DType):
    name = "float64"


class i32(DType):
    name = "int32"


class i64(DType):
    name = "int64"


class bool_(DType):
    name = "bool"


DTYPES: dict[str, type[DType]] = {d.name: d for d in (f16, bf16, f32, f64, i32, i64, bool_)}
FLOATS = frozenset({"float16", "bfloat16", "float32", "float64"})


class Tape:
    """Static marker: whether a tensor records operations for `backward()`."""


class NoTape(Tape):
    """The tensor records nothing (parameters, data, inference)."""


class Traced(Tape):
    """The tensor is on a tape: ops on it are recorded and `backward()` is allowed."""


# The type parameters of `Tensor[S, DT, T]` (PEP 696 defaults: f32, NoTape).
# NOTE: the shape is covariant (a tensor's shape never changes), so mypy's join of two shapes
# (`[a, b]`, a list of tensors of different sizes) is a shape with `int` (`Dyn` to the plugin)
# where they differ; invariant, it would be `object`, and `concat(parts)` an error
S = TypeVar("S", bound=tuple[Any, ...], covariant=True)
DT = DefaultTypeVar("DT", bound=DType, default=f32)
T = DefaultTypeVar("T", bound=Tape, default=NoTape, covariant=True)
# The tape of a function generic in it (NOTE: a default, since it follows DT, which has one)
TT = DefaultTypeVar("TT", bound=Tape, default=NoTape)
