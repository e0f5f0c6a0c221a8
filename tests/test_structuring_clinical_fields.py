"""Issue 16 item 4: the clinical content a municipal note needs.

Blood glucose, INR, weight, pain score, fluid intake / urine output / balance, the oxygen device;
NEWS2 with its parts or what is missing; ISBAR messages to lege and legevakt recognised without a
written heading (vitals in them not counted twice); deviations only for events that happened,
"avvik er skrevet" as a measure; dates never cut from their month.
"""

from __future__ import annotations

import pytest

from diktat.structuring.note import JournalNote
from diktat.structuring.render import render
from tests.structuring_helpers import note, values


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Blodsukker tolv komma fire mmol/l før frokost.", "blood_glucose", [12.4]),
    ("BS 7,8 kl 8, satte NovoRapid 4 enheter.", "blood_glucose", [7.8]),
    ("Blodsukkeret var fem komma seks i kveld.", "blood_glucose", [5.6]),
    ("INR var to komma ni i dag.", "inr", [2.9]),
    ("INR 3,1, Marevan uendret.", "inr", [3.1]),
    ("Vekt sekstito komma fem kilo.", "weight", [62.5]),
    ("Hun veide 58 kg i dag, ned 2 kg.", "weight", [58]),
    ("Smerter i hofta sju av ti.", "pain_score", [7]),
    ("NRS 3 etter Paracet.", "pain_score", [3]),
    ("Smertescore 0 i ro.", "pain_score", [0]),
    ("Hun drakk tolv hundre milliliter i dag.", "fluid_intake", [1200]),
    ("Væskeinntak 1,5 l siste døgn.", "fluid_intake", [1.5]),
    ("Diurese 900 ml.", "urine_output", [900]),
    ("Urinmengde seks hundre milliliter.", "urine_output", [600]),
    ("Tømt 400 ml fra kateterposen.", "urine_output", [400]),
    ("Væskebalanse pluss 300 ml.", "fluid_balance", [300]),
    ("Væskebalanse minus 200 ml.", "fluid_balance", [-200]),
])
def test_measurements_are_read(text, kind, expected):
    assert values(note(text), kind) == expected


@pytest.mark.parametrize(("text", "kind"), [
    ("Fikk Paracet for smerter 1 g kl 8.", "pain_score"),  # a dose, not a score
    ("Smerter 7 i hofta.", "pain_score"),  # no scale, no "av 10"
    ("Blodsukker skal holdes mellom 5 og 10.", "blood_glucose"),  # a target
    ("Væskeinntak minst 1,5 l per døgn.", "fluid_intake"),  # a target
    ("Drakk 2 glass vann.", "fluid_intake"),  # no volume
    ("Tømt 200 ml fra stomiposen.", "urine_output"),  # not urine
    ("Vekt 2 kg ned siden sist.", "weight"),  # a change, not a weight
    ("Har du målt blodsukker 7?", "blood_glucose"),  # a question
])
def test_no_measurement_invented(text, kind):
    assert values(note(text), kind) == []


def test_pain_dose_stays_with_the_drug():
    n = note("Fikk Paracet for smerter 1 g kl 8.")
    assert [(m.drug, m.dose, m.unit, m.time) for m in n.medications] == [
        ("Paracet", 1.0, "g", "08:00")]


def test_measurement_time_and_units():
    n = note("Klokka åtte blodsukker 12,4. Drakk en komma to liter.")
    assert [(g.value, g.time) for g in n.vital_signs.blood_glucose] == [(12.4, "08:00")]
    assert [(f.value, f.unit) for f in n.vital_signs.fluid_intake] == [(1.2, "l")]
    assert n.vital_signs.blood_glucose[0].unit == "mmol/l"


def test_pain_score_scale():
    n = note("Smerter NRS 6 av 10 i ryggen. VAS 4.")
    assert [(p.value, p.scale) for p in n.vital_signs.pain_score] == [(6, "NRS"), (4, "VAS")]


def test_pain_keeps_its_finding_and_fluids_their_words():
    n = note("Smerter i hofta 6 av 10. Hun har drukket en liter i løpet av dagen.")
    assert [o.area.value for o in n.observations] == ["pain", "nutrition_fluids"]
    assert not n.unclassified


def test_text_output_shows_measurements_and_fluids():
    text = render(note("Blodsukker 12,4 kl 8. INR 2,9. Vekt 62 kg. NRS 5. Drakk 1200 ml. "
                       "Diurese 900 ml. Væskebalanse pluss 300 ml."))
    assert "Målinger: blodsukker 12,4 mmol/l kl. 08:00, INR 2,9, vekt 62 kg, smerte NRS 5/10" \
        in text
    assert "Væske: inntak 1200 ml, diurese 900 ml, balanse +300 ml" in text


@pytest.mark.parametrize(("text", "device", "on_oxygen"), [
    ("Metning 91 % på 2 liter O2 på nesekateter.", "nasal_catheter", True),
    ("SpO2 93 prosent med 3 l oksygen på nesebrille.", "nasal_cannula", True),
    ("Metning 95 % på maske.", "mask", True),
    ("Metning 88 % på reservoarmaske.", "reservoir_mask", True),
    ("Metning 96 % på romluft.", None, False),
])
def test_oxygen_device_beside_the_flow(text, device, on_oxygen):
    spo2 = note(text).vital_signs.spo2
    assert [(s.oxygen_device, s.on_oxygen) for s in spo2] == [(device, on_oxygen)]


def test_device_is_shown():
    text = render(note("Metning 91 % på 2 liter O2 på nesekateter."))
    assert "SpO2 91 % (2 l O2 på nesekateter)" in text


def test_news2_missing_is_listed():
    n = note("BT 130/80, puls 96. Metning 91 prosent.")
    assert n.vital_signs.news2 is None
    assert n.vital_signs.news2_missing == (
        "respiratory_rate", "oxygen", "consciousness", "temperature")
    assert "NEWS2 ikke beregnet: mangler RF, O2 eller romluft, ACVPU, temp" in render(n)


def test_news2_with_its_parts():
    n = note("BT 100/60, puls 112, temp 38,4, metning 93 % på 2 l O2, RF 22, våken og klar.")
    assert n.vital_signs.news2 is not None and n.vital_signs.news2_missing == ()
    assert "NEWS2 11 (høy risiko; RF 2, SpO2 2, O2 2, BT 2, puls 2, temp 1)" in render(n)


def test_no_news2_line_without_news2_parameters():
    n = note("Blodsukker 6,2.")
    assert n.vital_signs.news2_missing == ()
    assert "NEWS2" not in render(n)


def test_json_round_trips_and_old_notes_still_load():
    n = note("Metning 91 % på nesebrille. Blodsukker 6,2. Hun datt i stua.")
    again = JournalNote.model_validate_json(n.model_dump_json())
    assert again.vital_signs == n.vital_signs
    old = {"vital_signs": {"pulse": [{"value": 72, "evidence": {
        "start": 0, "end": 7, "quote": "puls 72"}}], "news2": None}}
    assert JournalNote.model_validate(old).vital_signs.blood_glucose == ()


def test_call_to_legevakt_is_an_isbar_message():
    text = ("Temp 38,9 kl 14. Ringte legevakten kl 14:10: Gjelder Ola Nordmann. Han har feber, "
            "temp 38,9, puls 110. Han er kjent med KOLS. Jeg mistenker lungebetennelse. "
            "Ønsker at lege kommer.")
    n = note(text)
    assert n.message is not None and n.message.recipient == "legevakt"
    assert [s.text for s in n.message.identification] == ["Gjelder Ola Nordmann"]
    assert [s.text for s in n.message.situation] == ["Han har feber, temp 38,9, puls 110"]
    assert [s.text for s in n.message.recommendation] == ["Ønsker at lege kommer"]
    assert len(n.vital_signs.temperature) == 1  # said twice, measured once
    assert [s.text for s in n.measures] == ["Ringte legevakten 14:10"]
    assert "Beskjed til legevakt (ISBAR):" in render(n)


def test_isbar_heading_after_a_call_takes_its_recipient():
    n = note("Ringte fastlegen. Identifikasjon: Kari Hansen, rom 12. Situasjon: Hun har falt.")
    assert n.message is not None and n.message.recipient == "fastlege"
    assert not n.deviations or all("Hun har falt" not in d.text for d in n.deviations)


@pytest.mark.parametrize("text", ["Lege er varslet."])
def test_a_call_reported_is_a_measure_not_a_message(text):
    n = note(text)
    assert n.message is None and n.measures


def test_a_call_said_without_a_colon_is_a_measure_and_a_message():
    # issue 16, round 7: what legevakt said is a message to legevakt; the call a measure
    n = note("Ringte legevakten og fikk råd om å observere.")
    assert n.message is not None and n.message.recipient == "legevakt"
    assert [s.text for s in n.measures] == ["Ringte legevakten"]


@pytest.mark.parametrize("text", [
    "Avvik er skrevet.", "Avviksmelding er sendt.", "Har skrevet avvik i TQM.",
    "Lege er varslet og avvik er skrevet.",
])
def test_deviation_report_is_a_measure(text):
    n = note(text)
    assert not n.deviations and n.message is None
    assert n.measures


def test_deviation_report_in_a_message_or_deviation_section_is_a_measure():
    n = note("Avvik: Hun falt på badet. Avviksmelding er skrevet.")
    assert [d.kind for d in n.deviations] == ["fall"]
    assert [s.text for s in n.measures] == ["Avviksmelding er skrevet"]
    m = note("Beskjed til lege: Hun har falt i natt. Avvik er skrevet.")
    assert all("Avvik" not in s.text for p in m.message.PARTS for s in getattr(m.message, p))
    assert [s.text for s in m.measures] == ["Avvik er skrevet"]


def test_fall_and_deviation_in_one_sentence():
    n = note("Hun falt i stua, avviksmelding er sendt.")
    assert [(d.kind, d.text) for d in n.deviations] == [("fall", "Hun falt i stua")]
    assert [s.text for s in n.measures] == ["avviksmelding er sendt"]


@pytest.mark.parametrize("text", [
    "Det er fare for fall.", "Fallrisiko vurdert.", "Vi jobber for å forebygge fall.",
    "Ved fall skal lege kontaktes.", "Han har ikke falt siden sist.", "Har du falt noe?",
    "Hun er redd for å falle.",
])
def test_no_deviation_without_an_event(text):
    assert note(text).deviations == ()


@pytest.mark.parametrize(("text", "kind"), [
    ("Kveldsbesøket ble ikke utført.", "missed_visit"),
    ("Morgenbesøket ble glemt.", "missed_visit"),
    ("Glemte å gi Eliquis kl 8.", "medication"),
    ("Hun fikk feil dose Marevan i går.", "medication"),
    ("Fikk dobbel dose Sobril.", "medication"),
    ("Funnet på gulvet kl 3.", "fall"),
])
def test_deviations_that_happened(text, kind):
    assert [d.kind for d in note(text).deviations] == [kind]


@pytest.mark.parametrize(("text", "whole"), [
    ("Kontroll hos fastlegen den 6. desember. Hun er fornøyd.",
     "Kontroll hos fastlegen den 6. desember"),
    ("Ny INR-kontroll fra 06.12. Hun er fornøyd.", "Ny INR-kontroll fra 06.12"),
    ("Hun kom hjem fra sykehuset den 06. og har det bra.",
     "Hun kom hjem fra sykehuset den 06. og har det bra"),
])
def test_dates_are_never_cut(text, whole):
    n = note(text)
    said = [s.text for s in (*n.situation, *n.plan, *n.measures, *n.observations,
                             *n.unclassified)]
    assert any(whole in s for s in said), said
