"""Checkpoints: round trips, strict checks, corrupt files, and a crash mid-save."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import shapedl as sd
from shapedl import safetensors_file
from shapedl.checkpoint import CheckpointError, check_state, load_state, save_state

SUFFIXES = [".safetensors", ".npz", ".ckpt"]


def sample() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return {
        "fc.weight": rng.standard_normal((4, 3)).astype(np.float32),
        "fc.bias": rng.standard_normal(4).astype(np.float64),
        "half": rng.standard_normal((2, 2)).astype(np.float16),
        "ids": np.arange(6, dtype=np.int32).reshape(2, 3),
        "step": np.asarray(7, dtype=np.int64),
        "mask": np.array([True, False]),
        "empty": np.zeros((0, 3), np.float32),
        "strided": rng.standard_normal((3, 4)).astype(np.float32).T,
        "file": np.ones(1, np.float32),  # NOTE: np.savez's own keyword names are plain entries
        "allow_pickle": np.ones(1, np.float32),
    }


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"model{suffix}"
    state = sample()
    save_state(state, path)
    got = load_state(path)
    assert set(got) == set(state)
    for name, want in state.items():
        assert got[name].dtype == want.dtype and got[name].shape == want.shape, name
        np.testing.assert_array_equal(got[name], want, err_msg=name)
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def test_the_suffix_chooses_the_format(tmp_path: Path) -> None:
    save_state({"a": np.ones(2)}, tmp_path / "a.NPZ")
    save_state({"a": np.ones(2)}, tmp_path / "a.safetensors")
    assert (tmp_path / "a.NPZ").read_bytes()[:2] == b"PK"
    assert (tmp_path / "a.safetensors").read_bytes()[8:9] == b"{"


def test_tensors_and_python_numbers_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "s.safetensors"
    save_state({"t": sd.tensor([[1.0, 2.0]]), "lr": 0.5, "n": 3, "flag": True}, path)
    got = load_state(path)
    np.testing.assert_array_equal(got["t"], np.array([[1.0, 2.0]], np.float32))
    assert (got["lr"].shape, float(got["lr"]), int(got["n"]), bool(got["flag"])) == (
        (),
        0.5,
        3,
        True,
    )


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="'x'.*dtype object"):
        save_state({"x": np.array([object()])}, tmp_path / "x.npz")
    with pytest.raises(CheckpointError, match="'s'.*not numeric"):
        save_state({"s": np.array(["text"])}, tmp_path / "x.safetensors")
    assert os.listdir(tmp_path) == []


def test_a_failing_save_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.npz"
    save_state({"v": np.zeros(3)}, path)

    def broken(f: Any, a: Any, **kwargs: Any) -> None:
        f.write(b"half an array")
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", broken)
    with pytest.raises(OSError, match="disk full"):
        save_state({"v": np.ones(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(load_state(path)["v"], np.zeros(3))
    assert os.listdir(tmp_path) == ["m.npz"]


# ---- model.save and optimizer.save never replace a good file with a diverged one -------
def diverged(path: Path) -> tuple[Any, Any]:
    """A model and its Adam, saved whole to `path` (and `path.opt`), then made non-finite."""
    sd.set_default_device(sd.Cpu(seed=0))
    model = sd.nn.Sequential(sd.nn.Linear(3, 4), sd.nn.ReLU(), sd.nn.Linear(4, 2))
    opt = sd.optim.Adam(lr=0.01)
    out = model(sd.tensor(np.ones((2, 3), np.float32)).traced())
    opt.update(model, (out * out).sum().backward())
    model.save(path)
    opt.save(path.with_suffix(".opt"))
    model.layers[2].bias.data[1] = np.nan
    opt.state["0.weight"]["exp_avg"][0, 0] = np.inf
    return model, opt


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_model_and_optimizer_save_refuse_non_finite_state_and_keep_the_old_file(
    suffix: str, tmp_path: Path
) -> None:
    path = tmp_path / f"m{suffix}"
    model, opt = diverged(path)
    before = path.read_bytes(), path.with_suffix(".opt").read_bytes()
    with pytest.raises(sd.checkpoint.NonFiniteCheckpointError, match=r"\b2\.bias\b"):
        model.save(path)
    with pytest.raises(sd.checkpoint.NonFiniteCheckpointError,
                       match=r"state\.0\.weight\.exp_avg"):  # fmt: skip
        opt.save(path.with_suffix(".opt"))
    assert (path.read_bytes(), path.with_suffix(".opt").read_bytes()) == before
    assert sorted(os.listdir(tmp_path)) == sorted([path.name, path.with_suffix(".opt").name])
    model.save(tmp_path / f"nan{suffix}", allow_nonfinite=True)  # NOTE: to debug a divergence
    assert np.isnan(load_state(tmp_path / f"nan{suffix}")["2.bias"][1])


def test_a_crash_inside_model_save_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.safetensors"
    model, _ = diverged(path)
    model.layers[2].bias.data[1] = 0.0
    before = path.read_bytes()

    def crash(f: Any, arrays: Any) -> None:
        f.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(safetensors_file, "write", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors", "m.opt"]


# ---- corrupt files ---------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_truncated_files_are_a_clear_error(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"m{suffix}"
    save_state(sample(), path)
    data = path.read_bytes()
    for cut in [0, 1, 7, 8, 20, len(data) // 3, len(data) // 2, len(data) - 1]:
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError) as err:
            load_state(path)
        assert str(path) in str(err.value), cut


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_a_flipped_byte_in_the_data_is_a_clear_error(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"m{suffix}"
    save_state({"w": np.arange(1000, dtype=np.float32)}, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the array's values
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"cannot load checkpoint .*(corrupt|CRC)"):
        load_state(path)


def test_pickled_data_is_never_loaded(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="evil.npz.*pickle"):
        load_state(path)
    np.save(tmp_path / "plain.npy", np.ones(2))
    os.replace(tmp_path / "plain.npy", tmp_path / "plain.npz")
    with pytest.raises(CheckpointError, match="plain.npz.*not a .npz archive"):
        load_state(tmp_path / "plain.npz")


def test_a_file_of_the_other_format_is_a_clear_error(tmp_path: Path) -> None:
    save_state({"a": np.ones(2)}, tmp_path / "a.npz")
    os.replace(tmp_path / "a.npz", tmp_path / "a.safetensors")
    with pytest.raises(CheckpointError, match="a.safetensors.*not a valid safetensors file"):
        load_state(tmp_path / "a.safetensors")


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_state(tmp_path / "nothing.safetensors")


# ---- a crash mid-save ------------------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from shapedl.checkpoint import save_state

    path, size = sys.argv[1], int(sys.argv[2])
    k = 0
    while True:
        k += 1
        save_state({"x": np.full(size, k, np.float32), "k": np.asarray(k)}, path)
        print(k, flush=True)
    """
)


def kill_mid_save(path: Path, size: int) -> bool:
    """Start a process that saves `path` over and over; SIGKILL it as soon as a temporary
    file appears (that is, inside a save). Whether the kill left the temporary behind."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(size)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() != ""  # one whole save exists
        deadline = time.monotonic() + 10
        while not any(p.endswith(".tmp") for p in os.listdir(path.parent)):
            assert time.monotonic() < deadline, "the saving process never wrote a temporary"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    temporaries = [p for p in os.listdir(path.parent) if p != path.name]
    for name in temporaries:
        os.remove(path.parent / name)
    return bool(temporaries)


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_killing_a_process_mid_save_leaves_a_whole_file(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"big{suffix}"
    landed = 0
    for _ in range(6):
        landed += kill_mid_save(path, 2_000_000)
        got = load_state(path)
        k = int(got["k"])
        assert k >= 1 and got["x"].shape == (2_000_000,)
        assert (got["x"] == k).all(), "the file mixes two saves"
        if landed >= 2:
            break
    assert landed >= 1, "no kill landed inside a save"


# ---- strict checks ---------------------------------------------------------------------
EXPECTED = {
    "a.weight": ((3, 2), "float32"),
    "a.bias": ((3,), "float32"),
    "b.weight": ((2, 3), "float32"),
    "b.bias": ((2,), "float32"),
    "c.scale": ((4,), "float32"),
}


def test_check_state_accepts_an_exact_match() -> None:
    got = {name: np.zeros(shape, dtype) for name, (shape, dtype) in EXPECTED.items()}
    check_state(EXPECTED, got)
    check_state({"t": ((1, 2), "float32")}, {"t": sd.tensor([[1.0, 2.0]])})


def test_check_state_lists_every_offending_name() -> None:
    got = {
        "a.weight": np.zeros((2, 3), np.float32),  # transposed
        "a.bias": np.zeros(3, np.float64),  # wrong dtype
        "b.weight": np.zeros((2, 3), np.float16),  # wrong dtype
        "extra.one": np.zeros(1),
        "extra.two": np.zeros(1),
        "c.scale": np.zeros((5,), np.int64),  # both wrong
    }
    with pytest.raises(CheckpointError) as err:
        check_state(EXPECTED, got, what="m.safetensors")
    assert str(err.value) == (
        "state from m.safetensors does not match: missing: b.bias; "
        "unexpected: extra.one, extra.two; "
        "wrong shape: a.weight (expected (3, 2), got (2, 3)), c.scale (expected (4,), got (5,)); "
        "wrong dtype: a.bias (expected float32, got float64), "
        "b.weight (expected float32, got float16), c.scale (expected float32, got int64)"
    )
