"""Coverage as the evaluation measures it, from a note's evidence and its rendered text (not read
from the note's own ``coverage`` count): is every word of the transcript placed in a section or
shown under «Ikke plassert – les og plasser»?"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from pydantic import computed_field

from diktat.eval.results import FrozenResult
from diktat.structuring.coverage import GLUE, words
from diktat.structuring.note import Evidence, JournalNote
from diktat.structuring.render import render_text

__all__ = ["CoverageCount", "coverage"]


class CoverageCount(FrozenResult):
    """Words of the transcript: inside a placed item's evidence, inside a shown «Ikke plassert»
    statement, or outside both but *implied* — a joining word ("og", "hun", "kl") or a word the
    rendered text shows anyway (a dictated heading such as "Tiltak:"). The rest are hidden."""

    words: int = 0
    placed: int = 0
    shown_unplaced: int = 0
    implied: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hidden(self) -> int:
        return self.words - self.placed - self.shown_unplaced - self.implied

    @computed_field  # type: ignore[prop-decorator]
    @property
    def visible_share(self) -> float | None:
        return (self.words - self.hidden) / self.words if self.words else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def placed_share(self) -> float | None:
        """Words in a section (implied ones included): all but the unplaced and hidden."""
        return (self.placed + self.implied) / self.words if self.words else None


def _evidence(obj: Any) -> Iterator[Evidence]:
    if isinstance(obj, tuple):
        for x in obj:
            yield from _evidence(x)
    elif isinstance(obj, Evidence):
        yield obj
    elif hasattr(type(obj), "model_fields"):
        for name in type(obj).model_fields:
            yield from _evidence(getattr(obj, name))


def coverage(note: JournalNote, text: str) -> CoverageCount:
    placed = [e for name in JournalNote.CONTENT_FIELDS for e in _evidence(getattr(note, name))]
    rendered = render_text(note).casefold()
    shown_text = " ".join(rendered.split())
    shown = [st.evidence for st in note.unclassified
             if " ".join(st.text.casefold().split()) in shown_text]
    rendered_words = {w.group() for w in words(rendered)}

    def inside(spans: list[Evidence], start: int, end: int) -> bool:
        return any(e.start <= start and end <= e.end for e in spans)

    counts = Counter[str]()
    for w in words(text):
        counts["words"] += 1
        if inside(placed, w.start(), w.end()):
            counts["placed"] += 1
        elif inside(shown, w.start(), w.end()):
            counts["shown_unplaced"] += 1
        elif w.group().casefold() in GLUE or w.group().casefold() in rendered_words:
            counts["implied"] += 1
    return CoverageCount(**counts)
