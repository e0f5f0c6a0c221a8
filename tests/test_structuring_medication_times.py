"""Issue 16, medication tuples the gold set showed incomplete: "samtidig" takes the time of the
administration said before it, a time after a list of drugs said with their doses is the list's,
"40 mg ti på åtte" is a time, a patch changed or a course started is given, and "x 3" of a
course started is how often, not a count given."""

from __future__ import annotations

import pytest

from diktat.structuring.grounding import ground
from tests.structuring_helpers import note


def tuples(text: str) -> list[tuple]:
    n = note(text)
    assert ground(n, text).dropped == ()  # the validator agrees with the rules
    return [(m.drug, m.dose, m.unit, m.count, m.time, m.status.value if m.status else None)
            for m in n.medications]


def test_samtidig_takes_the_time_said_before_it():
    assert tuples("Ga Midazolam 2,5 mg subkutant klokka tjuetre femten for uro, og ny dose "
                  "Morfin fem milligram samtidig.") == [
        ("Midazolam", 2.5, "mg", None, "23:15", "given"),
        ("Morfin", 5.0, "mg", None, "23:15", "given")]


def test_samtidig_without_an_earlier_time_gives_none():
    assert tuples("Ga Morfin 5 mg samtidig.") == [("Morfin", 5.0, "mg", None, None, "given")]


@pytest.mark.parametrize("text", [
    "Hun fikk Furix førti milligram, Selo-Zok femti milligram og Metformin fem hundre "
    "milligram klokka åtte.",
    "Fikk Furix 40 mg og Selo-Zok 50 mg kl 08:00.",
    "Eg gav han Furix 40 mg og Selo-Zok 50 mg klokka åtte.",
])
def test_a_time_after_a_list_of_doses_is_the_lists(text):
    assert {t[4] for t in tuples(text)} == {"08:00"}


@pytest.mark.parametrize(("text", "times"), [
    # each drug its own time: never shared
    ("Fikk Selo-Zok 50 mg klokka åtte, Albyl-E 75 mg klokka fjorten.", ["08:00", "14:00"]),
    # a drug without its dose is not a list of doses
    ("Fikk Paracet 500 mg og Movicol klokka åtte.", [None, "08:00"]),
    # a vital sign with its value does not share a drug's time, nor the drug the sign's
    ("Ga Selo-Zok 50 mg, BT 140/80 kl 8.", [None]),
])
def test_a_time_is_not_shared_beyond_its_list(text, times):
    assert [t[4] for t in tuples(text)] == times


def test_minutes_to_an_hour_right_after_a_dose():
    assert tuples("Pantoprazol førti milligram ti på åtte, gitt.") == [
        ("Pantoprazol", 40.0, "mg", None, "07:50", "given")]


@pytest.mark.parametrize(("text", "expected"), [
    ("Skiftet Durogesic plaster tolv mikrogram per time klokka ni.",
     ("Durogesic", 12.0, "mikrog/t", None, "09:00", "given")),
    ("Startet Selexid to hundre milligram x tre i dag for urinveisinfeksjon, første dose "
     "klokka ti.", ("Selexid", 200.0, "mg", None, "10:00", "given")),
])
def test_a_patch_changed_or_a_course_started(text, expected):
    assert tuples(text) == [expected]


def test_two_doses_given_today_keep_their_count():
    assert tuples("Fikk Paracet 1 g x 2 i dag.") == [("Paracet", 1.0, "g", 2, None, "given")]


@pytest.mark.parametrize(("text", "expected"), [
    ("Ingeborg fikk kveldsdosen til rompartneren ved en feil, klokka 20. Det var Sobril 10 mg "
     "og Imovane 7,5 mg.", [("Sobril", 10.0, "mg", None, "20:00", "given"),
                            ("Imovane", 7.5, "mg", None, "20:00", "given")]),
    ("Han nektet å ta morgenmedisinene i dag, sa han var kvalm. Det gjelder Metformin fem "
     "hundre milligram og Selo-Zok tjuefem milligram.",
     [("Metformin", 500.0, "mg", None, None, "refused"),
      ("Selo-Zok", 25.0, "mg", None, None, "refused")]),
    # a sentence between: the doses are not those said before
    ("Han nektet å ta morgenmedisinene. Puls 80. Det var Metformin 500 mg.",
     [("Metformin", 500.0, "mg", None, None, None)]),
])
def test_doses_named_in_the_sentence_after_their_status(text, expected):
    assert tuples(text) == expected
