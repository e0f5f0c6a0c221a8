"""Classes of issue 16 found by the twentieth audit round (rules backend), worded for this file.

"Hadde feber i helga" is historical and "no er han feberfri" negated; a room-mate's "og sa at
hun hadde vondt i magen" is her own; a relative who "tok ein Paracet" took it herself, not the
patient; a time said in a reason ("fordi hun sov klokka åtte") is no dose's time; "x 2," keeps
its count; a second dose said without the drug's name ("og så fikk han 7,5 mg til ... klokka
tjuetre, nei jeg mener halv tolv") is a dose of its own, at its corrected time in the same half
of the day.
"""

from __future__ import annotations

import pytest

from diktat.structuring.pipeline import structure
from tests.structuring_helpers import dose_rows, note


def _assertions(text: str, word: str) -> list[str]:
    return [o.assertion.value for o in note(text).observations if word in o.text.casefold()]


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("Ho hadde feber i forrige veke, no er ho feberfri.", "hadde feber", "historical"),
    ("Ho hadde feber i forrige veke, no er ho feberfri.", "feberfri", "negated"),
    ("Han er smertefri etter dosen.", "smertefri", "negated"),
    ("Hun hadde vondt i ryggen for tre dager siden.", "vondt", "historical"),
    # an ongoing or present complaint is not history
    ("Hun har hatt vondt i ryggen siden i helgen.", "vondt", "present"),
    ("Hun hadde vondt i ryggen i helgen og har det fortsatt.", "vondt", "present"),
    # someone else's past illness stays someone else's
    ("Sønnen var her, han har hatt omgangssyke i helgen.", "omgangssyke", "other_person"),
])
def test_when_a_finding_was(text, word, expected):
    assert _assertions(text, word) == [expected]


def test_a_room_mates_own_complaint_is_hers_but_a_daughters_report_is_the_patients():
    mate = "Sidekvinna Berit vakna av det og sa at hun var kvalm, men sovna igjen."
    assert _assertions(mate, "kvalm") == ["other_person"]
    daughter = "Datteren ringte og sa at hun var kvalm i går kveld."
    assert "other_person" not in _assertions(daughter, "kvalm")


@pytest.mark.parametrize("text", [
    "Sønnen var på besøk, han er sjølv forkjølet og sliten, så han tok en Paracet fra "
    "lomma si.",
    "Kona hans tok en Ibux for hodepinen sin.",
])
def test_a_dose_someone_else_took_is_not_the_patients(text):
    n = note(text)
    assert n.medications == ()


@pytest.mark.parametrize(("text", "row"), [
    # what a relative tells, and a dose a relative gives, are the patient's
    ("Datteren sier at hun fikk Paracet 1 g i går kveld.",
     ("Paracet", 1.0, "g", None, "given")),
    ("Datteren var på besøk og ga henne Paracet 1 g.", ("Paracet", 1.0, "g", None, "given")),
    ("Hun var sliten, så hun fikk Paracet 1 g klokka ti.",
     ("Paracet", 1.0, "g", "10:00", "given")),
    # the time of the reason is not the dose's
    ("Medisinene ble gitt sent fordi hun sov tungt klokka åtte, hun fikk da Albyl-E 75 mg.",
     ("Albyl-E", 75.0, "mg", None, "given")),
    ("Hun fikk Paracet 1 g klokka ti fordi hun hadde vondt.",
     ("Paracet", 1.0, "g", "10:00", "given")),
])
def test_a_dose_read_right(text, row):
    assert dose_rows(text) == [row]


def test_a_count_after_the_dose_before_a_comma_is_kept():
    n = structure("Hun fikk Metformin 500 mg x 2, altså to tabletter.")
    assert [(m.drug, m.dose, m.count) for m in n.medications] == [("Metformin", 500.0, 2)]
    n = structure("Hun fikk Paracet 1 g x 2,5 mg.")  # "x 2,5": no count of 2
    assert all(m.count != 2 for m in n.medications)


@pytest.mark.parametrize(("text", "rows"), [
    ("Han fikk Zopiklon sju komma fem milligram klokka tjueto av kveldsvakta, og så fikk han "
     "sju komma fem milligram til av meg klokka tjuetre, nei jeg mener halv tolv.",
     [("Zopiklon", 7.5, "mg", "22:00", "given"), ("Zopiklon", 7.5, "mg", "23:30", "given")]),
    ("Hun fikk Paracet 1 g klokka åtte, og så ga jeg henne 1 g til klokka fjorten.",
     [("Paracet", 1.0, "g", "08:00", "given"), ("Paracet", 1.0, "g", "14:00", "given")]),
    # another drug's dose is not a second dose of the first
    ("Hun fikk Paracet 1 g klokka åtte og Ibux 400 mg klokka ti.",
     [("Paracet", 1.0, "g", "08:00", "given"), ("Ibux", 400.0, "mg", "10:00", "given")]),
])
def test_a_second_dose_said_without_the_name_is_its_own(text, rows):
    assert dose_rows(text) == rows


def test_a_corrected_time_stays_in_the_half_of_the_day_it_corrects():
    from diktat.norsk.normalize import normalize_spoken

    said = normalize_spoken("klokka tjuetre, nei jeg mener halv tolv").text
    assert said.endswith("23:30")
    assert normalize_spoken("klokka ti, nei, jeg mener klokka elleve").text.endswith("11:00")


@pytest.mark.parametrize(("text", "word", "expected"), [
    # left from rounds 16 and 19: a clause with its own modal verb ends the negation's scope,
    # and a finding after "uten" is a negated finding of its own
    ("Ho har ikkje vondt i hofta og kan stø på begge beina.", "stø", "present"),
    ("Ho har ikkje vondt i hofta og kan stø på begge beina.", "vondt", "negated"),
    ("Han har tørr hoste uten oppspytt.", "hoste", "present"),
    ("Han har tørr hoste uten oppspytt.", "oppspytt", "negated"),
    # "uten hjelp" is no finding: the sentence stays one
    ("Hun klarer ikke å reise seg fra senga uten hjelp.", "reise seg", "present"),
])
def test_scope_ends_at_a_clause_of_its_own(text, word, expected):
    assert _assertions(text, word) == [expected]
