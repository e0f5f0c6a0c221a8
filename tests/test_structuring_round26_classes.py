"""Classes of issue 16 found by the twenty-sixth audit round (rules backend), worded for this file.

Eastern dialect "inte" negates; walking "uten rullator" is the finding, not its negation; not
knowing what day it is ("visste ikke hvilken dag det var") is disorientation, a problem that is
there; "Selv har han vondt ..." after a relative's report is the relative's; "før skiftet" (the
dressing change, a noun) gives no dose a status, and a dose the patient then took herself is
one dose, self-administered.
"""

from __future__ import annotations

import pytest

from tests.structuring_helpers import dose_rows, note


def _assertions(text: str, word: str) -> list[str]:
    return [o.assertion.value for o in note(text).observations if word in o.text.casefold()]


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("Han e inte kvalm i dag.", "kvalm", "negated"),
    ("Hun var urolig og visste ikke hvilken dag det var.", "visste", "present"),
    ("Dattera sier at hun ble svimmel i går. Selv er hun forkjølet.", "forkjølet",
     "other_person"),
])
def test_what_is_said_of_a_finding(text, word, expected):
    assert _assertions(text, word) == [expected]


def test_walking_without_aids_is_not_a_negated_finding():
    assert "negated" not in _assertions("Hun går nå uten hjelp i gangen.", "hjelp")


def test_a_dose_before_the_dressing_change_taken_by_the_patient_is_one_dose():
    assert dose_rows("Ibux 400 mg før skiftet, den tok hun selv klokka ni.") == [
        ("Ibux", 400.0, "mg", "09:00", "self_administered")]
    assert dose_rows("Skiftet Norspan plaster 10 mikrogram per time.")[0][4] == "given"


def test_a_value_corrected_before_a_comma_keeps_the_corrected_value():
    n = note("Puls åttifire, nei, unnskyld, sekstifire, og temp trettisju.")
    assert [v.value for v in n.vital_signs.pulse] == [64]
    assert [v.value for v in n.vital_signs.temperature] == [37.0]
