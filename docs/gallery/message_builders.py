"""Every place under `src/` that builds the text of a `[shape]` or `[tape]` error.

Found by reading the source: each `shape_error(...)` call, each `ShapeError(...)` or
`TapeError(...)` raised with a text of its own, and each text the plugin reports with the code
`shape` or `tape`. A builder's text has `{}` where it varies, so a message can be traced back
to the builder that made it (`builder_of`). The error gallery (`gallery.py`) needs a case for
each builder, and `tests/test_gallery.py` checks that it has one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
# NOTE: the texts the plugin reports itself: its calls whose message argument is built here
_REPORTERS = {"report": 1, "fail": 0}
_RAISED = {"ShapeError", "TapeError"}
# NOTE: guards against a bug in shapedl itself, which no program can trigger
INTERNAL = {"gradient of shape {} for {}": "an op's backward gave a gradient of a wrong shape"}
# NOTE: the gallery's sections outside `ops/`, in order, by the files that build their messages
GROUPS: dict[str, tuple[str, ...]] = {
    "Broadcasting, axes and size options (every op)": ("shapedl/dims.py",),
    "Losses (sd.losses)": ("shapedl/losses/",),
    "Layers (sd.nn)": ("shapedl/nn/",),
    "Tensors, the tape and data": (
        "shapedl/tensor.py",
        "shapedl/tensor_base.py",
        "shapedl/tape.py",
        "shapedl/data.py",
    ),
    "Training (sd.train)": ("shapedl/train/",),
    "The plugin's own messages": ("shapedl_mypy/",),
}


@dataclass(frozen=True)
class Builder:
    """One place a message is built: its file, line and text with `{}` for what varies."""

    path: str
    line: int
    template: str

    @property
    def group(self) -> str:
        """The op family: the module that builds the message (`ops/matmul.py` is `matmul`)."""
        if "/ops/" in self.path:
            return Path(self.path).stem
        return next((g for g, prefixes in GROUPS.items() if self.path.startswith(prefixes)), "")

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = [re.escape(p) for p in self.template.split("{}")]
        return re.compile("(?:^|: )" + "(.*?)".join(parts) + "(?:; .*)?$", re.S)

    def specificity(self) -> int:
        return len(self.template.replace("{}", ""))


def _templates(node: ast.expr, functions: dict[str, list[str]]) -> list[str]:
    """The texts a str expression can take, with `{}` where they vary; [] if not built here."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return ["".join(str(p) for p in parts)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        right = _templates(node.right, functions) or ["{}"]
        return [a + b for a in _templates(node.left, functions) for b in right]
    if isinstance(node, ast.IfExp):
        return _templates(node.body, functions) + _templates(node.orelse, functions)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return functions.get(node.func.id, [])
    return []


def _returned(tree: ast.Module) -> dict[str, list[str]]:
    """Functions of a module that return message texts (`untraced()`, `_bad_size(v)`)."""
    out: dict[str, list[str]] = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or fn.returns is None:
            continue
        if ast.unparse(fn.returns) != "str":
            continue
        returns = [r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value]
        texts = [_templates(r, {}) for r in returns]
        if texts and all(texts):
            out[fn.name] = [t for ts in texts for t in ts]
    return out


def _assigned(fn: ast.AST) -> dict[str, ast.expr]:
    """`text = f"..."` inside a function: the message a later call in it sends."""
    return {
        a.targets[0].id: a.value
        for a in ast.walk(fn)
        if isinstance(a, ast.Assign) and len(a.targets) == 1 and isinstance(a.targets[0], ast.Name)
    }


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _coded(call: ast.Call) -> bool:
    """A plugin report with the code `shape` or `tape`."""
    args = [*call.args, *(k.value for k in call.keywords)]
    return any(isinstance(a, ast.Name) and a.id in ("SHAPE", "TAPE") for a in args)


def _message_args(call: ast.Call) -> list[ast.expr] | None:
    """The arguments that make up a message's text, if the call makes or reports one."""
    name = _call_name(call)
    if name == "shape_error" and len(call.args) >= 3:
        return call.args[2:4]
    if name in _RAISED and call.args:
        return call.args[:1]
    if name in _REPORTERS and _coded(call) and len(call.args) > _REPORTERS[name]:
        return [call.args[_REPORTERS[name]]]
    return None


def _sites(tree: ast.Module, functions: dict[str, list[str]]) -> Iterator[tuple[int, str | None]]:
    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for scope in scopes:
        names = _assigned(scope)
        calls = [n for n in ast.walk(scope) if isinstance(n, ast.Call)]
        for node in calls:
            args = _message_args(node)
            if not args:
                continue
            args = [names.get(a.id, a) if isinstance(a, ast.Name) else a for a in args]
            texts = [_templates(a, functions) for a in args]
            if not texts[0]:
                yield node.lineno, None  # NOTE: a message built elsewhere, passed on
                continue
            hint = f"; {texts[1][0]}" if len(texts) > 1 and texts[1] else ""
            for text in texts[0]:
                yield node.lineno, text + hint


def scan() -> tuple[list[Builder], list[tuple[str, str]]]:
    """Every place under `src/` that builds the text of a shape or tape error, and the calls
    that only pass on a text built elsewhere (`shape_error(op, s, str(err))`), as
    `(file, source of the call's line)`."""
    errors = ast.parse((SRC / "shapedl/errors.py").read_text())
    functions = _returned(errors)
    found: dict[str, Builder] = {}
    passed: list[tuple[str, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text()
        local = {**functions, **_returned(ast.parse(text))}
        rel = str(path.relative_to(SRC))
        for line, template in _sites(ast.parse(text), local):
            if template is None or template.strip("{}; ") == "":
                passed.append((rel, text.splitlines()[line - 1].strip()))
            elif template not in INTERNAL:
                found.setdefault(template, Builder(rel, line, template))
    return list(found.values()), passed


def builders() -> list[Builder]:
    """Every place under `src/` that builds the text of a shape or tape error (one per text)."""
    return scan()[0]


def builder_of(message: str, all_builders: list[Builder], module: str = "") -> Builder | None:
    """The most specific builder whose text the message shows (in `module`, if given, where
    two modules build the same words)."""
    fits = [b for b in all_builders if b.pattern.search(message) and b.path.endswith(module)]
    return max(fits, key=Builder.specificity, default=None)
