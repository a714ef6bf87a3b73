"""Atomic file writes: a temporary sibling, synced, renamed over the target, then the folder
synced; so a crash mid-write leaves the previous file whole and a finished write survives a
crash. Temporaries that killed writes left behind are removed by the next write.

Used by `checkpoint.save_state` (and through it by every save in shapedl).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["atomic_write", "check_writable", "remove_stale_temporaries", "sync_folder"]

PathLike = str | os.PathLike[str]


def atomic_write(target: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through `write(file)` into a temporary sibling, sync it, rename it over `target`
    and sync the folder; on any error (or interrupt) before the rename the temporary is removed
    and `target` is as it was.

    Raises:
        FileNotFoundError, NotADirectoryError, IsADirectoryError: naming `target`, for a
            folder that does not exist or is a file, or a `target` that is a folder.
        OSError: from the write, the syncs or the rename (`ENOSPC`, `EIO`).
    """
    folder = target.parent
    _check_target(target)
    remove_stale_temporaries(target)
    mode = _file_mode(target)
    fd, tmp = _temporary(target)
    tmp = os.path.abspath(tmp)
    _SAVING.add(tmp)
    try:
        with os.fdopen(fd, "w+b") as f:
            write(f)
            f.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):  # NOTE: the disk's own words name no file (ENOSPC, EIO)
            err.add_note(f"while saving {str(target)!r}, which is as it was: nothing replaced it")
        raise
    finally:
        _SAVING.discard(tmp)
    sync_folder(folder)


def check_writable(path: PathLike) -> None:
    """Check that `save_state(..., path)` can write its file: the folder exists and takes new
    files, and `path` is not a folder (a `Checkpoint` checks this before training begins).

    Raises:
        FileNotFoundError: when the folder of `path` does not exist.
        NotADirectoryError: when the "folder" of `path` is a file.
        IsADirectoryError: when `path` is a folder.
        PermissionError: (or another `OSError`) when no file can be created in the folder.
    """
    target = Path(path)
    _check_target(target)
    remove_stale_temporaries(target)
    fd, probe = _temporary(target)
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


def _temporary(target: Path) -> tuple[int, str]:
    """A new temporary sibling of `target`, or an error naming `target` (not the temporary)."""
    try:
        return tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise type(err)(
            err.errno, f"cannot save {str(target)!r}: {err.strerror} (its folder)", str(target)
        ) from None


def _check_target(target: Path) -> None:
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            errno.ENOTDIR,
            f"cannot save {str(target)!r}: {str(folder)!r} is a file, not a folder",
            str(target),
        )
    if not folder.is_dir():
        raise FileNotFoundError(
            errno.ENOENT,
            f"cannot save {str(target)!r}: its folder {str(folder)!r} does not exist "
            "(create it first, e.g. os.makedirs)",
            str(target),
        )
    if target.is_dir():
        raise IsADirectoryError(
            errno.EISDIR,
            f"cannot save {str(target)!r}: it is a folder; name a file in it "
            f"({str(target / 'run.safetensors')!r})",
            str(target),
        )


# NOTE: the temporaries of this process's saves in progress (other threads'): a leftover with
# this process's pid that is not among them was left by a killed process that had the same
# pid (a restarted container's training process often does)
_SAVING: set[str] = set()


def _temp_prefix(target: Path) -> str:
    # NOTE: the pid in the name tells a killed save's leftover from a live save's temporary
    return f".{target.name}.{os.getpid()}-"


def remove_stale_temporaries(target: Path, names: str | None = None) -> None:
    """Remove temporaries of writes to `target` (its own, and the links of a `Checkpoint`)
    whose process no longer exists or, with this process's pid, is not writing them now.

    Args:
        names: a regular expression of file names in the folder of `target`, to remove the
            temporaries of all of them (the numbered copies of a `Checkpoint`).
    """
    if os.name != "posix":  # NOTE: os.kill(pid, 0) would end the process on Windows
        return
    name = re.escape(target.name) if names is None else f"(?:{names})"
    pattern = re.compile(rf"\.{name}\.(\d+)-[^.]*\.tmp")
    for entry in os.scandir(target.parent):
        found = pattern.fullmatch(entry.name)
        if found and _stale(int(found.group(1)), os.path.abspath(entry.path)):
            Path(entry.path).unlink(missing_ok=True)


def _stale(pid: int, path: str) -> bool:
    if pid == os.getpid():
        return path not in _SAVING and not path.endswith("-link.tmp")
    return not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # NOTE: another user's process: alive, and not ours to judge
        return True
    return True


def _file_mode(target: Path) -> int:
    """The mode `open(target, "wb")` would leave: the old file's, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # NOTE: reading it from /proc does not change it, so no other thread can race us
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# NOTE: what fsync of a folder gives where folders cannot be synced (not a failed write)
_CANNOT_SYNC_FOLDERS = {errno.EINVAL, errno.EBADF, errno.EACCES, errno.EISDIR, errno.ENOTSUP}


def sync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable (fsync of the folder itself).

    Raises:
        OSError: when the sync fails (`EIO`, `ENOSPC`): what was renamed may not survive a
            crash. Platforms that cannot open or sync a folder are passed over.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in _CANNOT_SYNC_FOLDERS:
            raise
    finally:
        os.close(fd)
