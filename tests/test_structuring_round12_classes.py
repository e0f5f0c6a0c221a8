"""Classes of issue 16 found by the twelfth audit round (rules backend), worded for this file.

A "ga henne ikke mer X" is a dose not given; a dose due at one time and given later is one
dose given at the later time; the patient's own dose not taken, then given by the nurse, is
one administration; one dose given twice at two said times is two administrations; an hour
1–5 said without its half of the day in a text said in the afternoon is the afternoon's; a
double dose or a late dose is a medication deviation and a visit the patient did not get a
missed visit; a pain score in nynorsk ("smerta"), or followed by "når".
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from tests.structuring_helpers import dose_rows, grounded_note, note, values


# -- 1. an object pronoun between the verb and "ikke" ---------------------------------------------
@pytest.mark.parametrize("text", [
    "Hun var usikker på hvor mye hun hadde tatt, så jeg ga henne ikke mer Paracet.",
    "Vi ga ham ikke flere Sobril i kveld.",
])
def test_a_dose_withheld_after_a_pronoun_is_not_given(text):
    assert [row[4] for row in dose_rows(text)] == ["not_given"]


# -- 2. a dose given late is given, at the later time -------------------------------------------
def test_a_dose_due_earlier_and_given_later_is_given_at_the_later_time():
    text = ("Hun skulle ha Marevan 2,5 mg kl 18, men den ble først gitt kl 20.15 fordi den "
            "ble glemt.")
    assert dose_rows(text) == [("Marevan", 2.5, "mg", "20:15", "given")]


# -- 3. the patient's own dose not taken, then given ---------------------------------------------
def test_a_dose_not_taken_then_given_by_the_nurse_is_one_administration():
    text = "Hun hadde ikke tatt Albyl-E i dag, så jeg ga henne en tablett kl 10."
    assert [row[4] for row in dose_rows(text)] == ["given"]


# -- 4. one dose given twice at two times ---------------------------------------------------------
def test_a_dose_given_twice_at_two_times_is_two_administrations():
    text = ("Avvik: Han fikk Selo-Zok 50 mg to ganger i dag, først kl 08.00 av dagvakta og "
            "så kl 09.30 av meg.")
    n = grounded_note(text)
    rows = [(m.drug, m.dose, m.unit, m.time, m.status) for m in n.medications]
    assert rows == [("Selo-Zok", 50.0, "mg", "08:00", "given"),
                    ("Selo-Zok", 50.0, "mg", "09:30", "given")]
    assert [d.kind for d in n.deviations] == ["medication"]


# -- 5. an hour said in twelve-hour speech in an afternoon text ----------------------------------
def test_an_early_hour_in_an_afternoon_text_is_the_afternoons():
    text = "Besøk hos Per kl 15. Han fikk Paracet 1 g klokka halv fire."
    assert dose_rows(text) == [("Paracet", 1.0, "g", "15:30", "given")]


@pytest.mark.parametrize(("text", "time"), [
    ("Ga Paracet klokka halv fire.", "03:30"),  # no part of the day said: as said
    ("Nattevakt. Besøk kl 14 i går. Ga Paracet klokka halv fire.", "03:30"),  # the night named
    ("Besøk kl 15. Hun tok Paracet selv klokka åtte.", "08:00"),  # not an hour 1–5
])
def test_an_hour_is_kept_as_said_where_the_afternoon_does_not_decide(text, time):
    assert time in normalize_spoken(text).text


# -- 6. deviation kinds ----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "kind"), [
    ("Avvik: Lantus ble først gitt kl 22 fordi den ble glemt.", "medication"),
    ("Avvik: Ola fikk ikke morgenbesøket i dag fordi han ikke sto på lista.", "missed_visit"),
])
def test_a_deviation_is_filed_as_its_kind(text, kind):
    assert [d.kind for d in grounded_note(text).deviations] == [kind]


# -- 7. pain scores --------------------------------------------------------------------------------
def test_a_nynorsk_pain_word_takes_its_score():
    assert values(note("Etter ein time var smerta nede på 3."), "pain_score") == [3]


def test_a_pain_score_followed_by_when_is_read():
    text = "Hun sier smerten er 6 når hun går og 2 når hun ligger."
    assert values(note(text), "pain_score")[:1] == [6]
