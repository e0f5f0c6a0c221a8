"""Clause-level relations (issue 16, item 1): every dose, unit, route, time, status, reason and
effect comes from its own drug's clause or its explicit coordination, every vital-sign value
from its label's clause; the grounding validator checks the relation, not just the numbers."""

from __future__ import annotations

import pytest

from diktat.structuring.clauses import split_clauses
from diktat.structuring.grounding import ground
from diktat.structuring.note import Evidence, JournalNote, MedicationAdministration, VitalSigns
from diktat.structuring.pipeline import structure
from diktat.structuring.render import render
from diktat.structuring.vital_signs import Pulse


def _meds(text: str) -> list[tuple]:
    note = structure(text)
    assert note.dropped == (), note.dropped  # what the rules read, the validator accepts
    return [(m.drug, m.dose, m.unit, m.count, m.route, m.time, m.status)
            for m in note.medications]


def test_clauses_split_at_coordinators_subordinators_and_list_commas():
    text = "Fikk Paracet 1 g og Movicol 1 pose, men Furix ble ikke gitt fordi hun sov"
    got = [(text[c.start:c.end], c.joint) for c in split_clauses(text)]
    assert got == [("Fikk Paracet 1 g", "start"), ("Movicol 1 pose", "list"),
                   ("Furix ble ikke gitt", "contrast"), ("hun sov", "sub")]
    # "siden i går" and "da" without a subject are no clause boundary; "da hun" is
    text = "Feber siden i går, falt da hun skulle på do"
    assert [text[c.start:c.end] for c in split_clauses(text)] == [
        "Feber siden i går", "falt", "hun skulle på do"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a time said for one drug is not given to the next one in the sentence
        ("Selo-Zok femti milligram klokka åtte i morges, Albyl-E sytti fem milligram klokka "
         "fjorten.",
         [("Selo-Zok", 50, "mg", None, None, "08:00", None),
          ("Albyl-E", 75, "mg", None, None, "14:00", None)]),
        ("Ga Paracet 1 g klokka åtte og Movicol en pose klokka ti.",
         [("Paracet", 1, "g", None, None, "08:00", "given"),
          ("Movicol", 1, "pose", None, None, "10:00", "given")]),
        # a dose said for one drug is not given to the next one in a list
        ("Hun fikk Paracet tab fem hundre milligram og Movicol.",
         [("Paracet", 500, "mg", None, None, None, "given"),
          ("Movicol", None, None, None, None, None, "given")]),
        ("Paracet 1 g gitt, Movicol ikke gitt.",
         [("Paracet", 1, "g", None, None, None, "given"),
          ("Movicol", None, None, None, None, None, "not_given")]),
        # a time or verb said before a coordination serves all of it
        ("Klokka åtte fikk hun Paracet 1 g og Movicol 1 pose.",
         [("Paracet", 1, "g", None, None, "08:00", "given"),
          ("Movicol", 1, "pose", None, None, "08:00", "given")]),
        ("Paracet og Movicol ble gitt klokka ni.",
         [("Paracet", None, None, None, None, "09:00", "given"),
          ("Movicol", None, None, None, None, "09:00", "given")]),
        # concentrations are never doses
        ("Ga Morfin 10 mg/ml, null komma fem milliliter subkutant klokka fjorten.",
         [("Morfin", 0.5, "ml", None, "sc", "14:00", "given")]),
        ("Morfin fem milligram per milliliter, ga 0,4 ml s.c.",
         [("Morfin", 0.4, "ml", None, "sc", None, "given")]),
        # x 2, to drag, s.c. and i.m.
        ("Fikk Paracet en gram x 2 i dag.", [("Paracet", 1, "g", 2, None, None, "given")]),
        ("Fikk to x fem hundre milligram Paracet.",
         [("Paracet", 500, "mg", 2, None, None, "given")]),
        ("Ga Ventoline to drag.", [("Ventoline", 2, "drag", None, None, None, "given")]),
        ("Satt Fragmin 5000 IE s.c. kl 8 i morges.",
         [("Fragmin", 5000, "IE", None, "sc", "08:00", "given")]),
        ("Ga Haldol 2,5 mg i.m. klokka tjueto.",
         [("Haldol", 2.5, "mg", None, "im", "22:00", "given")]),
        # the patient's own dose is its own administration, apart from the nurse's
        ("Paracet ble ikke gitt, hun hadde tatt to selv klokka sju.",
         [("Paracet", None, None, None, None, None, "not_given"),
          ("Paracet", 2, None, None, None, "07:00", "self_administered")]),
        ("Hun har tatt Paracet 1 g selv i morges.",
         [("Paracet", 1, "g", None, None, None, "self_administered")]),
        # insulin is "satt" or "ikke satt"
        ("Insulatard ble ikke satt.", [("Insulatard", None, None, None, None, None,
                                        "not_given")]),
        ("Insulatard tolv enheter satt klokka åtte.",
         [("Insulatard", 12, "IE", None, None, "08:00", "given")]),
        ("Humalog ikkje sett i kveld.", [("Humalog", None, None, None, None, None,
                                          "not_given")]),
    ],
)
def test_each_value_comes_from_its_own_drug(text, expected):
    assert _meds(text) == expected


def test_reasons_for_not_giving_and_effects_of_prn_doses():
    note = structure("Furix ble ikke gitt fordi blodtrykket var lavt. Hun nektet å ta Marevan "
                     "fordi hun var kvalm. Fikk OxyNorm 5 mg ved behov klokka fjorten for "
                     "smerter, det virket fint.")
    assert note.dropped == ()
    got = [(m.drug, m.status, m.reason and m.reason.text, m.effect and m.effect.text)
           for m in note.medications]
    assert got == [("Furix", "not_given", "blodtrykket var lavt", None),
                   ("Marevan", "refused", "hun var kvalm", None),
                   ("OxyNorm", "prn", "smerter", "det virket fint")]
    assert note.vital_signs.blood_pressure == ()  # "blodtrykket var lavt" is no measurement
    lines = render(note, review=False).splitlines()
    assert "- Furix: ikke gitt, årsak: blodtrykket var lavt" in lines
    assert "- Paracet 2 kl. 07:00: tatt selv" in render(
        structure("Paracet ikke gitt, hun hadde tatt to selv klokka sju.")).splitlines()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BT 140/80, puls 72 kl 8.", {"blood_pressure": [(140, None)], "pulse": [(72, "08:00")]}),
        ("Klokka fjorten BT 150/90 og puls 88.",
         {"blood_pressure": [(150, "14:00")], "pulse": [(88, "14:00")]}),
        ("Puls 92 klokka sju, men blodtrykket ble målt til 130/70 klokka ni.",
         {"blood_pressure": [(130, "09:00")], "pulse": [(92, "07:00")]}),
        # a value said after another label or across "og" is not this label's
        ("Puls og BT 140/80.", {"blood_pressure": [(140, None)], "pulse": []}),
        ("Ga Selo-Zok 50 mg, BT 140/80 kl 8.", {"blood_pressure": [(140, "08:00")],
                                                "pulse": []}),
    ],
)
def test_each_measurement_gets_its_own_value_and_time(text, expected):
    note = structure(text)
    vs = note.vital_signs
    got = {"blood_pressure": [(b.systolic, b.time) for b in vs.blood_pressure],
           "pulse": [(p.value, p.time) for p in vs.pulse]}
    assert got == expected
    assert note.dropped == ()
    for m in note.medications:  # the blood pressure's time is no drug's time
        assert m.time is None


def test_fever_said_with_a_spoken_tenth_is_a_temperature():
    note = structure("Ingen smerter, men feber på trettiåtte og fem.")
    assert [t.value for t in note.vital_signs.temperature] == [38.5]


def _span(text: str, quote: str) -> Evidence:
    at = text.index(quote)
    return Evidence(start=at, end=at + len(quote), quote=quote)


def test_the_validator_rejects_a_dose_borrowed_from_another_drugs_clause():
    text = "Fikk Paracet 500 mg og Movicol klokka åtte."
    ev = _span(text, "Fikk Paracet 500 mg og Movicol klokka åtte")
    borrowed = MedicationAdministration(drug="Movicol", drug_as_said="Movicol", dose=500,
                                        unit="mg", status="given", time="08:00", evidence=ev)
    timed = MedicationAdministration(drug="Paracet", drug_as_said="Paracet", dose=500,
                                     unit="mg", status="given", time="08:00", evidence=ev)
    out = ground(JournalNote(medications=(borrowed, timed)), text)
    assert [(m.drug, m.dose, m.time, m.status) for m in out.medications] == [
        ("Movicol", None, "08:00", "given"), ("Paracet", 500, None, "given")]
    reasons = {d.field: d.reason for d in out.dropped}
    assert reasons["medications[0].dose"].startswith("the dose is said for another drug")
    assert reasons["medications[1].time"] == "the time belongs to another drug's clause"


def test_the_validator_rejects_a_concentration_as_a_dose_and_a_status_of_another_drug():
    text = "Morfin 10 mg/ml, Paracet ikke gitt."
    ev = _span(text, "Morfin 10 mg/ml, Paracet ikke gitt")
    m = MedicationAdministration(drug="Morfin", drug_as_said="Morfin", dose=10, unit="mg",
                                 status="not_given", evidence=ev)
    (out,) = ground(JournalNote(medications=(m,)), text).medications
    assert (out.dose, out.status) == (None, None)


def test_the_validator_rejects_a_vital_value_from_another_labels_clause():
    text = "Puls ikke målt, BT 140/80 og 72 i RF."
    ev = _span(text, "Puls ikke målt, BT 140/80")
    bad = Pulse(value=80, evidence=ev)
    out = ground(JournalNote(vital_signs=VitalSigns(pulse=(bad,))), text)
    assert out.vital_signs.pulse == ()
    assert out.dropped[0].reason == "the value is said in another clause than its label"
