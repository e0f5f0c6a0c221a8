"""What the server shares between requests, built once from Settings when it starts.

One engine (behind `SharedEngine`'s fair slots, one per worker), one structuring backend, the
session store, the note drafts, the audit log, the upload job queue, the live-stream slots and
the hourly retention round; what is kept lives in `diktat.store`.
Routers get this object from `app.state.services` and hand it plain values — the engine never
sees a FastAPI object.

`start` (the app's startup) picks up what a stopped or killed server left: sessions still
marked active whose process is gone are audited as interrupted at once and recovered in a
background thread (the audio after the last autosave transcribed again, as `diktat dictate
--recover` does), each kept as a draft marked recovered and audited; parked upload jobs are
queued again under their ids. `begin_shutdown` tells live dictations that the server stops (they
finish and keep their draft); `close` stops the workers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from diktat.auth.oidc import OidcClient
from diktat.auth.signin import SignIns
from diktat.config import Settings
from diktat.errors import ConfigError, OutputError
from diktat.server.engine import Engine, SharedEngine, live_capacity
from diktat.server.jobqueue import Job, JobQueue
from diktat.server.schemas import JobsLoad, LiveLoad
from diktat.server.uploads import decode_upload
from diktat.store.apikeys import ApiKeys
from diktat.store.audit import AuditLog, AuditUnwritable, actor_for
from diktat.store.drafts import DraftStore, NoteDraft
from diktat.store.keys import KeyCreated, using_store
from diktat.store.names import NoteId
from diktat.store.notes import NoteStore
from diktat.store.retention import PeriodicPrune
from diktat.store.sealed import Keyring
from diktat.store.sessions import SessionNote, SessionStore
from diktat.store.uploads import open_upload, parked, purge
from diktat.store.users import UserDirectory
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import JournalNote
from diktat.structuring.options import llm_options
from diktat.structuring.pipeline import Structurer, load_backend, structure
from diktat.structuring.render import render
from diktat.stt.audio import SAMPLE_RATE, bundled_sample, load_audio
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.commands import VoiceCommand, load_commands
from diktat.stt.streaming.processor import streaming_decode_options
from diktat.stt.streaming.recovery import recover
from diktat.types import Transcript

log = logging.getLogger(__name__)
# Seconds of the bundled sample timed at start: a live window of typical length.
CALIBRATION_S = 12


class StreamSlots:
    """At most `limit` live dictations at once (each holds a thread and a session), and no
    more than the engine keeps within the committed-lag ceiling (`live_capacity`)."""

    def __init__(self, limit: int, engine: SharedEngine, ceiling_s: float, *,
                 measured: bool) -> None:
        self.limit = limit
        self.measured = measured  # the capacity is measured at start (else fixed at `limit`)
        self.engine = engine
        self.ceiling_s = ceiling_s
        self.active = 0
        self._lock = threading.Lock()

    def capacity(self) -> int:
        return live_capacity(sessions=self.active, meter=self.engine.load,
                             workers=self.engine.workers, ceiling_s=self.ceiling_s,
                             limit=self.limit)

    def load(self) -> LiveLoad:
        meter = self.engine.load
        delay = meter.delay_s()
        return LiveLoad(
            sessions=self.active, capacity=self.capacity(), ceiling_s=self.ceiling_s,
            decode_delay_s=None if delay is None else round(delay, 3),
            window_decode_s=None if meter.window_s is None else round(meter.window_s, 3),
            document_rtf=round(meter.document_rtf, 3), calibrated=meter.calibrated,
            measuring=self.measured and not meter.calibrated)

    def acquire(self) -> bool:
        with self._lock:
            if self.active >= self.capacity():
                return False
            self.active += 1
            self.engine.live_sessions = self.active
            return True

    def release(self) -> None:
        with self._lock:
            self.active -= 1
            self.engine.live_sessions = self.active


class Structuring:
    """The one structuring backend, loaded once for every request ('auto': the rules when the
    LLM is missing), called one at a time: an LLM backend is not thread-safe."""

    def __init__(self, structurer: Structurer, lexicon: Lexicon) -> None:
        self.structurer = structurer
        self.lexicon = lexicon
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        return self.structurer.name

    def structure(self, transcript: Transcript | str) -> JournalNote:
        with self._lock:
            return structure(transcript, structurer=self.structurer, lexicon=self.lexicon)


def _open_job_engine(settings: Settings) -> JobEngine | None:
    """The Ray actors upload jobs run on (`[server] job_ray`), or None for the server's engine."""
    address = settings.server.job_ray.strip()
    if not address:
        return None
    try:
        from diktat.stt.ray_engine import RayEngine  # Ray is imported only when asked for
    except ImportError:
        raise ConfigError("[server] job_ray needs Ray on this machine: pip install '.[ray]'") \
            from None
    return RayEngine.open(settings, address)


class JobEngine(Protocol):
    """Where upload jobs are transcribed instead of the server's engine (`[server] job_ray`:
    `diktat.stt.ray_engine.RayEngine`)."""

    workers: int

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript: ...

    def close(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    engine: SharedEngine
    decode: DecodeOptions
    store: SessionStore
    structuring: Structuring
    notes: NoteStore
    drafts: DraftStore
    audit: AuditLog
    commands: tuple[VoiceCommand, ...]
    uploads_dir: Path
    streams: StreamSlots
    keys: Keyring
    # The store's shared lock, held while the server runs (`diktat store rotate-key` waits).
    store_lock: contextlib.ExitStack
    users: UserDirectory
    api_keys: ApiKeys
    signins: SignIns
    oidc: OidcClient | None  # None without sign-in
    job_engine: JobEngine | None = None  # None: jobs run on `engine`
    jobs: JobQueue = field(init=False)
    retention: PeriodicPrune = field(init=False)
    stopping: bool = field(init=False, default=False)  # the server is shutting down
    recovery: threading.Thread | None = field(init=False, default=None)
    calibration: threading.Thread | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.jobs = JobQueue(self.settings.server.job_queue, self.run_job,
                             workers=self.job_engine.workers if self.job_engine else 1)
        self.retention = PeriodicPrune(self.settings, self.keys, actor="system:retention",
                                       audit=self.audit)
        self.retention.start()

    def start(self) -> None:
        """Pick up what an earlier run left: audit its interrupted sessions and recover them in
        the background (they appear among the drafts when done); queue its parked jobs again."""
        if not self.settings.server.live_capacity:
            self.calibration = threading.Thread(target=self._calibrate, name="diktat-calibrate",
                                                daemon=True)
            self.calibration.start()
        interrupted = self.store.recoverable()
        for meta in interrupted:
            self.audit.record("dictation.interrupted", actor="system:recovery",
                              session_id=meta.id,
                              audio_s=round(self.store.kept_audio_s(meta.id), 2))
        for waiting in parked(self.uploads_dir, self.keys):
            job = Job(filename="", path=waiting.path, content_type=waiting.content_type,
                      id=waiting.job_id, created=waiting.created, owner=waiting.owner,
                      actor=waiting.actor)
            self.audit.record("job.resumed", actor="system:recovery", job_id=job.id)
            self.jobs.submit(job, resumed=True)
        if interrupted:
            self.recovery = threading.Thread(
                target=self._recover_all, args=([m.id for m in interrupted],),
                name="diktat-recovery", daemon=True)
            self.recovery.start()

    def _calibrate(self) -> None:
        """Measure what a live session costs on the idle engine (a window and the document
        decode of the bundled sample, `SharedEngine.calibrate`); live sessions are admitted up
        to `max_streams` meanwhile."""
        try:
            sample = load_audio(bundled_sample()).samples[: CALIBRATION_S * SAMPLE_RATE]
            document = self.decode if self.settings.dictate.document else None
            self.engine.calibrate(sample, streaming_decode_options(self.decode), document)
        except Exception as exc:  # noqa: BLE001 - the server serves on without the figure
            log.warning("the live capacity could not be measured (max_streams applies): %s",
                        type(exc).__name__)
            self.streams.measured = False

    def _recover_all(self, session_ids: list[str]) -> None:
        for session_id in session_ids:
            if self.stopping:
                return  # left active: the next start recovers it
            try:
                self.recover_session(session_id)
            except Exception as exc:  # noqa: BLE001 - one damaged session must not stop the rest
                log.warning("session %s could not be recovered: %s", session_id,
                            type(exc).__name__)
                with contextlib.suppress(OutputError):
                    self.audit.record("dictation.failed", actor="system:recovery",
                                      session_id=session_id, error_type=type(exc).__name__)

    def recover_session(self, session_id: str) -> None:
        """Finish a session a dead process left (as `diktat dictate --recover`), keep its note
        as a draft (listed as recovered), and audit it."""
        session = self.store.resume(session_id)
        try:
            made: list[JournalNote] = []

            def make_note(transcript: Transcript) -> SessionNote:
                made.append(self.structuring.structure(transcript))
                return SessionNote(render(made[-1], "text"), render(made[-1], "json"))

            result = recover(session, self.engine, decode=self.decode, commands=self.commands,
                             make_note=make_note)
        finally:
            session.close()
        note = made[-1] if made else self.structuring.structure(result.transcript)
        self.keep_draft(result.session_id, result.text, note)
        self.audit.record(
            "dictation.recovered", actor="system:recovery", session_id=result.session_id,
            note_id=result.session_id, asr_model=result.transcript.model_id,
            asr_model_sha256=result.transcript.model_sha256,
            structurer=self.structuring.backend, audio_s=round(result.transcript.duration, 2),
            stopped_by="recovery",
        )

    def keep_draft(self, session_id: str, text: str, note: JournalNote) -> None:
        """Keep a dictation's note as the session's draft (listed on the page), when no page
        may be there to save it; a full disk is logged (the session's files hold the text)."""
        draft = NoteDraft(
            text=text, note=note.model_dump(mode="json"), epj=render(note, "text", review=False),
            uncertain=[w.model_dump(mode="json") for w in note.uncertain_words],
        )
        meta = self.store.meta(session_id)
        try:
            self.drafts.save(NoteId("session", session_id), draft,
                             owner=meta.owner if meta else "local")
        except OutputError as exc:
            log.warning("dictation %s: its draft could not be kept: %s", session_id, exc)

    def begin_shutdown(self) -> None:
        """The server stops: live dictations finish and keep their drafts; no new recovery."""
        self.stopping = True

    @property
    def actor(self) -> str:
        return actor_for(self.settings.server.token)

    @classmethod
    def build(cls, settings: Settings, engine: Engine | None = None) -> Services:
        """Load the models (unless `engine` is given, e.g. by tests) and open the stores."""
        from diktat.stt.factory import decode_options, load_engine

        lexicon = Lexicon.builtin()
        store_lock = contextlib.ExitStack()
        with store_lock:  # released here only when building fails; else by `close`
            keys = store_lock.enter_context(using_store(settings, on_created=_announce_key))
            sessions = settings.session_store_dir
            text_notes = settings.notes_store_dir
            structuring = Structuring(
                load_backend(settings.structuring.backend, lexicon, llm_options(settings)),
                lexicon)
            # Uploads wait for their turn here (0700, beside the sessions: journal material
            # too). A fixed folder, emptied at start, so audio a killed server left does not
            # linger.
            uploads = settings.uploads_dir
            purge(uploads, keys)
            loaded = engine if engine is not None else load_engine(settings, live=True)
            window_batch = settings.server.window_batch or (
                32 if getattr(loaded, "device", "cpu") == "cuda" else 8)
            shared = SharedEngine(loaded, window_batch=window_batch)
            job_engine = _open_job_engine(settings)
            try:
                services = cls(
                    settings=settings,
                    engine=shared,
                    decode=decode_options(settings.asr),
                    store=SessionStore(sessions, keys),
                    structuring=structuring,
                    notes=NoteStore(sessions, text_notes, keys),
                    drafts=DraftStore(sessions, text_notes, keys),
                    audit=AuditLog(settings.audit_log_path),
                    commands=load_commands(settings.dictate.commands),
                    uploads_dir=uploads,
                    streams=StreamSlots(
                        min(settings.server.max_streams,
                            settings.server.live_capacity or settings.server.max_streams),
                        shared, settings.server.max_commit_lag_s,
                        measured=not settings.server.live_capacity),
                    keys=keys,
                    store_lock=store_lock.pop_all(),
                    users=UserDirectory(settings.users_dir, keys),
                    api_keys=ApiKeys(settings.users_dir, keys),
                    signins=SignIns(settings.auth.session_minutes * 60),
                    oidc=OidcClient(settings.auth) if settings.auth.enabled else None,
                    job_engine=job_engine,
                )
            except BaseException:
                if job_engine is not None:
                    job_engine.close()
                raise
        return services

    def transcribe(self, samples: np.ndarray, decode: DecodeOptions | None = None) -> Transcript:
        return self.engine.transcribe(samples, decode or self.decode)

    def jobs_load(self) -> JobsLoad:
        engine = self.job_engine
        return JobsLoad(engine="ray" if engine is not None else "server",
                        workers=engine.workers if engine is not None else 1,
                        waiting=self.jobs.waiting)

    def run_job(self, job: Job) -> None:
        """The job worker's task: decode, transcribe, structure, audit (no content logged)."""
        try:
            self._run_job(job)
        except Exception as exc:
            self.audit.record("job.failed", actor=job.actor, job_id=job.id,
                              error_type=type(exc).__name__)
            raise

    def _run_job(self, job: Job) -> None:
        """Decode, transcribe, structure; the note is kept in the store as an unapproved draft
        (job results live in memory only until the server restarts, the draft until it is
        approved or discarded), so a reload or a restart loses no finished recording."""
        with open_upload(self.keys, job.path) as upload:
            audio = decode_upload(upload, content_type=job.content_type,
                                  max_duration_s=self.settings.server.max_duration_s)
        job.progress = 0.1
        if self.job_engine is not None:
            transcript = self.job_engine.transcribe(audio.samples, self.decode)
        else:
            transcript = self.transcribe(audio.samples)
        job.progress = 0.8
        note = self.structuring.structure(transcript)
        job.note_id = note_id = self.notes.note_id_for(None)
        job.transcript = transcript.model_dump(mode="json")
        job.note = note.model_dump(mode="json")
        job.note_text = render(note, "text", review=False)
        draft = NoteDraft(
            text=transcript.text, note=job.note, epj=job.note_text,
            uncertain=[w.model_dump(mode="json") for w in note.uncertain_words],
        )
        try:
            self.drafts.save(note_id, draft, owner=job.owner)
        except OutputError as exc:
            # The result still reaches the page; its own save then says the disk is full.
            log.warning("job %s: its note could not be kept as a draft: %s", job.id, exc)
        try:
            self.audit.record(
                "job.done", actor=job.actor, job_id=job.id, note_id=note_id.value,
                asr_model=transcript.model_id, asr_model_sha256=transcript.model_sha256,
                structurer=self.structuring.backend, audio_s=round(transcript.duration, 2),
            )
        except AuditUnwritable:
            with contextlib.suppress(OutputError):  # nothing kept without its entry
                self.drafts.discard(note_id)
            raise

    def close(self) -> bool:
        """Stop the background work; True when none of it is still running (a decode that did
        not end in time keeps running in its native thread)."""
        self.stopping = True
        self.retention.stop()
        ended = self.jobs.close()
        if self.job_engine is not None:
            self.job_engine.close()
        if self.calibration is not None:  # its decode runs in CTranslate2's native threads
            self.calibration.join(timeout=5.0)
            ended = ended and not self.calibration.is_alive()
        ended = self.engine.close() and ended
        if self.recovery is not None:  # a recovery cut short stays recoverable
            self.recovery.join(timeout=5.0)
            ended = ended and not self.recovery.is_alive()
        purge(self.uploads_dir, self.keys)  # parked jobs stay for the next start
        self.store_lock.close()
        return ended


def _announce_key(created: KeyCreated) -> None:
    log.warning("A new master key for the journal store was made: %s. Back it up apart from "
                "the store: without it nothing in the store can be read.", created.path)
