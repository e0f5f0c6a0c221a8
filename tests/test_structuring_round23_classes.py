"""Classes of issue 16 found by the twenty-third audit round (rules backend), worded for this file.

A time said with the last of several doses after ", og" is that dose's alone; "to Paracet,
altså eitt gram" is one gram in all, not two; "ikke uten smerter" is pain; "Magen myk, ikke
oppblåst" is a soft abdomen that is not bloated; pressure in the chest in the night "men ikke
nå" was there; "kan gis ved behov, men ingen av dem ble gitt" is no dose given; the evening
medicines ("Kveldsmedisiner.") make "ti over halv åtte" 19:40, and a time said later in a
sentence after an afternoon time is the afternoon's ("klokka nitten tjue, og B klokka halv
åtte": 19:30), unless another part of the day is said with it.
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from tests.structuring_helpers import dose_rows, note


def _assertions(text: str, word: str) -> list[str]:
    return [o.assertion.value for o in note(text).observations if word in o.text.casefold()]


@pytest.mark.parametrize(("text", "rows"), [
    ("Ga Ibux 400 mg, og Selo-Zok 50 mg kl 8.",
     [("Ibux", 400.0, "mg", None, "given"), ("Selo-Zok", 50.0, "mg", "08:00", "given")]),
    # said without the comma, the time is the list's (as before)
    ("Ga Ibux 400 mg og Selo-Zok 50 mg kl 8.",
     [("Ibux", 400.0, "mg", "08:00", "given"), ("Selo-Zok", 50.0, "mg", "08:00", "given")]),
    ("Han fikk to Paracet, det vil si ett gram, klokka ti.",
     [("Paracet", 1.0, "g", "10:00", "given")]),
    ("Oksynorm ti milligram og Midazolam to milligram står ved behov, men ingen av dem ble gitt.",
     [("OxyNorm", 10.0, "mg", None, "not_given"), ("Midazolam", 2.0, "mg", None, "not_given")]),
    ("Kveldsmedisiner hos Per. Kvart over åtte fikk han Zopiklon 5 mg.",
     [("Zopiklon", 5.0, "mg", "20:15", "given")]),
    ("Morfin 5 mg satt klokka atten førti, og Afipran 10 mg s.c. klokka sju mot kvalmen.",
     [("Morfin", 5.0, "mg", "18:40", "given"), ("Afipran", 10.0, "mg", "19:00", None)]),
])
def test_a_dose_read_right(text, rows):
    assert dose_rows(text) == rows


def test_the_count_before_a_drug_still_multiplies_a_strength():
    assert [m.count for m in note("Ga to Paracet à 500 mg.").medications] == [2]


@pytest.mark.parametrize(("text", "hours"), [
    ("Klokka 14 og klokka tre i natt.", ["14:00", "03:00"]),
    ("Fikk Morfin klokka 19.20, og skal ha Paracet klokka åtte i morgen.", ["19:20", "08:00"]),
    ("Klokka 13 fikk hun A og klokka ni fikk hun B.", ["13:00", "09:00"]),  # seven hours on
])
def test_a_later_hour_stays_as_said_beside_another_part_of_the_day(text, hours):
    said = normalize_spoken(text, four_digit=True).text
    assert [h for h in hours if h in said] == hours


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("Hun er ikke uten smerter i dag.", "smerter", "present"),
    ("Han er ikkje heilt utan smerter.", "smerter", "present"),
    ("Hoster, men uten oppspytt.", "oppspytt", "negated"),
    ("Magen bløt, ikke oppblåst.", "magen", "present"),
    ("Magen bløt, ikke oppblåst.", "oppblåst", "negated"),
    ("Hun kjente press i brystet i morges, men ikke nå.", "brystet", "present"),
])
def test_what_is_said_of_a_finding(text, word, expected):
    assert _assertions(text, word) == [expected]


def test_a_time_said_again_more_exactly_after_a_filler_is_the_time():
    assert dose_rows("Ga Paracet 1 g klokka ti, eh, kvart over ti.") == [
        ("Paracet", 1.0, "g", "10:15", "given")]
    # a number after the filler that is no time stays what it is
    assert "2 tabletter" in normalize_spoken("Klokka åtte, eh, to tabletter Paracet.").text


def _spo2(text: str) -> list[tuple]:
    return [(v.value, v.on_oxygen, v.oxygen_l_min) for v in note(text).vital_signs.spo2]


@pytest.mark.parametrize(("text", "readings"), [
    ("Nittito i metning uten oksygen.", [(92, False, None)]),
    ("Han lå på 89 i metning på tre liter.", [(89, True, 3.0)]),
    ("Rom 12 i går kveld.", []),  # a room is no reading
    ("Han har 12 i metningsmåleren.", []),
])
def test_a_saturation_said_value_first(text, readings):
    assert _spo2(text) == readings


def test_a_pulse_and_temperature_said_value_first():
    n = note("Hun hadde 104 i puls og 38,4 i tempen.")
    assert [v.value for v in n.vital_signs.pulse] == [104]
    assert [v.value for v in n.vital_signs.temperature] == [38.4]
