"""Classes of issue 16 found by the sixteenth audit round (rules backend), worded for this file.

An evening visit, round or report named first is the evening's text even where the morning or
the night is named later; "i kveld" earlier in the sentence makes an hour the evening's;
"klokka tolv" in a night text is midnight; sørlandsk "ittje" negates; the patient who "tok" a
dose took it herself, also after the drug ("Albyl-E tok hun") and in dialect ("hu hadde tatt");
a neighbour's fall is no deviation; a value that fell to a number, or a bound ("under 90"), is
no fall and no measurement; "tok det opp med fastlegen" and "vil at ho skal ha" give nothing.
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from tests.structuring_helpers import dose_rows, note


@pytest.mark.parametrize(("text", "time"), [
    ("Kveldsrapport frå avdeling to. Ho fekk Insulatard 22 einingar klokka ni. Nytt blodsukker "
     "i morgon tidleg.", "21:00"),
    ("Kveldsvisitt hos Bjarne. Han fikk Lantus 12 enheter klokka ni.", "21:00"),
    ("Kveldsbesøk hos Marit. Hun fikk Imovane 7,5 mg klokka ti. Hun er redd for å falle om "
     "natta.", "22:00"),
    ("Avviksmelding. Hun fikk Marevan to ganger i kveld, både klokka seks og klokka åtte.",
     "18:00"),
    ("Nattevakt avdeling en. Hun ville ikke ta imot Haldol klokka tolv.", "00:00"),
])
def test_the_part_of_the_day_of_an_hour(text, time):
    assert time in normalize_spoken(text).text


@pytest.mark.parametrize(("text", "time"), [
    ("Dagvakt. Hun fikk Paracet klokka tolv.", "12:00"),
    ("Eliquis 5 mg morgen og kveld, fikk morgendosen klokka åtte.", "08:00"),
    ("Kveldsbesøk. Lab klokka sju i morgen tidlig.", "07:00"),
])
def test_hours_the_evening_does_not_take(text, time):
    assert time in normalize_spoken(text).text


def test_a_dose_the_patient_took_herself():
    assert dose_rows("Hu hadde tatt Paracet, to stykker i morres.")[0][-1] == "self_administered"
    assert [r[-1] for r in dose_rows("Så Selo-Zok tok hun da mens jeg var der.")] == [
        "self_administered"]
    assert dose_rows("Han ha itj tatt Atrovent i dag, han hadd glømt det, så han tok to puff "
                     "mens æ va der, klokka halv elleve.") == [
        ("Atrovent", 2.0, "puff", "10:30", "self_administered")]


def test_a_refusal_in_dialect():
    text = "Han ville itj ta Metformin, sa at han va kvalm, så den ble itj gitt."
    assert [m.status.value for m in note(text).medications] == ["refused"]


@pytest.mark.parametrize("text", [
    "Hun fortalte at naboen i nummer tolv hadde falt på isen i går og brukket håndleddet.",
    "Uten oksygen, når han gikk på do, falt han te åttitre.",
])
def test_no_fall_of_the_patient(text):
    assert not note(text).deviations


def test_a_bound_is_no_measurement():
    n = note("Legen sa vi skulle auke til tre liter om metninga fall under nitti.")
    assert not n.vital_signs.spo2


def test_raising_it_with_the_doctor_and_a_planned_dose_give_nothing():
    text = ("Eg tok det opp med fastlegen på telefon, og han vil at ho skal ha Furix førti "
            "milligram i staden for tjue frå i morgon.")
    assert not note(text).medications


@pytest.mark.parametrize("text", [
    "Han va i go form, ittje nå vondt i dag.",
    "Hu hadde ittje vondt mens æ holdt på.",
])
def test_ittje_negates(text):
    pain = [o for o in note(text).observations if "vondt" in o.text]
    assert [o.assertion.value for o in pain] == ["negated"]
