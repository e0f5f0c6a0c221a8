"""Values of issue 16 found missing by the tenth audit round (rules backend).

Each case is worded for this file and asserts through the public entry point (``structure``),
every value's quote being its span and nothing dropped by the grounding validator: a value said
after its head and referred back to with an agreeing pronoun, in the next clause or sentence
(and never where another vital sign or a drug stands between, or the pronoun disagrees); several
readings of one measurement the same day; a pain score on VAS 0–100; an oxygen flow changed
without oxygen's name, and the saturation measured on it.
"""

from __future__ import annotations

import pytest

from diktat.structuring.grounding import ground
from diktat.structuring.note import Evidence, JournalNote, VitalSigns
from diktat.structuring.vital_signs import BloodPressure
from tests.structuring_helpers import grounded_note, note, values


def _values(text: str, kind: str) -> list:
    n = note(text)
    assert n.dropped == (), n.dropped
    return values(n, kind)


# -- 1. a pronoun referring back to the head -----------------------------------------------------
def test_a_pressure_said_in_the_next_sentence_belongs_to_its_head():
    n = note("Vi tok blodtrykket etter middag. Det var 152 over 88.")
    assert n.dropped == ()
    assert [(b.systolic, b.diastolic) for b in n.vital_signs.blood_pressure] == [(152, 88)]


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Sjekket blodsukkeret før kveldsmaten. Det var 11,4.", "blood_glucose", [11.4]),
    ("Temperaturen målte jeg i munnen, den var 37,9 og hun frøs.", "temperature", [37.9]),
    ("Metningen sjekket vi etter stellet, den lå på 93.", "spo2", [93]),
    ("Jeg kjente på pulsen en stund. Den var ujevn. Jeg telte 104.", "pulse", [104]),
])
def test_a_value_said_by_a_pronoun_belongs_to_its_head(text, kind, expected):
    assert _values(text, kind) == expected


@pytest.mark.parametrize("text", [
    "Vi tok blodtrykket og pulsen. Det var 152 over 88.",  # two heads
    "Vi tok blodtrykket. Hun fikk Paracet 1 g. Det var 150 over 80.",  # a drug between
    "Jeg målte temperaturen. Det var 37,9.",  # "det" does not agree with "temperaturen"
    "Jeg målte pulsen. Den var 300.",  # not a pulse
    "Jeg målte pulsen. Hun var urolig. Jeg fikk 96.",  # the sentence between is not about it
])
def test_no_value_where_the_pronoun_is_not_certain(text):
    n = grounded_note(text)
    vs = n.vital_signs
    assert not (vs.blood_pressure or vs.pulse or vs.temperature)
    assert n.coverage is not None and n.coverage.hidden == 0


def test_the_validator_rejects_a_pronoun_value_with_a_drug_between():
    text = "Vi tok blodtrykket. Hun fikk Paracet 1 g. Det var 150 over 80."
    start, end = text.index("blodtrykket"), text.index("80") + 2
    vs = VitalSigns(blood_pressure=(BloodPressure(systolic=150, diastolic=80, evidence=Evidence(
        start=start, end=end, quote=text[start:end])),))
    grounded = ground(JournalNote(vital_signs=vs), text)
    assert grounded.vital_signs.blood_pressure == () and grounded.dropped


def test_the_validator_accepts_a_pronoun_value():
    text = "Vi tok blodtrykket. Det var 150 over 80."
    start, end = text.index("blodtrykket"), len(text) - 1
    vs = VitalSigns(blood_pressure=(BloodPressure(systolic=150, diastolic=80, evidence=Evidence(
        start=start, end=end, quote=text[start:end])),))
    assert ground(JournalNote(vital_signs=vs), text).dropped == ()


# -- 2. several readings of one measurement ------------------------------------------------------
@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Metninga ble sjekket to ganger: først 91, og etter at han hadde hostet opp, 95.",
     "spo2", [91, 95]),
    ("Blodsukker 12,3, i morges 8,1.", "blood_glucose", [12.3, 8.1]),
])
def test_every_reading_of_one_measurement_in_order(text, kind, expected):
    assert _values(text, kind) == expected


def test_an_earlier_days_value_is_not_read_as_todays():
    assert _values("Vekt i dag 70,4 kg, i går 69,8.", "weight") == [70.4]


# -- 3. pain on the visual analogue scale 0–100 --------------------------------------------------
def test_a_vas_score_above_ten_is_read_on_its_scale():
    n = note("Hun angir VAS 30 i ro og VAS 80 ved forflytning.")
    assert [(p.value, p.scale) for p in n.vital_signs.pain_score] == [(30, "VAS"), (80, "VAS")]


def test_a_score_above_ten_without_vas_is_no_score():
    assert _values("Smerter NRS 30 i hofta.", "pain_score") == []


# -- 4. an oxygen flow changed -------------------------------------------------------------------
def test_a_saturation_after_a_flow_change_is_on_that_flow():
    n = grounded_note("Metning 85 % på 2 liter oksygen på nesebrille. Vi økte til 3 liter i "
                      "minuttet, og etter ti minutter var metningen 91.")
    got = [(s.value, s.on_oxygen, s.oxygen_l_min) for s in n.vital_signs.spo2]
    assert got == [(85, True, 2.0), (91, True, 3.0)]


def test_a_flow_changed_per_minute_is_oxygen():
    n = grounded_note("Økte til 4 liter i minuttet.")
    assert [o.l_min for o in n.vital_signs.oxygen] == [4.0]


def test_a_volume_increased_is_no_oxygen():
    assert grounded_note("Vi økte drikke til 2 liter.").vital_signs.oxygen == ()
