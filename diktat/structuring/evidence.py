"""Where a note's value was said: the frozen base of every note model, the evidence span and the
verbatim statement."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

TIME_PATTERN = r"^([01][0-9]|2[0-4]):[0-5][0-9]$"


class FrozenModel(BaseModel):
    """A note part: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(FrozenModel):
    """Where a value was said: ``Transcript.text[start:end] == quote``."""

    start: int = Field(ge=0, title="Start", description="Character offset in the transcript text")
    end: int = Field(ge=0, title="Slutt", description="Character offset after the quote")
    quote: str = Field(title="Sitat", description="The transcript text at start:end, verbatim")


class Statement(FrozenModel):
    """A free-text finding as said (verbatim or trimmed from its evidence)."""

    text: str = Field(title="Tekst", description="What was said, taken from the evidence")
    evidence: Evidence = Field(title="Belegg")
