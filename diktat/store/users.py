"""The people the store knows, by pseudonym: who signed in (user name, full name, role, first
and last sign-in), so that `diktat store access-log` can answer "who looked at this note" while
the audit log itself names nobody. Each person is one sealed document in ``users/``, beside the
sealed secret the pseudonyms are made with (``users/pseudonym-secret``): it is random, made
once, and survives a key rotation (rewrapped like every file), so a person keeps her pseudonym
and what she owns.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from diktat.errors import OutputError
from diktat.store.fileio import private_dir, store_error
from diktat.store.sealed import Keyring, read_file, write_document

SECRET_FILE = "pseudonym-secret"


@dataclass(frozen=True)
class KnownUser:
    user_id: str
    username: str
    name: str
    role: str
    first_seen: str
    last_seen: str


class UserDirectory:
    def __init__(self, folder: Path, keys: Keyring) -> None:
        self.folder = Path(folder)
        self.keys = keys
        self._lock = threading.Lock()
        self._secret: bytes | None = None

    def secret(self) -> bytes:
        """The pseudonyms' secret, made on first use."""
        with self._lock:
            if self._secret is None:
                path = self.folder / SECRET_FILE
                try:
                    self._secret = read_file(self.keys, path)
                except FileNotFoundError:
                    self._secret = secrets.token_bytes(32)
                    try:
                        private_dir(self.folder)
                        write_document(self.keys, path, self._secret, sync_dir=True)
                    except OSError as exc:
                        self._secret = None
                        raise store_error(f"cannot write {path}", exc) from None
            return self._secret

    def remember(self, user_id: str, username: str, name: str, role: str) -> KnownUser:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        known = self.get(user_id)
        user = KnownUser(user_id, username, name, role,
                         known.first_seen if known else now, now)
        try:
            private_dir(self.folder)
            write_document(self.keys, self._path(user_id), json.dumps(asdict(user)))
        except OSError as exc:
            raise store_error("cannot keep the user's sign-in", exc) from None
        return user

    def get(self, user_id: str) -> KnownUser | None:
        try:
            return KnownUser(**json.loads(read_file(self.keys, self._path(user_id))))
        except (OSError, OutputError, ValueError, TypeError):
            return None

    def find(self, username: str) -> KnownUser | None:
        """The person who signed in under `username` (the latest, should two share it)."""
        found = [u for u in self.all() if u.username.lower() == username.lower()]
        return max(found, key=lambda u: u.last_seen) if found else None

    def all(self) -> list[KnownUser]:
        found = []
        for path in sorted(self.folder.glob("u-*.json")):
            if (user := self.get(path.stem)) is not None:
                found.append(user)
        return found

    def _path(self, user_id: str) -> Path:
        if not (user_id.startswith("u-") and user_id[2:].isalnum() and len(user_id) <= 40):
            raise ValueError(f"not a user id: {user_id!r}")
        return self.folder / f"{user_id}.json"
