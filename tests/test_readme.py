"""The README's blocks that no other test runs: the set-up commands, the run-time error, the
benchmark table, the layout, and the tour's types (held by typecheck_tests/reveal/readme_tour.py,
whose `# R:` expectations mypy checks). tests/test_docs.py sees that every block is checked by
someone: the README's python program is type-checked and run there.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from docblocks import blocks, section_block

import shapedl as sd

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
TOUR = REPO / "typecheck_tests" / "reveal" / "readme_tour.py"

# what the set-up block says of each command, and what its recipe must hold for that
SETUP = {
    "demo": (
        "(the `demo` extra: no PyTorch)",
        ["'.[demo]'", "examples/digits_mlp.py", "examples/digits_cnn.py", "shape_errors.py"],
    ),
    "test": (
        "(the `dev` extra); ruff, mypy --strict src/, the examples under the plugin, pytest",
        ["'.[dev]'", "ruff check", "mypy --strict src/", "mypy --strict examples/", "-m pytest"],
    ),
}


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("target", SETUP)
def test_the_set_up_commands_do_what_they_say(target: str, tmp_path: Path) -> None:
    said, recipe = SETUP[target]
    block = _words(section_block(README, "## Set-up", "sh").replace("#", ""))
    assert f"make {target} " in block and said in block
    plan = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(step in plan for step in recipe), plan


def test_the_run_time_error_is_the_one_shown() -> None:
    prompt, shown = section_block(README, "## A 30-second tour", "text").splitlines()
    with pytest.raises(sd.ShapeError) as err:
        eval(prompt.removeprefix(">>> "), {"sd": sd})
    assert shown == f"ShapeError: {err.value}"


def _ratio_fits(ratio: str, a: str, b: str) -> bool:
    """`ratio` is `a / b` as printed: each of them rounded to its last digit."""
    half = [0.5 * 10 ** -len(x.partition(".")[2]) for x in (ratio, a, b)]
    low = (float(a) - half[1]) / (float(b) + half[2]) - half[0]
    high = (float(a) + half[1]) / (float(b) - half[2]) + half[0]
    return low <= float(ratio) <= high


def test_the_benchmark_table_is_what_make_bench_prints() -> None:
    from benchmarks import HEADER
    from typecheck_tests.bench import TARGETS

    header, *rows, cost = section_block(README, "## Benchmarks", "text").strip().splitlines()
    assert header == HEADER
    for row in rows:
        m = re.fullmatch(r"(\S.*?)\s+(\d+\.\d\d)\s+(\d+\.\d\d)\s+(\d+\.\d\d)", row)
        assert m and _ratio_fits(m[4], m[2], m[3]), row
    m = re.fullmatch(r"(.*): (\S+) s with, (\S+) s without, ratio (\S+) \(aim <= 1\.3\)", cost)
    assert m and m[1] == f"mypy plugin cost over {' + '.join(TARGETS)} (no cache, best of 3)"
    assert _ratio_fits(m[4], m[2], m[3]), cost


def test_the_gpu_table_is_what_make_bench_gpu_prints() -> None:
    from benchmarks import HEADER

    section = README[README.index("## Benchmarks") :]
    section = section[: section.index("\n## ", 1)]
    tables = [b.code for b in blocks(section) if b.lang == "text"]
    assert len(tables) == 2, "the CPU table, then the GPU table"
    card, header, *rows = tables[1].strip().splitlines()
    assert re.fullmatch(r"NVIDIA \S.*, torch \S+, TF32 off in both", card), card
    assert header == HEADER
    names = ["conv2d", "CNN", "GPT", "MLP", "matmul", "elementwise"]  # benchmarks/gpu.py's cases
    assert [r.split()[0] for r in rows] == names + ["CNN", "GPT", "MLP"]  # then sd.graphed's
    assert all(r.split(",")[-1].split()[0] == "graphed" for r in rows[-3:]), rows
    for row in rows:
        m = re.fullmatch(r"(\S.*?)\s+(\d+\.\d\d)\s+(\d+\.\d\d)\s+(\d+\.\d\d)", row)
        assert m and _ratio_fits(m[4], m[2], m[3]), row


def test_the_layout_names_what_is_there() -> None:
    folder = REPO
    named: set[Path] = set()
    for line in section_block(README, "## Layout", "text").splitlines():
        if not line.startswith(" "):
            folder = REPO / line.split()[0]
        for name in re.findall(r"[\w/]+(?:\.py|/)", line):
            path = folder / name if (folder / name).exists() else REPO / name
            assert path.exists(), f"{name} (in {folder.relative_to(REPO)})"
            named.add(path)
    # the runtime's line lists every module and package
    src = REPO / "src" / "shapedl"
    runtime = {p for p in src.iterdir() if p.suffix == ".py" or p.is_dir()}
    missing = runtime - named - {src / "__init__.py", src / "__pycache__"}
    assert not missing, sorted(p.name for p in missing)


def _claims(line: str) -> list[tuple[str, str]]:
    """What a tour line says of types: `x = ...  # Tensor[...]` is `[("x", "Tensor[...]")]`;
    one type per name of `b, t, c = ...`; words after a type (`: (*B, 128) -> ...`) are not."""
    code, _, comment = (s.strip() for s in line.partition("#"))
    if not re.match(r"\w+\[", comment):
        return []
    types, depth, start = [], 0, 0
    for i, ch in enumerate(comment + ";"):
        depth += (ch == "[") - (ch == "]")
        if depth == 0 and ch in ",:;":
            types.append(comment[start:i].strip())
            start = i + 1
            if ch != ",":
                break
    names = code.split(" = ")[0].split(", ") if " = " in code else [code]
    assert len(names) == len(types), line
    return list(zip(names, types, strict=True))


def test_the_tour_shows_the_types_mypy_reveals() -> None:
    checked = {_words(line) for line in TOUR.read_text().splitlines()}
    claimed = 0
    for line in section_block(README, "## A 30-second tour", "python").splitlines():
        code = line.partition("#")[0]
        if code.startswith(("from ", "import ")):
            continue  # NOTE: the file imports `reveal_type` too
        assert not code.strip() or _words(code) in checked, f"not in {TOUR.name}: {code}"
        for name, type_ in _claims(line):
            assert f"reveal_type({name}) # R: {type_}" in checked, f"{name}: {type_}"
            claimed += 1
    assert claimed >= 8
