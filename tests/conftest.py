"""The tests' device: `pytest --device cuda` makes a `Cuda` device the default device of every
test, so each op test that runs on the CPU runs on the GPU (results come back to the host
through `.numpy()` to be compared with PyTorch's). Without CuPy or a GPU every test is skipped
with one reason; a test of CPU-only behaviour is marked `cpu_only` and skipped on CUDA only.
"""

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

# NOTE: the property tests (the differential fuzzers included) run derandomized, in CI and in
# a newcomer's `make test` alike, so a red run is the code's, not the draw's; HYPOTHESIS_EXPLORE=1
# draws new examples (what a developer hunting differences wants)
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile("explore" if os.environ.get("HYPOTHESIS_EXPLORE") == "1" else "ci")

_BEFORE = pytest.StashKey[Any]()  # the default device a test found, given back after it
_CUDA_MISSING = "--device cuda: CuPy or a GPU is missing (pip install 'shapedl[cuda13]')"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="the default device of every test (cuda: the GPU through CuPy; default: cpu)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cpu_only(reason): tests CPU-only behaviour; skipped with --device cuda"
    )


def _on_cuda(config: pytest.Config) -> bool:
    return bool(config.getoption("device") == "cuda")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _on_cuda(config):
        return
    from shapedl.backend.cupy import cuda_available

    missing = not cuda_available()
    for item in items:
        cpu_only = item.get_closest_marker("cpu_only")
        if missing:
            item.add_marker(pytest.mark.skip(reason=_CUDA_MISSING))
        elif cpu_only is not None:
            item.add_marker(pytest.mark.skip(reason=f"CPU only: {cpu_only.args[0]}"))


# NOTE: hooks rather than an autouse fixture: Hypothesis refuses function-scoped fixtures
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _on_cuda(item.config):
        import shapedl as sd

        item.stash[_BEFORE] = sd.default_device()
        sd.set_default_device(sd.Cuda(seed=0))


def pytest_runtest_teardown(item: pytest.Item) -> None:
    if _on_cuda(item.config) and _BEFORE in item.stash:
        import shapedl as sd

        sd.set_default_device(item.stash[_BEFORE])
