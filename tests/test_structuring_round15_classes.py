"""Classes of issue 16 found by the fifteenth audit round (rules backend), worded for this file.

A negation after the verb with an adverb or a dialect pronoun between ("fikk dermed ikke",
"sette difor ikkje", "æ satt ikkje"); a clause that gives food or drink after a dose not given
is no second administration; "kveldsrapport" and "nattrapport" say the part of the day; "han
var ikke sikker" leaves whether he took it unknown.
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from tests.structuring_helpers import dose_rows, grounded_note, note


@pytest.mark.parametrize("text", [
    "Hun fikk dermed ikke Paracet klokka ett.",
    "Eg sette difor ikkje Insulatard i dag tidleg.",
    "Så æ satt ikkje Lantus i dag.",
    "Han fekk då ikkje Furix i dag.",
])
def test_a_negation_after_an_adverb_or_a_dialect_pronoun_is_not_given(text):
    assert [m.status.value for m in note(text).medications] == ["not_given"]


@pytest.mark.parametrize("text", [
    "Eg sette difor ikkje Insulatard i dag, ho fekk eit glas saft og ei brødskive.",
    "Jeg satte ikke Insulatard i morges, hun fikk en kopp te og frokost i stedet.",
])
def test_food_or_drink_given_after_a_dose_not_given_is_no_dose(text):
    assert [m.status.value for m in note(text).medications] == ["not_given"]


def test_a_dose_given_later_in_a_clause_of_its_own_is_still_read():
    assert dose_rows("Hun hadde ikke tatt Somac, den ble gitt av meg kl 9.") == [
        ("Somac", None, None, "09:00", "given")]


@pytest.mark.parametrize(("text", "time"), [
    ("Kveldsrapport. Rundt halv ni fikk hun Oxynorm 5 mg.", "20:30"),
    ("Nattrapport frå meg. Eg gav ho Zopiklon 7,5 mg klokka kvart over tolv.", "00:15"),
])
def test_an_evening_or_night_report_says_the_part_of_the_day(text, time):
    assert time in normalize_spoken(text).text


@pytest.mark.parametrize("text", [
    "Han sa han hadde tatt Lantus sjøl i går kveld, men han va ikkje sikker.",
    "Han skal ha Lantus om morran, men han sa han hadde tatt den sjøl i går kveld i staden, "
    "men han va ikkje sikker.",
])
def test_a_dose_the_patient_is_not_sure_he_took_has_no_status(text):
    n = note(text)  # nothing is claimed about it; the sentence stays in the note's text
    assert all(m.status is None for m in n.medications)
    assert "ikkje sikker" in n.model_dump_json()


@pytest.mark.parametrize("text", [
    "Han fekk Morfin 2,5 mg og Midazolam 1,25 mg, begge ved behov.",
    "Hun fikk Morfin 5 mg og Haldol 1 mg, begge som behovsmedisin.",
])
def test_both_as_needed_is_said_of_every_drug_before_it(text):
    assert [m.status.value for m in grounded_note(text).medications] == ["prn", "prn"]


def test_as_needed_said_after_the_dose_and_before_the_next_drug_is_its_own():
    text = "Eg gav ho ein Zopiklon, 7,5 mg, ved behov klokka kvart over tolv."
    assert [m.status.value for m in grounded_note(text).medications] == ["prn"]
    rows = dose_rows("Han fikk Paracet 1 g, og Ibux 400 mg ved behov.")
    assert [r[-1] for r in rows] == ["given", "prn"]
