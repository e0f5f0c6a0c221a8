"""API keys for programs (a batch uploader, an EPJ integration): each has a name, scopes
(`transcribe`, `structure`, `jobs`) and a secret shown once when it is made.

Only an Argon2id hash of each secret is kept (`argon2-cffi`), in the sealed document
``users/api-keys.json``. A key is ``dk_<id>_<secret>``: the id finds the record, the hash checks
the secret. A revoked key fails at once, in a server that is already running too: the document
is read again whenever it changed (its modification time), and only then are checks cached.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from diktat.errors import InputError, OutputError
from diktat.store.fileio import private_dir, store_error
from diktat.store.sealed import Keyring, read_file, write_document

KEYS_FILE = "api-keys.json"
SCOPES = ("transcribe", "structure", "jobs")
PREFIX = "dk_"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    scopes: tuple[str, ...]
    created: str
    hash: str
    revoked: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


class ApiKeys:
    def __init__(self, folder: Path, keys: Keyring) -> None:
        self.path = Path(folder) / KEYS_FILE
        self.keys = keys
        self._hasher = PasswordHasher()
        self._lock = threading.Lock()
        self._cache: tuple[int, dict[str, ApiKey]] | None = None  # (mtime_ns, records)
        self._verified: dict[str, str] = {}  # SHA-256 of a presented key → its id

    def create(self, name: str, scopes: list[str] | tuple[str, ...]) -> tuple[ApiKey, str]:
        """A new key: its record and the key itself (shown once, never kept)."""
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise InputError(f"scopes are {', '.join(SCOPES)} (at least one); not {unknown}")
        if not name.strip() or len(name) > 64:
            raise InputError("a key needs a name of 1 to 64 characters (who or what uses it)")
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        record = ApiKey(key_id, name.strip(), tuple(s for s in SCOPES if s in scopes),
                        _now(), self._hasher.hash(secret))
        with self._lock:
            self._write({**self._read(), key_id: record})
        return record, f"{PREFIX}{key_id}_{secret}"

    def revoke(self, key_id: str) -> ApiKey:
        with self._lock:
            records = self._read()
            if key_id not in records:
                raise InputError(f"no API key {key_id!r}")
            revoked = ApiKey(**{**asdict(records[key_id]), "revoked": _now()})
            self._write({**records, key_id: revoked})
        return revoked

    def all(self) -> list[ApiKey]:
        with self._lock:
            return sorted(self._read().values(), key=lambda k: k.created)

    def verify(self, presented: str) -> ApiKey | None:
        """The active key `presented` is, or None."""
        body = presented.removeprefix(PREFIX)
        key_id, sep, secret = body.partition("_")
        if not presented.startswith(PREFIX) or not sep or not secret:
            return None
        with self._lock:
            record = self._read().get(key_id)
            if record is None or not record.active:
                return None
            fingerprint = hashlib.sha256(presented.encode()).hexdigest()
            if self._verified.get(fingerprint) == key_id:
                return record
        try:
            self._hasher.verify(record.hash, secret)
        except (VerificationError, InvalidHashError):
            return None
        with self._lock:
            self._verified[fingerprint] = key_id
        return record

    def _read(self) -> dict[str, ApiKey]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._cache is None or self._cache[0] != mtime:
            try:
                raw = json.loads(read_file(self.keys, self.path))
                records = {r["id"]: ApiKey(**{**r, "scopes": tuple(r["scopes"])}) for r in raw}
            except (OSError, OutputError, ValueError, KeyError, TypeError) as exc:
                raise OutputError(f"cannot read the API keys in {self.path}: {exc}") from None
            self._cache = (mtime, records)
            self._verified.clear()  # a revocation shows at once
        return self._cache[1]

    def _write(self, records: dict[str, ApiKey]) -> None:
        try:
            private_dir(self.path.parent)
            write_document(self.keys, self.path,
                           json.dumps([asdict(r) for r in records.values()], indent=1),
                           sync_dir=True)
        except OSError as exc:
            raise store_error(f"cannot write {self.path}", exc) from None
        self._cache = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
