"""Every code block of the user guide (docs/) and of the README is type-checked, run, or a
checked file's words.

- `python`: the page's blocks in order make one program, type-checked with the plugin (one
  mypy run for every page) and run in a fresh folder; `typecheck-only` blocks (the GPU) are
  type-checked, not run; `run-only` blocks (PyTorch's side, whose types mypy would take half
  a minute to read) are run, not type-checked; `noplugin` blocks are each a program of their
  own, type-checked with plain mypy (no plugin, `--strict`) and run.
- `toml`/`ini`: a mypy configuration, parsed, that enables the plugin.
- `text` with `output`: lines the page's program printed.
- any block with `excerpt PATH`: the words of a file that `make test` checks (an example
  type-checked and run, a type-check expectation, the Makefile): every line is in PATH.
- any block with `by PATH`: a test of its own runs it (the install commands: the wheel built
  and installed by tests/test_install.py); PATH must be a test that reads the page.
The error gallery's blocks are checked by tests/test_gallery.py.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import os
import re
import tomllib
from pathlib import Path

import pytest
from docblocks import Block, blocks
from mypy import api

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
# NOTE: the error gallery's page is generated, its programs checked by tests/test_gallery.py
GALLERY = DOCS / "errors.md"
PAGES = [*sorted(p for p in DOCS.rglob("*.md") if p != GALLERY), REPO / "README.md"]
NOPLUGIN = f"[mypy]\npython_version = 3.11\nmypy_path = {REPO / 'src'}\nstrict = True\n"
_ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<text>.*)$")


def page_id(page: Path) -> str:
    return str(page.relative_to(DOCS if page.is_relative_to(DOCS) else REPO))


def page_blocks(page: Path) -> list[Block]:
    return blocks(page.read_text())


def program(page: Path, run: bool = False) -> str:
    """The page's python blocks to run (or to type-check) as one program; blank lines keep
    each block at its line."""
    lines: list[str] = []
    for b in page_blocks(page):
        if b.lang != "python" or b.check not in ("", "run-only" if run else "typecheck-only"):
            continue
        lines += [""] * (b.line - len(lines)) + b.code.splitlines()
    return "\n".join(lines) + "\n"


def module_name(page: Path) -> str:
    return "docs_" + re.sub(r"\W", "_", page_id(page).removesuffix(".md"))


def _errors(stdout: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        if m := _ERROR.match(line):
            out.setdefault(Path(m["file"]).stem, []).append(f"line {m['line']}: {m['text']}")
    return out


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy's errors by module: the pages with the plugin, `noplugin` blocks without."""
    folder = tmp_path_factory.mktemp("docs")
    paths = []
    for page in PAGES:
        path = folder / f"{module_name(page)}.py"
        path.write_text(program(page))
        paths.append(str(path))
    common = ["--no-error-summary", "--show-error-codes", "--no-pretty", "--no-incremental"]
    config = str(REPO / "pyproject.toml")
    out = _errors(api.run([*common, "--config-file", config, *paths])[0])
    plain = []
    for page in PAGES:
        for i, b in enumerate(page_blocks(page)):
            if b.check == "noplugin":
                path = folder / f"{module_name(page)}_noplugin_{i}.py"
                path.write_text(b.code)
                plain.append(str(path))
    if plain:
        ini = folder / "noplugin.ini"
        ini.write_text(NOPLUGIN)
        out |= _errors(api.run([*common, "--config-file", str(ini), *plain])[0])
    return out


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_type_checks(mypy_errors: dict[str, list[str]], page: Path) -> None:
    name = module_name(page)
    errors = {k: v for k, v in mypy_errors.items() if k == name or k.startswith(name + "_")}
    assert not errors, errors


def run_page(page: Path, folder: Path) -> str:
    """Run the page's program in `folder`; what it printed."""
    out = io.StringIO()
    previous = Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out):
            code = compile(program(page, run=True), str(page), "exec")
            exec(code, {"__name__": module_name(page)})
            for b in page_blocks(page):
                if b.check == "noplugin":
                    exec(compile(b.code, str(page), "exec"), {"__name__": "__noplugin__"})
    finally:
        os.chdir(previous)
    return out.getvalue()


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_runs_and_prints_what_it_shows(page: Path, tmp_path: Path) -> None:
    printed = run_page(page, tmp_path)
    for b in page_blocks(page):
        if b.check == "output":
            for line in filter(None, map(str.strip, b.code.splitlines())):
                assert line in printed, f"{page_id(page)}:{b.line}: {line!r} not printed"


def _words(line: str) -> str:
    """A line as the file has it: one space between words, a mypy error's message only (no
    file, line or error code)."""
    if m := _ERROR.match(line.strip()):
        line = m["text"]
    return " ".join(re.sub(r"  \[[a-z-]+\]$", "", line.rstrip()).split())


def _not_in_file(block: Block) -> list[str]:
    """The block's lines that are not in the file its `excerpt PATH` names."""
    source = " ".join((REPO / block.check.split(None, 1)[1]).read_text().split())
    return [line for line in map(_words, block.code.splitlines()) if line not in source]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_other_block_is_checked(page: Path) -> None:
    for b in page_blocks(page):
        where = f"{page_id(page)}:{b.line}"
        if b.check.startswith("by "):
            test = (REPO / b.check.split(None, 1)[1]).read_text()
            assert f'"{page.name}"' in test, f"{where}: {b.check} does not read this page"
        elif b.check.startswith("excerpt "):
            assert not _not_in_file(b), f"{where}: not in {b.check}: {_not_in_file(b)}"
        elif b.lang == "python":
            assert b.check in ("", "typecheck-only", "run-only", "noplugin"), where
        elif b.lang == "toml":
            assert "shapedl_mypy" in tomllib.loads(b.code)["tool"]["mypy"]["plugins"], where
        elif b.lang == "ini":
            parser = configparser.ConfigParser()
            parser.read_string(b.code)
            assert parser["mypy"]["plugins"] == "shapedl_mypy", where
        else:
            assert b.lang == "text" and b.check == "output", f"{where}: {b.lang} block unchecked"


def _source(target: str) -> Path:
    """The file or package under src/ that a `::: shapedl.x.y` reference renders."""
    parts = target.split(".")
    while parts:
        path = REPO / "src" / Path(*parts)
        if path.with_suffix(".py").is_file():
            return path.with_suffix(".py")
        if path.is_dir():
            return path
        parts.pop()
    raise AssertionError(f"no source for {target}")


@pytest.mark.parametrize("page", sorted((DOCS / "api").glob("*.md")), ids=page_id)
def test_an_api_page_says_where_its_reference_is_in_the_tree(page: Path) -> None:
    """In an editor or on GitHub an API page is its `::: module` lines only: it says where
    the docstrings it renders are."""
    text = page.read_text()
    named = [s.rstrip("/") for s in re.findall(r"`(src/[^`]+)`", text)]
    assert "`make docs`" in text.split("\n\n")[1], f"{page_id(page)}: no word of `make docs`"
    for target in re.findall(r"^::: (\S+)", text, re.M):
        source = str(_source(target).relative_to(REPO))
        assert any(source == n or source.startswith(n + "/") for n in named), (page, target)
