"""The base of the evaluation's pydantic result models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class FrozenResult(BaseModel):
    """Frozen, strict, and readable back from its own JSON (computed fields are serialised;
    reading the JSON back ignores them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _ignore_computed(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in cls.model_computed_fields}
        return data
