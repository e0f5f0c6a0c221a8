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


class ApproveResponse(BaseModel):
    note_id: str
    approved_at: str
