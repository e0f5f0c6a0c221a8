"""Encryption at rest: the one file format every journal file of the store is written in
(Normen faktaark 30; AES-256-GCM from `cryptography`, never hand-written crypto).

    header   MAGIC (8) | master key id (8) | wrap nonce (12) | data key, wrapped (32 + 16)
    records  [ciphertext length, u32 big-endian | AES-256-GCM ciphertext with its tag] ...

Each file has its own random 256-bit data key, wrapped by the store's master key
(`diktat.store.keys`); rotating the master key rewrites only the header. Record `i` is
encrypted with the data key under nonce `i` (a data key seals one file only, so a counter never
repeats a nonce) and with associated data binding it to the file's label (``<folder>/<name>``)
and to `i`: a record cannot be moved to another file or place, and a file cannot be swapped for
another's. A document is one record; live audio and uploads are appended a record at a time,
so a crash loses at most the record being written: a torn last record is dropped on reading
(`records`), a record that fails its tag is `SealedDamaged`.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import io
import os
import secrets
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from diktat.errors import OutputError
from diktat.store.fileio import PART_SUFFIX, write_atomic

MAGIC = b"DIKTAT\x00\x01"
KEY_BYTES = 32
KEY_ID_BYTES = 8
_NONCE = 12
_TAG = 16
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + _NONCE + KEY_BYTES + _TAG
_LENGTH = struct.Struct(">I")
MAX_RECORD = 4 << 20  # plaintext bytes in one record (a document is bounded far below this)


class SealedDamaged(OutputError):
    """A sealed file that cannot be opened: damaged, truncated in its header, or not sealed."""


class UnknownKey(OutputError):
    """A sealed file whose master key is not the store's key (another store's, or an old one)."""


@dataclass(frozen=True, repr=False)
class MasterKey:
    """A store's master key (256 bits); its id names it in every file header."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError(f"a master key has {KEY_BYTES} bytes, not {len(self.secret)}")

    @property
    def id(self) -> bytes:
        return hmac.new(self.secret, b"diktat store key id", hashlib.sha256).digest()[
            :KEY_ID_BYTES]

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(KEY_BYTES))


@dataclass(frozen=True, repr=False)
class Keyring:
    """The key new files are sealed with (`current`) and any other key files may still carry
    (the old one while a rotation is unfinished)."""

    current: MasterKey
    others: tuple[MasterKey, ...] = ()

    def find(self, key_id: bytes) -> MasterKey | None:
        for key in (self.current, *self.others):
            if key.id == key_id:
                return key
        return None

    def seal(self, data: bytes, path: Path) -> bytes:
        """`data` as the sealed file `path` (a document: one record)."""
        header, cipher = self.new_file(path)
        return header + _record(cipher, label(path), 0, data)

    def new_file(self, path: Path) -> tuple[bytes, AESGCM]:
        """A header with a fresh data key for the file `path`, and that data key's cipher."""
        data_key = AESGCM.generate_key(bit_length=256)
        return wrap(self.current, data_key, path), AESGCM(data_key)

    def data_key(self, header: bytes, path: Path) -> bytes:
        """The data key of the file `path` whose header is `header` (UnknownKey when none of
        this keyring's keys wrapped it)."""
        key_id = _parse_header(header, path)[0]
        key = self.find(key_id)
        if key is None:
            raise UnknownKey(f"{path} was sealed with another master key (id {key_id.hex()}) "
                             "than this store's")
        return unwrap(key, header, path)

    def data_cipher(self, header: bytes, path: Path) -> AESGCM:
        """The cipher of the file `path` whose header is `header`."""
        return AESGCM(self.data_key(header, path))


def label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def wrap(key: MasterKey, data_key: bytes, path: Path) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    wrapped = AESGCM(key.secret).encrypt(nonce, data_key, _wrap_aad(key.id, path))
    return MAGIC + key.id + nonce + wrapped


def unwrap(key: MasterKey, header: bytes, path: Path) -> bytes:
    key_id, nonce, wrapped = _parse_header(header, path)
    try:
        return AESGCM(key.secret).decrypt(nonce, wrapped, _wrap_aad(key_id, path))
    except InvalidTag:
        raise SealedDamaged(f"{path}: its data key does not open (the header was changed, or "
                            "the file was moved from elsewhere)") from None


def key_id_of(path: Path) -> bytes | None:
    """The master key id in the header of `path`; None when it is not a sealed file."""
    with open(path, "rb") as f:
        header = f.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        return None
    return header[len(MAGIC):len(MAGIC) + KEY_ID_BYTES]


def is_torn(path: Path) -> bool:
    """`path` was cut by a crash before its header was whole (it holds nothing)."""
    with open(path, "rb") as f:
        return _torn_header(f.read(HEADER_BYTES))


def _torn_header(head: bytes) -> bool:
    """`head` (a file's first HEADER_BYTES) is a header cut short by a crash."""
    return len(head) < HEADER_BYTES and MAGIC.startswith(head[:len(MAGIC)])


def records(keys: Keyring, stream: io.BufferedIOBase | io.BytesIO, path: Path
            ) -> Iterator[bytes]:
    """The plaintext records of the sealed file in `stream` (at its start), in order. A torn
    last record (a crash while it was appended) is dropped; a header torn by a crash before any
    record reads as an empty file."""
    header = stream.read(HEADER_BYTES)
    if _torn_header(header):
        return  # created, and cut before its header was whole: nothing was kept in it
    cipher = keys.data_cipher(header, path)
    name = label(path)
    index = 0
    while True:
        prefix = stream.read(_LENGTH.size)
        if len(prefix) < _LENGTH.size:
            return
        (length,) = _LENGTH.unpack(prefix)
        if length > MAX_RECORD + _TAG:
            raise SealedDamaged(f"{path}: record {index} claims {length} bytes (damaged)")
        body = stream.read(length)
        if len(body) < length:
            return  # torn by a crash mid-append
        yield _open_record(cipher, name, index, body, path)
        index += 1


def read_file(keys: Keyring, path: Path) -> bytes:
    """The whole content of the sealed file `path`."""
    with open(path, "rb") as f:
        return b"".join(records(keys, f, path))


@dataclass(frozen=True)
class Extent:
    """Where the whole records of a sealed file lie (a torn tail is beyond `end`)."""

    end: int  # bytes of header and whole records (0: not even a whole header)
    offsets: tuple[int, ...]  # where each whole record's length prefix starts
    plain_sizes: tuple[int, ...]  # each whole record's plaintext bytes

    @property
    def plain_bytes(self) -> int:
        return sum(self.plain_sizes)


def extent(path: Path) -> Extent:
    """The whole records of `path`, from their lengths (nothing is decrypted)."""
    offsets: list[int] = []
    sizes: list[int] = []
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        if size < HEADER_BYTES:
            return Extent(0, (), ())
        offset = HEADER_BYTES
        f.seek(offset)
        while len(prefix := f.read(_LENGTH.size)) == _LENGTH.size:
            (length,) = _LENGTH.unpack(prefix)
            if length < _TAG or offset + _LENGTH.size + length > size:
                break
            offsets.append(offset)
            sizes.append(length - _TAG)
            offset += _LENGTH.size + length
            f.seek(offset)
    return Extent(offset, tuple(offsets), tuple(sizes))


class Appender:
    """Appends records to the sealed file `path` (created with a fresh data key, or continued
    after its last whole record when it exists: a torn tail is cut off first). Each `append` is
    one write of whole records, so a process killed between appends leaves whole records."""

    def __init__(self, keys: Keyring, path: Path, mode: int = 0o600) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, mode)
        try:
            found = extent(path)
            if found.end:
                with open(path, "rb") as f:
                    self._cipher = keys.data_cipher(f.read(HEADER_BYTES), path)
                os.ftruncate(self._fd, found.end)
                self._index = len(found.offsets)
                self.plain_bytes = found.plain_bytes
            else:
                os.ftruncate(self._fd, 0)
                header, self._cipher = keys.new_file(path)
                _write_all(self._fd, header)
                self._index = 0
                self.plain_bytes = 0
        except BaseException:
            os.close(self._fd)
            raise

    def append(self, data: bytes) -> None:
        out = bytearray()
        for at in range(0, len(data), MAX_RECORD):
            piece = data[at:at + MAX_RECORD]
            out += encode_record(self._cipher, self.path, self._index, piece)
            self._index += 1
        _write_all(self._fd, bytes(out))
        self.plain_bytes += len(data)

    def fsync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class Reader(io.RawIOBase):
    """The plaintext of the sealed file `path` as a seekable binary file (what soundfile and
    PyAV read a sealed WAV or upload from); a record is decrypted when it is first read."""

    def __init__(self, keys: Keyring, path: Path) -> None:
        super().__init__()
        self.path = path
        self._extent = extent(path)
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._cipher = (keys.data_cipher(self._file.read(HEADER_BYTES), path)
                        if self._extent.end else None)
        self._starts = [0]
        for size in self._extent.plain_sizes:
            self._starts.append(self._starts[-1] + size)
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        return self._starts[-1]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self.size:
            index = bisect.bisect_right(self._starts, self._pos) - 1
            plain = self._record(index)
            at = self._pos - self._starts[index]
            take = min(len(view) - done, len(plain) - at)
            view[done:done + take] = plain[at:at + take]
            done += take
            self._pos += take
        return done

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()

    def _record(self, index: int) -> bytes:
        # Only called for a whole record, so the file had a header and `_cipher` is set.
        if self._cached is None or self._cached[0] != index:
            self._file.seek(self._extent.offsets[index] + _LENGTH.size)
            body = self._file.read(self._extent.plain_sizes[index] + _TAG)
            self._cached = (index, _open_record(self._cipher, label(self.path), index, body,
                                                self.path))
        return self._cached[1]


def write_document(keys: Keyring, path: Path, data: str | bytes, *, sync_dir: bool = False
                   ) -> Path:
    """Replace `path` with `data` sealed (text as UTF-8), atomically (`fileio.write_atomic`)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return write_atomic(path, keys.seal(payload, path), sync_dir=sync_dir)


def write_stream(keys: Keyring, path: Path, chunks: Iterable[bytes]) -> Path:
    """Write the sealed file `path` from `chunks` (a record each, split at MAX_RECORD) under a
    temp name beside it, fsync'ed, then renamed to `path`. On an error nothing is left under
    either name."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{PART_SUFFIX}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            header, cipher = keys.new_file(path)
            _write_all(fd, header)
            index = 0
            for chunk in chunks:
                for at in range(0, len(chunk), MAX_RECORD):
                    _write_all(fd, encode_record(cipher, path, index, chunk[at:at + MAX_RECORD]))
                    index += 1
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def encode_record(cipher: AESGCM, path: Path, index: int, data: bytes) -> bytes:
    """Record `index` of the file `path` holding `data` (what an appender writes)."""
    return _record(cipher, label(path), index, data)


def _record(cipher: AESGCM, name: str, index: int, data: bytes) -> bytes:
    if len(data) > MAX_RECORD:
        raise ValueError(f"a record holds at most {MAX_RECORD} bytes")
    body = cipher.encrypt(_nonce(index), data, _record_aad(name, index))
    return _LENGTH.pack(len(body)) + body


def _open_record(cipher: AESGCM, name: str, index: int, body: bytes, path: Path) -> bytes:
    try:
        return cipher.decrypt(_nonce(index), body, _record_aad(name, index))
    except InvalidTag:
        raise SealedDamaged(f"{path}: record {index} fails its check (damaged, reordered or "
                            "from another file)") from None


def _parse_header(header: bytes, path: Path) -> tuple[bytes, bytes, bytes]:
    if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
        raise SealedDamaged(f"{path} is not a sealed store file (written without encryption, "
                            "or damaged)")
    at = len(MAGIC)
    key_id = header[at:at + KEY_ID_BYTES]
    at += KEY_ID_BYTES
    return key_id, header[at:at + _NONCE], header[at + _NONCE:HEADER_BYTES]


def _nonce(index: int) -> bytes:
    return b"\0\0\0\0" + struct.pack(">Q", index)


def _record_aad(name: str, index: int) -> bytes:
    return MAGIC + struct.pack(">Q", index) + name.encode("utf-8")


def _wrap_aad(key_id: bytes, path: Path) -> bytes:
    return MAGIC + key_id + label(path).encode("utf-8")
