"""Checkpoints under faults: byte flips anywhere, edited headers, foreign and bf16 files,
ragged entries, missing folders, leftovers of killed saves and file modes."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import shapedl as sd
from shapedl.checkpoint import CheckpointError, load_state, save_state


def small_state() -> dict[str, Any]:
    return {
        "w": np.arange(6, dtype=np.float32).reshape(2, 3),
        "b": np.array([0.5, -1.5]),
        "n": np.asarray(7, dtype=np.int64),
        "h": np.ones(3, np.float16),
    }


def split(data: bytes) -> tuple[dict[str, Any], bytes]:
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + n]), data[8 + n :]


def join(header: dict[str, Any], body: bytes) -> bytes:
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + body


# ---- item 5: every flipped byte is found -----------------------------------------------
@pytest.mark.parametrize(
    ("suffix", "mask"),
    [(".safetensors", 0xFF), (".safetensors", 0x01), (".safetensors", 0x20), (".npz", 0x01)],
)  # fmt: skip
def test_no_single_byte_flip_loads(suffix: str, mask: int, tmp_path: Path) -> None:
    path = tmp_path / f"m{suffix}"
    save_state(small_state(), path)
    data = path.read_bytes()
    key_at = data.index(b"shapedl.crc32")  # the sweep covers the key, digits, header and data
    loaded = []
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= mask
        path.write_bytes(bytes(flipped))
        try:
            load_state(path)
        except CheckpointError as err:
            assert str(path) in str(err), i
        else:
            loaded.append(i)
    assert loaded == [], f"corrupt files loaded (flipped bytes {loaded}, key at {key_at})"


def test_a_flipped_checksum_key_no_longer_hides_a_data_flip(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_state(small_state(), path)
    data = bytearray(path.read_bytes())
    data[data.index(b"shapedl.crc32") + 12] ^= 0x01  # "crc32" -> "crc33"
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum is missing"):
        load_state(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda meta: meta.pop("shapedl.crc32"), "checksum is missing"),
        (lambda meta: meta.update({"shapedl.crc32": "not hex!"}), "unreadable"),
        (lambda meta: meta.update({"shapedl.crc32": "0000000g"}), "unreadable"),
    ],
)
def test_a_shapedl_file_without_a_readable_checksum_is_refused(
    edit: Any, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "m.safetensors"
    save_state(small_state(), path)
    header, body = split(path.read_bytes())
    edit(header["__metadata__"])
    path.write_bytes(join(header, body))
    with pytest.raises(CheckpointError, match=f"m.safetensors.*{message}"):
        load_state(path)


def test_an_edited_shape_is_refused_in_shapedl_files(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_state({"w": np.zeros((2, 3), np.float32)}, path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"[2,3]", b"[3,2]"))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_state(path)


def test_a_shapedl_npz_without_its_checksum_is_refused_but_numpys_own_load(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.npz"
    save_state(small_state(), path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.comment = b"shapedl.format=1"
    with pytest.raises(CheckpointError, match="m.npz.*checksum is missing"):
        load_state(path)
    np.savez(path, **small_state())
    for name, a in small_state().items():
        np.testing.assert_array_equal(load_state(path)[name], a)


# ---- foreign files: loaded, with their header checked against the data ----------------
def test_foreign_safetensors_files_load(tmp_path: Path) -> None:
    path = tmp_path / "foreign.safetensors"
    want: dict[str, np.ndarray] = {"a": np.arange(5, dtype=np.int32), "b": np.ones((2, 2))}
    path.write_bytes(safetensors.numpy.save(want, metadata={"format": "np"}))
    got = load_state(path)
    for name, a in want.items():
        np.testing.assert_array_equal(got[name], a)
        assert got[name].dtype == a.dtype


def test_shapedl_files_are_read_by_safetensors_itself(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    state = small_state()
    save_state(state, path)
    got = safetensors.numpy.load(path.read_bytes())
    for name, a in state.items():
        np.testing.assert_array_equal(got[name], a)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h, d: (h["a"].update(shape=[6]), d), "spans"),
        (lambda h, d: (h["a"].update(dtype="F64"), d), "spans"),
        (lambda h, d: (h["a"].update(dtype="C64"), d), "dtype 'C64'"),
        (lambda h, d: (h["a"].update(data_offsets=[0, 16]), d), "spans"),
        (lambda h, d: (None, d + b"\0" * 8), "cover"),
        (lambda h, d: (h["b"].update(data_offsets=[24, 40]), d + b"\0" * 4), "starts at"),
        (lambda h, d: (h["a"].update(shape=[-5]), d), "malformed"),
        (lambda h, d: (h["a"].pop("dtype"), d), "not dtype, shape"),
    ],
)
def test_foreign_headers_are_checked_against_the_data(
    edit: Any, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "foreign.safetensors"
    data = safetensors.numpy.save({"a": np.zeros(5, np.float32), "b": np.ones(4, np.float32)})
    header, body = split(data)
    _, body = edit(header, body)
    path.write_bytes(join(header, body))
    with pytest.raises(CheckpointError, match=f"foreign.safetensors.*{message}"):
        load_state(path)


def test_files_from_earlier_shapedl_still_load_and_are_still_checked(tmp_path: Path) -> None:
    path = tmp_path / "old.safetensors"
    a = np.arange(4, dtype=np.float32)
    crc = f"{zlib.crc32(a.tobytes()):08x}"  # what shapedl wrote before the whole-file CRC
    path.write_bytes(safetensors.numpy.save({"a": a}, metadata={"shapedl.crc32": crc}))
    np.testing.assert_array_equal(load_state(path)["a"], a)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_state(path)


# ---- item 9: bf16 ----------------------------------------------------------------------
def test_a_pytorch_bf16_file_loads_and_converts_as_asked(tmp_path: Path) -> None:
    path = tmp_path / "torch.safetensors"
    w = torch.randn(3, 4, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    safetensors.torch.save_file({"w": w, "i": torch.arange(3)}, path)
    got = load_state(path)
    assert got["w"].dtype.name == "bfloat16"
    np.testing.assert_array_equal(got["w"].astype(np.float32), w.float().numpy())
    as_f32 = load_state(path, dtype=sd.f32)
    assert as_f32["w"].dtype == np.float32 and as_f32["i"].dtype == np.int64
    np.testing.assert_array_equal(as_f32["w"], w.float().numpy())
    model = sd.nn.Linear(4, 3, bias=False)
    convert = r"expected float32, got bfloat16\).*load_state\(path, dtype='float32'\)"
    with pytest.raises(CheckpointError, match=convert):
        model.load_state_dict({"weight": got["w"]})
    model.load_state_dict({"weight": as_f32["w"]})
    np.testing.assert_array_equal(model.weight.numpy(), w.float().numpy())


@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
def test_bf16_tensors_are_saved_as_pytorch_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "bf16.safetensors"
    t = sd.tensor([[1.5, -2.25], [3.0, 1e-3]], dtype=sd.bf16)
    save_state({"t": t}, path)
    got = safetensors.torch.load_file(path)["t"]
    assert got.dtype == torch.bfloat16
    want = torch.tensor([[1.5, -2.25], [3.0, 1e-3]]).to(torch.bfloat16)
    assert torch.equal(got, want)
    assert load_state(path)["t"].dtype.name == "bfloat16"


@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
def test_bf16_round_trips_through_npz_as_uint16_bits(tmp_path: Path) -> None:
    """NumPy writes ml_dtypes' bfloat16 as "void16": such files did not load (wrong dtype)
    and load_state(dtype=f32) returned void arrays; now bf16 is stored as its bits."""
    w = torch.randn(3, 4, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    path = tmp_path / "bf16.npz"
    save_state({"w": sd.tensor(w.float().numpy(), dtype=sd.bf16), "i": np.arange(2)}, path)
    got = load_state(path)
    assert got["w"].dtype.name == "bfloat16" and got["i"].dtype == np.int64
    torch_bits = w.view(torch.int16).numpy().view(np.uint16)
    np.testing.assert_array_equal(got["w"].view(np.uint16), torch_bits)
    np.testing.assert_array_equal(load_state(path, dtype=sd.f32)["w"], w.float().numpy())
    with np.load(path, allow_pickle=False) as plain:  # other readers see plain uint16 bits
        assert plain["w"].dtype == np.uint16


@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
def test_bf16_model_optimizer_and_checkpoint_resume_through_npz(tmp_path: Path) -> None:
    model = sd.nn.Linear(4, 2).astype(sd.bf16)
    x = np.ones((8, 4), np.float32)
    y = np.zeros((8, 2), np.float32)
    opt = sd.optim.Adam(lr=0.01)
    ck = sd.train.Checkpoint(tmp_path / "ck.npz")
    sd.train.fit(model, (x, y), loss=sd.losses.mse_loss, optimizer=opt, epochs=1,
                 batch_size=4, progress=False, callbacks=[ck])  # fmt: skip
    model.save(tmp_path / "m.npz")
    opt.save(tmp_path / "o.npz")
    loaded = sd.nn.Linear(4, 2).astype(sd.bf16).load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.weight.numpy(), model.weight.numpy())
    sd.optim.Adam(lr=0.01).load(tmp_path / "o.npz")
    resumed = sd.nn.Linear(4, 2).astype(sd.bf16)
    h = sd.train.fit(resumed, (x, y), loss=sd.losses.mse_loss, optimizer=sd.optim.Adam(lr=0.01),
                     epochs=1, batch_size=4, progress=False,
                     resume_from=tmp_path / "ck.npz")  # fmt: skip
    np.testing.assert_array_equal(resumed.weight.numpy(), model.weight.numpy())
    assert h.epochs == 1


@pytest.mark.cpu_only("CuPy has no bfloat16: Cuda refuses bf16 (tests/test_device.py)")
def test_bf16_npz_files_written_as_void16_still_load(tmp_path: Path) -> None:
    w = torch.tensor([1.5, -2.25, 3.0]).to(torch.bfloat16)
    bits = w.view(torch.int16).numpy().view(np.uint16)
    path = tmp_path / "old.npz"
    np.savez(path, w=bits.view(sd.ones((1,), dtype=sd.bf16).data.dtype))  # how NumPy saves it
    with np.load(path, allow_pickle=False) as plain:
        assert plain["w"].dtype == np.dtype("V2")
    got = load_state(path)
    assert got["w"].dtype.name == "bfloat16"
    np.testing.assert_array_equal(load_state(path, dtype=sd.f32)["w"], w.float().numpy())


def test_load_state_converts_only_to_floating_dtypes(tmp_path: Path) -> None:
    save_state({"a": np.ones(2)}, tmp_path / "a.npz")
    with pytest.raises(ValueError, match="floating dtype, got int64"):
        load_state(tmp_path / "a.npz", dtype=sd.i64)


# ---- item 10: ragged entries and missing folders ---------------------------------------
def test_a_ragged_entry_is_named(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"'a'.*a\[1\] has 1 entry but a\[0\] has 2"):
        save_state({"ok": [1, 2], "a": [[1, 2], [3]]}, tmp_path / "x.safetensors")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_saving_into_a_missing_folder_names_the_path_asked_for(
    suffix: str, tmp_path: Path
) -> None:
    path = tmp_path / "no" / "such" / f"m{suffix}"
    with pytest.raises(FileNotFoundError) as err:
        save_state({"a": np.ones(2)}, path)
    assert str(path) in str(err.value) and ".tmp" not in str(err.value)
    assert "does not exist" in str(err.value) and err.value.filename == str(path)


# ---- item 7: leftovers of killed saves, and file modes ---------------------------------
def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_killed_saves_are_removed_by_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    dead = tmp_path / f".m.safetensors.{dead_pid()}-k3j4_x9z.tmp"  # a killed save's
    live = tmp_path / f".m.safetensors.{os.getppid()}-abcd1234.tmp"  # a save in progress
    other = tmp_path / f".n.safetensors.{dead_pid()}-k3j4_x9z.tmp"  # another file's
    # NOTE: a killed save's, from a process that had this one's pid (a restarted container)
    same_pid = tmp_path / f".m.safetensors.{os.getpid()}-q8w7e6r5.tmp"
    for leftover in (dead, live, other, same_pid):
        leftover.write_bytes(b"\0" * 100)
    save_state({"a": np.ones(2)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, live.name, other.name])


def test_a_save_in_another_thread_keeps_its_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.safetensors"
    real = sd.safetensors_file.write
    inside = threading.Event()
    go_on = threading.Event()

    def slow(f: Any, arrays: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            inside.set()
            assert go_on.wait(10)
        real(f, arrays)

    monkeypatch.setattr(sd.safetensors_file, "write", slow)
    other = threading.Thread(target=save_state, args=({"a": np.zeros(3)}, path))
    other.start()
    assert inside.wait(10)
    save_state({"a": np.ones(2)}, path)  # NOTE: the other thread's temporary is not stale
    go_on.set()
    other.join()
    np.testing.assert_array_equal(load_state(path)["a"], np.zeros(3))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path: Path) -> None:
    from .test_checkpoint import CHILD

    path = tmp_path / "big.safetensors"
    for _ in range(5):  # NOTE: a kill may land between two saves; try a few times
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), "2000000"], stdout=subprocess.PIPE
        )
        assert child.stdout is not None
        child.stdout.readline()
        while not list(tmp_path.glob(".*.tmp")) and child.poll() is None:
            pass
        child.kill()
        child.wait()
        child.stdout.close()
        if list(tmp_path.glob(".*.tmp")):
            break
    assert list(tmp_path.glob(".*.tmp")), "no kill landed inside a save"
    save_state({"a": np.ones(2)}, path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_open_would_give(suffix: str, mask: int, tmp_path: Path) -> None:
    with umask(mask):
        with open(tmp_path / "plain", "wb"):
            pass
        save_state({"a": np.ones(2)}, tmp_path / f"m{suffix}")
    mode = (tmp_path / f"m{suffix}").stat().st_mode & 0o777
    assert mode == (tmp_path / "plain").stat().st_mode & 0o777


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_state({"a": np.ones(2)}, path)
    path.chmod(0o640)
    save_state({"a": np.zeros(2)}, path)
    assert path.stat().st_mode & 0o777 == 0o640


# ---- the folder's sync ----------------------------------------------------------------
@pytest.mark.parametrize(("error", "raised"), [(5, True), (28, True), (22, False)])
def test_a_failed_sync_of_the_folder_is_an_error_unless_folders_cannot_be_synced(
    error: int, raised: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.fsync

    def fsync(fd: int) -> None:
        if os.fstat(fd).st_ino == tmp_path.stat().st_ino:  # the folder's, not the file's
            raise OSError(error, os.strerror(error))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    path = tmp_path / "m.safetensors"
    if raised:  # EIO, ENOSPC: the rename may not survive a crash, so the save is not done
        with pytest.raises(OSError, match=os.strerror(error)):
            save_state({"a": np.ones(2)}, path)
    else:  # EINVAL: this file system cannot sync folders at all
        save_state({"a": np.ones(2)}, path)
    np.testing.assert_array_equal(load_state(path)["a"], np.ones(2))


def test_a_failed_write_names_the_file_it_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.safetensors"
    save_state({"a": np.ones(2)}, path)

    def fsync(fd: int) -> None:  # NOTE: the disk's own error (EIO) names no file
        raise OSError(5, os.strerror(5))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match=os.strerror(5)) as caught:
        save_state({"a": np.zeros(2)}, path)
    assert caught.value.__notes__ == [
        f"while saving {str(path)!r}, which is as it was: nothing replaced it"
    ]
    monkeypatch.undo()
    np.testing.assert_array_equal(load_state(path)["a"], np.ones(2))


def test_a_folder_that_takes_no_new_file_is_named_not_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:  # NOTE: as a read-only folder (root may write)
        raise PermissionError(13, os.strerror(13), str(tmp_path / ".m.safetensors.1-x.tmp"))

    monkeypatch.setattr("tempfile.mkstemp", refused)
    path = tmp_path / "m.safetensors"
    with pytest.raises(PermissionError, match=rf"cannot save '{path}': Permission denied") as e:
        sd.nn.Linear(2, 1).save(path)
    assert e.value.filename == str(path)


# ---- shapes past any array -------------------------------------------------------------
@pytest.mark.parametrize(
    ("shape", "offsets", "message"),
    [
        ([2**32, 2**32], [0, 0], "too large for any array"),  # NOTE: 2**64 wrapped to 0 bytes
        ([2**62, 4], [0, 0], "too large for any array"),
        ([0, 2**70], [0, 0], "too large for any array"),
        ([2**20, 2**20], [0, 16], r"spans 16 bytes"),
    ],
)
def test_a_shape_past_any_array_is_a_checkpoint_error(
    shape: list[int], offsets: list[int], message: str, tmp_path: Path
) -> None:
    path = tmp_path / "huge.safetensors"
    body = b"\0" * offsets[1]
    path.write_bytes(join({"a": {"dtype": "F32", "shape": shape, "data_offsets": offsets}}, body))
    with pytest.raises(CheckpointError, match=f"huge.safetensors.*'a' has shape.*{message}"):
        load_state(path)
