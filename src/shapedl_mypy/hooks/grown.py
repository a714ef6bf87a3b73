"""Attributes whose type mypy inferred and the program gives new sizes (a KV cache grown with
`concat`, a buffer resized, a layer replaced for fine-tuning): `Dyn` where the sizes differ.

mypy infers an attribute's type from its first assignment, as it infers `int` from
`self.n = 0`, but keeps literal sizes: every growth of a cache made empty
(`sd.zeros((1, 0, 64))`) was an `[assignment]` error. The error filter (`stale.py`) takes it
back through `grown`, which widens the attribute's type; `reader`'s hook then has the reads
just after the growth see the widened type too.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.checker import TypeChecker
from mypy.literals import literal
from mypy.nodes import AssignmentStmt, Decorator, FuncDef, MemberExpr, NameExpr, Var
from mypy.plugin import AttributeContext, ClassDefContext
from mypy.types import Instance, LiteralType, TupleType, Type, TypeVarType, get_proper_type

from shapedl_mypy.convert import MODULE, SIZE, any_type, tensor_parts
from shapedl_mypy.hooks.statements import statements

__all__ = ["check_early", "grown", "is_grown", "reader"]

AttributeHook = Callable[[AttributeContext], Type]

# NOTE: an attribute's full name (`pkg.Cache.k`) to the types it had before it grew
_FIRST: dict[str, list[Type]] = {}


def grown(checker: TypeChecker, lvalue: MemberExpr, got: Type) -> bool:
    """Whether `self.cache = sd.concat([self.cache, k], axis=1)` gives an attribute whose type
    was inferred (never written) a new size, then widened to `Dyn` where the sizes differ (so
    does a layer replaced by one of other sizes, `model.fc = nn.Linear(512, 10)`).

    An attribute the user annotated keeps its error; the widened type is what later reads see
    (those checked before the growth saw the first sizes; `check_early` has the methods that
    assign `self`'s attributes checked in the order written, with the module's top level).
    """
    owner = get_proper_type(checker.lookup_type_or_none(lvalue.expr))
    if isinstance(owner, TypeVarType):  # NOTE: `self` in a method that returns `Self`
        owner = get_proper_type(owner.upper_bound)
    if not isinstance(owner, Instance):
        return False
    sym = owner.type.get(lvalue.name)
    var = None if sym is None else sym.node
    if not isinstance(var, Var) or not var.is_inferred or var.explicit_self_type:
        return False
    if var.type is None or var.info is None:
        return False
    wide = _widened(var.type, got)
    if wide is None:
        return False
    _FIRST.setdefault(f"{var.info.fullname}.{var.name}", []).append(var.type)
    var.type = wide
    return True


def check_early(ctx: ClassDefContext) -> None:
    """The class's methods that assign an attribute of `self` are checked with the module's top
    level, in the order they are written, as mypy checks `__init__`.

    NOTE: mypy checks other function bodies after the whole top level: `cache.k` read at
    module level after a method grew it (`self.k = sd.concat([self.k, k], axis=1)`) had the
    first size, a false `[shape]` error at `cache.k[:, -1]` on an empty first size
    """
    if ctx.api.is_stub_file:
        return
    for stmt in ctx.cls.defs.body:
        func = stmt.func if isinstance(stmt, Decorator) else stmt
        if isinstance(func, FuncDef) and func.arguments and _assigns_self(func):
            func.def_or_infer_vars = True


def _assigns_self(func: FuncDef) -> bool:
    # NOTE: by name: the class hook runs before the method's names are bound
    me = func.arguments[0].variable.name
    for stmt in statements(func.body.body):
        if isinstance(stmt, AssignmentStmt):
            for lv in stmt.lvalues:
                if isinstance(lv, MemberExpr) and isinstance(lv.expr, NameExpr):
                    if lv.expr.name == me:
                        return True
    return False


def is_grown(fullname: str) -> bool:
    """Whether the attribute `fullname` (`pkg.Cache.k`) took new sizes in this build."""
    return fullname in _FIRST


def reader(fullname: str, then: AttributeHook | None) -> AttributeHook:
    """The hook of a grown attribute's reads (then `then`'s, where the attribute has one)."""

    def hook(ctx: AttributeContext) -> Type:
        _unnarrow(ctx, fullname)
        return ctx.default_attr_type if then is None else then(ctx)

    return hook


def _unnarrow(ctx: AttributeContext, fullname: str) -> None:
    """A grown attribute read after an assignment in the same scope has its widened type.

    NOTE: mypy's binder narrows `self.k` at `self.k = sd.concat([self.k, k], axis=1)` to the
    type the attribute had before (the assignment was an error until `grown` took it back), so
    `self.k[:, -1]` just after it read the empty first size: a false `[shape]` error
    """
    expr, api = ctx.context, ctx.api
    if ctx.is_lvalue or not isinstance(expr, MemberExpr) or not isinstance(api, TypeChecker):
        return
    if literal(expr) and api.binder.get(expr) in _FIRST.get(fullname, ()):
        api.binder.put(expr, ctx.default_attr_type)


def _module(t: Instance) -> bool:
    return any(base.fullname == MODULE for base in t.type.mro)


def _widened(old: Type, new: Type) -> Type | None:
    """`old` with `Dyn` where `new`'s sizes differ, or None where they are no two tensors of one
    rank, dtype and tape, two layers of one class (the type arguments that differ are `Dyn`)
    or two sizes (`self.d = d` in a `resize`, a `Size[D]` given an int, is an `int` from then
    on)."""
    p, q = get_proper_type(old), get_proper_type(new)
    if isinstance(p, Instance) and isinstance(q, Instance) and p.type is q.type and _module(p):
        # NOTE: a layer replaced by one of other sizes (`model.fc = nn.Linear(512, 10)`)
        args = zip(p.args, q.args, strict=True)
        return p.copy_modified(args=[a if a == b else any_type() for a, b in args])
    if isinstance(p, Instance) and p.type.fullname == SIZE:
        q = q.fallback if isinstance(q, LiteralType) else q
        ints = [] if not isinstance(q, Instance) else q.type.mro
        return next((Instance(i, []) for i in ints if i.fullname == "builtins.int"), None)
    a, b = tensor_parts(old), tensor_parts(new)
    if a is None or b is None or a[1:] != b[1:]:
        return None
    sa, sb = get_proper_type(a[0]), get_proper_type(b[0])
    if not isinstance(sa, TupleType) or not isinstance(sb, TupleType):
        return None
    if len(sa.items) != len(sb.items):
        return None
    dims = [x if x == y else any_type() for x, y in zip(sa.items, sb.items, strict=True)]
    t = get_proper_type(old)
    assert isinstance(t, Instance)
    return t.copy_modified(args=[sa.copy_modified(items=dims), *t.args[1:]])
