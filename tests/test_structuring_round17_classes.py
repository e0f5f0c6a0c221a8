"""Classes of issue 16 found by the seventeenth audit round (rules backend), worded for this file.

A pronoun that refers back to a relative named in the same sentence or the two before carries
the relative's state ("Sønnen var innom. Han er sliten"), where the clause tells what is said of
relatives (tired, worried, afraid, ill, "selv") or the pronoun is not the patient's gender; a
patient's own finding after a relative's visit stays the patient's. "som selv er syk" after a
relative is the relative's; nordnorsk "itte" negates; "nesten ikke spist" is a finding;
a dose under a condition ("Hvis ... skal hun få") or a change the doctor considers is none.
"""

from __future__ import annotations

import pytest

from tests.structuring_helpers import note


def _assertions(text: str, word: str) -> list[str]:
    return [o.assertion.value for o in note(text).observations if word in o.text.casefold()]


@pytest.mark.parametrize(("text", "word"), [
    ("Datteren hennes var innom i ettermiddag. Hun er helt utslitt og har vondt i ryggen.",
     "vondt"),
    ("Sønnen kom på besøk. Han er bekymret og lei seg. Pasienten spiste lite.", "lei seg"),
    ("Kona hans var til stede under stellet, og hun er sliten og gråt litt.", "sliten"),
    ("Ektemannen ringte. Han sa at han selv har vært forkjølet hele uka.", "forkjølet"),
    ("Naboen, som selv er syk med influensa, vil ikke komme innom denne uka.", "influensa"),
    ("Dottera ringde i går. Ho er redd for at mor skal falle.", "redd"),
])
def test_a_relatives_state_told_with_a_pronoun(text, word):
    assert _assertions(text, word) == ["other_person"]


@pytest.mark.parametrize(("text", "word"), [
    # the patient's own finding after a relative's visit, said of the same pronoun
    ("Datteren var på besøk i formiddag. Hun har vondt i venstre kne i dag.", "vondt"),
    # a patient named in between
    ("Sønnen var innom. Pasienten er sliten og har vondt i ryggen.", "vondt"),
    # the pronoun is not the relative's gender
    ("Sønnen var innom i dag. Hun er sliten og har vondt i ryggen.", "vondt"),
])
def test_the_patients_own_finding_stays_hers(text, word):
    assert _assertions(text, word) == ["present"]


@pytest.mark.parametrize("text", [
    "Ho har itte vondt nånn plass i dag.",
    "Han hadde itte vondt da æ gikk.",
])
def test_itte_negates(text):
    assert _assertions(text, "vondt") == ["negated"]


def test_nesten_ikke_names_a_problem():
    assert _assertions("Hun hadde nesten ikke spist noe til frokost.", "spist") == ["present"]


@pytest.mark.parametrize("text", [
    "Hvis hun får vondt i natt, skal hun få Oxynorm fem milligram.",
    "Dersom han blir urolig, kan nattevakta gi Stesolid 5 mg.",
    "Legen vurderer å øke Targiniq til ti milligram neste uke.",
])
def test_a_condition_or_a_change_considered_gives_no_dose(text):
    assert not note(text).medications
