"""Classes of issue 16 found by the twenty-fourth audit round (rules backend), worded for this file.

A relative's subject goes on through "og" into a negated clause ("Dattera er her, ho er sliten
og har ikke sovet": her, not the patient); an order as needed and the later "X ble ikke gitt" are
one entry, not given; "A og B, nei, ikke B, ..., bare A" is A once and no B.
"""

from __future__ import annotations

from tests.structuring_helpers import dose_rows, note


def _assertions(text: str, word: str) -> list[str]:
    return [o.assertion.value for o in note(text).observations if word in o.text.casefold()]


def test_a_relatives_negated_state_is_the_relatives():
    text = "Olav er urolig i kveld. Dattera er her, hun er sliten og har ikke sovet i natt."
    assert _assertions(text, "sovet") == ["other_person"]
    # said of the patient, the negation stays
    assert _assertions("Olav er urolig. Han har ikke sovet i natt.", "sovet") == ["negated"]


def test_an_order_and_what_became_of_it_are_one_entry():
    assert dose_rows("I kurven står det at han kan få Oksynorm 5 mg ved behov for smerter. "
                     "Oksynorm ble ikke gitt i natt.") == [
        ("OxyNorm", 5.0, "mg", None, "not_given")]
    # a dose given as needed and a later one not given stay two
    assert [r[4] for r in dose_rows("Han fikk Paracet 1 g ved behov. Paracet ble ikke gitt i "
                                    "kveld.")] == ["prn", "not_given"]


def test_a_drug_taken_back_and_the_other_confirmed_is_one_dose():
    assert dose_rows("Hun fikk Metformin 500 mg og Albyl-E, nei, ikke Albyl-E, den har hun "
                     "sluttet med, bare Metformin.") == [("Metformin", 500.0, "mg", None, "given")]
    assert dose_rows("Ga Paracet 1 g og Ibux, nei, bare Paracet.") == [
        ("Paracet", 1.0, "g", None, "given")]


def test_a_spoken_heading_filed_under_another_title_stays_in_the_text():
    from diktat.structuring.render import render_text

    shown = render_text(note("Hun har feber. Vurdering: trolig urinveisinfeksjon."))
    assert "Evaluering: Vurdering: trolig urinveisinfeksjon" in shown
    # a heading that is the title itself is not said twice
    assert "Tiltak: Tiltak" not in render_text(note("Tiltak: ga henne drikke."))


def test_a_dose_not_taken_that_the_nurse_then_gave_is_given_at_that_time():
    assert dose_rows("Furix 40 mg hadde hun ikke tatt, så den fikk hun av meg kl 11.") == [
        ("Furix", 40.0, "mg", "11:00", "given")]
    # the time said before it was not taken is not the time it was given
    assert dose_rows("Kl 8 hadde hun ikke tatt Furix, så jeg ga henne den.") == [
        ("Furix", None, None, None, "given")]
    assert dose_rows("Fikk Lasix 20 mg kl 9.") == [("Lasix", 20.0, "mg", "09:00", "given")]
