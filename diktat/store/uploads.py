"""The upload spool: an uploaded recording waits here (a private file, ``upload-*``, sealed in
records of 1 MB as it is copied in) until its request or job has decoded it (`open_upload`
decrypts it as it is read); retention lists what is left.

An accepted job's upload is *parked*: a small description beside it in ``jobs/`` (its job id
and content type, never the uploaded file's name) lets the next start of the server resume it
after a shutdown or a crash. Each start empties the spool of everything else an earlier run
left (an upload with no parked job, a description without its upload)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from diktat.errors import OutputError
from diktat.store.fileio import private_dir, store_error
from diktat.store.sealed import Keyring, Reader, read_file, write_document, write_stream

UPLOAD_PREFIX = "upload-"
PARKED_DIR = "jobs"


@dataclass(frozen=True)
class ParkedJob:
    """An accepted job whose upload waits in the spool."""

    job_id: str
    path: Path  # the upload
    content_type: str | None
    created: float
    owner: str = "local"
    actor: str = "local"


def spool(upload: BinaryIO, suffix: str, folder: Path, keys: Keyring) -> Path:
    """Copy an uploaded file object, sealed, into a new private file under `folder`. On a full
    disk (StoreFull) or another write error (OutputError) nothing is left behind."""
    safe_suffix = suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 8 else ""
    path = folder / f"{UPLOAD_PREFIX}{secrets.token_hex(8)}{safe_suffix}"
    try:
        private_dir(folder)
        upload.seek(0)
        write_stream(keys, path, _chunks(upload))
    except OSError as exc:
        raise store_error("cannot keep the upload in the spool", exc) from None
    return path


def open_upload(keys: Keyring, path: Path) -> Reader:
    """A spooled upload as a seekable file of its plaintext (decrypted as it is read)."""
    return Reader(keys, path)


def _chunks(upload: BinaryIO) -> Iterator[bytes]:
    while chunk := upload.read(1 << 20):
        yield chunk


def park(job: ParkedJob, keys: Keyring) -> None:
    """Keep the description of an accepted job beside its upload (StoreFull/OutputError on a
    failed write, when nothing of it is left)."""
    target = _description(job.path)
    record = {"job_id": job.job_id, "upload": job.path.name, "content_type": job.content_type,
              "created": job.created, "owner": job.owner, "actor": job.actor}
    try:
        private_dir(target.parent)
        write_document(keys, target, json.dumps(record) + "\n")
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise store_error("cannot keep the job's description in the spool", exc) from None


def unpark(path: Path) -> None:
    """A job has ended: remove its upload and its description."""
    path.unlink(missing_ok=True)
    _description(path).unlink(missing_ok=True)


def parked(folder: Path, keys: Keyring) -> list[ParkedJob]:
    """The jobs an earlier run accepted and did not finish, oldest first (a description whose
    upload is gone, or that cannot be read, is removed)."""
    found = []
    for description in sorted((folder / PARKED_DIR).glob("*.json")):
        try:
            record = json.loads(read_file(keys, description))
            job = ParkedJob(job_id=str(record["job_id"]), path=folder / str(record["upload"]),
                            content_type=record.get("content_type"),
                            created=float(record["created"]),
                            owner=str(record.get("owner", "local")),
                            actor=str(record.get("actor", "local")))
        except (OSError, OutputError, ValueError, KeyError, TypeError):
            description.unlink(missing_ok=True)
            continue
        if job.path.parent != folder or not job.path.is_file():
            description.unlink(missing_ok=True)
            continue
        found.append(job)
    return sorted(found, key=lambda j: j.created)


def purge(folder: Path, keys: Keyring) -> None:
    """Create `folder` private, or empty it of files left by an earlier run, except the
    uploads of parked jobs (`parked`)."""
    private_dir(folder)
    keep = {job.path.name for job in parked(folder, keys)}
    for leftover in folder.iterdir():
        if leftover.is_file() and leftover.name not in keep:
            leftover.unlink(missing_ok=True)


def _description(upload: Path) -> Path:
    return upload.parent / PARKED_DIR / f"{upload.name}.json"
