"""Request and response bodies of the HTTP API (pydantic), shared by routers and tests."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from diktat.errors import InputError
from diktat.server.jobqueue import JobStatus
from diktat.store.drafts import bounded
from diktat.store.names import NoteId, NoteKind

ResponseFormat = Literal["json", "text", "srt", "vtt", "verbose_json"]
Granularity = Literal["word", "segment"]


class TranscriptionRequest(BaseModel):
    """The form fields of POST /v1/audio/transcriptions (the file travels beside it)."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(default="whisper-1", description="Accepted and ignored: one model is loaded")
    language: str = Field(default="no", pattern=r"^[a-z]{2,3}$")
    prompt: str | None = Field(default=None, max_length=1000)
    response_format: ResponseFormat = "json"
    temperature: float = Field(default=0.0, ge=0.0, le=1.0)
    timestamp_granularities: tuple[Granularity, ...] = ("segment",)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class LiveLoad(BaseModel):
    """The live dictations now, how many the engine keeps within the committed-lag ceiling
    (`max_commit_lag_s`), and the measurements that figure rests on."""

    sessions: int
    capacity: int
    ceiling_s: float
    decode_delay_s: float | None  # median over the recent live windows; None without any
    window_decode_s: float | None  # one live window on the idle engine, measured at start
    document_rtf: float  # document decode seconds per second of audio (0: off)
    calibrated: bool  # the start's measurement is done
    measuring: bool  # the start's measurement is still running (capacity = max_streams until)


class JobsLoad(BaseModel):
    """Where upload jobs are transcribed: the server's own engine or Ray actors."""

    engine: Literal["server", "ray"]
    workers: int
    waiting: int


class Version(BaseModel):
    diktat: str
    asr_model: str
    asr_model_sha256: str | None
    structurer: str
    live: LiveLoad
    jobs: JobsLoad


class JobCreated(BaseModel):
    id: str
    status: JobStatus
    filename: str


class JobState(JobCreated):
    progress: float = Field(ge=0.0, le=1.0)
    error: str | None = None
    transcript: dict[str, Any] | None = None
    note_id: str | None = None
    note_kind: NoteKind | None = None
    note: dict[str, Any] | None = None
    note_text: str | None = None


class StructureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=200_000)
    session_id: str | None = Field(default=None, max_length=64)
    # A note made from text earlier and now made again (edited text): it keeps its id, so its
    # draft and approval stay one note.
    note_id: str | None = Field(default=None, max_length=64)

    @field_validator("note_id")
    @classmethod
    def _text_note_id(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                named = NoteId.parse(value)
            except InputError as exc:
                raise ValueError(str(exc)) from None
            if named.is_session:
                raise ValueError("note_id names a note made from text; a dictation's note is "
                                 "made again with session_id")
        return value


class StructureResponse(BaseModel):
    note_id: str
    note_kind: NoteKind  # the page never works the kind out from the id
    note: dict[str, Any]
    text: str  # the note as EPJ text
    note_text: str  # the same, under the name the WebSocket's done message uses
    uncertain: list[dict[str, Any]]


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: dict[str, Any]
    text: str = Field(max_length=200_000)
    # Who approved, for the audit log: a user name or id, not free text.
    user: str | None = Field(default=None, pattern=r"^[\w.@ -]{1,64}$")
    # The page's edit time (`NoteDraft.edited_at`) of the state approved: a draft edited later
    # is kept.
    edited_at: int | None = Field(default=None, ge=0)

    @field_validator("note")
    @classmethod
    def _bounded_depth(cls, value: dict[str, Any]) -> dict[str, Any]:
        return bounded(value)


class ApproveResponse(BaseModel):
    note_id: str
    approved_at: str


class Me(BaseModel):
    """Who is signed in (the page shows it), and the session's CSRF token for its changes."""

    sign_in: bool  # the server signs users in (else: the local user, or the shared token)
    kind: str  # person | local | token
    role: str  # nurse | operator
    username: str
    name: str
    csrf: str | None = None
    expires_at: int | None = None  # Unix time the sign-in ends


class InventoryItem(BaseModel):
    """One item of the store for the operator: never its content or its owner."""

    id: str
    kind: str  # session | note | upload
    state: str
    changed_at: str
    size_bytes: int
    deletes_at: str | None = None
    rule: str | None = None  # approved | unapproved


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(pattern=r"^[\w.@ -]{1,64}$")  # the colleague's user name


class DraftSummaryShared(BaseModel):
    note_id: str
    shared_with: int  # colleagues the draft is now handed over to


class DraftSaved(BaseModel):
    note_id: str
    saved_at: str
    superseded: bool = False  # a newer edit of this note was already stored; this one was not
