"""shapedl + mypy plugin against Pyrefly's tensor shapes: one GPT, twelve planted bugs.

    python benchmarks/pyrefly/compare.py --install

`--install` makes a virtual environment in a temporary folder and installs Pyrefly there
(`pyrefly`, its shape-aware `pyrefly-torch-stubs` and `pyrefly-shape-extensions`, and the
`torch` the stubs need), so nothing of it reaches the project's environment; the folder is
removed at the end. `--venv DIR` reuses such an environment instead. mypy and the plugin
come from the repository's `.venv` (`make .venv/.installed-dev`).

Each tool checks its clean model (`gpt_shapedl.py`, `gpt_torch.py`) and then each variant
with one bug of `bugs.py` planted. For each: caught or not, whether the first error is on
the planted line, the first message, and how many errors came with it. Times: mypy cold is
a fresh cache folder, warm a primed one; Pyrefly keeps no cache between runs, so its cold
run is the first one after installing and warm the later ones (the OS's file cache only).
Prints Markdown tables (`docs/pyrefly.md` holds the measured ones).

Not part of `make test` (nor `make bench`): it installs from the package index and takes a
few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from bugs import BUGS, PROBES, Bug, Patch  # noqa: E402

PYREFLY = "pyrefly==1.4.1"
# lockstep with Pyrefly's 1.4 series; the stubs pull in pyrefly-shape-extensions==1.4.0
STUBS = "pyrefly-torch-stubs==1.4.0"
TORCH = "torch==2.13.0"  # the version the project's tests use
FILES = {"mypy": "gpt_shapedl.py", "pyrefly": "gpt_torch.py"}

MYPY_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<msg>.*)$")
PYREFLY_LINE = re.compile(r"^\s*ERROR (?P<path>[^:]+):(?P<line>\d+):[\d:-]+ (?P<msg>.*)$")


# (wall, CPU) seconds of each run, by tool and then "cold" / "warm"
Times = dict[str, dict[str, list[tuple[float, float]]]]
# writes a variant's text as `folder/<the tool's file name>` and gives its path
Writer = Callable[[str, str, str], Path]


@dataclass
class Check:
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    seconds: float = 0.0  # wall
    cpu: float = 0.0  # user + system of the tool's process and its children
    output: str = ""


@dataclass
class Row:
    key: str
    what: str
    line: dict[str, int]  # the planted line in each file
    result: dict[str, Check]


def run(cmd: list[str], cwd: Path) -> tuple[str, float, float]:
    """Output, wall seconds, CPU seconds (less disturbed than wall by a loaded machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return proc.stdout + proc.stderr, seconds, cpu


class Mypy:
    def __init__(self, work: Path) -> None:
        self.python = ROOT / ".venv" / "bin" / "python"
        if not self.python.exists():
            sys.exit("no .venv: run `make .venv/.installed-dev` first")
        self.work = work
        self.cache = work / "mypy-cache"

    def version(self) -> str:
        out, *_ = run([str(self.python), "-m", "mypy", "--version"], ROOT)
        return out.split("(")[0].strip()

    def check(self, path: Path, cache: Path | None = None) -> Check:
        # the project's pyproject.toml configures the plugin; run from the root, as users do
        cmd = [str(self.python), "-m", "mypy", "--strict", "--no-error-summary"]
        cmd += ["--no-pretty", "--cache-dir", str(cache or self.cache), str(path)]
        out, seconds, cpu = run(cmd, ROOT)
        errors = [(int(m["line"]), m["msg"]) for m in map(MYPY_LINE.match, out.splitlines()) if m]
        return Check(errors, seconds, cpu, out)


class Pyrefly:
    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.exe = venv / "bin" / "pyrefly"
        if not self.exe.exists():
            sys.exit(f"no Pyrefly in {venv}")

    def version(self) -> str:
        out, *_ = run([str(self.exe), "--version"], self.venv)
        return out.strip()

    def check(self, path: Path) -> Check:
        # `default` preset: the one a configured project gets (`basic`, used when there is
        # no config, hides argument and assignment errors); shapes are on because the
        # environment resolves `shape_extensions`
        cmd = [str(self.exe), "check", "--preset", "default", "--output-format", "min-text"]
        cmd += ["--python-interpreter-path", str(self.venv / "bin" / "python"), str(path)]
        out, seconds, cpu = run(cmd, path.parent)
        errors = [
            (int(m["line"]), m["msg"]) for m in map(PYREFLY_LINE.match, out.splitlines()) if m
        ]
        return Check(errors, seconds, cpu, out)


def install(venv: Path, pip_args: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *pip_args]
    print(f"installing {TORCH}, {PYREFLY}, {STUBS} into {venv} ...", file=sys.stderr)
    # torch first and pinned, so the stubs' unpinned `torch` is already satisfied
    subprocess.run([*pip, TORCH], check=True)
    subprocess.run([*pip, PYREFLY, STUBS], check=True)


def torch_version(venv: Path) -> str:
    code = "import importlib.metadata as m; print(m.version('torch'))"
    out, *_ = run([str(venv / "bin" / "python"), "-c", code], venv)
    return out.strip()


def plant(text: str, patch: Patch, name: str) -> tuple[str, int]:
    old, new = patch
    if text.count(old) != 1:
        raise SystemExit(f"{name}: {old!r} occurs {text.count(old)} times, not once")
    patched = text.replace(old, new)
    line = patched[: patched.index(new)].count("\n") + 1
    return patched, line


def timings(mypy: Mypy, pyrefly: Pyrefly, clean: dict[str, Path], cold: int, warm: int) -> Times:
    """Cold and warm runs of each tool on its clean model: (wall, CPU) seconds of each."""
    times: Times = {"mypy": {}, "pyrefly": {}}

    def pyrefly_run() -> tuple[float, float]:
        check = pyrefly.check(clean["pyrefly"])
        return check.seconds, check.cpu

    def mypy_run(cache: Path | None = None) -> tuple[float, float]:
        check = mypy.check(clean["mypy"], cache)
        return check.seconds, check.cpu

    times["pyrefly"]["cold"] = [pyrefly_run()]  # the first run since the install
    times["pyrefly"]["warm"] = [pyrefly_run() for _ in range(warm)]
    times["mypy"]["cold"] = []
    for i in range(cold):
        cache = mypy.work / f"cold-cache-{i}"
        times["mypy"]["cold"].append(mypy_run(cache))
        shutil.rmtree(cache, ignore_errors=True)
    mypy_run()  # prime the shared cache
    times["mypy"]["warm"] = [mypy_run() for _ in range(warm)]
    return times


def cell_text(msg: str, limit: int = 150) -> str:
    msg = msg.replace("|", "\\|").replace("`", "'")
    return msg if len(msg) <= limit else msg[: limit - 1] + "…"


def verdict(check: Check, line: int) -> str:
    if not check.errors:
        return "missed"
    first_line = check.errors[0][0]
    where = "at the bug" if first_line == line else f"line {first_line}"
    extra = len(check.errors) - 1
    return f"caught ({where})" + (f", +{extra} more" if extra else "")


def seconds(runs: list[tuple[float, float]]) -> str:
    """Median wall and median CPU seconds, then every run's wall time."""
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    every = ", ".join(f"{w:.2f}" for w, _ in runs)
    return f"{wall:.2f} / {cpu:.2f} (wall: {every})"


def markdown(
    rows: list[Row],
    probes: list[Row],
    clean: dict[str, Check],
    times: Times,
    versions: dict[str, str],
) -> str:
    out = []
    caught = {t: sum(bool(r.result[t].errors) for r in rows) for t in FILES}
    out.append(
        f"Clean models: mypy + plugin {len(clean['mypy'].errors)} errors, "
        f"Pyrefly {len(clean['pyrefly'].errors)} errors. "
        f"Caught: shapedl + mypy {caught['mypy']}/{len(rows)}, "
        f"Pyrefly {caught['pyrefly']}/{len(rows)}.\n"
    )
    out.append("| # | bug | shapedl + mypy plugin | Pyrefly (tensor shapes) |")
    out.append("| --- | --- | --- | --- |")
    for i, row in enumerate(rows, 1):
        cells = [verdict(row.result[t], row.line[t]) for t in FILES]
        out.append(f"| {i} | `{row.key}`: {row.what} | {cells[0]} | {cells[1]} |")
    if probes:
        out.append("\nProbes, outside the count:\n")
        out.append("| probe | shapedl + mypy plugin | Pyrefly (tensor shapes) |")
        out.append("| --- | --- | --- |")
        for row in probes:
            cells = [verdict(row.result[t], row.line[t]) for t in FILES]
            out.append(f"| `{row.key}`: {row.what} | {cells[0]} | {cells[1]} |")
    out.append("\nFirst message of each tool (every error of each run is in `--json`):\n")
    out.append("| # | shapedl + mypy plugin | Pyrefly |")
    out.append("| --- | --- | --- |")
    for i, row in enumerate(rows, 1):
        msgs = [row.result[t].errors[0][1] if row.result[t].errors else "—" for t in FILES]
        out.append(f"| {i} | {cell_text(msgs[0])} | {cell_text(msgs[1])} |")
    out.append("\n| tool | cold: wall / CPU (s) | warm: wall / CPU (s) |")
    out.append("| --- | --- | --- |")
    for tool, label in (
        ("mypy", versions["mypy"] + " + shapedl_mypy"),
        ("pyrefly", versions["pyrefly"]),
    ):
        cold, warm = (seconds(times[tool][k]) for k in ("cold", "warm"))
        out.append(f"| {label} | {cold} | {warm} |")
    out.append(
        f"\nPython {versions['python']}, torch {versions['torch']} (for Pyrefly's stubs), "
        f"{versions['cpus']} CPUs, load average {versions['load']} at the start."
    )
    return "\n".join(out)


def check_bug(
    bug: Bug, sources: dict[str, str], write: Writer, mypy: Mypy, pyrefly: Pyrefly
) -> Row:
    """Plant `bug` in each tool's model and check it."""
    lines, result = {}, {}
    for tool, patch in (("mypy", bug.shapedl), ("pyrefly", bug.torch)):
        text, lines[tool] = plant(sources[tool], patch, f"{bug.key} in {FILES[tool]}")
        path = write(bug.key, tool, text)
        result[tool] = mypy.check(path) if tool == "mypy" else pyrefly.check(path)
    counts = "; ".join(f"{t} {len(c.errors)} errors" for t, c in result.items())
    print(f"{bug.key}: {counts}", file=sys.stderr)
    return Row(bug.key, bug.what, lines, result)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--install", action="store_true", help="install Pyrefly in a temp venv")
    parser.add_argument("--venv", type=Path, help="reuse a venv that already has Pyrefly")
    parser.add_argument("--pip-arg", action="append", default=[], help="extra pip argument")
    parser.add_argument("--cold", type=int, default=2, help="cold mypy runs (fresh cache each)")
    parser.add_argument("--warm", type=int, default=3, help="warm runs of each tool")
    parser.add_argument("--json", type=Path, help="write every run's errors here")
    args = parser.parse_args(argv)
    if not args.install and args.venv is None:
        parser.error("installs Pyrefly only when asked: pass --install (or --venv DIR)")

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="shapedl-pyrefly-") as tmp:
        work = Path(tmp)
        venv = args.venv
        if venv is None:
            venv = work / "venv"
            install(venv, args.pip_arg)
        mypy, pyrefly = Mypy(work), Pyrefly(venv.resolve())
        versions = {
            "mypy": mypy.version(),
            "pyrefly": pyrefly.version(),
            "torch": torch_version(venv),
            "python": sys.version.split()[0],
            "cpus": str(os.cpu_count()),
            "load": load,
        }
        sources = {t: (HERE / f).read_text() for t, f in FILES.items()}

        def write(name: str, tool: str, text: str) -> Path:
            folder = work / name
            folder.mkdir(exist_ok=True)
            path = folder / FILES[tool]
            path.write_text(text)
            return path

        clean_paths = {t: write("clean", t, sources[t]) for t in FILES}
        times = timings(mypy, pyrefly, clean_paths, args.cold, args.warm)
        clean = {
            "mypy": mypy.check(clean_paths["mypy"]),
            "pyrefly": pyrefly.check(clean_paths["pyrefly"]),
        }
        rows = [check_bug(bug, sources, write, mypy, pyrefly) for bug in BUGS]
        probes = [check_bug(bug, sources, write, mypy, pyrefly) for bug in PROBES]
        if args.json:
            data = {
                "versions": versions,
                "times": times,
                "clean": {t: asdict(c) for t, c in clean.items()},
                "bugs": [asdict(r) for r in rows],
                "probes": [asdict(r) for r in probes],
            }
            args.json.write_text(json.dumps(data, indent=1))
    print(markdown(rows, probes, clean, times, versions))


if __name__ == "__main__":
    main()
