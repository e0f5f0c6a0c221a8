"""The audit log: who, when and with which models a note was produced and approved, and what
the store deleted (a discarded draft, the retention rules).

An append-only JSON Lines file (opened with O_APPEND, fsync'ed per entry, mode 0600) beside
the session store, hash-chained: every entry carries ``prev``, the SHA-256 of the line before
it, so an entry changed or removed afterwards breaks the chain (`verify`; `diktat store
verify-audit`). The server and the command line may write at once: an exclusive lock on the
file covers reading the last line and appending. Cutting entries off the end is not detected by
the chain itself; copy the log (or its last hash) elsewhere to anchor it.

Entries hold identifiers only — session, note and job ids, model ids and checksums, the
structuring backend, durations — and never transcript or note text, nor the names of uploaded
files (a file name can name a patient). The server's actor is "local" without a token, else a
fingerprint of the token (its SHA-256 prefix), never the token itself; the command line's is
"cli".

An entry that cannot be written raises `AuditUnwritable` (`AuditFull` on a full or read-only
disk) and the operation it records does not go ahead: nothing is structured, approved or kept
without its entry (Normen: access logging).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from diktat.errors import InputError, OutputError
from diktat.store.fileio import FULL_ERRNOS, StoreFull

Action = Literal[
    "server.started",
    "server.stopped",
    "dictation.finished",
    "dictation.failed",
    "dictation.interrupted",
    "dictation.recovered",
    "dictation.discarded",
    "job.done",
    "job.failed",
    "job.resumed",
    "transcription.done",
    "note.structured",
    "note.approved",
    "note.approval_failed",
    "draft.discarded",
    "draft.opened",
    "draft.saved",
    "drafts.listed",
    "note.shared",
    "job.opened",
    "user.signed_in",
    "key.created",
    "key.revoked",
    "user.signed_out",
    "retention.deleted",
    "retention.failed",
    "store.exported",
    "store.listed",
    "store.key_rotated",
]
# Only these keys may be written: identifiers and numbers, never content.
_ALLOWED_FIELDS = frozenset({
    "session_id", "note_id", "job_id", "asr_model", "asr_model_sha256", "structurer",
    "audio_s", "stopped_by", "user", "endpoint", "error_type", "rule", "age_h", "upload",
    # a break-glass export's stated reason (the operator's words, required; see store.export)
    "reason", "key_id", "files",
    # who: the role of a signed-in user (her pseudonym is the actor), how many items she saw
    "role", "count",
})


def actor_for(token: str | None) -> str:
    """'local' without a token; 'token:<12 hex>' (SHA-256 prefix) with one."""
    if not token:
        return "local"
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:12]


class AuditUnwritable(OutputError):
    """The audit log cannot be written: the operation it would record must not go ahead."""


class AuditFull(AuditUnwritable, StoreFull):
    """The audit log's disk is full, over quota or read-only."""


GENESIS = "0" * 64  # the `prev` of a log's first entry
_TAIL_BYTES = 64 * 1024  # more than any entry


class AuditLog:
    """Append entries to `path`; safe from any thread and any process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, action: Action, *, actor: str, **fields: str | float | None) -> None:
        unknown = set(fields) - _ALLOWED_FIELDS
        if unknown:  # a programming error: content must never reach the log by a new field
            raise ValueError(f"audit fields not allowed: {sorted(unknown)}")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd closes
                    last, complete = _last_line(fd)
                    entry = {
                        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "actor": actor,
                        "action": action,
                        **{k: v for k, v in fields.items() if v is not None},
                        "prev": _hash(last),
                    }
                    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
                    # After a line cut short by a crash, start a new one (verify names it).
                    _append_whole(fd, line if complete else b"\n" + line)
                finally:
                    os.close(fd)
            except OSError as exc:
                kind = AuditFull if exc.errno in FULL_ERRNOS else AuditUnwritable
                raise kind(f"cannot write the audit log {self.path}: {exc.strerror}") from None


@dataclass(frozen=True)
class Verification:
    entries: int
    chained_from: int | None  # 1-based line of the first entry with `prev` (older logs lack it)
    breaks: tuple[int, ...]  # lines whose `prev` does not match the line before them
    cut: tuple[int, ...]  # unreadable lines the next entry links to: cut short by a crash

    @property
    def intact(self) -> bool:
        return not self.breaks

    @property
    def broken_at(self) -> int | None:
        return self.breaks[0] if self.breaks else None


def verify(path: Path) -> Verification:
    """Check the hash chain of the log at `path` to the end (InputError when it cannot be read).

    The chain shows an entry changed, removed or inserted by anyone who did not also recompute
    every later `prev` (SHA-256 has no key): anchor the last hash outside the machine against
    whoever runs it."""
    try:
        lines = Path(path).read_bytes().splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the audit log {path}: {exc.strerror}") from None
    chained_from = None
    breaks, cut = [], []
    previous, previous_unreadable = b"", False
    for number, line in enumerate(lines, start=1):
        prev, readable = _prev_of(line)
        if chained_from is None and prev is None:
            previous = line  # an entry from before the chain
            continue
        chained_from = chained_from or number
        if not readable:
            previous, previous_unreadable = line, True
            continue  # judged by the entry after it
        if prev == _hash(previous):
            if previous_unreadable:
                cut.append(number - 1)
        else:
            breaks.append(number)
        previous, previous_unreadable = line, False
    if previous_unreadable:
        cut.append(len(lines))  # the last write was cut short
    return Verification(len(lines), chained_from, tuple(breaks), tuple(cut))


def _prev_of(line: bytes) -> tuple[str | None, bool]:
    """The entry's `prev` and whether the line is an entry at all."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None, False
    if not isinstance(entry, dict):
        return None, False
    prev = entry.get("prev")
    return (prev if isinstance(prev, str) else None), True


def _hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest() if line else GENESIS


def _append_whole(fd: int, data: bytes) -> None:
    """Append all of `data` and fsync, or raise with the file as it was (a short write on a
    full disk must not leave half an entry counted as written)."""
    size = os.fstat(fd).st_size
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            if not written:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            view = view[written:]
        os.fsync(fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, size)
        raise


def _last_line(fd: int) -> tuple[bytes, bool]:
    """The file's last line and whether it ended with a newline."""
    size = os.fstat(fd).st_size
    if not size:
        return b"", True
    start = max(0, size - _TAIL_BYTES)
    tail = os.pread(fd, size - start, start)
    return tail.rstrip(b"\n").rsplit(b"\n", 1)[-1], tail.endswith(b"\n")


ITEM_FIELDS = ("note_id", "session_id", "job_id", "upload")


def entries(path: Path) -> list[dict]:
    """Every readable entry of the log at `path`, oldest first (a line cut short by a crash is
    skipped; `verify` names it). InputError when the log cannot be read."""
    try:
        lines = Path(path).read_bytes().splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputError(f"cannot read the audit log {path}: {exc.strerror}") from None
    found = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            found.append(entry)
    return found


def access_log(path: Path, *, actors: set[str] | None = None, item: str | None = None
               ) -> list[dict]:
    """The entries made by `actors` (pseudonyms) and/or about `item` (a note, session or job
    id): who looked at or changed what (innsyn i logg)."""
    return [e for e in entries(path)
            if (actors is None or e.get("actor") in actors)
            and (item is None or item in (e.get(f) for f in ITEM_FIELDS))]
