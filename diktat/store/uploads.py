"""The upload spool: an uploaded recording waits here (a private file, ``upload-*``) until its
request or job has decoded it; retention lists what is left, and each start of the server
empties the spool of what an earlier run left."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from diktat.store.fileio import private_dir, store_error

UPLOAD_PREFIX = "upload-"


def spool(upload: BinaryIO, suffix: str, folder: Path) -> Path:
    """Copy an uploaded file object into a new private file under `folder`. On a full disk
    (StoreFull) or another write error (OutputError) nothing is left behind."""
    safe_suffix = suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 8 else ""
    name = None
    try:
        private_dir(folder)
        fd, name = tempfile.mkstemp(prefix=UPLOAD_PREFIX, suffix=safe_suffix, dir=folder)
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            shutil.copyfileobj(upload, out, 1 << 20)
    except OSError as exc:
        if name is not None:
            Path(name).unlink(missing_ok=True)
        raise store_error("cannot keep the upload in the spool", exc) from None
    return Path(name)


def purge(folder: Path) -> None:
    """Create `folder` private, or empty it of files left by an earlier run."""
    private_dir(folder)
    for leftover in folder.iterdir():
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
