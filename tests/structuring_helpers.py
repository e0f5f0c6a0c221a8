"""Shared by the structuring tests: a note whose measurements are checked against their
evidence, the values of one kind of measurement, a note that must hold every value it reads
(the grounding validator dropped nothing), and its administrations as rows."""

from __future__ import annotations

from diktat.structuring.note import JournalNote
from diktat.structuring.pipeline import structure


def note(text: str) -> JournalNote:
    """The rules' note of `text`: nothing hidden, and every measurement's quote is its span."""
    n = structure(text)
    assert n.coverage is not None and n.coverage.hidden == 0
    for kind in type(n.vital_signs).model_fields:
        for v in getattr(n.vital_signs, kind):
            assert text[v.evidence.start : v.evidence.end] == v.evidence.quote
    return n


def values(n: JournalNote, kind: str) -> list:
    return [v.value for v in getattr(n.vital_signs, kind)]


def grounded_note(text: str) -> JournalNote:
    n = structure(text)
    assert n.dropped == (), n.dropped  # the validator reads each value the same way
    return n


def dose_rows(text: str) -> list[tuple]:
    """(drug, dose, unit, time, status) of each administration, in order."""
    return [(m.drug, m.dose, m.unit, m.time, m.status) for m in grounded_note(text).medications]
