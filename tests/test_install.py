"""shapedl as a user installs it: the wheel in a fresh environment, checked with the guide.

The wheel is built from a copy of the repository, installed with the `mypy` extra into a new
virtual environment (no test tools, no PyTorch), and a small project outside the repository,
written with the configuration and first program of the guide's "Configuring mypy" page
(docs/guide/mypy.md), is type-checked with the plugin:
no error on the program, exactly one `[shape]` error on each of three planted bugs. The
README's and the guide's other ways, from a clone's path and from its git URL (a local
repository over git's `file://` transport: no network), must install the very files and
metadata the wheel did. Everything (the copies, pip's caches, the environment, the project)
lives in pytest's tmp folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from docblocks import section_block

REPO = Path(__file__).resolve().parents[1]
INSTALLING = (REPO / "docs" / "guide" / "install.md").read_text()
CONFIGURING = (REPO / "docs" / "guide" / "mypy.md").read_text()
README = (REPO / "README.md").read_text()

pytestmark = pytest.mark.install

BUGS = {
    "bug_keepdims.py": (
        """
        def softmax(logits: Tensor[tuple[B, Const[10]], f32]) -> Tensor[tuple[B, Const[10]], f32]:
            shifted = logits - logits.max(axis=1)
            e = shifted.exp()
            return e / e.sum(axis=1, keepdims=True)
        """,
        "sub: shapes (B, 10) and (B,): cannot broadcast 10 against B at axis -1",
    ),
    "bug_weight.py": (
        """
        def classify(
            x: Tensor[tuple[B, Const[784]], f32], weight: Tensor[tuple[Const[10], Const[784]], f32]
        ) -> Tensor[tuple[B, Const[10]], f32]:
            return x @ weight
        """,
        "matmul: shapes (B, 784) and (10, 784): inner dimensions differ",
    ),
    "bug_linear.py": (
        """
        def logits(images: Tensor[tuple[B, Const[1], Const[28], Const[28]], f32]) -> None:
            model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(100, 10))
            model(images)
        """,
        "input width 5408 at axis -1 differs from in_features 100",
    ),
}
HEADER = """\
from typing import TypeVar

from shapedl import Const, Dim, Tensor, f32, nn

B = TypeVar("B", bound=Dim)
"""


def guide_block(section: str, lang: str) -> str:
    """The first ```lang block of the section headed `section` of "Configuring mypy"."""
    return section_block(CONFIGURING, section, lang)


def run(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def copy_repo(dest: Path) -> Path:
    """The repository's sources, without its environment, caches, builds and git data."""
    ignore = shutil.ignore_patterns(
        ".venv",
        ".git",
        "*_cache",
        ".hypothesis",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
        "*.png",
    )
    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def user_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel with the `mypy` extra: its `bin` folder."""
    tmp = tmp_path_factory.mktemp("install")
    env = {**os.environ, "PIP_CACHE_DIR": str(tmp / "pip-cache")}
    src = copy_repo(tmp / "src")
    build = [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(src)]
    built = run(build, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "deprecat" not in (built.stdout + built.stderr).lower()  # no setuptools banner
    (wheel,) = (tmp / "dist").glob("shapedl-*.whl")
    assert f"pip install 'dist/{wheel.name}[mypy]'" in INSTALLING  # the guide names this wheel
    venv.create(tmp / "venv", with_pip=True)
    bin = tmp / "venv" / "bin"
    done = run([str(bin / "pip"), "install", "-q", f"{wheel}[mypy]"], env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return bin


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local git repository of the sources, standing for a user's clone."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = copy_repo(tmp_path_factory.mktemp("clone") / "shapedl")
    who = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    for step in (["init", "-q"], ["add", "-A"], [*who, "commit", "-q", "-m", "sources"]):
        done = run(["git", *step], cwd=repo)
        assert done.returncode == 0, done.stdout + done.stderr
    return repo


def write_project(folder: Path, config: tuple[str, str] | None) -> Path:
    folder.mkdir()
    if config:
        (folder / config[0]).write_text(config[1])
    (folder / "model.py").write_text(guide_block("## A first program", "python"))
    for name, (code, _) in BUGS.items():
        body = "\n".join(line.removeprefix(" " * 8) for line in code.strip("\n").splitlines())
        (folder / name).write_text(HEADER + "\n\n" + body + "\n")
    return folder


def errors_by_file(stdout: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        m = re.match(r"^([\w.]+\.py):(\d+): error: (.*)$", line)
        if m:
            out.setdefault(m[1], []).append(m[3])
    return out


def check(bin: Path, folder: Path, command: list[str]) -> None:
    files = ["model.py", *BUGS]
    # NOTE: one cache for the three configurations (they give mypy the same options)
    cache = ["--cache-dir", str(bin.parent / "mypy-cache")]
    proc = run([*command, "--no-pretty", "--show-error-codes", *cache, *files], cwd=folder)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: errors found, not a crash
    assert "shapedl_mypy:" not in proc.stderr  # the plugin asks for no missing option
    got = errors_by_file(proc.stdout)
    assert "model.py" not in got, proc.stdout
    for name, (_, text) in BUGS.items():
        assert len(got.get(name, [])) == 1, f"{name}:\n{proc.stdout}"
        assert text in got[name][0] and got[name][0].endswith("[shape]"), proc.stdout


def test_the_wheel_installs_without_the_test_tools(user_env: Path) -> None:
    listed = run([str(user_env / "pip"), "list", "--format=json"])
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert {"shapedl", "numpy", "mypy"} <= names
    assert not names & {"torch", "pytest", "hypothesis", "scikit-learn", "ruff"}


def test_the_guide_program_runs_from_the_wheel(user_env: Path, tmp_path: Path) -> None:
    folder = write_project(tmp_path / "run", None)
    proc = run([str(user_env / "python"), "model.py"], cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"training accuracy (0\.\d\d|1\.00)\n", proc.stdout)


def test_pyproject_config_of_the_guide(user_env: Path, tmp_path: Path) -> None:
    config = ("pyproject.toml", guide_block("## The configuration", "toml"))
    assert section_block(README, "## Using shapedl", "toml") == config[1]  # the README's too
    check(user_env, write_project(tmp_path / "toml", config), [str(user_env / "mypy")])


def test_mypy_ini_config_of_the_guide(user_env: Path, tmp_path: Path) -> None:
    config = ("mypy.ini", guide_block("## The configuration", "ini"))
    check(user_env, write_project(tmp_path / "ini", config), [str(user_env / "mypy")])


def test_python_m_shapedl_mypy_without_any_config(user_env: Path, tmp_path: Path) -> None:
    command = [str(user_env / "python"), "-m", "shapedl_mypy"]
    check(user_env, write_project(tmp_path / "bare", None), command)


def installed_files(info: Path) -> dict[str, str]:
    """The files an install put in place and their hashes, as the RECORD of its dist-info
    folder `info` lists them (pip's records of the install itself left out)."""
    rows = (line.split(",") for line in (info / "RECORD").read_text().splitlines())
    mine = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
    return {path: digest for path, digest, _ in rows if not path.endswith(mine)}


# the README's and the guide's other ways to install: the command shown, pip's argument for it
OTHER_WAYS = {
    "path": ("pip install '/path/to/shapedl[mypy]'", "{clone}[mypy]"),
    "git URL": (
        "pip install 'shapedl[mypy] @ git+https://HOST/OWNER/shapedl.git'",
        # NOTE: a host in the URL: older pips (the one `venv` bundles) refuse `git+file:///...`
        "shapedl[mypy] @ git+file://localhost{clone}",
    ),
}


@pytest.mark.parametrize("way", OTHER_WAYS)
def test_the_other_ways_install_what_the_wheel_does(
    way: str, clone: Path, user_env: Path, tmp_path: Path
) -> None:
    shown, spec = OTHER_WAYS[way]
    assert shown in README + INSTALLING
    target = tmp_path / "site-packages"
    # NOTE: into a folder and without the dependencies, which would take half a minute more:
    # the same files and metadata as the wheel's, whose environment is checked above, suffice
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    env = {**os.environ, "PIP_CACHE_DIR": str(tmp_path / "pip-cache")}
    done = run([*cmd, spec.format(clone=clone.as_posix())], env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    (info,) = target.glob("shapedl-*.dist-info")
    origin = json.loads((info / "direct_url.json").read_text())
    assert ("vcs_info" in origin) == (way == "git URL")  # pip went through git, or did not
    files = installed_files(info)
    assert "shapedl_mypy/plugin.py" in files and "shapedl/py.typed" in files
    (wheel_info,) = user_env.parent.glob("lib/python*/site-packages/shapedl-*.dist-info")
    assert files == installed_files(wheel_info)


def test_make_demo_installs_what_the_demo_runs_and_no_torch(tmp_path: Path) -> None:
    # the commands `make demo` runs on a clean clone (a venv that does not exist yet)
    plan = run(["make", "-n", "demo", f"VENV={tmp_path / 'venv'}"], cwd=REPO)
    assert plan.returncode == 0, plan.stderr
    specs = re.findall(r"pip install .*'(\.\[[\w,]+\])'", plan.stdout)
    assert specs == [".[demo]"], plan.stdout
    report = tmp_path / "report.json"
    env = {**os.environ, "PIP_CACHE_DIR": str(tmp_path / "pip-cache")}
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    proc = run([*cmd, "--report", str(report), "-e", specs[0]], cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr
    names = {p["metadata"]["name"].lower() for p in json.loads(report.read_text())["install"]}
    assert {"scikit-learn", "matplotlib", "mypy"} <= names
    assert not names & {"torch", "pytest", "hypothesis", "pyright", "ruff"}
    # NOTE: pip shows the build backend's warnings: a TOML-table license printed a banner
    assert "deprecat" not in proc.stderr.lower(), proc.stderr
