"""Classes of issue 16 found by the twenty-second audit round (rules backend), worded for this file.

Nynorsk "mogleg at" is a doubt; "maten smaker ingenting" is a problem that is there; "etter
fallet på mandag" is no new fall; a prescription ("Legen forskriver Selexid ...") is no dose;
"og klokka tolv var smerten tre" is no dose's time; a time said again after "nei, unnskyld"
without "klokka" ("ti førtifem, nei, unnskyld, ti trettifem") is the time; "tok ut den ene" from
the dosette is no dose; "urinen luktar sterkt" after a doubt is said of its own.
"""

from __future__ import annotations

import pytest

from tests.structuring_helpers import dose_rows, note


def _assertions(text: str, word: str) -> list[str]:
    return [o.assertion.value for o in note(text).observations if word in o.text.casefold()]


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("Mogleg at han har urinvegsinfeksjon no, urinen luktar sterkt.", "urinvegsinfeksjon",
     "possible"),
    ("Mogleg at han har urinvegsinfeksjon no, urinen luktar sterkt.", "luktar", "present"),
    ("Hun sier at maten smaker ingenting.", "smaker", "present"),
])
def test_what_is_said_of_a_finding(text, word, expected):
    assert _assertions(text, word) == [expected]


def test_a_fall_followed_up_is_no_new_fall():
    n = note("Oppfølging etter fallet på mandag, altså for to dager siden. Han har ikke falt "
             "igjen.")
    assert n.deviations == ()
    assert note("Hun falt på badet i dag.").deviations != ()


@pytest.mark.parametrize(("text", "rows"), [
    ("Legen forskriver Selexid to hundre milligram tre ganger daglig, første dose i kveld.", []),
    ("I lunsjrommet lå det to Furix i stedet for én, så jeg tok ut den ene.", []),
    ("Smerte seks før Paracet, fikk ett gram klokka ti, og klokka tolv var smerten tre.",
     [("Paracet", 1.0, "g", "10:00", "given")]),
    ("Jeg ga Morfin fem milligram subkutant ved behov klokka ti førtifem, nei, unnskyld, ti "
     "trettifem.", [("Morfin", 5.0, "mg", "10:35", "prn")]),
])
def test_a_dose_read_right(text, rows):
    assert dose_rows(text) == rows
