"""The session store: the one place diktat keeps dictation audio, transcripts and drafts.

Under the pasientjournalforskrift these are journal material while diktat holds them, so they
live in one store whose every read and write goes through this module (with the drafts and
approvals beside them, `diktat.store.drafts` and `.notes`; `diktat.store.retention` deletes what
is due). Every file but the lock is sealed (`diktat.store.sealed`: AES-256-GCM, a data key per
file). One folder per session (0700, files 0600):

    <root>/<session id>/
      session.json     SessionMeta: state active | finished | recovered, pid, times, input, model
      .lock            flock'ed by the process recording the session (released when it dies)
      audio.pcm        while active: 16 kHz mono s16le, appended as captured in sealed records
                       (fsync'ed each second)
      autosave.json    while active: the committed words so far (atomic replace)
      audio.wav, transcript.json, text.txt, note.txt, note.json   written by `finish`
      preview.txt      the live text, when text.txt is the document decode's
      draft.json, approved-note.json, approved-note.txt           the note's (`store.names`)

Audio is written with unbuffered appends of whole sealed records the moment a chunk is
captured, so killing the process (even SIGKILL) loses nothing already captured (a record torn
by the kill is dropped); fsync bounds what a power cut can lose. A session
left `active` whose lock is free belongs to a dead process: `recoverable()` lists it.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
from pydantic import BaseModel, ConfigDict, ValidationError

from diktat.errors import InputError, OutputError
from diktat.store.audit import AuditLog
from diktat.store.fileio import PART_SUFFIX, private_dir, store_error
from diktat.store.names import NoteId
from diktat.store.sealed import (
    Appender,
    Keyring,
    Reader,
    extent,
    read_file,
    write_document,
    write_stream,
)
from diktat.stt.audio import SAMPLE_RATE
from diktat.types import Word

SessionState = Literal["active", "finished", "recovered"]
SESSION_FILE = "session.json"
LOCK_FILE = ".lock"
AUDIO_PCM = "audio.pcm"
AUTOSAVE_FILE = "autosave.json"
AUDIO_WAV = "audio.wav"
TRANSCRIPT_JSON = "transcript.json"
TEXT_TXT = "text.txt"
NOTE_TXT = "note.txt"
NOTE_JSON = "note.json"
PREVIEW_TXT = "preview.txt"
FSYNC_INTERVAL_S = 1.0
_BYTES_PER_SAMPLE = 2


class SessionMeta(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    state: SessionState = "active"
    created: str  # ISO 8601, UTC
    finished: str | None = None
    pid: int
    sample_rate: int = SAMPLE_RATE
    input: str = ""  # what recorded it ("mikrofon: pulse"), never content
    owner: str = "local"  # who dictated it: a signed-in user's pseudonym, else "local"
    model_id: str | None = None
    capture_started: float | None = None  # Unix time the first audio was expected


class Autosave(BaseModel):
    """The committed words so far, grouped by utterance (commands are re-applied from these)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    utterances: tuple[tuple[Word, ...], ...] = ()
    closed_utterances: int = 0  # utterances[:closed] ended (a pause); the rest is in progress
    transcribed_until: float = 0.0  # seconds of audio fully done (the last utterance end)
    text: str = ""  # the dictated text with commands applied, as shown
    saved_at: float = 0.0


@dataclass(frozen=True)
class SessionNote:
    """The structured note made from a session's transcript: as EPJ text and as JSON."""

    text: str
    json: str


@dataclass(frozen=True)
class FinishedFiles:
    """What `finish` wrote into the session folder."""

    folder: Path
    paths: tuple[Path, ...]
    note_text: str | None  # the note as EPJ text, when a note was made

    @property
    def names(self) -> list[str]:
        return sorted(p.name for p in self.paths)


class SessionStore:
    """Sessions under `root`: create, list, find the ones a dead process left, resume, delete."""

    def __init__(self, root: Path, keys: Keyring) -> None:
        self.root = Path(root)
        self.keys = keys

    def create(self, *, input_description: str, model_id: str | None = None,
               owner: str = "local") -> ActiveSession:
        _private_dir(self.root)
        session_id = NoteId.new_session().value
        path = self.root / session_id
        try:
            path.mkdir(mode=0o700)
        except OSError as exc:
            raise store_error(f"cannot create session folder {path}", exc) from None
        meta = SessionMeta(
            id=session_id,
            created=_now(),
            pid=os.getpid(),
            input=input_description,
            model_id=model_id,
            owner=owner,
        )
        session = None
        try:
            session = ActiveSession(path, meta, self.keys)
            session.save_meta()
        except BaseException:
            # A full disk: no folder without its session.json (a "damaged" one), no lock held.
            if session is not None:
                session.close()
            shutil.rmtree(path, ignore_errors=True)
            raise
        return session

    def kept_audio_s(self, session_id: str) -> float:
        """Seconds of audio the store holds for a session (0 when it holds none or no session):
        what a failed dictation may tell the page was kept."""
        folder = self.root / session_id
        try:
            if (folder / AUDIO_PCM).exists():
                return extent(folder / AUDIO_PCM).plain_bytes / _BYTES_PER_SAMPLE / SAMPLE_RATE
            if (folder / AUDIO_WAV).exists():
                with Reader(self.keys, folder / AUDIO_WAV) as wav:
                    return float(sf.info(wav).duration)
        except (OSError, RuntimeError):
            pass
        return 0.0

    def sessions(self) -> list[SessionMeta]:
        """Every readable session, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.iterdir()):
            if (meta := _read_meta(path, self.keys)) is not None:
                found.append(meta)
        return found

    def meta(self, session_id: str) -> SessionMeta | None:
        """One session's description; None when it is missing or unreadable."""
        return _read_meta(self.root / session_id, self.keys)

    def recoverable(self) -> list[SessionMeta]:
        """Sessions still marked active whose recording process is gone."""
        return [m for m in self.sessions() if m.state == "active" and not self.in_use(m.id)]

    def autosaved(self, session_id: str) -> Autosave:
        """What an unfinished session had saved (read without taking it over)."""
        return _read_autosave(self.root / session_id / AUTOSAVE_FILE, self.keys)

    def resume(self, session_id: str) -> ActiveSession:
        """Take over an unfinished session (after a crash) to recover it."""
        path = self.root / session_id
        meta = _read_meta(path, self.keys)
        if meta is None:
            raise InputError(f"no dictation session {session_id!r} in {self.root}")
        if meta.state != "active":
            raise InputError(f"session {session_id} is already {meta.state}; nothing to recover")
        session = ActiveSession(path, meta, self.keys)
        # Half-written copies of the autosave or an output the dead process left (journal text
        # too): the complete files beside them are what counts.
        for leftover in path.glob(f".*{PART_SUFFIX}"):
            leftover.unlink(missing_ok=True)
        return session

    def delete(self, session_id: str, *, damaged: bool = False, audit: AuditLog | None = None,
               actor: str = "") -> None:
        """Remove a session and everything in it (`damaged`: also a folder whose session.json
        cannot be read). The session's lock is held until it is gone, so no process can take it
        over halfway. With `audit`, `dictation.discarded` is written first: no entry, no
        deletion."""
        path = self.root / session_id
        named = NoteId.match(session_id)
        damaged_folder = damaged and named is not None and named.is_session and path.is_dir()
        if not damaged_folder and _read_meta(path, self.keys) is None:
            raise InputError(f"no dictation session {session_id!r} in {self.root}")
        try:
            with _locked(path / LOCK_FILE):
                if audit is not None:
                    audit.record("dictation.discarded", actor=actor, session_id=session_id)
                shutil.rmtree(path)
        except BlockingIOError:
            raise InputError(
                f"session {session_id} is being recorded by another process"
            ) from None

    def in_use(self, session_id: str) -> bool:
        """A process holds the session (it is being recorded or recovered right now)."""
        lock = self.root / session_id / LOCK_FILE
        if not lock.exists():  # nobody ever held it; checking must not create it
            return False
        try:
            with _locked(lock):
                return False
        except BlockingIOError:
            return True


class ActiveSession:
    """A session this process holds (its lock is taken for as long as the object is open)."""

    def __init__(self, path: Path, meta: SessionMeta, keys: Keyring) -> None:
        self.path = path
        self.meta = meta
        self.keys = keys
        self._lock_fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise InputError(f"session {meta.id} is in use by another diktat process") from None
        self._audio: Appender | None = None
        self._io = threading.Lock()  # the capture thread appends while the main thread finishes
        self._accepting = True  # audio may be appended (until finish or close)
        self._last_fsync = time.monotonic()
        self.samples_written = self._existing_samples()

    @property
    def id(self) -> str:
        return self.meta.id

    def save_meta(self, **changes) -> None:
        self.meta = self.meta.model_copy(update=changes)
        self._write_atomic(SESSION_FILE, self.meta.model_dump_json(indent=2) + "\n")

    def append_audio(self, samples: np.ndarray) -> int:
        """Append float32 16 kHz mono samples to disk now; returns the total on disk."""
        # x 32768 and back (as stt.audio decodes) returns 16-bit input bit for bit.
        pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()
        with self._io:
            if not self._accepting:
                raise OutputError(f"session {self.id} is closed; no more audio can be added")
            try:
                if self._audio is None:
                    self._audio = Appender(self.keys, self.path / AUDIO_PCM)
                self._audio.append(pcm)
                if time.monotonic() - self._last_fsync >= FSYNC_INTERVAL_S:
                    self._audio.fsync()
                    self._last_fsync = time.monotonic()
            except OSError as exc:
                raise store_error(f"cannot save dictation audio in {self.path}", exc) from None
            self.samples_written += len(samples)
            return self.samples_written

    def read_audio(self, start_s: float = 0.0, end_s: float | None = None) -> np.ndarray:
        """The session's audio from `start_s` on (up to `end_s`), float32 16 kHz mono."""
        start = max(0, round(start_s * SAMPLE_RATE))
        end = self.samples_written if end_s is None else min(self.samples_written,
                                                              round(end_s * SAMPLE_RATE))
        pcm_path = self.path / AUDIO_PCM
        if pcm_path.exists():
            with Reader(self.keys, pcm_path) as f:
                f.seek(start * _BYTES_PER_SAMPLE)
                data = f.read(max(0, end - start) * _BYTES_PER_SAMPLE)
            return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
        if (self.path / AUDIO_WAV).exists():
            with Reader(self.keys, self.path / AUDIO_WAV) as wav:
                samples, _ = sf.read(wav, dtype="float32", start=start,
                                     stop=None if end_s is None else end)
            return samples
        return np.zeros(0, dtype=np.float32)

    def autosave(self, state: Autosave) -> None:
        self._write_atomic(AUTOSAVE_FILE, state.model_dump_json() + "\n")

    def load_autosave(self) -> Autosave:
        return _read_autosave(self.path / AUTOSAVE_FILE, self.keys)

    def finish(self, *, transcript_json: str, text: str, note: SessionNote | None = None,
               state: SessionState = "finished", preview: str | None = None) -> FinishedFiles:
        """Write the final outputs (transcript, text, the note if one was made, the live
        preview if the text is another) and audio.wav, drop the working files, and mark the
        session `state`."""
        files = {TRANSCRIPT_JSON: transcript_json, TEXT_TXT: text}
        if preview is not None:
            files[PREVIEW_TXT] = preview
        if note is not None:
            files |= {NOTE_TXT: note.text, NOTE_JSON: note.json}
        with self._io:
            self._accepting = False
            self._sync_audio()
        written = {name: self._write_atomic(name, content) for name, content in files.items()}
        written[AUDIO_WAV] = self._write_wav()
        for working in (AUDIO_PCM, AUTOSAVE_FILE):
            with contextlib.suppress(FileNotFoundError):
                (self.path / working).unlink()
        self.save_meta(state=state, finished=_now())
        self.close()
        return FinishedFiles(self.path, tuple(written.values()),
                             note.text if note is not None else None)

    def close(self) -> None:
        """Release the files and the lock (the session stays as it is on disk)."""
        with self._io:
            self._accepting = False
            try:
                self._sync_audio()
            finally:  # a failed fsync must not keep the files or the lock open
                if self._audio is not None:
                    self._audio.close()
                    self._audio = None
                if self._lock_fd >= 0:
                    os.close(self._lock_fd)
                    self._lock_fd = -1

    def _sync_audio(self) -> None:
        if self._audio is not None:
            self._audio.fsync()

    def _existing_samples(self) -> int:
        """Samples in the whole records on disk (a record torn by a crash is not counted, and
        the next append cuts it off)."""
        pcm_path = self.path / AUDIO_PCM
        if not pcm_path.exists():
            return 0
        return extent(pcm_path).plain_bytes // _BYTES_PER_SAMPLE

    def _write_wav(self) -> Path:
        target = self.path / AUDIO_WAV
        if not (self.path / AUDIO_PCM).exists() and target.exists():
            return target  # an earlier finish got this far
        wav = io.BytesIO()
        sf.write(wav, self.read_audio(), SAMPLE_RATE, subtype="PCM_16", format="WAV")
        try:
            return write_stream(self.keys, target, [wav.getbuffer()])
        except OSError as exc:
            raise store_error(f"cannot write {target}", exc) from None

    def _write_atomic(self, name: str, text: str) -> Path:
        target = self.path / name
        try:
            return write_document(self.keys, target, text, sync_dir=True)
        except OSError as exc:
            raise store_error(f"cannot write {target}", exc) from None


def _read_meta(path: Path, keys: Keyring) -> SessionMeta | None:
    try:
        return SessionMeta.model_validate_json(read_file(keys, path / SESSION_FILE))
    except (OSError, OutputError, ValueError, ValidationError):
        return None


def _read_autosave(path: Path, keys: Keyring) -> Autosave:
    try:
        return Autosave.model_validate_json(read_file(keys, path))
    except (OSError, OutputError, ValueError, ValidationError):
        # Missing or damaged costs only time: the audio is transcribed again from the start.
        return Autosave()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)


def _private_dir(path: Path) -> None:
    try:
        private_dir(path)
    except OSError as exc:
        raise OutputError(f"cannot create the session store {path}: {exc.strerror}") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
