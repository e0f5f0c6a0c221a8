"""Safety classes of issue 16 on fresh dictations written for this file (not from the gold set).

Each case asserts the safe outcome of one class of dangerous error: a negation said mid-sentence,
after "men", in a list or in nynorsk/dialect is a negation; "lite", "litt", "ikke så" are not; a
relative's illness is not the patient's; a self-correction replaces what it corrects; a dose that
was planned but not given is not given; a daily frequency is not a count; a duration is never a
measured value; ACVPU is read only from a level said as such.
"""

from __future__ import annotations

import pytest

from tests.structuring_helpers import grounded_note as _note


def _assertion_of(text: str, word: str) -> str:
    """The assertion of the one observation whose text holds ``word``."""
    note = _note(text)
    found = [o for o in note.observations if word.casefold() in o.text.casefold()]
    assert len(found) == 1, [(o.text, o.assertion.value) for o in note.observations]
    return found[0].assertion.value


# -- negation: mid-sentence, after "men", in a list, in nynorsk and dialect ---------------------
@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Tørr hud på leggene, inga sprekker.", "sprekker"),
        ("Såret er rent, utan puss.", "puss"),
        ("Klager over hodepine, men ingen nakkestivhet.", "nakkestivhet"),
        ("Han had itj nå vondt i dag.", "vondt"),
        ("Han har ikkj noe feber.", "feber"),
        ("Hu ha ittj matlyst.", "matlyst"),
        ("Pasienten avkrefter brystsmerter.", "brystsmerter"),
        ("Puster fint, fri for hoste i natt.", "hoste"),
    ],
)
def test_a_negation_said_anywhere_in_the_sentence_negates_its_finding(text, word):
    assert _assertion_of(text, word) == "negated"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Ho et lite og drakk eit glas vatn, men ville ikkje ha meir.", "et lite"),
        ("Magen er litt hoven, men ikke øm.", "hoven"),
        ("Smertene er ikke så sterke i dag.", "smertene"),
        ("Ingen bedring i hosten siden i går.", "hosten"),
    ],
)
def test_little_some_and_no_improvement_do_not_negate_the_finding(text, word):
    assert _assertion_of(text, word) == "present"


def test_the_negated_part_of_a_mixed_sentence_stays_negated_and_the_rest_present():
    text = "Har vondt i kneet, ingen hevelse."
    assert _assertion_of(text, "vondt") == "present"
    assert _assertion_of(text, "hevelse") == "negated"


# -- someone else's finding ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Mannen hennes har fått covid, så vi bruker munnbind.", "covid"),
        ("Naboen fortalte at han selv har hatt lungebetennelse.", "lungebetennelse"),
        ("Sønnen var innom, han har vært syk med influensa hele uka.", "influensa"),
        ("Dotter hennar har kreft.", "kreft"),
        ("Romkameraten hoster mye om natta.", "hoster"),
    ],
)
def test_a_relatives_illness_is_not_the_patients(text, word):
    assert _assertion_of(text, word) == "other_person"


def test_what_a_relative_reports_about_the_patient_stays_the_patients():
    assert _assertion_of("Datteren sier hun har vondt i magen.", "vondt") == "present"


# -- self-corrections ---------------------------------------------------------------------------
def _doses(text: str) -> list[tuple]:
    return [(m.drug, m.dose, m.unit, m.count, m.time, m.status)
            for m in _note(text).medications]


def test_a_corrected_drug_is_replaced_by_the_one_said_after_the_correction():
    doses = _doses("Ga Ibux 400 mg kl 14, nei unnskyld, det var Paracet 1 g.")
    assert [d[0] for d in doses] == ["Paracet"]
    assert doses[0][1:3] == (1.0, "g") and doses[0][5] == "given"
    doses = _doses("Fikk Oxynorm 5 mg, eller nei, Oxycontin 10 mg kl 20.")
    assert [(d[0], d[1], d[4]) for d in doses] == [("OxyContin", 10.0, "20:00")]


def test_a_correction_to_the_same_drug_gives_one_administration():
    doses = _doses("Ga Paracet 1 g kl 8 og Ibux, rettelse, bare Paracet.")
    assert [(d[0], d[1], d[4]) for d in doses] == [("Paracet", 1.0, "08:00")]


def test_a_corrected_dose_replaces_the_first():
    assert [d[1:3] for d in _doses("Ga Paracet 1 g, nei vent, 500 mg.")] == [(500.0, "mg")]


# -- planned but not done -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["Morfin 5 mg skulle vært gitt s.c. kl 22, men ble ikke gitt.",
     "Lantus 10 IE skulle hatt kl 21, men det ble glemt.",
     "Furix 40 mg skulle vært gitt i morges."],
)
def test_a_dose_that_should_have_been_given_is_never_recorded_as_given(text):
    assert all(d[5] != "given" for d in _doses(text)), _doses(text)


# -- a prescription's frequency is not a count ----------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["Amoxicillin 500 mg tre ganger daglig, første dose gitt kl 9.",
     "Ibux 400 mg x 3 i dag.", "Paracet 1 g x 4 per døgn."],
)
def test_a_daily_frequency_is_not_a_count_of_doses_given(text):
    doses = _doses(text)
    assert doses and all(d[3] is None for d in doses), doses


def test_a_count_given_at_once_stays():
    assert _doses("Fikk Paracet 500 mg x 2 kl 8.") == [
        ("Paracet", 500.0, "mg", 2, "08:00", "given")]


# -- durations, times and counts are never measured values --------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Blodsukker målt etter 20 minutter var 6,1.", "blood_glucose", 6.1),
        ("Blodsukker 2 timer etter middag 9,8.", "blood_glucose", 9.8),
        ("Pulsen etter 10 minutter hvile 84.", "pulse", 84),
    ],
)
def test_a_duration_is_not_the_value(text, kind, value):
    assert [v.value for v in getattr(_note(text).vital_signs, kind)] == [value]


# -- ACVPU only from a level said as such ----------------------------------------------------
def test_not_contactable_is_no_acvpu_level():
    assert _note("Hun er ikke kontaktbar i dag.").vital_signs.consciousness == ()
    assert [c.level for c in _note("Reagerer bare på smerte.").vital_signs.consciousness] == [
        "P"]
