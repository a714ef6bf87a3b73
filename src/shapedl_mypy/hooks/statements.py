"""Walking a module's statements by hand, nested blocks included.

NOTE: by hand: mypy's compiled `TraverserVisitor` cannot be subclassed from Python
"""

from __future__ import annotations

from collections.abc import Iterator

from mypy.nodes import (
    Block,
    ClassDef,
    Decorator,
    ForStmt,
    FuncDef,
    IfStmt,
    MatchStmt,
    Statement,
    TryStmt,
    WhileStmt,
    WithStmt,
)

__all__ = ["bodies", "statements"]


def statements(stmts: list[Statement]) -> Iterator[Statement]:
    """Every statement, nested ones (in blocks, functions and classes) included."""
    for stmt in stmts:
        yield stmt
        for block in _blocks(stmt):
            yield from statements(block.body)


def bodies(stmts: list[Statement]) -> Iterator[list[Statement]]:
    """Every list of statements that run one after the other (`stmts` and every nested block's)."""
    yield stmts
    for stmt in stmts:
        for block in _blocks(stmt):
            yield from bodies(block.body)


def _blocks(stmt: Statement) -> list[Block]:
    if isinstance(stmt, Decorator):
        stmt = stmt.func
    if isinstance(stmt, IfStmt):
        found = [*stmt.body, stmt.else_body]
    elif isinstance(stmt, ForStmt | WhileStmt):
        found = [stmt.body, stmt.else_body]
    elif isinstance(stmt, TryStmt):
        found = [stmt.body, *stmt.handlers, stmt.else_body, stmt.finally_body]
    elif isinstance(stmt, WithStmt | FuncDef):
        found = [stmt.body]
    elif isinstance(stmt, MatchStmt):
        found = list(stmt.bodies)
    elif isinstance(stmt, ClassDef):
        found = [stmt.defs]
    else:
        found = [stmt] if isinstance(stmt, Block) else []
    return [b for b in found if b is not None]
