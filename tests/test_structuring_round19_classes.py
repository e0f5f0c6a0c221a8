"""Classes of issue 16 found by the nineteenth audit round (rules backend), worded for this file.

A night report that names the day shift later ("Dagvakta må følge med") keeps its hours the
night's; "eh nei, de va klokka halv ti" corrects the time; "dryppet øynene med Xalatan selv" is
self-administered; "snublet ..., men fikk tak i kommoden og falt ikke" is no fall; "verken X
eller Y nå" negates Y; "smertene borte" is negated; "Sidemannen hennes ved bordet, Harald, har
hostet" is his; "fekk Bergljot ikkje Marevan" is not given; "og klokka fire sov han" is no
dose's time; "Metforminen ble gitt" after the morning's doses is that dose again; "legen har
satt den på pause" is no dose.
"""

from __future__ import annotations

import pytest

from tests.structuring_helpers import dose_rows, note


def _assertions(text: str, word: str) -> list[str]:
    return [o.assertion.value for o in note(text).observations if word in o.text.casefold()]


@pytest.mark.parametrize(("text", "row"), [
    ("Nattevakt. Rundt klokka to lå han på gulvet. Han fikk Paracet 1 g klokka halv tre. "
     "Dagvakta må følge med på hofta.", ("Paracet", 1.0, "g", "02:30", "given")),
    ("Han fekk Parasett eitt gram klokka ti før sårstellet, eh nei, de va klokka halv ti.",
     ("Paracet", 1.0, "g", "09:30", "given")),
    ("Hun har dryppet øynene med Xalatan selv i morges.",
     ("Latanoprost", None, None, None, "self_administered")),
    ("I kveld fekk Bergljot ikkje Marevan, INR var for høg.",
     ("Marevan", None, None, None, "not_given")),
    ("Deretter fekk han Oksynorm fem milligram ved behov, og klokka fire sov han.",
     ("OxyNorm", 5.0, "mg", None, "prn")),
])
def test_a_dose_read_right(text, row):
    assert dose_rows(text) == [row]


def test_a_time_after_a_dose_in_its_own_clause_is_still_the_doses():
    rows = dose_rows("Ventoline to drag ved behov fikk han klokka halv ni fordi han var tung i "
                     "pusten.")
    assert rows == [("Ventoline", 2.0, "drag", "08:30", "prn")]


def test_a_dose_named_again_in_its_definite_form_is_that_dose():
    rows = dose_rows("Morgenmedisiner gitt klokka åtte: Levaxin 100 mikrogram og Metformin 500 "
                     "mg. Metforminen ble gitt sammen med frokosten. Eliquis 5 mg ble ikke "
                     "gitt, legen har satt den på pause.")
    assert [r[0] for r in rows] == ["Levaxin", "Metformin", "Eliquis"]
    assert rows[2][4] == "not_given"


def test_a_stumble_caught_in_time_is_no_fall_and_a_stumble_and_fall_is():
    caught = note("Hun hadde snublet i teppet i gangen, men fikk tak i kommoden og falt ikke.")
    assert caught.deviations == ()
    fell = note("Hun snublet i teppet og falt i gangen.")
    assert [d.kind for d in fell.deviations] == ["fall"]


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("Hun har verken tung pust eller hevelse i bena nå.", "hevelse", ["negated"]),
    ("Da jeg kom var smertene borte.", "smertene", ["negated"]),
    ("Sidemannen hennes ved bordet, Harald, har hostet mye.", "hostet", ["other_person"]),
])
def test_a_findings_assertion(text, word, expected):
    assert _assertions(text, word) == expected
