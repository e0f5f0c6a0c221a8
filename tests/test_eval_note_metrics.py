"""Note metrics on real notes from the rules backend against the dictations' gold files."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from diktat.errors import InputError
from diktat.eval.note_metrics import (
    FIELDS,
    NoteMetrics,
    aggregate,
    evidence_counts,
    facts,
    gold_from_note,
    load_gold,
    score_note,
)
from diktat.structuring.note import Evidence, JournalNote, VitalSigns
from diktat.structuring.pipeline import load_transcript, structure
from diktat.structuring.vital_signs import Pulse
from diktat.types import Transcript

DICTATIONS = Path(__file__).parent / "data" / "dictations"
CASES = sorted(DICTATIONS.glob("*.txt"))
MORNING = DICTATIONS / "01_morgenbesok_hjemmetjeneste.txt"


def _gold(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def structured() -> dict[str, tuple[Transcript, JournalNote]]:
    out = {}
    for path in CASES:
        transcript = load_transcript(path)
        out[path.stem] = (transcript, structure(transcript, source_file=path.name))
    return out


def _score(structured, path: Path, gold: dict | None = None):
    transcript, note = structured[path.stem]
    return score_note(note, _gold(path) if gold is None else gold, transcript)


def test_rules_notes_score_high_and_report_every_field(structured):
    per_note = [_score(structured, path) for path in CASES]
    total = aggregate(per_note)
    assert total.notes == len(CASES)
    assert [f.field for f in total.fields] == list(FIELDS)
    assert total.total.f1 >= 0.9
    applicable = {f.field for f in total.fields if f.applicable}
    assert {"observations", "medications", "vital_signs.pulse", "message"} <= applicable
    for field in total.fields:
        assert field.applicable == (field.f1 is not None)
        assert field.missed == field.extra == ()  # listings are per note only
    assert total.evidence.values > 0
    assert total.evidence.mismatched == 0 and total.evidence.mismatched_rate == 0.0
    assert NoteMetrics.model_validate_json(total.model_dump_json()) == total


def test_gold_from_note_writes_the_gold_format(structured):
    for path in CASES:
        _, note = structured[path.stem]
        assert gold_from_note(note) == _gold(path), path.stem


def test_facts_of_a_gold_note():
    got = facts(_gold(MORNING))
    assert got["vital_signs.blood_pressure"] == ["140/80"]
    assert got["vital_signs.spo2"] == ["94 on oxygen 2 l/min"]
    assert got["vital_signs.temperature"] == ["37.5"]
    assert got["vital_signs.news2"] == ["3"]
    assert got["medications"] == ["Paracet | 1 | g | given"]
    assert got["observations"][0] == "pain | present | hun hadde vondt i hoften i morges"
    assert got["plan"] == ["ny måling av blodtrykk i morgen"]
    assert got["message"] == got["deviations"] == []


def test_texts_compare_after_normalisation(structured):
    gold = _gold(MORNING)
    gold["observations"][1]["text"] = "spiste en brødskive, til frokost!"
    gold["observations"][2]["text"] = "drakk to kopper kaffe"
    assert _score(structured, MORNING, gold).field("observations").f1 == 1.0


def test_a_wrong_gold_value_lowers_exactly_that_field(structured):
    right = _score(structured, MORNING)
    gold = copy.deepcopy(_gold(MORNING))
    gold["vital_signs"]["pulse"][0]["value"] = 99
    wrong = _score(structured, MORNING, gold)

    pulse = wrong.field("vital_signs.pulse")
    assert (pulse.tp, pulse.fp, pulse.fn) == (0, 1, 1)
    assert pulse.precision == pulse.recall == pulse.f1 == 0.0
    assert pulse.missed == ("99",) and pulse.extra == ("72",)
    for field in FIELDS:
        if field != "vital_signs.pulse":
            assert wrong.field(field) == right.field(field), field
    assert wrong.total.f1 < right.total.f1


def test_a_gold_without_a_value_lowers_precision_only(structured):
    gold = copy.deepcopy(_gold(MORNING))
    del gold["observations"][0]
    obs = _score(structured, MORNING, gold).field("observations")
    assert (obs.tp, obs.fp, obs.fn) == (2, 1, 0)
    assert obs.precision == 2 / 3 and obs.recall == 1.0


def test_empty_note_and_empty_gold_are_not_applicable():
    metrics = score_note(JournalNote(), {"empty": True}, "")
    assert all(not f.applicable and f.precision is f.recall is f.f1 is None
               for f in metrics.fields)
    assert metrics.total.f1 is None
    assert metrics.evidence.values == 0
    assert metrics.evidence.dropped_rate is None and metrics.evidence.mismatched_rate is None


def test_chit_chat_note_scores_not_applicable(structured):
    metrics = _score(structured, DICTATIONS / "07_pratprat.txt")
    assert not metrics.total.applicable


def test_tampered_evidence_is_counted(structured):
    transcript, note = structured[MORNING.stem]
    pulse = note.vital_signs.pulse[0]
    bad = pulse.model_copy(update={"evidence": pulse.evidence.model_copy(
        update={"quote": "puls nitti ni"})})
    tampered = note.model_copy(update={"vital_signs": note.vital_signs.model_copy(
        update={"pulse": (bad,)})})
    clean, counted = evidence_counts(note, transcript), evidence_counts(tampered, transcript)
    assert clean.mismatched == 0 and clean.mismatched_rate == 0.0
    assert counted.mismatched == 1
    assert counted.mismatched_rate == pytest.approx(1 / counted.values)


class _Inventing:
    """A backend that cites the pulse correctly but reports a value that was never said."""

    name = "rules"

    def structure(self, transcript: Transcript) -> JournalNote:
        text = transcript.text
        start = text.index("puls sytti to")
        evidence = Evidence(start=start, end=start + 13, quote="puls sytti to")
        return JournalNote(vital_signs=VitalSigns(pulse=(
            Pulse(value=72, evidence=evidence), Pulse(value=99, evidence=evidence))))


def test_values_the_validator_dropped_are_counted():
    text = MORNING.read_text(encoding="utf-8")
    note = structure(text, structurer=_Inventing())
    assert len(note.dropped) == 1
    counts = score_note(note, {"empty": False}, text).evidence
    assert (counts.values, counts.dropped) == (1, 1)
    assert counts.dropped_rate == 0.5


@pytest.mark.parametrize("gold, message", [
    ({"vitals": {}}, "unknown field"),
    ({"vital_signs": {"heart_rate": []}}, "unknown vital sign"),
    ({"medications": [{"dose": 1.0}]}, "'medications' is malformed"),
    ({"observations": "sov godt"}, "'observations' is malformed"),
    ({"medications": [{"drug": "Paracet", "dose": "sov godt"}]}, "'medications' is malformed"),
    ([], "expected a JSON object"),
])
def test_malformed_gold_is_an_input_error(gold, message):
    with pytest.raises(InputError, match=message) as err:
        facts(gold)
    assert "sov godt" not in str(err.value)  # no clinical content in messages


def test_load_gold(tmp_path: Path):
    assert load_gold(MORNING.with_suffix(".expected.json")) == _gold(MORNING)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable JSON"):
        load_gold(bad)
    with pytest.raises(InputError, match="no such gold file"):
        load_gold(tmp_path / "missing.json")
