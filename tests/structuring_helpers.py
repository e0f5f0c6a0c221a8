"""What the structuring tests share: a note that must hold every value it reads (the grounding
validator dropped nothing), and its administrations as rows."""

from __future__ import annotations

from diktat.structuring.note import JournalNote
from diktat.structuring.pipeline import structure


def grounded_note(text: str) -> JournalNote:
    note = structure(text)
    assert note.dropped == (), note.dropped  # the validator reads each value the same way
    return note


def dose_rows(text: str) -> list[tuple]:
    """(drug, dose, unit, time, status) of each administration, in order."""
    return [(m.drug, m.dose, m.unit, m.time, m.status) for m in grounded_note(text).medications]
