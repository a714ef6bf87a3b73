"""`python -m typecheck_tests`: one mypy run per folder, then the `pass/` programs are run.

Prints one line per problem and a summary; exits 1 on any mismatch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mypy import api as mypy_api

from typecheck_tests.expect import Expected, Reported, compare, parse_expected, parse_mypy

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
CONFIG = REPO / "pyproject.toml"
# NOTE: nn_gpt.py imports the model of examples/nanogpt.py as the examples' scripts do
# (`from nanogpt import GPT`), so examples/ is on mypy's path and on the programs' sys.path
EXAMPLES = REPO / "examples"
NOPLUGIN_CONFIG = "[mypy]\npython_version = 3.11\nmypy_path = src\nstrict = True\n"
_COMMON = ["--show-error-codes", "--no-error-summary", "--hide-error-context", "--no-pretty"]


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.py"))


def with_examples(var: str) -> dict[str, str]:
    """The environment with examples/ first on the path list `var` (MYPYPATH, PYTHONPATH)."""
    return {**os.environ, var: os.pathsep.join(filter(None, [str(EXAMPLES), os.getenv(var)]))}


def run_mypy(paths: list[Path], config: Path) -> str:
    args = [*_COMMON, "--config-file", str(config), *map(str, paths)]
    stdout, stderr, status = mypy_api.run(args)
    if status == 2:
        raise SystemExit(f"mypy failed to run:\n{stdout}{stderr}")
    return stdout


def check_folder(folder: str, config: Path) -> list[str]:
    paths = files(folder)
    if not paths:
        return [f"{folder}/: no test files"]
    reported = parse_mypy(run_mypy(paths, config))
    problems: list[str] = []
    for path in paths:
        expected = parse_expected(path)
        if folder == "pass" and (expected.errors or expected.reveals):
            problems.append(f"{folder}/{path.name}: pass/ files carry no expectations")
        got = reported.get(str(path.resolve()), Reported())
        problems += compare(f"{folder}/{path.name}", expected, got)
    return problems


_RUNNER = """
import runpy, sys, traceback
failed = 0
for path in sys.argv[1:]:
    try:
        runpy.run_path(path, run_name="__main__")
    except BaseException:
        failed += 1
        print(f"{path}: raised\\n{traceback.format_exc()}")
sys.exit(1 if failed else 0)
"""


def execute_pass() -> list[str]:
    """Run every `pass/` program in one interpreter (the one running this module)."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, *map(str, files("pass"))],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=with_examples("PYTHONPATH"),
        timeout=600,
    )
    return [] if proc.returncode == 0 else [f"pass/ at run time:\n{proc.stdout}{proc.stderr}"]


def pyright(paths: list[Path]) -> tuple[list[str], str]:
    """Check `noplugin/` with pyright: errors exactly on the `# E:` lines."""
    exe = shutil.which("pyright", path=str(Path(sys.executable).parent))
    if exe is None:
        return [], "pyright: not installed, skipped"
    cmd = [exe, "--outputjson", "--pythonpath", sys.executable, *map(str, paths)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
        report = json.loads(proc.stdout)
    except (OSError, ValueError, subprocess.TimeoutExpired) as err:
        return [], f"pyright: could not run here ({type(err).__name__}), skipped"
    got: dict[tuple[str, int], list[str]] = {}
    for d in report.get("generalDiagnostics", []):
        if d.get("severity") == "error":
            key = (str(Path(d["file"]).resolve()), d["range"]["start"]["line"] + 1)
            got.setdefault(key, []).append(d["message"].splitlines()[0])
    problems: list[str] = []
    for path in paths:
        expected: Expected = parse_expected(path)
        name, key = f"noplugin/{path.name} (pyright)", str(path.resolve())
        for n in expected.errors:
            if (key, n) not in got:
                problems.append(f"{name}:{n}: expected an error, got none")
        for (file, n), msgs in got.items():
            if file == key and n not in expected.errors:
                problems += [f"{name}:{n}: unexpected error {m}" for m in msgs]
    return problems, "pyright: checked"


def main() -> int:
    problems: list[str] = []
    counts: list[str] = []
    os.environ.update(with_examples("MYPYPATH"))  # NOTE: mypy runs in this process
    for folder in ("pass", "fail", "reveal"):
        found = check_folder(folder, CONFIG)
        counts.append(f"{folder}: {len(files(folder))} files, {len(found)} problems")
        problems += found
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "mypy.ini"
        config.write_text(NOPLUGIN_CONFIG.replace("mypy_path = src", f"mypy_path = {REPO}/src"))
        found = check_folder("noplugin", config)
    counts.append(f"noplugin (mypy): {len(files('noplugin'))} files, {len(found)} problems")
    problems += found
    found, note = pyright(files("noplugin"))
    counts.append(f"noplugin ({note}): {len(found)} problems")
    problems += found
    found = execute_pass()
    counts.append(f"pass/ executed: {len(found)} problems")
    problems += found
    for p in problems:
        print(p)
    print("typecheck_tests: " + "; ".join(counts))
    print("FAILED" if problems else "OK")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
