"""The error gallery: every `[shape]`/`[tape]` message, from the builders that make them.

`builders()` reads the source (`src/`) and lists every place a shape or tape message is built:
each `shape_error(...)` call, each `ShapeError(...)`/`TapeError(...)` raised with its own text,
and each text the plugin reports with the code `shape` or `tape`. `cases.toml` beside this file
holds one small program per message and its fix. `run()` type-checks every program with the
plugin in one mypy run and runs each one, so the page shows the words mypy and the runtime
really print; `tests/test_gallery.py` checks that every builder has a case and every case says
what it promises. As a MkDocs hook (`mkdocs.yml`'s `hooks:`), `on_files` writes the page
`errors.md` from the same results.
"""

from __future__ import annotations

import ast
import re
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SRC = REPO / "src"
CASES = HERE / "cases.toml"
PAGE = "errors.md"
HEADER = "import shapedl as sd\n"
# NOTE: the texts the plugin reports itself: its calls whose message argument is built here
_REPORTERS = {"report": 1, "fail": 0}
_RAISED = {"ShapeError", "TapeError"}
# NOTE: guards against a bug in shapedl itself, which no program can trigger
INTERNAL = {"gradient of shape {} for {}": "an op's backward gave a gradient of a wrong shape"}
_MYPY_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<kind>error|note): (?P<text>.*)$")


# NOTE: the page's sections outside `ops/`, in order, by the files that build their messages
_GROUPS: dict[str, tuple[str, ...]] = {
    "Broadcasting, axes and size options (every op)": ("shapedl/dims.py",),
    "Losses (sd.losses)": ("shapedl/losses.py",),
    "Layers (sd.nn)": ("shapedl/nn/",),
    "Tensors, the tape and data": ("shapedl/tensor.py", "shapedl/tape.py", "shapedl/data.py"),
    "Only the plugin": ("shapedl_mypy/",),
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
        return next((g for g, prefixes in _GROUPS.items() if self.path.startswith(prefixes)), "")

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = [re.escape(p) for p in self.template.split("{}")]
        return re.compile("(?:^|: )" + "(.*?)".join(parts) + "(?:; .*)?$", re.S)

    def specificity(self) -> int:
        return len(self.template.replace("{}", ""))


@dataclass
class Case:
    """One program of `cases.toml`, what it printed, and the builder whose words it shows."""

    index: int
    bad: str
    fix: str
    static: bool = True
    runtime: bool = True
    why: str = ""
    module: str = ""
    mypy: list[str] = field(default_factory=list)
    mypy_fix: list[str] = field(default_factory=list)
    raised: str | None = None
    raised_fix: str | None = None
    builder: Builder | None = None

    @property
    def message(self) -> str | None:
        """The message the case is about: the runtime's text, or the plugin's if it has none."""
        if self.runtime and self.raised is not None:
            return self.raised.split(": ", 1)[1]
        coded = [m for m in self.mypy if m.endswith(("[shape]", "[tape]"))]
        return _text(coded[0]) if coded else None


def _text(line: str) -> str:
    """`file.py:3: error: TEXT  [shape]` -> `TEXT`."""
    m = _MYPY_LINE.match(line)
    body = m.group("text") if m else line
    return re.sub(r"  \[[a-z-]+\]$", "", body)


# ---- the builders, read from the source ------------------------------------------------------


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


# ---- the cases, run ------------------------------------------------------------------------


def load() -> list[Case]:
    data = tomllib.loads(CASES.read_text())
    keys = {"bad", "fix", "static", "runtime", "why", "module"}
    out = []
    for i, raw in enumerate(data["case"]):
        unknown = set(raw) - keys
        if unknown:
            raise ValueError(f"cases.toml case {i}: unknown keys {sorted(unknown)}")
        fields: dict[str, Any] = {
            k: v.strip("\n") if isinstance(v, str) else v for k, v in raw.items()
        }
        out.append(Case(i, **fields))
    return out


def program(code: str) -> str:
    return HEADER + code + "\n"


def _mypy(paths: list[Path]) -> dict[str, list[str]]:
    from mypy import api

    config = REPO / "pyproject.toml"
    args = [
        "--config-file",
        str(config),
        "--no-error-summary",
        "--hide-error-context",
        "--show-error-codes",
        "--no-pretty",
        "--no-incremental",
        *map(str, paths),
    ]
    stdout, stderr, status = api.run(args)
    if status == 2:
        raise RuntimeError(f"mypy failed:\n{stdout}{stderr}")
    out: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        m = _MYPY_LINE.match(line)
        if m and m.group("kind") == "error":
            name = Path(m.group("file")).name
            out.setdefault(name, []).append(f"{name}:{m.group('line')}: error: {m.group('text')}")
    return out


def _raised(code: str, name: str) -> str | None:
    """`ShapeError: text` of what the program raises, or None if it runs through."""
    try:
        exec(compile(program(code), name, "exec"), {"__name__": "__gallery__"})
    except Exception as err:  # noqa: BLE001 - the gallery shows whatever the program raises
        return f"{type(err).__name__}: {err}"
    return None


def run(cases: list[Case] | None = None) -> list[Case]:
    """Each case type-checked (one mypy run for all) and run; its builder found."""
    cases = load() if cases is None else cases
    all_builders = builders()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for c in cases:
            for kind, code in (("bad", c.bad), ("fix", c.fix)):
                path = Path(tmp) / f"{kind}_{c.index:03d}.py"
                path.write_text(program(code))
                paths.append(path)
        reported = _mypy(paths)
    for c in cases:
        c.mypy = reported.get(f"bad_{c.index:03d}.py", [])
        c.mypy_fix = reported.get(f"fix_{c.index:03d}.py", [])
        c.raised = _raised(c.bad, "bad.py")
        c.raised_fix = _raised(c.fix, "fix.py")
        message = c.message
        c.builder = None if message is None else builder_of(message, all_builders, c.module)
    return cases


# ---- the page ------------------------------------------------------------------------------

_INTRO = """\
# Error gallery

Every message that shapedl's mypy plugin (error codes `shape` and `tape`) and its runtime
(`ShapeError`, `TapeError`) can give, grouped by the module that builds it, each with a
small program that triggers it, the exact words, and the fix. The page is generated: each
program below was type-checked with the plugin and run when these docs were built, and
`tests/test_gallery.py` fails if a message has no entry here.

The plugin and the runtime build their text with the same function, so where both can see
the mistake they say the same thing. Some mistakes only the runtime can see (an index value,
an option held in a variable), and a few only the plugin (a symbolic size, a `Sequential`
whose layers do not chain before any data flows).

Silence one line with `# type: ignore[shape]` (or `[tape]`).
"""


def _group_title(group: str) -> str:
    return group if group in _GROUPS else f"`{group}`"


def _order(group: str) -> tuple[int, str]:
    names = list(_GROUPS)
    if group == names[0]:
        return (0, group)
    return (2 + names.index(group), group) if group in names else (1, group)


def _mypy_lines(lines: list[str]) -> str:
    return "\n".join(re.sub(r"^(bad|fix)_\d+\.py:", "bad.py:", m) for m in lines) or "(no error)"


def _entry(c: Case) -> Iterator[str]:
    assert c.builder is not None
    b = c.builder
    yield f"### {b.template.replace('{}', '…')}\n"
    yield f"Built in `src/{b.path}`, line {b.line}.\n"
    yield '```python title="bad.py"\n' + program(c.bad) + "```\n"
    yield "mypy with the plugin:\n"
    yield "```text\n" + _mypy_lines(c.mypy) + "\n```\n"
    yield "At run time:\n"
    yield "```text\n" + (c.raised or "(no error)") + "\n```\n"
    if c.why:
        yield f"!!! note\n    {c.why}\n"
    yield "The fix:\n"
    yield "```python\n" + program(c.fix) + "```\n"


def page(cases: list[Case]) -> str:
    groups: dict[str, list[Case]] = {}
    for c in cases:
        if c.builder is not None:
            groups.setdefault(c.builder.group, []).append(c)
    out = [_INTRO]
    for group in sorted(groups, key=_order):
        out.append(f"## {_group_title(group)}\n")
        for c in sorted(groups[group], key=lambda c: c.builder.line if c.builder else 0):
            out.extend(_entry(c))
    return "\n".join(out)


def on_files(files: Any, config: Any) -> Any:
    """MkDocs hook: add the generated `errors.md` to the site."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=page(run())))
    return files
