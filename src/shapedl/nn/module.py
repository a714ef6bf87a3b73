"""`Module`: a typed record of parameters, plus `Sequential` and `Residual`.

A module is a plain object whose fields hold its parameters (tensors), its sub-modules, and
lists, tuples or dicts of them; everything else (ints, floats, strings) is a hyperparameter.
Fields are declared either as annotations (dataclass style: the class gets a generated
constructor, as with equinox) or assigned in the subclass's own `__init__` (PyTorch style).
Names follow the fields: `blocks.0.attn.q_proj.weight`.

There is no `.train()`/`.eval()`: a module behaves as in training when its input is traced,
as in inference otherwise (the ops it calls decide, e.g. `dropout`, `batch_norm`).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, cast, overload

import numpy as np
from typing_extensions import TypeVar as DefaultTypeVar
from typing_extensions import TypeVarTuple, Unpack, dataclass_transform

from shapedl.backend import is_float
from shapedl.backend.numpy import bfloat16
from shapedl.checkpoint import CheckpointError, check_state, load_state, save_state
from shapedl.checkpoint import PathLike as PathLike
from shapedl.device import check_device
from shapedl.nn.registry import ALL, register_layer
from shapedl.tensor import Tensor
from shapedl.types import DT, TT, DType, S, bf16, f16, f32, f64

if TYPE_CHECKING:
    from shapedl.device import Device

__all__ = ["Module", "Residual", "Sequential"]

# NOTE: a default, so a bare `-> nn.Sequential` (PyTorch habit) is valid under --strict
Ls = TypeVarTuple("Ls", default=Unpack[tuple[Any, ...]])
AnyTensor = Tensor[Any, Any, Any]


def _call_forward(self: Module, *args: Any, **kwargs: Any) -> Any:
    """`module(...)`: the module's `forward(...)`."""
    return self.forward(*args, **kwargs)


@dataclass_transform(eq_default=False)
class Module:
    """Base of every layer and model: parameters as fields, `__call__` is `forward`.

    Subclass it with annotated fields and a `forward` (the constructor is generated), or with
    your own `__init__` that assigns the fields. Every tensor found in a field (directly or
    in a module, list, tuple or dict) is a parameter, except a traced one (a result kept
    there, as REINFORCE keeps an episode's log-probabilities), an integer or boolean one (an
    offsets table: it has no gradient, as PyTorch's buffers) and those in the fields named
    by the class variable `buffer_fields`: those are state that is saved and loaded but not
    trained (running statistics). Parameters are never traced; trace the input instead. The items of
    a field named by `indexed_fields` are named by their position alone, as PyTorch names a
    `Sequential`'s layers (`0.weight`, not `layers.0.weight`).

    A subclass without its own `__init__` keeps the hand-written one it inherits:
    `class MyLinear(nn.Linear)` that overrides `forward` is built as `MyLinear(4, 3)`. The
    mypy plugin types it so; for other checkers (pyright, mypy without the plugin), which
    generate a constructor from the fields of any such subclass, write the class keyword
    `init=False`: `class MyLinear(nn.Linear[In, Out], init=False)`. `init=False` on a class
    that would get a generated constructor leaves it with the inherited one.

    `module(x)` runs `forward(x)`. The mypy plugin types the call from `forward`'s
    annotations; for other checkers, write `__call__ = forward` in the class body, as the
    layers of `sd.nn` do.

    Example:
        >>> import shapedl as sd
        >>> class Scale(sd.nn.Module):
        ...     weight: sd.Tensor
        ...     def forward(self, x):
        ...         return x * self.weight
        >>> m = Scale(sd.ones((3,)))
        >>> list(m.parameters())
        ['weight']
        >>> m(sd.ones((2, 3))).shape
        (2, 3)
    """

    buffer_fields: ClassVar[tuple[str, ...]] = ()
    indexed_fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, init: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # NOTE: `module(x)` goes straight to the subclass's `forward`, with no extra frame.
        if "forward" in cls.__dict__ and "__call__" not in cls.__dict__:
            cls.__call__ = cls.__dict__["forward"]  # type: ignore[method-assign]
        # NOTE: a generated constructor only where no hand-written one would be replaced.
        # `init=False` keeps the inherited one but still records the fields, so a subclass
        # that gets a generated constructor takes them, as checkers expect
        if "__init__" not in cls.__dict__ and getattr(cls.__init__, "_generated", False):
            dataclasses.dataclass(init=init, eq=False, repr=False)(cls)
            setattr(cls.__init__, "_generated", True)  # noqa: B010

    def __init__(self) -> None:
        pass

    __init__._generated = True  # type: ignore[attr-defined]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it (and `module(x)` calls it)."""
        raise NotImplementedError(f"{type(self).__name__} defines no forward()")

    # NOTE: assigned, not declared with `def`, so that a subclass's `__call__ = forward` gives
    # `module(x)` the signature of its `forward` in every checker (pyright keeps a declared
    # type of the base class for an unannotated assignment in a subclass)
    __call__ = _call_forward

    # ---- finding tensors --------------------------------------------------------------
    def _entries(self) -> Iterator[tuple[str, AnyTensor, bool]]:
        """Every tensor below this module: (dotted name, tensor, is it a buffer)."""
        yield from _walk(self, "", False, set())

    def parameters(self) -> dict[str, AnyTensor]:
        """The trained tensors by dotted name (a tensor shared by two fields appears once):
        the floating-point tensors outside `buffer_fields`; `state_dict()` has the buffers too.

        Example:
            >>> import shapedl as sd
            >>> list(sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.ReLU()).parameters())
            ['0.weight', '0.bias']
        """
        out: dict[str, AnyTensor] = {}
        seen: set[int] = set()
        for name, t, is_buffer in self._entries():
            if not is_buffer and id(t) not in seen:
                seen.add(id(t))
                out[name] = t
        return out

    def named_parameters(self) -> Iterator[tuple[str, AnyTensor]]:
        """`(name, tensor)` for each trained tensor, PyTorch's loop over
        `model.named_parameters()`: the items of `parameters()`, which is a dict by name.

        Example:
            >>> import shapedl as sd
            >>> [(n, p.shape) for n, p in sd.nn.Linear(2, 3).named_parameters()]
            [('weight', (3, 2)), ('bias', (3,))]
        """
        return iter(self.parameters().items())

    def modules(self) -> Iterator[Module]:
        """This module, then every module in its fields (lists, tuples and dicts of them
        too), depth first, each once: PyTorch's `modules()`.

        Example:
            >>> import shapedl as sd
            >>> model = sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.ReLU())
            >>> [type(m).__name__ for m in model.modules()]
            ['Sequential', 'Linear', 'ReLU']
        """
        seen: set[int] = set()
        stack: list[Module] = [self]
        while stack:
            m = stack.pop()
            if id(m) not in seen:
                seen.add(id(m))
                yield m
                stack.extend(reversed(_children(m)))

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """`(name, module)` for each module directly in this module's fields, in field order,
        each once: PyTorch's `named_children()`. A module in a list, tuple or dict field is
        named as in `state_dict()` (`blocks.0`); a `Sequential`'s layers are `0`, `1`, ... (or
        their names), and plain functions among them are no modules, so not children.

        Example:
            >>> import shapedl as sd
            >>> model = sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.ReLU())
            >>> [(name, type(m).__name__) for name, m in model.named_children()]
            [('0', 'Linear'), ('1', 'ReLU')]
        """
        seen: set[int] = set()
        for name, child in _named_children(self):
            if id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The modules of `named_children()`, PyTorch's `children()`: a pretrained model less
        its head is `nn.Sequential(*list(model.children())[:-1])`.

        Example:
            >>> import shapedl as sd
            >>> model = sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.ReLU(), sd.nn.Linear(3, 1))
            >>> body = sd.nn.Sequential(*list(model.children())[:-1])
            >>> body(sd.ones((4, 2))).shape
            (4, 3)
        """
        for _, child in self.named_children():
            yield child

    def add_module(self, name: str, module: Module | None) -> None:
        """Set the field `name` to `module`, PyTorch's `add_module` (`setattr` says the same).

        Raises:
            TypeError: for a name that is not a string, or a module that is not a Module.
            KeyError: for a name that is empty, holds a dot, or is an attribute of the module
                other than a module field (`forward`, a parameter), as PyTorch's.

        Example:
            >>> import shapedl as sd
            >>> net = sd.nn.Module()
            >>> net.add_module("fc", sd.nn.Linear(2, 3))
            >>> list(net.parameters())
            ['fc.weight', 'fc.bias']
        """
        _check_module_name(self, name, module)
        setattr(self, name, module)

    def apply(self, fn: Callable[[Module], object]) -> Self:
        """`fn` on every submodule, then on this one, as PyTorch's `apply` (DCGAN's
        `model.apply(weights_init)`); returns this module.

        Example:
            >>> import shapedl as sd
            >>> seen = []
            >>> model = sd.nn.Sequential(sd.nn.Linear(2, 3), sd.nn.ReLU())
            >>> _ = model.apply(lambda m: seen.append(type(m).__name__))
            >>> seen
            ['Linear', 'ReLU', 'Sequential']
        """
        for child in _children(self):
            child.apply(fn)
        fn(self)
        return self

    def state_dict(self) -> dict[str, AnyTensor]:
        """Parameters and buffers by dotted name: everything `save` writes."""
        return {name: t for name, t, _ in self._entries()}

    def load_state_dict(
        self, state: Mapping[str, Any], strict: bool = True, *, what: str = ""
    ) -> Self:
        """Copy `state` (name to tensor or array) into this module's tensors, in place.

        Tensors keep their identity (so optimizer state and `grads[p]` still refer to them).
        `strict=False`, as PyTorch's, loads the names that both have and leaves the others
        (a pretrained body under a new head); shapes and dtypes are still checked.

        Raises:
            CheckpointError: listing every missing, unexpected (when `strict`), mis-shaped and
                mis-typed name.
        """
        own = self.state_dict()
        if not strict:
            own = {name: t for name, t in own.items() if name in state}
            state = {name: value for name, value in state.items() if name in own}
        arrays = {name: _host(value) for name, value in state.items()}
        wrong = sorted(name for name, a in arrays.items() if a is None)
        if wrong:
            raise CheckpointError(
                f"state does not match: not an array or tensor: {', '.join(wrong)}"
            )
        expected = {name: (t.shape, str(t.data.dtype)) for name, t in own.items()}
        check_state(expected, arrays, what=what)
        for name, t in own.items():
            t.data = t.device.backend.asarray(arrays[name].copy())
        return self

    def save(self, path: PathLike, *, allow_nonfinite: bool = False) -> None:
        """Write `state_dict()` to `path` atomically (safetensors, or `.npz` by suffix).

        Raises:
            NonFiniteCheckpointError: when a parameter or buffer holds a NaN or an infinity
                (a diverged model), naming it; nothing is written, so the file at `path`
                stays. `allow_nonfinite=True` saves it anyway.
        """
        save_state(self.state_dict(), path, allow_nonfinite=allow_nonfinite)

    def load(self, path: PathLike) -> Self:
        """Read `path` (written by `save`) into this module, strictly: see `load_state_dict`."""
        return self.load_state_dict(load_state(path), what=repr(str(path)))

    # ---- moving -----------------------------------------------------------------------
    def _each_tensor(self, fn: Callable[[AnyTensor], None]) -> None:
        seen: set[int] = set()
        for _, t, _ in self._entries():
            if id(t) not in seen:
                seen.add(id(t))
                fn(t)

    def to(self, device: Device) -> Self:
        """Move every parameter and buffer to `device`, in place; returns the module.

        Raises:
            TypeError: for a dtype or a string (PyTorch's `.to(torch.float16)`, `.to("cuda")`),
                saying what to write instead.
        """
        check_device("to", device)

        def move(t: AnyTensor) -> None:
            t.data = device.backend.asarray(t.device.backend.to_numpy(t.data))
            t.device = device

        self._each_tensor(move)
        return self

    def astype(self, dtype: type[DType]) -> Self:
        """Convert every floating-point parameter and buffer to `dtype`, in place."""

        def convert(t: AnyTensor) -> None:
            if is_float(t.data.dtype):
                t.data = t.data.astype(dtype.name)

        self._each_tensor(convert)
        return self

    # ---- printing ---------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The hyperparameters shown by `repr`: plain fields that are not tensors or modules."""
        shown = [
            f"{k}={v!r}"
            for k, v in vars(self).items()
            if not k.startswith("_")  # NOTE: private state, not a hyperparameter
            and (
                isinstance(v, int | float | str | bool | type(None))
                or (isinstance(v, tuple) and all(isinstance(i, int) for i in v))
            )
        ]
        return ", ".join(shown)

    def __repr__(self) -> str:
        children = [(k, v) for k, v in vars(self).items() if isinstance(v, Module)]
        for k, v in vars(self).items():
            if isinstance(v, list | tuple):
                indexed = k in self.indexed_fields
                keys = _item_names(self, v) if indexed else range(len(v))
                k = "" if indexed else f"{k}."
                pairs = zip(keys, v, strict=True)
                children += [(f"{k}{i}", m) for i, m in pairs if isinstance(m, Module)]
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        # NOTE: PyTorch's layout: the hyperparameters on a line of their own, then the children
        lines = [extra] if extra else []
        lines += [f"({k}): " + repr(m) for k, m in children]
        return f"{type(self).__name__}(\n  " + "\n".join(lines).replace("\n", "\n  ") + "\n)"

    # ---- PyTorch's casts (last, so that `float` shadows no builtin in an annotation above) --
    def float(self) -> Self:
        """`astype(sd.f32)`, PyTorch's `model.float()`: in place; returns the module."""
        return self.astype(f32)

    def double(self) -> Self:
        """`astype(sd.f64)`, PyTorch's `model.double()`: in place; returns the module."""
        return self.astype(f64)

    def half(self) -> Self:
        """`astype(sd.f16)`, PyTorch's `model.half()`: in place; returns the module."""
        return self.astype(f16)

    def bfloat16(self) -> Self:
        """`astype(sd.bf16)`, PyTorch's `model.bfloat16()`: in place; returns the module."""
        return self.astype(bf16)


def _host(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.numpy()
    if not (hasattr(value, "shape") and hasattr(value, "dtype")):
        return None
    if not isinstance(value.dtype, np.dtype) and hasattr(value, "__array__"):
        # NOTE: another library's CPU tensor (PyTorch's state dict); PyTorch's parameters
        # (`named_parameters()`, `state_dict(keep_vars=True)`) require grad, and torch hands
        # those to NumPy only detached
        detach = getattr(value, "detach", None)
        value = value if detach is None else detach()
        torch = sys.modules.get("torch")
        if torch is not None and value.dtype == torch.bfloat16:
            # NOTE: torch hands no bfloat16 to NumPy ("unsupported ScalarType"): its bits are
            # ml_dtypes' bfloat16, as a view (most released LLM checkpoints are bf16)
            return value.view(torch.int16).numpy().view(bfloat16())
        return np.asarray(value)
    return value


def _children(module: Module) -> list[Module]:
    """The modules in `module`'s fields, in lists, tuples and dicts too, in field order."""
    return [child for _, child in _named_children(module)]


def _named_children(module: Module) -> Iterator[tuple[str, Module]]:
    """The modules in `module`'s fields, in field order, named as `_walk` names their tensors."""
    for key, field in vars(module).items():
        if key in module.indexed_fields and isinstance(field, list | tuple):
            for i, item in zip(_item_names(module, field), field, strict=True):
                yield from _named_modules_in(item, str(i))
        else:
            yield from _named_modules_in(field, key)


def _named_modules_in(value: Any, name: str) -> Iterator[tuple[str, Module]]:
    if isinstance(value, Module):
        yield name, value
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _named_modules_in(item, _dotted(name, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _named_modules_in(item, _dotted(name, key))


def _check_module_name(module: Module, name: object, child: object) -> None:
    """PyTorch's checks of `add_module`'s arguments."""
    where = type(module).__name__
    if not isinstance(name, str):
        raise TypeError(f"{where}.add_module: the name must be a string, got {name!r}")
    if not (child is None or isinstance(child, Module)):
        kind = type(child).__name__
        raise TypeError(f"{where}.add_module: {name!r} must be a Module or None, not a {kind}")
    fields = vars(module)
    if name in fields:
        taken = not isinstance(fields[name], Module | type(None))
    else:
        taken = hasattr(module, name)
    if not name or "." in name or taken:
        raise KeyError(
            f"{where}.add_module: the name must be a non-empty string with no '.' that is not "
            f"an attribute of {where} (other than a module), got {name!r}"
        )


def _walk(value: Any, name: str, is_buffer: bool, path: set[int]) -> Iterator[Any]:
    if isinstance(value, Tensor):
        # NOTE: a traced tensor is a result, never a parameter (parameters are never traced):
        # REINFORCE's `self.saved_log_probs` list of an episode's traced log-probabilities
        # was taken for parameters, and "updated" by the optimizer
        if value.tape is None:
            # NOTE: an integer or boolean tensor (an offsets table, DLRM's triu indices) has
            # no gradient, so it is a buffer: saved and loaded, never trained
            yield name, value, is_buffer or not is_float(value.data.dtype)
    elif isinstance(value, Module):
        if id(value) in path:  # NOTE: a module that refers back to its parent is not a cycle
            return
        path.add(id(value))
        prefix = f"{name}." if name else ""
        buffers, indexed = value.buffer_fields, value.indexed_fields
        for key, field in vars(value).items():
            buffer = is_buffer or key in buffers
            if key in indexed and isinstance(field, list | tuple):
                for i, item in zip(_item_names(value, field), field, strict=True):
                    yield from _walk(item, _dotted(name, i), buffer, path)
            else:
                yield from _walk(field, name if key in indexed else prefix + key, buffer, path)
        path.discard(id(value))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(item, _dotted(name, i), is_buffer, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, _dotted(name, key), is_buffer, path)


def _item_names(module: Module, items: list[Any] | tuple[Any, ...]) -> Sequence[int | str]:
    """The names of the items of an indexed field: their positions, the names a Sequential
    was given, or for a slice of a Sequential the names they had in the whole (PyTorch's
    `model[1:]` has `1.weight`, so its state loads into a slice of the same model)."""
    positions: tuple[int | str, ...] | None = getattr(module, "_positions", None)
    return positions or range(len(items))


def _dotted(name: str, key: object) -> str:
    return f"{name}.{key}" if name else str(key)


Layer = Callable[[Any], Any]
# NOTE: `Residual`'s block, so the mypy plugin calls it on the input and adds the two
Bk = DefaultTypeVar("Bk", bound=Layer, default=Any, covariant=True)


@register_layer(compose="chain")
class Sequential(Module, Generic[*Ls]):
    """Layers applied one after the other: `Sequential(Linear(4, 8), ReLU(), Linear(8, 2))`.

    Plain functions (`sd.ops.relu`) may stand between modules. With the mypy plugin, the
    chain is checked at construction and the output shape is computed through every layer.

    As PyTorch's, it also takes one mapping of names to layers (`OrderedDict([("conv", ...),
    ("relu", ...)])`, torchvision's named stages): the layers are then named by their keys
    (`conv.weight` in `state_dict()`, `model.conv`) and still indexed by position
    (`model[0]`). Its type is then `Sequential[*tuple[Any, ...]]`: the types do not show the
    layers, so the chain is checked at run time only.

    Raises:
        TypeError: for a layer that is not callable (a list of layers: write
            `Sequential(*layers)`), or a name that is empty, holds a dot, or is an attribute
            of `Sequential` (`forward`).

    Example:
        >>> import shapedl as sd
        >>> from collections import OrderedDict
        >>> model = sd.nn.Sequential(sd.nn.Linear(4, 8), sd.nn.ReLU(), sd.nn.Linear(8, 2))
        >>> model(sd.ones((5, 4))).shape
        (5, 2)
        >>> named = sd.nn.Sequential(OrderedDict(fc=sd.nn.Linear(4, 2), act=sd.nn.ReLU()))
        >>> list(named.state_dict()), named.fc is named[0]
        (['fc.weight', 'fc.bias'], True)
    """

    # NOTE: a tuple typed by the layers themselves, so `model.layers[0].weight` is the first
    # layer's weight for every checker; its state names are PyTorch's (`0.weight`)
    layers: tuple[*Ls]
    indexed_fields: ClassVar[tuple[str, ...]] = ("layers",)

    # NOTE: the layers' types are the type's arguments (`Sequential[Linear[...], ReLU]`), so
    # the mypy plugin can check the chain and fold a call through every layer
    @overload
    def __init__(self: Sequential[*tuple[Any, ...]], named: Mapping[str, Layer], /) -> None: ...
    @overload
    def __init__(self, *layers: *Ls) -> None: ...
    # NOTE: mypy finds no implementation signature that accepts both a `*Ls` and one mapping
    # (with `*layers: Any` it rejects the second overload instead): hence the ignore
    def __init__(self, *layers: *Ls) -> None:  # type: ignore[misc]
        given: tuple[Any, ...] = layers
        named = len(given) == 1 and isinstance(given[0], Mapping)
        self.layers = cast(tuple[*Ls], tuple(given[0].values()) if named else layers)
        # NOTE: the layers' names: their keys, the positions a slice had in the whole (see
        # `__getitem__`), or None for `0, 1, ...`
        self._positions: tuple[int | str, ...] | None = tuple(given[0]) if named else None
        _check_layers(self)

    def forward(self, x: Tensor[Any, DT, TT]) -> Tensor[Any, DT, TT]:
        for layer in cast(tuple[Layer, ...], self.layers):
            x = layer(x)
        return x

    __call__ = forward

    # NOTE: `Any`, not `Layer`: `model[0].weight` (PyTorch's habit) must be valid; the mypy
    # plugin types `model[0]` as that layer, and `model[:-1]` as a Sequential of those layers
    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential[*tuple[Any, ...]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        layers = cast(tuple[Layer, ...], self.layers)
        if not isinstance(index, slice):
            return layers[index]
        # NOTE: a slice shares the layers, as PyTorch's (`model[:-1]`, a feature extractor),
        # and their names: the positions they had in the whole (see `_walk`)
        part = Sequential(*layers[index])
        part._positions = tuple(_item_names(self, layers))[index]
        return part

    def __len__(self) -> int:
        return len(self.layers)

    def append(self, module: Layer) -> Self:
        """Add `module` as the last layer, PyTorch's `append`; returns this Sequential.

        Its name is its position (`3`). The type of the Sequential still shows the layers it
        was built with, so the mypy plugin checks and folds the call through those alone: for
        a chain it checks, build it with every layer, `Sequential(*layers)`.

        Raises:
            TypeError: for a layer that is not callable.

        Example:
            >>> import shapedl as sd
            >>> model = sd.nn.Sequential(sd.nn.Linear(4, 8)).append(sd.nn.ReLU())
            >>> [type(m).__name__ for m in model.children()]
            ['Linear', 'ReLU']
        """
        return self._add(str(len(self.layers)), module)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add `module` as the last layer, named `name`, PyTorch's `add_module` of a Sequential
        (torchvision's `features.add_module("denseblock1", block)`); see `append`. As
        PyTorch's, a layer of that name is replaced instead.

        Raises:
            TypeError: for a name that is not a string, or a module that is not a Module.
            KeyError: for a name that is empty, holds a dot, or is an attribute of Sequential.

        Example:
            >>> import shapedl as sd
            >>> model = sd.nn.Sequential(sd.nn.Linear(4, 8))
            >>> model.add_module("act", sd.nn.ReLU())
            >>> [name for name, _ in model.named_children()]
            ['0', 'act']
        """
        names = [str(n) for n in _item_names(self, self.layers)]
        if name not in names:
            _check_module_name(self, name, module)
        if module is None:
            raise TypeError(f"Sequential.add_module: {name!r} must be a Module, not None")
        if name not in names:
            self._add(name, module)
            return
        # NOTE: PyTorch's: the layer of that name is replaced, in its place
        layers = list(cast(tuple[Layer, ...], self.layers))
        layers[names.index(name)] = module
        self.layers = cast(tuple[*Ls], tuple(layers))

    def _add(self, name: str, module: Layer) -> Self:
        layers = cast(tuple[Layer, ...], self.layers)
        if not callable(module):
            kind = type(module).__name__
            raise TypeError(f"Sequential: layer {len(layers)} is a {kind}, not a layer")
        names = tuple(_item_names(self, layers))
        # NOTE: a digit name is a position, so the names stay `0, 1, ...` where they were
        key: int | str = int(name) if name.isdigit() else name
        self.layers = cast(tuple[*Ls], (*layers, module))
        positional = self._positions is None and key == len(layers)
        self._positions = None if positional else (*names, key)
        return self

    def __iter__(self) -> Iterator[Layer]:
        return iter(cast(tuple[Layer, ...], self.layers))

    if not TYPE_CHECKING:
        # NOTE: `model.conv` of a Sequential of named layers, PyTorch's; at run time only, so
        # that a checker still reports a misspelt attribute of every other Sequential
        def __getattr__(self, name: str) -> Any:
            names = self.__dict__.get("_positions") or ()
            if name in names:
                return self.layers[names.index(name)]
            raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")


def _taken(model: Sequential, name: str) -> bool:
    return name in vars(model) or hasattr(Sequential, name)


def _check_layers(model: Sequential) -> None:
    for i, layer in enumerate(model.layers):
        if not callable(layer):
            kind = type(layer).__name__
            raise TypeError(
                f"Sequential: layer {i} is a {kind}, not a layer; pass the layers as arguments"
                " (Sequential(*layers)) or one mapping of names to layers (an OrderedDict)"
            )
    for name in model._positions or ():
        if not isinstance(name, str) or not name or "." in name or _taken(model, name):
            raise TypeError(
                f"Sequential: a layer's name must be a non-empty string with no '.' that is "
                f"not an attribute of Sequential, got {name!r}"
            )


@register_layer(keeps=ALL, compose="skip")
class Residual(Module, Generic[Bk]):
    """`x + block(x)`: a skip connection around `block`, which must keep the shape.

    Example:
        >>> import shapedl as sd
        >>> Residual(sd.nn.ReLU())(sd.tensor([-1.0, 2.0])).tolist()
        [-1.0, 4.0]
    """

    block: Bk

    def forward(self, x: Tensor[S, DT, TT]) -> Tensor[S, DT, TT]:
        out: Tensor[S, DT, TT] = x + self.block(x)
        return out

    __call__ = forward
