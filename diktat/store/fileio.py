"""Durable writes for what diktat keeps: a temp file in the target's folder, fsync, rename.

A reader never sees a half-written file, and after a crash either the old or the new content
is on disk. Journal material (sessions, approved notes) is written with mode 0600 in 0700
folders; model files with 0644. Errors are left as OSError for the caller to word (`store_error`: a
full, over-quota or read-only disk becomes `StoreFull`, which the server answers with 507).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from diktat.errors import OutputError

# A crash between write and rename leaves `.<name>.<random>.part` (the model store's cleanup
# removes such leftovers from a model folder).
PART_SUFFIX = ".part"
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class StoreFull(OutputError):
    """The store's disk is full, over quota or read-only: nothing can be kept until it is not."""


def store_error(what: str, exc: OSError) -> OutputError:
    """`what` failed with `exc`: StoreFull for a full or read-only disk, else OutputError."""
    return (StoreFull if exc.errno in FULL_ERRNOS else OutputError)(f"{what}: {exc.strerror}")


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o600, sync_dir: bool = False
                 ) -> Path:
    """Replace `path` with `data` (text as UTF-8); `sync_dir` also makes the rename durable."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PART_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)
    return path


def fsync_dir(path: Path) -> None:
    """Make the entries of folder `path` (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable by the owner only; tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
