"""The audit log: who, when and with which models a note was produced and approved, and what
the store deleted (a discarded draft, the retention rules).

An append-only JSON Lines file (opened with O_APPEND, fsync'ed per entry, mode 0600) beside
the session store. Entries hold identifiers only — session, note and job ids, model ids and
checksums, the structuring backend, durations — and never transcript or note text, nor the
names of uploaded files (a file name can name a patient). The server's actor is "local" without
a token, else a fingerprint of the token (its SHA-256 prefix), never the token itself; the
command line's is "cli".
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from diktat.errors import OutputError

Action = Literal[
    "server.started",
    "dictation.finished",
    "dictation.failed",
    "job.done",
    "job.failed",
    "transcription.done",
    "note.structured",
    "note.approved",
    "draft.discarded",
    "retention.deleted",
]
# Only these keys may be written: identifiers and numbers, never content.
_ALLOWED_FIELDS = frozenset({
    "session_id", "note_id", "job_id", "asr_model", "asr_model_sha256", "structurer",
    "audio_s", "stopped_by", "user", "endpoint", "error_type", "rule", "age_h",
})


def actor_for(token: str | None) -> str:
    """'local' without a token; 'token:<12 hex>' (SHA-256 prefix) with one."""
    if not token:
        return "local"
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:12]


class AuditLog:
    """Append entries to `path`; safe to call from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, action: Action, *, actor: str, **fields: str | float | None) -> None:
        unknown = set(fields) - _ALLOWED_FIELDS
        if unknown:  # a programming error: content must never reach the log by a new field
            raise ValueError(f"audit fields not allowed: {sorted(unknown)}")
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "actor": actor,
            "action": action,
            **{k: v for k, v in fields.items() if v is not None},
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise OutputError(
                    f"cannot write the audit log {self.path}: {exc.strerror}"
                ) from None
