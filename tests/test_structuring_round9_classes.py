"""Residual classes of issue 16 found by the ninth audit round (rules backend).

Each case is worded for this file and asserts the class's safe outcome through the public
entry point (``structure``), with nothing removed by the grounding validator: a refusal said
with the drug first and the subject inverted ("Zopiklon ga jeg ikke"); a dose not given takes
no time from another clause; "ikke <drug>" after a given one tells no dose of it; a doubt
whether a dose was taken ("usikker på om") is no status; a relative's second predicate ("falt
og ligger med brudd i hofta") is still the relative's; a missed visit with its time said; an
hour "i ettermiddag"; a vital corrected after "nei, jeg mener"; a value that fell is no fall.
"""

from __future__ import annotations

import pytest

from diktat.structuring.note import Assertion
from tests.structuring_helpers import dose_rows as _doses
from tests.structuring_helpers import grounded_note as _note


# -- 1. drug first, subject inverted: "Zopiklon ga jeg ikke" -------------------------------------
@pytest.mark.parametrize("text", [
    "Zopiklon ga jeg ikke heller, han sov allerede.",
    "Paracet ga vi ikke i dag.",
    "Furix fikk hun ikke i kveld, hun var tørr i munnen.",
    "Lantus satte jeg ikke, blodsukkeret var 4,1.",
])
def test_an_inverted_refusal_is_not_given(text):
    [(_, _, _, _, status)] = _doses(text)
    assert status == "not_given"


# -- 2. a dose not given takes no time from another clause ---------------------------------------
@pytest.mark.parametrize("text", [
    "Zopiklon ga jeg ikke, han sov allerede klokka ni.",
    "Paracet ble ikke gitt, hun var ute klokka 14.",
])
def test_a_dose_not_given_has_no_time_from_another_clause(text):
    [(_, _, _, time, status)] = _doses(text)
    assert (time, status) == (None, "not_given")


@pytest.mark.parametrize("text", [
    "Klokka 8 fikk hun ikke Paracet fordi hun sov.",
    "Paracet ble ikke gitt klokka 8.",
])
def test_a_dose_not_given_keeps_its_own_time(text):
    [(_, _, _, time, status)] = _doses(text)
    assert (time, status) == ("08:00", "not_given")


# -- 3. "ikke <drug>" after a given one ------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Kl 8 ga jeg Paracet 1 g, ikke Ibux.",
    "Ga Paracet 1 g, men ikke Ibux 400 mg.",
    "Hun fikk Paracet 1 g og ikke Ibux.",
])
def test_the_drug_after_ikke_is_no_dose_given(text):
    meds = _doses(text)
    assert [m[0] for m in meds] == ["Paracet"] and meds[0][4] == "given", meds


def test_fikk_ikke_drug_is_still_not_given():
    assert [m[4] for m in _doses("Hun fikk ikke Paracet i dag.")] == ["not_given"]


# -- 4. a doubt whether it was taken is no status ------------------------------------------------
@pytest.mark.parametrize("text", [
    "Usikker på om han tok morgendosen av Metformin, men det lå en tablett på gulvet.",
    "Vet ikke om hun har tatt Paracet i dag.",
    "Uklart om Marevan ble gitt i går.",
])
def test_a_doubt_whether_taken_is_no_administration(text):
    assert all(status is None and dose is None for _, dose, _, _, status in _doses(text))


def test_a_dose_given_after_a_doubt_about_another_day_stays():
    meds = _doses("Usikker på om Marevan ble gitt i går. I dag ga jeg Marevan 2,5 mg kl 18.")
    assert meds == [("Marevan", 2.5, "mg", "18:00", "given")]


def test_a_doubt_about_the_effect_is_no_effect():
    [med] = _note("Hun fikk Paracet 1 g, usikker på om det hjalp.").medications
    assert med.status == "given" and med.effect is None


# -- 5. a relative's second predicate is the relative's ------------------------------------------
@pytest.mark.parametrize("text", [
    "Ektemannen hennes falt i går kveld og ligger nå på sykehuset med brudd i hofta.",
    "Mannen hennes falt i hagen og ligger på sykehuset med brudd i lårhalsen. Hun er lei seg.",
])
def test_a_relatives_second_predicate_is_someone_elses(text):
    note = _note(text)
    found = [o for o in note.observations if "brudd" in o.text]
    assert found and all(o.assertion is Assertion.other_person for o in found), found
    assert note.deviations == ()


def test_the_patients_own_fall_after_a_relative_visit_stays_hers():
    note = _note("Datteren var på besøk. Hun falt i går og har vondt i hofta.")
    assert [d.kind for d in note.deviations] == ["fall"]
    pain = [o for o in note.observations if "vondt" in o.text]
    assert pain and all(o.assertion is Assertion.present for o in pain), pain


# -- 6. a missed visit with its time said -------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Avvik: besøket hos Nils Berg klokka 12 ble ikke gjennomført på grunn av sykdom i staben.",
    "Kveldsbesøket kl 21 ble ikke utført.",
])
def test_a_missed_visit_with_its_time_is_a_missed_visit(text):
    assert [d.kind for d in _note(text).deviations] == ["missed_visit"]


# -- 7. an hour "i ettermiddag" --------------------------------------------------------------------
@pytest.mark.parametrize(("text", "time"), [
    ("Hun fikk Paracet 500 mg klokka kvart over to i ettermiddag.", "14:15"),
    ("Fikk Ibux 200 mg kl 3 i ettermiddag.", "15:00"),
    ("Klokka halv ett i ettermiddag fikk hun Paracet 1 g.", "12:30"),
])
def test_an_afternoon_hour_is_after_noon(text, time):
    [(_, _, _, got, _)] = _doses(text)
    assert got == time


def test_a_night_hour_stays_at_night():
    [(_, _, _, got, _)] = _doses("Klokka to i natt fikk hun Imovane 7,5 mg.")
    assert got == "02:00"


# -- 8. a vital corrected after "nei, jeg mener" --------------------------------------------------
@pytest.mark.parametrize(("text", "bp"), [
    ("Blodtrykk 150 over 90, nei jeg mener 130 over 90. Puls 78.", (130, 90)),
    ("BT 150/90, eh, jeg mener 140/85.", (140, 85)),
])
def test_a_blood_pressure_corrected_is_the_one_after(text, bp):
    got = [(b.systolic, b.diastolic) for b in _note(text).vital_signs.blood_pressure]
    assert got == [bp]


def test_a_pulse_corrected_after_nei_jeg_mener():
    assert [p.value for p in _note("Puls 88, nei, jeg mener 78.").vital_signs.pulse] == [78]


# -- 9. a value that fell is no fall -----------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Liggende var blodtrykket 148 over 84, og etter tre minutter stående falt det til 118 over 70.",
    "BT falt fra 150/90 til 110/70 etter Furix.",
    "Metningen falt til 88 % da hun gikk på do.",
])
def test_a_value_that_fell_is_no_fall(text):
    assert _note(text).deviations == ()


@pytest.mark.parametrize("text", [
    "Hun falt til gulvet i natt.",
    "Metningen falt til 88 % og hun falt i gangen.",
])
def test_a_fall_beside_a_falling_value_is_still_a_fall(text):
    assert [d.kind for d in _note(text).deviations] == ["fall"]


# -- 10. a call or message done, said without a colon -----------------------------------------
@pytest.mark.parametrize(("text", "to"), [
    ("Sendt melding til fastlegen om mulig infeksjon i såret.", "fastlege"),
    ("Melding sendt fastlege om mulig urinveisinfeksjon.", "fastlege"),
    ("Jeg har ringt legevakten, de kommer innom i kveld.", "legevakt"),
    # what was agreed after a call in the past is no plan of the call
    ("Jeg ringte fastlegen om blodtrykket, og han vil ha nye målinger i morgen.", "fastlege"),
    ("Jeg har sendt melding til fastlegen og spurt om dosen skal endres.", "fastlege"),
])
def test_a_call_done_is_a_message_to_its_recipient(text, to):
    message = _note(text).message
    assert message is not None and message.recipient == to


@pytest.mark.parametrize("text", [
    "Ringer legevakt hvis hun blir verre.",
    "Skal ringe fastlegen i morgen.",
    "Ringer fastlegen i morgen.",
    "Ringte fastlegen, men fikk ikke svar.",
    "Vakthavende lege er varslet.",
])
def test_a_call_planned_or_not_got_through_is_no_message(text):
    assert _note(text).message is None
