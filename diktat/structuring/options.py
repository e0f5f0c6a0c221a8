"""Frozen options for the LLM backend: where the models are and the ``[llm]`` settings.

Callers build them from their settings (`llm_options`), so a ``--models-dir`` given on the
command line reaches the backend; the backend itself reads no settings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from diktat.config import Settings


class LlmOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    models_dir: Path
    model: str | None = Field(
        default=None, description="Registry name or .gguf path; None = the registry's default LLM"
    )
    threads: int = Field(default=0, ge=0, description="CPU threads; 0 = number of cores")
    min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)


def llm_options(settings: Settings, model: str | None = None) -> LlmOptions:
    """The LLM options of `settings`; `model` (a command-line flag) replaces ``[llm] model``."""
    return LlmOptions(
        models_dir=settings.models_dir, model=model or settings.llm.model,
        threads=settings.llm.threads, min_confidence=settings.llm.min_confidence,
    )
