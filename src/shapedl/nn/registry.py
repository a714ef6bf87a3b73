"""Layers registered like ops: what a layer's type records, and the rule of its output shape.

A layer class declares, in its own file, with `@register_layer(...)`:

- `params`: the constructor arguments its type records, in the order of its type parameters
  (`Linear(784, 10)` is `Linear[Const[784], Const[10]]`), each through its `parse` (the same
  function the layer's constructor or op uses: `pair` makes `3` the pair `(3, 3)`), or a
  `record` function of all the constructor's arguments for anything less direct;
- `shape`: the function of the input shapes (the call's tensor arguments named in `inputs`)
  and the recorded values that gives the output shape, raising the runtime's `ShapeError`
  where they do not fit; it is written over `shapedl.dims` (sizes may be symbols or `DYN`)
  and usually calls an op's rule by keyword;
- `check`: a function of the constructor's arguments run at construction (heads dividing a
  width), raising the runtime's `ValueError` or `ShapeError`;
- for `Sequential`'s check of neighbours: `takes` (the recorded size the input must have, and
  the axes where it may be found), `gives` (the recorded size the output has, and its axis),
  `keeps` (the axes the layer passes through unchanged; `ALL` for a shape-keeping layer), and
  `weight` (the layer's parameter shape, shown in the message);
- `compose`: a container of the layers its type lists, called `"chain"` (one after another:
  `Sequential`), `"split"` (each on the input, a tuple: `SplitInto`) or `"add"` (each on the
  input, summed: `AddInto`) or `"skip"` (the input plus each on the input: `Residual`).

The mypy plugin reads the same declaration (it sees the decorator and imports the class's
module when a constructor or call is checked), so a layer defined anywhere, a user's included,
is checked with no change to the plugin. Values reach these functions as dims: ints, symbols
or `DYN`; a function meets `DYN` by returning `DYN` sizes, never by failing.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shapedl import dims
from shapedl.dims import Dim, Shape

__all__ = [
    "ALL",
    "LAYERS",
    "LayerSpec",
    "import_spec",
    "pair",
    "register_layer",
    "spec_of",
    "trailing_shape",
]

L = TypeVar("L", bound=type)
ALL = "all"
Parse = Callable[[Any], object]
# the registered layers by class fullname
LAYERS: dict[str, LayerSpec] = {}


@dataclass(frozen=True)
class LayerSpec:
    """One layer's declaration; see the module's docstring."""

    cls: type
    params: tuple[str, ...] = ()
    parse: dict[str, Parse] = field(default_factory=dict)
    record: Callable[..., dict[str, object]] | None = None
    shape: Callable[..., Shape] | None = None
    inputs: tuple[str, ...] = ("x",)
    check: Callable[..., None] | None = None
    takes: tuple[str, tuple[int, ...]] | None = None
    gives: tuple[str, int] | None = None
    keeps: tuple[int, ...] | str = ()
    weight: Callable[..., Shape] | None = None
    compose: str | None = None

    def defaults(self) -> dict[str, object]:
        """The constructor's defaults by name (an argument not given takes its default)."""
        try:
            params = inspect.signature(self.cls).parameters.values()
        except (TypeError, ValueError):
            return {}
        return {p.name: p.default for p in params if p.default is not p.empty}

    def arguments(self, given: dict[str, object]) -> dict[str, object]:
        """The constructor's arguments by name: those `given`, the defaults for the rest."""
        return {**self.defaults(), **given}

    def recorded(self, given: dict[str, object]) -> dict[str, object]:
        """The values the type records, from the constructor's arguments (`given`, by name);
        a `ValueError` naming the layer and the argument where a parse refuses one."""
        args = self.arguments(given)
        if self.record is not None:
            return self.record(**args)
        out: dict[str, object] = {}
        for name in self.params:
            value = args.get(name, dims.DYN)
            parse = self.parse.get(name)
            try:
                out[name] = value if parse is None else parse(value)
            except ValueError as err:
                raise ValueError(f"{self.cls.__name__}: {name} {err}") from None
        return out


def register_layer(
    *,
    params: Sequence[str] = (),
    parse: dict[str, Parse] | None = None,
    record: Callable[..., dict[str, object]] | None = None,
    shape: Callable[..., Shape] | None = None,
    inputs: Sequence[str] = ("x",),
    check: Callable[..., None] | None = None,
    takes: tuple[str, tuple[int, ...]] | None = None,
    gives: tuple[str, int] | None = None,
    keeps: tuple[int, ...] | str = (),
    weight: Callable[..., Shape] | None = None,
    compose: str | None = None,
) -> Callable[[L], L]:
    """Register the decorated layer class (see the module's docstring)."""

    def register(cls: L) -> L:
        spec = LayerSpec(
            cls,
            tuple(params),
            dict(parse or {}),
            record,
            shape,
            tuple(inputs),
            check,
            takes,
            gives,
            keeps,
            weight,
            compose,
        )
        LAYERS[f"{cls.__module__}.{cls.__qualname__}"] = spec
        cls.__layer__ = spec  # type: ignore[attr-defined]
        return cls

    return register


def spec_of(fullname: str) -> LayerSpec | None:
    """The declaration of the layer class `fullname`, its module imported if need be (a module
    that fails to import declares nothing)."""
    found = LAYERS.get(fullname)
    module, _, name = fullname.rpartition(".")
    while found is None and module:
        try:
            obj: Any = importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a user's module that does not import: no layer
            _forget(module)
            module, _, outer = module.rpartition(".")
            name = f"{outer}.{name}"
            continue
        for part in name.split("."):
            obj = getattr(obj, part, None)
        found = getattr(obj, "__layer__", None)
        break
    return found if isinstance(found, LayerSpec) else None


def import_spec(module: str, qualname: str, root: str | None = None) -> LayerSpec | str:
    """The declaration of the layer class `qualname` of `module`, the module imported if need
    be with `root` (the folder its top package is found in) first on `sys.path` meanwhile;
    or, where it cannot be had, why not: the error that importing the module raised."""
    found = LAYERS.get(f"{module}.{qualname}")
    if found is not None:
        return found
    added = root is not None and root not in sys.path
    if added:
        sys.path.insert(0, str(root))
    try:
        obj: Any = importlib.import_module(module)
    except Exception as err:  # noqa: BLE001 - a user's module that does not import: no layer
        _forget(module)
        return f"importing {module} raised {type(err).__name__}: {err}"
    finally:
        if added and root in sys.path:
            sys.path.remove(str(root))
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    found = getattr(obj, "__layer__", None)
    if not isinstance(found, LayerSpec):
        return f"{module}.{qualname} is not registered once {module} is imported"
    return found


def _forget(module: str) -> None:
    """Forget what a module that failed to import registered before it failed (the layers its
    decorators declared are not there to call)."""
    for key in [k for k in LAYERS if k.startswith(f"{module}.")]:
        del LAYERS[key]


# ---- parses shared by layers and their ops --------------------------------------------------
def pair(n: int = 2) -> Callable[[Any], tuple[Dim, ...]]:
    """`v` as `n` sizes: an int (or a size held in a variable) repeated, a sequence as given."""

    def parse(v: Any) -> tuple[Dim, ...]:
        if not isinstance(v, (tuple, list)):
            return (v,) * n
        if len(v) != n:
            many = "a 1-tuple" if n == 1 else f"{n} ints"
            raise ValueError(f"must be an int or {many}, got {tuple(v)!r}")
        return tuple(v)

    return parse


def trailing_shape(v: Any) -> tuple[Dim, ...]:
    """`normalized_shape`: an int is the last axis's size, a sequence the trailing sizes."""
    if isinstance(v, (tuple, list)):
        return tuple(v)
    return (v,)
