"""Classes of issue 16 found by the thirteenth audit round (rules backend), worded for this file.

A negation that names a problem (an inability, a sustained refusal, a lost function) is a
present finding, while a negated symptom stays negated; "kvart på eitt" in
a text said in the night is just after midnight; a dose said "samtidig" takes the time of the
dose before it, not one said of something else; the patient who took a dose took it herself;
sprays are counted in sprays, and a time a complaint began is no dose time.
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from diktat.structuring.note import Assertion
from tests.structuring_helpers import dose_rows, note


def _assertions(text: str) -> list[Assertion]:
    return [o.assertion for o in note(text).observations]


# -- 1. a negation that names a problem -----------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Olav fikk ikke sove før langt på natt.",
    "Ho fekk ikkje sove heile natta.",
    "Hun klarer ikke å reise seg fra senga uten hjelp.",
    "Han har ikke villet drikke noe i løpet av vakta.",
    "Kari forteller at middagen ikke smaker noe lenger.",
])
def test_a_negated_function_verb_is_a_present_problem(text):
    assert _assertions(text) == [Assertion.present]


@pytest.mark.parametrize("text", [
    "Hun har ikke vondt i ryggen i dag.",
    "Han er ikke kvalm etter maten.",
    "Hun har ikke spist lunsj ennå.",
])
def test_a_negated_symptom_or_event_stays_negated(text):
    assert Assertion.negated in _assertions(text)
    assert Assertion.present not in _assertions(text)


def test_a_problem_after_a_negated_symptom_in_a_list_is_present():
    assert _assertions("Ikke kvalm, klarer ikke å spise.") == [Assertion.negated,
                                                                Assertion.present]


# -- 2. the night's twelve-hour times -------------------------------------------------------------
@pytest.mark.parametrize(("text", "time"), [
    ("Nattevakt. Ga Paracet klokka kvart på ett.", "00:45"),
    ("Ringde på i natt. Fekk Sobril klokka halv eitt.", "00:30"),
    ("Dagvakt. Sov godt i natt. Ga Paracet klokka halv ett.", "12:30"),  # a day note
    ("Nattevakt etter dagvakt. Ga Paracet klokka halv ett.", "12:30"),  # both: as said
])
def test_a_time_just_after_twelve_is_the_nights_in_a_night_text(text, time):
    assert time in normalize_spoken(text).text


def test_a_dose_at_twelve_hour_speech_in_the_night_is_given_after_midnight():
    assert dose_rows("Nattevakt. Ga Zopiklon 5 mg klokka ti på eitt.") == [
        ("Zopiklon", 5.0, "mg", "00:50", "given")]


# -- 3. "samtidig" ------------------------------------------------------------------------------
def test_a_dose_at_the_same_time_takes_the_earlier_doses_time_not_an_events():
    text = ("Kl 14 fikk han sterke smerter, og jeg ga OxyNorm 5 mg klokka 14.10 og "
            "Paracet 1 g samtidig.")
    assert [row[3] for row in dose_rows(text)] == ["14:10", "14:10"]


# -- 4. who took it ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Han sier ja, han tok Albyl-E klokka sju i dag.",
    "Jeg spurte om hun hadde tatt Metformin til frokost.",
])
def test_a_dose_the_patient_took_is_self_administered(text):
    assert [row[4] for row in dose_rows(text)] == ["self_administered"]


def test_the_patient_taking_the_nurses_dose_is_no_second_administration():
    assert [row[4] for row in dose_rows("Jeg ga ham Paracet, og han tok den med vann.")] == [
        "given"]


# -- 5. sprays and a complaint's start ------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Hun tok tre sprut Nitroglyserin under tunga.",
    "Hun hadde tatt tre doser Nitroglyserin spray selv.",
])
def test_sprays_are_counted_in_sprays(text):
    assert [row[1:3] for row in dose_rows(text)] == [(3.0, "spray")]


def test_the_time_a_complaint_began_is_no_dose_time():
    text = "Hun har hatt vondt i brystet siden klokka 17 og har tatt Nitroglyserin selv."
    assert [row[3] for row in dose_rows(text)] == [None]
