"""Classes of issue 16 found by the seventeenth audit round (rules backend), worded for this file.

A pronoun that refers back to a relative named in the same sentence or the two before carries
the relative's state ("Sønnen var innom. Han er sliten"), where the clause tells what is said of
relatives (tired, worried, afraid, ill, "selv") or the pronoun is not the patient's gender; a
patient's own finding after a relative's visit stays the patient's. "som selv er syk" after a
relative is the relative's; nordnorsk "itte" negates; "nesten ikke spist" is a finding;
a dose under a condition ("Hvis ... skal hun få") or a change the doctor considers is none;
"to en halvtime" is no decimal; a weight "fra 78 til 81" is 81; a time "ikke notert" is taken
from no other dose; "siden Furix" is no dose; the night shift named later in an evening round
("kan nattevakta gi") leaves its hours the evening's.
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from tests.structuring_helpers import dose_rows, note, values


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


def test_a_digit_word_before_a_duration_is_no_decimal():
    assert "6,2 en halvtime" in normalize_spoken(
        "Blodsukkeret var seks komma to en halvtime senere.").text


@pytest.mark.parametrize(("text", "weight"), [
    ("Vekta har gått opp frå syttiåtte til åttiein kilo.", [81.0]),
    ("Vekten har gått ned fra 70 til 67,5 kg siden i sommer.", [67.5]),
])
def test_a_weight_change_files_the_weight_now(text, weight):
    assert values(note(text), "weight") == weight


def test_a_time_not_noted_is_not_taken_from_the_dose_before():
    assert [r[3] for r in dose_rows(
        "Klokka atten fikk hun Paracet en gram, og Lyrica syttifem milligram fikk hun også, "
        "men jeg har ikke notert tiden.")] == ["18:00", None]


def test_a_drug_named_as_a_point_in_time_is_no_dose():
    assert not dose_rows("Urinmengde siden Furix var fire hundre og femti milliliter.")


def test_the_night_shift_named_later_leaves_an_evening_round_the_evenings():
    text = ("Kveldsrunde hos Torbjørg. Sertralin femti milligram ble utsatt til klokka ti. "
            "Dersom hun blir urolig i natt, kan nattevakta gi Stesolid fem milligram.")
    assert "22:00" in normalize_spoken(text).text
