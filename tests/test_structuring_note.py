"""The note model (schema, JSON round trip, emptiness) and the NEWS2 table."""

from __future__ import annotations

import json
import re

import pytest

from diktat.structuring.news2 import (
    news2_score,
    score_pulse,
    score_respiratory_rate,
    score_spo2_scale1,
    score_systolic,
    score_temperature,
)
from diktat.structuring.note import Evidence, JournalNote, Statement, UncertainWord, VitalSigns
from diktat.structuring.pipeline import structure
from diktat.structuring.vital_signs import Pulse

EV = Evidence(start=0, end=4, quote="puls")


@pytest.mark.parametrize(
    ("fn", "cases"),
    [
        (score_respiratory_rate, {8: 3, 9: 1, 11: 1, 12: 0, 20: 0, 21: 2, 24: 2, 25: 3}),
        (score_spo2_scale1, {91: 3, 92: 2, 93: 2, 94: 1, 95: 1, 96: 0, 100: 0}),
        (score_systolic, {90: 3, 91: 2, 100: 2, 101: 1, 110: 1, 111: 0, 219: 0, 220: 3}),
        (score_pulse, {40: 3, 41: 1, 50: 1, 51: 0, 90: 0, 91: 1, 110: 1, 111: 2, 130: 2,
                       131: 3}),
        (score_temperature, {35.0: 3, 35.1: 1, 36.0: 1, 36.1: 0, 38.0: 0, 38.1: 1, 39.0: 1,
                             39.1: 2}),
    ],
)
def test_news2_bands(fn, cases):
    assert {value: fn(value) for value in cases} == cases


def test_news2_total_and_risk():
    calm = news2_score(respiratory_rate=16, spo2=97, on_oxygen=False, systolic=130, pulse=70,
                       consciousness="A", temperature=37.0)
    assert (calm.total, calm.risk) == (0, "low")
    single_red = news2_score(respiratory_rate=16, spo2=97, on_oxygen=False, systolic=130,
                             pulse=70, consciousness="V", temperature=37.0)
    assert (single_red.total, single_red.risk) == (3, "low-medium")
    medium = news2_score(respiratory_rate=22, spo2=95, on_oxygen=True, systolic=130, pulse=70,
                         consciousness="A", temperature=37.0)
    assert (medium.total, medium.risk) == (5, "medium")


def test_json_round_trip_keeps_everything():
    note = structure("BT 140/80, puls 72, temp 37,5, metning 96 % uten oksygen, RF 14. "
                     "Våken og klar. Ingen smerter. Fikk Paracet 1 g kl 08.")
    assert note.vital_signs.news2 is not None and note.vital_signs.news2.total == 0
    again = JournalNote.model_validate_json(note.model_dump_json())
    assert again == note
    assert again.vital_signs.news2 == note.vital_signs.news2


def test_is_empty():
    assert JournalNote().is_empty
    word = UncertainWord(word="puls", probability=0.2, evidence=EV)
    assert JournalNote(uncertain_words=(word,), warnings=("x",),
                       unclassified=(Statement(text="puls", evidence=EV),)).is_empty
    assert not JournalNote(vital_signs=VitalSigns(pulse=(Pulse(value=72, evidence=EV),))).is_empty


def test_models_are_frozen_and_strict():
    with pytest.raises(ValueError):
        Pulse(value=72, evidence=EV, invented_field=1)
    with pytest.raises(ValueError):
        Pulse(value=72, time="25:99", evidence=EV)
    note = JournalNote()
    with pytest.raises(ValueError):
        note.plan = ()


def test_schemas():
    schema = JournalNote.model_json_schema()
    assert schema["properties"]["observations"]["title"] == "Observasjoner"
    assert "news2" not in schema["$defs"]["VitalSigns"]["properties"]  # computed, never input
    assert set(schema["$defs"]["Area"]["enum"]) >= {"pain", "sleep", "skin_wounds"}
    llm = JournalNote.llm_json_schema()
    for name in JournalNote.SYSTEM_FIELDS:
        assert name not in llm["properties"]
    assert set(llm["properties"]) == set(JournalNote.CONTENT_FIELDS)
    assert "NoteMetadata" not in llm["$defs"]
    refs = set(re.findall(r'"#/\$defs/(\w+)"', json.dumps(llm)))
    assert refs <= set(llm["$defs"])  # no dangling references
    serialised = JournalNote.model_json_schema(mode="serialization")
    assert "news2" in serialised["$defs"]["VitalSigns"]["properties"]
