"""What a streaming recogniser tells its listener: tentative, committed and final words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from diktat.types import Word

EventKind = Literal["tentative", "committed", "final"]


@dataclass(frozen=True)
class StreamEvent:
    """One change to the live transcript. Word times are seconds since the stream started.

    - ``tentative``: the current unstable tail after the committed text; it replaces the previous
      tentative tail (an event without words clears it). A final event clears it too.
    - ``committed``: words newly committed; append-only, never retracted.
    - ``final``: a finished utterance (after a pause, or at the end of input); its words are all
      the committed words of that utterance, every one of them already sent as committed.
    """

    kind: EventKind
    words: tuple[Word, ...]
    start: float
    end: float

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words).strip()


def event(kind: EventKind, words: tuple[Word, ...], at: float) -> StreamEvent:
    """An event spanning its words; one without words sits at time `at`."""
    if not words:
        return StreamEvent(kind, (), at, at)
    return StreamEvent(kind, words, words[0].start, words[-1].end)
