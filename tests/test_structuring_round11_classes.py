"""Classes of issue 16 found by the eleventh audit round (rules backend), worded for this file.

A negation said in keyword-less clauses before "men" negates those clauses only, never the
finding after "men"; nynorsk and dialect forms of "has fallen" are falls; a dose said as one of
two or after a doubt is never stated; "a tablet of 5 mg" is the strength, not one tablet; a
pressure said before its label; a pain score said as "en fire" or "nede på tre"; an INR check
read back with "den var"; an oxygen flow said on its device.
"""

from __future__ import annotations

import pytest

from diktat.structuring.note import Assertion
from tests.structuring_helpers import dose_rows, grounded_note, note, values


# -- 1. a negation before "men" stays with its own clauses ---------------------------------------
@pytest.mark.parametrize(("text", "negated", "present"), [
    ("Han føler seg ikke svimmel i dag, men har vondt i ryggen.", "svimmel", "vondt i ryggen"),
    ("Ho kjende seg ikkje uvel, men klaga over vondt i kneet.", "uvel", "vondt i kneet"),
])
def test_a_negation_before_men_negates_only_its_own_clause(text, negated, present):
    obs = grounded_note(text).observations
    assert any(negated in o.text and present not in o.text and o.assertion is Assertion.negated
               for o in obs), obs
    assert any(present in o.text and negated not in o.text and o.assertion is Assertion.present
               for o in obs), obs


@pytest.mark.parametrize("text", [
    "Han har ikkje dætt sidan sist.",
    "Ho har ikkje falle i helga.",
])
def test_a_dialect_fall_negated_is_a_negated_finding(text):
    n = grounded_note(text)
    assert n.deviations == ()
    assert [o.assertion for o in n.observations] == [Assertion.negated]


@pytest.mark.parametrize("text", ["Han ramla på kjøkkenet i natt.", "Ho har dotte på badet."])
def test_a_dialect_fall_is_a_fall(text):
    assert [d.kind for d in grounded_note(text).deviations] == ["fall"]


# -- 2. an uncertain dose is never stated --------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Hun hadde tatt Sobril selv, men husker ikke om det var en eller to tabletter.",
    "Han tok Paracet sjølv, men veit ikkje om det var 500 mg eller 1 g.",
    "Hun fikk Imovane 1-2 tabletter i natt.",
])
def test_a_dose_said_as_one_of_two_gives_no_dose(text):
    [(_, dose, unit, _, status)] = dose_rows(text)
    assert (dose, unit) == (None, None) and status is not None


def test_a_single_dose_is_still_read():
    assert dose_rows("Ga Sobril to tabletter kl 22.") == [
        ("Sobril", 2.0, "tablett", "22:00", "given")]


# -- 3. a tablet of a strength -------------------------------------------------------------------
@pytest.mark.parametrize(("text", "row", "count"), [
    ("Jeg ga henne Metoprolol, en tablett på 50 mg.", ("Metoprolol", 50.0, "mg"), None),
    ("Ga Paracet to tabletter à 500 mg kl 14.", ("Paracet", 500.0, "mg"), 2),
])
def test_a_tablet_of_a_strength_is_that_dose(text, row, count):
    [m] = grounded_note(text).medications
    assert ((m.drug, m.dose, m.unit), m.count) == (row, count)


# -- 4. values said in other orders --------------------------------------------------------------
def test_a_pressure_said_before_its_label():
    n = note("Puls 80. Hun hadde 142 over 86 i blodtrykk ved middagstid.")
    assert n.dropped == ()
    assert [(b.systolic, b.diastolic) for b in n.vital_signs.blood_pressure] == [(142, 86)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Han sa at smerten var en seks før medisinen.", [6]),
    ("Etter en time var smertene nede på to.", [2]),
])
def test_a_pain_score_said_as_its_number(text, expected):
    n = note(text)
    assert n.dropped == () and values(n, "pain_score") == expected


@pytest.mark.parametrize("text", ["Smertene var en gang i natt sterke.", "Vondt en 2 dager."])
def test_a_count_or_duration_is_no_pain_score(text):
    assert values(note(text), "pain_score") == []


def test_an_inr_check_read_back():
    n = note("INR-kontroll i dag hos Per, den var 2,4.")
    assert n.dropped == () and values(n, "inr") == [2.4]


# -- 5. an oxygen flow on its device -------------------------------------------------------------
def test_a_flow_said_on_its_device_is_oxygen():
    n = grounded_note("Hun har hatt 3 liter på nesebrille hele natta.")
    assert [(o.l_min, o.device) for o in n.vital_signs.oxygen] == [(3.0, "nasal_cannula")]


@pytest.mark.parametrize("text", [
    "Legen har bedt om at vi trapper ned til 1 liter på nesebrille.",
    "Han skal ha 2 liter på maske ved behov.",
])
def test_a_planned_flow_is_no_oxygen(text):
    assert grounded_note(text).vital_signs.oxygen == ()
