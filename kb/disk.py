"""Writing KB files and models on a disk that may fill up.

Every place that writes a KB version, an ONNX export or a trained model writes inside
`writing(folder, what, leftover=...)`: a failure removes the half-written temporary file or
folder, and a full disk becomes one `DiskFull` line naming the folder and the disk, whatever
the writer said (numpy and FAISS say it only in numbers, SQLite as "database or disk is
full", the OS as `[Errno 28]` without a path).

A process killed while writing leaves its temporary folder; `sweep` removes the ones whose
writer is gone (`kb.versions.prune` calls it on every publish).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from kb.errors import DiskFull

# Less free space than this after a failed write: the disk is full (FAISS and numpy say so
# only as "N requested and M written").
DISK_FULL_MARGIN = 1024 * 1024
SQLITE_FULL = 13
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


def says_no_space(exc: BaseException) -> bool:
    """Whether an error says itself that space ran out: `[Errno 28]` (or a quota), or
    SQLite's "database or disk is full"."""
    if getattr(exc, "errno", None) in NO_SPACE:
        return True
    full_code = getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL
    return isinstance(exc, sqlite3.Error) and (full_code or "disk is full" in str(exc))


def disk_full(exc: BaseException, folder: Path) -> bool:
    """Whether a failed write ran out of space. Judged before the leftovers are removed:
    removing them frees space, and the disk would then look fine."""
    if isinstance(exc, DiskFull) or says_no_space(exc):  # DiskFull: said by an inner write
        return True
    if not isinstance(exc, (OSError, RuntimeError, sqlite3.Error)):
        return False
    try:
        return shutil.disk_usage(existing(folder)).free < DISK_FULL_MARGIN
    except OSError:
        return False


def existing(folder: Path) -> Path:
    """`folder`, or its nearest ancestor that exists (the disk it would be written on)."""
    folder = Path(os.path.abspath(folder))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def mount_point(folder: Path) -> Path:
    """The mount point of the disk holding `folder`."""
    path = existing(folder)
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


AFTER = "free some space and try again"


def disk_full_error(folder: Path, what: str, after: str = AFTER) -> DiskFull:
    """One line: what could not be written, where, on which disk, and what to do."""
    try:
        free = f", {shutil.disk_usage(existing(folder)).free / 2**20:.1f} MB free"
    except OSError:
        free = ""
    return DiskFull(
        f"the disk is full: no space left to write {what} in {folder} "
        f"(the disk mounted at {mount_point(folder)}{free}); {after}"
    )


@contextmanager
def writing(
    folder: Path,
    what: str,
    leftover: Path | None = None,
    after: str = AFTER,
) -> Iterator[None]:
    """Write `what` into `folder`: on any failure `leftover` (a temporary file or folder) is
    removed; a full disk is raised as one `DiskFull` line."""
    try:
        yield
    except BaseException as exc:
        full = isinstance(exc, Exception) and disk_full(exc, folder)
        if leftover is not None:
            remove(leftover)
        if full:
            raise disk_full_error(folder, what, after) from exc
        raise


def remove(path: Path) -> None:
    """A file or folder gone, whichever it is; nothing said if it is already gone."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink()


def sweep(folder: Path, pattern: str = ".tmp-*") -> list[Path]:
    """Remove the temporary files and folders in `folder` whose writer is gone; returns them.

    A temporary name ends in its writer's process id (`.tmp-<name>-<pid>`). It is left alone
    while that process runs and started before the folder was written (a process killed
    with `kill -9` whose id was taken since by another does not keep it); a name without a
    process id is left alone while it is recent (`UNNAMED_GRACE` seconds)."""
    gone = []
    for path in folder.glob(pattern) if folder.is_dir() else []:
        if stale(path):
            remove(path)
            gone.append(path)
    return gone


UNNAMED_GRACE = 24 * 3600


def stale(path: Path) -> bool:
    """Whether the process that wrote this temporary file or folder is gone."""
    try:
        written = path.lstat().st_mtime
    except OSError:
        return False
    pid = writer(path.name)
    if pid is None:
        return written < time.time() - UNNAMED_GRACE
    started = process_started(pid)
    if started is None:  # no such process
        return not pid_alive(pid)
    return written < started - 2  # the id was reused by a process started after the write


def writer(name: str) -> int | None:
    """The process id a temporary name ends in: `.tmp-v000003-1234`, `.CURRENT.1234.tmp`."""
    stem = name[: -len(".tmp")] if name.endswith(".tmp") else name
    last = stem.replace(".", "-").rsplit("-", 1)[-1]
    return int(last) if last.isdigit() else None


def process_started(pid: int) -> float | None:
    """When the process `pid` started (seconds since the epoch), from /proc; None when there
    is no such process or no /proc to ask."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:  # no process can have this id
        return False
    return True
