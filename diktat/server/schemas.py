"""Request and response bodies of the HTTP API (pydantic), shared by routers and tests."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from diktat.server.jobqueue import JobStatus

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


class Version(BaseModel):
    diktat: str
    asr_model: str
    asr_model_sha256: str | None
    structurer: str


class JobCreated(BaseModel):
    id: str
    status: JobStatus
    filename: str


class JobState(JobCreated):
    progress: float = Field(ge=0.0, le=1.0)
    error: str | None = None
    transcript: dict[str, Any] | None = None
    note_id: str | None = None
    note: dict[str, Any] | None = None
    note_text: str | None = None


class StructureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=200_000)
    session_id: str | None = Field(default=None, max_length=64)
    # A note made from text earlier and now made again (edited text): it keeps its id, so its
    # draft and approval stay one note.
    note_id: str | None = Field(default=None, pattern=r"^t-[0-9a-f]{16}$")


class StructureResponse(BaseModel):
    note_id: str
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


class ApproveResponse(BaseModel):
    note_id: str
    approved_at: str


class NoteDraft(BaseModel):
    """What the page is working on for one note: the transcript, the note as edited, the EPJ
    text, the marked words, and whether the text changed since the note was made."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=200_000)
    note: dict[str, Any] | None = None
    epj: str = Field(default="", max_length=200_000)
    uncertain: list[dict[str, Any]] = Field(default_factory=list, max_length=5_000)
    stale: bool = False
    # When the page made this state (its clock, ms): a save that arrives after a newer one
    # (two requests in flight as the page is left) does not overwrite it.
    edited_at: int | None = Field(default=None, ge=0)


class StoredDraft(NoteDraft):
    note_id: str
    saved_at: str


class DraftSaved(BaseModel):
    note_id: str
    saved_at: str
    superseded: bool = False  # a newer edit of this note was already stored; this one was not


class DraftSummary(BaseModel):
    """One unapproved draft in the list the page offers to reopen."""

    note_id: str
    saved_at: str
    preview: str  # the first words of the transcript or the EPJ text
    # When retention deletes it unless it is changed or approved before (at the latest).
    deletes_at: str | None = None
