"""The store's master key: where it comes from, when it is made, and rotation.

The key lives outside the store, in a key file readable by its owner only (``[store] key_file``,
default ``store.key`` beside the configuration file) or in the systemd credential
``diktat-store-key`` (``LoadCredentialEncrypted=``; then it is read from
``$CREDENTIALS_DIRECTORY``). It is made on first start when the store holds nothing, and the
caller says where (`KeyCreated`). A store that holds files and has no key, or a key that is not
the one its files were sealed with, is an error that says so — never a silently empty store:
without its key the store cannot be read by anyone, diktat included.

Rotation (`rotate`) writes the new key beside the old one as ``<key file>.new``, rewraps the
header of every file (the content is not re-encrypted: each file's own data key stays), then
replaces the key file; a rotation cut short is finished by running it again, and meanwhile
both keys open the store.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from diktat.config import Settings
from diktat.errors import DiktatError, OutputError
from diktat.store.fileio import PART_SUFFIX, private_dir, write_atomic
from diktat.store.names import NoteId
from diktat.store.sealed import (
    HEADER_BYTES,
    KEY_BYTES,
    Keyring,
    MasterKey,
    UnknownKey,
    is_torn,
    key_id_of,
    wrap,
)
from diktat.store.uploads import PARKED_DIR, UPLOAD_PREFIX

STORE_LOCK = ".store.lock"
_HEADER_COMMENT = (
    "# diktat store master key. Keep it secret, owner-only (0600), and backed up apart from\n"
    "# the store: without it nothing in the store can be read, by anyone.\n"
)
_PROBE_FILES = 32  # files whose headers are checked against the key at opening


class StoreKeyError(DiktatError):
    """The store's key is missing, unreadable, too widely readable, or not the store's."""

    exit_code = 2


@dataclass(frozen=True)
class KeyCreated:
    """A new key was made for an empty store (tell the operator where, to back it up)."""

    path: Path


@dataclass(frozen=True)
class StoreRoots:
    """The folders that hold journal material: sessions, notes made from text, uploads, and
    the people who signed in (each may be missing)."""

    folders: tuple[Path, ...]

    def files(self) -> Iterator[Path]:
        """Every file the store made (sealed, or plain from an earlier diktat): those in note
        folders (`NoteId` names) of the first two folders, and the uploads and parked job
        descriptions of the third, and everything in the fourth. A foreign file (one put there
        by hand, which retention also leaves alone) and lock files are not the store's."""
        for root in self.folders[:2]:
            for folder in _sorted_entries(root):
                if folder.is_dir() and not folder.is_symlink() and NoteId.match(folder.name):
                    yield from (f for f in _sorted_entries(folder)
                                if _is_file(f) and not f.name.endswith(".lock"))
        for uploads in self.folders[2:3]:
            yield from (f for f in _sorted_entries(uploads)
                        if _is_file(f) and f.name.startswith(UPLOAD_PREFIX))
            yield from (f for f in _sorted_entries(uploads / PARKED_DIR) if _is_file(f))
        for users in self.folders[3:]:
            yield from (f for f in _sorted_entries(users) if _is_file(f))


def open_keyring(key_file: Path, roots: StoreRoots, *,
                 on_created: Callable[[KeyCreated], None] | None = None) -> Keyring:
    """The store's keyring: the key in `key_file` (and a rotation's pending key beside it).
    With no key file and an empty store, a new key is written there (0600) and `on_created`
    told; StoreKeyError for a missing key of a store with content, a key file others can read,
    or a key that does not open the store's files."""
    pending = _pending(key_file)
    if not key_file.exists():
        if pending.exists():
            raise StoreKeyError(
                f"the store key {key_file} is missing but a rotation left {pending}: the "
                f"rotation was cut short; run `diktat store rotate-key` again to finish it")
        content = next(iter(roots.files()), None)
        if content is not None:
            raise StoreKeyError(
                f"the store key {key_file} is missing, and the store holds encrypted journal "
                f"material (such as {content}). Restore the key file from its backup (or set "
                "[store] key_file / the diktat-store-key credential); without it the store "
                "cannot be read. diktat does not make a new key for a store with content.")
        key = MasterKey.generate()
        _write_key(key_file, key)
        if on_created is not None:
            on_created(KeyCreated(key_file))
        return Keyring(key)
    keyring = Keyring(read_key(key_file),
                      (read_key(pending),) if pending.exists() else ())
    check_opens(keyring, roots, key_file)
    return keyring


def read_key(path: Path) -> MasterKey:
    """The master key in `path`: one base64 line (comments with #), or 32 raw bytes."""
    try:
        mode = path.stat().st_mode
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreKeyError(f"cannot read the store key {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise StoreKeyError(f"the store key {path} can be read by others (mode "
                            f"{mode & 0o777:o}); make it owner-only: chmod 600 {path}")
    if len(raw) == KEY_BYTES:
        return MasterKey(raw)
    lines = [line.strip() for line in raw.decode("ascii", "replace").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    try:
        secret = base64.b64decode(lines[0], validate=True) if len(lines) == 1 else b""
    except binascii.Error:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise StoreKeyError(f"{path} is not a diktat store key (one line of base64 holding "
                            f"{KEY_BYTES} bytes)")
    return MasterKey(secret)


def check_opens(keyring: Keyring, roots: StoreRoots, key_file: Path) -> None:
    """StoreKeyError when a file of the store was sealed with a key the keyring lacks, or was
    left unsealed (only the first files are looked at: a wrong key shows in every one)."""
    for index, path in enumerate(roots.files()):
        if index >= _PROBE_FILES:
            return
        try:
            key_id = key_id_of(path)
        except OSError:
            continue  # deleted meanwhile, or unreadable: reported when it is used
        if key_id is None:
            if path.name.endswith(PART_SUFFIX) or is_torn(path):
                continue  # a write a crash cut short
            raise StoreKeyError(
                f"{path} is not encrypted (an earlier diktat wrote the store in plain text, "
                "or a file was put there by hand). Run `diktat store rotate-key`: it seals "
                "every plain file of the store with the key.")
        if keyring.find(key_id) is None:
            raise StoreKeyError(
                f"the store key {key_file} (id {keyring.current.id.hex()}) is not the key this "
                f"store was encrypted with (id {key_id.hex()}, in {path}). Use the store's own "
                "key file; a new key cannot read what an earlier one sealed.")


@dataclass(frozen=True)
class Rotation:
    rewrapped: int  # files whose header now names the new key
    sealed: int  # plain files found and sealed
    new_key_id: str


def rotate(key_file: Path, roots: StoreRoots, *, lock: Path) -> Rotation:
    """Give the store a new master key (see the module's text). OutputError while another
    diktat process (a server, a dictation) uses the store."""
    with exclusive(lock):
        old = read_key(key_file)
        pending = _pending(key_file)
        new = read_key(pending) if pending.exists() else MasterKey.generate()
        if not pending.exists():
            _write_key(pending, new)
        keyring = Keyring(new, (old,))
        rewrapped = sealed = 0
        for path in roots.files():
            key_id = key_id_of(path)
            if key_id is None:
                if path.name.endswith(PART_SUFFIX) or is_torn(path):
                    continue
                _seal_plain(keyring, path)
                sealed += 1
            elif key_id != new.id:
                _rewrap(keyring, path)
                rewrapped += 1
        os.replace(pending, key_file)
        return Rotation(rewrapped, sealed, new.id.hex())


@contextlib.contextmanager
def shared(lock: Path) -> Iterator[None]:
    """Held by every process that writes the store (a server, a dictation) while it runs."""
    with _flock(lock, fcntl.LOCK_SH):
        yield


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    with _flock(lock, fcntl.LOCK_EX):
        yield


@contextlib.contextmanager
def _flock(lock: Path, kind: int) -> Iterator[None]:
    private_dir(lock.parent)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, kind | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                "another diktat process (a server or a dictation) is using the store; stop it "
                "first" if kind == fcntl.LOCK_EX else
                "the store's key is being rotated (`diktat store rotate-key`); try again when "
                "it is done") from None
        yield
    finally:
        os.close(fd)


def lock_path(roots: StoreRoots) -> Path:
    return roots.folders[0] / STORE_LOCK


def roots_of(settings: Settings) -> StoreRoots:
    return StoreRoots((settings.session_store_dir, settings.notes_store_dir,
                       settings.uploads_dir, settings.users_dir))


@contextlib.contextmanager
def using_store(settings: Settings, *,
                on_created: Callable[[KeyCreated], None] | None = None) -> Iterator[Keyring]:
    """The store opened for use: its shared lock held (so `rotate` waits for it) and its
    keyring."""
    with shared(lock_path(roots_of(settings))):
        yield keyring_for(settings, on_created=on_created)


def keyring_for(settings: Settings, *,
                on_created: Callable[[KeyCreated], None] | None = None) -> Keyring:
    """The keyring of the store `settings` name (see `open_keyring`)."""
    return open_keyring(settings.store_key_file, roots_of(settings), on_created=on_created)


def _sorted_entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _rewrap(keyring: Keyring, path: Path) -> None:
    with open(path, "rb") as f:
        header = f.read(HEADER_BYTES)
        body = f.read()
    try:
        data_key = keyring.data_key(header, path)
    except UnknownKey:
        raise StoreKeyError(f"{path} was sealed with a key this store does not have") from None
    write_atomic(path, wrap(keyring.current, data_key, path) + body,
                 mode=path.stat().st_mode & 0o777 or 0o600)


def _seal_plain(keyring: Keyring, path: Path) -> None:
    write_atomic(path, keyring.seal(path.read_bytes(), path), mode=0o600)


def _write_key(path: Path, key: MasterKey) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, _HEADER_COMMENT + base64.b64encode(key.secret).decode() + "\n",
                     mode=0o600, sync_dir=True)
    except OSError as exc:
        raise StoreKeyError(f"cannot write the store key {path}: {exc.strerror}") from None


def _pending(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")
