"""Dictation-style notes (tests/data/dictations/*.txt) → the values in their *.expected.json.

Each expected file lists every content field the note must have; a field it leaves out must be
empty in the note, so an invented value fails as surely as a missed one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diktat.structuring.note import JournalNote
from diktat.structuring.pipeline import load_transcript, structure

DICTATIONS = Path(__file__).parent / "data" / "dictations"
CASES = sorted(DICTATIONS.glob("*.txt"))
VITALS = ("blood_pressure", "pulse", "temperature", "spo2", "respiratory_rate", "consciousness")


def _texts(statements) -> list[str]:
    return [s.text for s in statements]


def _note(path: Path) -> JournalNote:
    return structure(load_transcript(path), source_file=path.name)


def test_there_are_enough_dictations():
    assert len(CASES) >= 6
    assert all(p.with_suffix(".expected.json").is_file() for p in CASES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fields(path: Path):
    note = _note(path)
    exp = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert note.is_empty == exp["empty"]

    vitals = exp.get("vital_signs", {})
    for kind in VITALS:
        got = [v.model_dump(mode="json", exclude={"evidence", "unit"}, exclude_none=True)
               for v in getattr(note.vital_signs, kind)]
        assert got == vitals.get(kind, []), kind
    news2 = note.vital_signs.news2
    assert (news2.total if news2 else None) == vitals.get("news2")

    meds = [
        {"drug": m.drug, "drug_as_said": m.drug_as_said, "dose": m.dose, "unit": m.unit,
         "route": m.route, "time": m.time, "status": m.status,
         "reason": m.reason and m.reason.text, "effect": m.effect and m.effect.text}
        for m in note.medications
    ]
    assert meds == exp.get("medications", [])

    obs = [{"area": o.area.value, "negated": o.negated, "text": o.text}
           for o in note.observations]
    assert obs == exp.get("observations", [])

    for section in ("situation", "measures", "evaluation", "plan"):
        assert _texts(getattr(note, section)) == exp.get(section, []), section

    if note.message is None:
        assert exp.get("message") is None
    else:
        msg = {"recipient": note.message.recipient,
               **{p: _texts(getattr(note.message, p)) for p in note.message.PARTS}}
        assert msg == exp["message"]

    devs = [{"kind": d.kind, "text": d.text} for d in note.deviations]
    assert devs == exp.get("deviations", [])


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_value_is_grounded_verbatim(path: Path):
    transcript = load_transcript(path)
    note = _note(path)
    assert note.dropped == ()
    text = transcript.text
    evidence = _all_evidence(note.model_dump())
    assert evidence or note.is_empty
    for ev in evidence:
        assert text[ev["start"] : ev["end"]] == ev["quote"]


def _all_evidence(obj) -> list[dict]:
    if isinstance(obj, dict):
        found = [obj] if set(obj) == {"start", "end", "quote"} else []
        return found + [e for v in obj.values() for e in _all_evidence(v)]
    if isinstance(obj, list | tuple):
        return [e for v in obj for e in _all_evidence(v)]
    return []


def test_chit_chat_invents_nothing():
    note = _note(DICTATIONS / "07_pratprat.txt")
    assert note.is_empty
    assert note.vital_signs.news2 is None
    assert note.message is None and not note.medications and not note.observations
    assert note.unclassified  # kept, but not part of the note
