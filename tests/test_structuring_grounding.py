"""The grounding validator against hand-built notes with invented values (how it will police the
LLM): every unsupported value is removed and reported, every supported one is kept."""

from __future__ import annotations

import json

import pytest

from diktat.structuring.grounding import canonical_tokens, ground, locate, numbers_in
from diktat.structuring.note import (
    Deviation,
    Evidence,
    IsbarMessage,
    JournalNote,
    MedicationAdministration,
    Observation,
    Statement,
    UncertainWord,
    VitalSigns,
)
from diktat.structuring.vital_signs import (
    BloodPressure,
    Consciousness,
    OxygenSaturation,
    Pulse,
    Temperature,
)

TEXT = (
    "Blodtrykk hundre og førti over åtti, puls sytti to. Temp trettisju komma fem klokka åtte. "
    "Metning nittifire prosent på to liter oksygen. Hun var våken og klar. "
    "Fikk Parasett en gram peroralt klokka åtte for smerter. Oksynorm fem milligram ble ikke "
    "gitt. Ingen smerter i natt. Spiste godt til frokost."
)


def ev(quote: str, text: str = TEXT, nth: int = 0) -> Evidence:
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    return Evidence(start=start, end=start + len(quote), quote=quote)


def reasons(note: JournalNote) -> dict[str, str]:
    return {d.field: d.reason for d in note.dropped}


def test_supported_values_pass_untouched():
    vitals = VitalSigns(
        blood_pressure=(BloodPressure(systolic=140, diastolic=80,
                                      evidence=ev("Blodtrykk hundre og førti over åtti")),),
        pulse=(Pulse(value=72, evidence=ev("puls sytti to")),),
        temperature=(Temperature(value=37.5, time="08:00",
                                 evidence=ev("Temp trettisju komma fem klokka åtte")),),
        spo2=(OxygenSaturation(value=94, on_oxygen=True, oxygen_l_min=2,
                               evidence=ev("Metning nittifire prosent på to liter oksygen")),),
        consciousness=(Consciousness(level="A", evidence=ev("våken og klar")),),
    )
    med = MedicationAdministration(
        drug="Paracet", drug_as_said="Parasett", dose=1, unit="g", route="po", time="08:00",
        status="given", reason=Statement(text="smerter", evidence=ev("smerter")),
        evidence=ev("Fikk Parasett en gram peroralt klokka åtte for smerter"),
    )
    obs = Observation(text="Ingen smerter i natt", area="pain", negated=True,
                      evidence=ev("Ingen smerter i natt"))
    note = JournalNote(vital_signs=vitals, medications=(med,), observations=(obs,))
    assert ground(note, TEXT) == note


def test_invented_numbers_are_dropped():
    note = JournalNote(vital_signs=VitalSigns(
        pulse=(Pulse(value=88, evidence=ev("puls sytti to")),),
        blood_pressure=(BloodPressure(systolic=150, diastolic=80,
                                      evidence=ev("Blodtrykk hundre og førti over åtti")),),
        temperature=(Temperature(value=38.5, evidence=ev("Temp trettisju komma fem")),),
    ))
    out = ground(note, TEXT)
    assert out.vital_signs.is_empty
    assert set(reasons(out)) == {"vital_signs.pulse[0]", "vital_signs.blood_pressure[0]",
                                 "vital_signs.temperature[0]"}
    assert all(r == "the value is not in the evidence" for r in reasons(out).values())
    assert json.loads(out.dropped[0].value)["systolic"] == 150


def test_a_number_needs_its_own_label():
    # 80 is in "Blodtrykk 140/80", but that does not make it a pulse.
    note = JournalNote(vital_signs=VitalSigns(
        pulse=(Pulse(value=80, evidence=ev("Blodtrykk hundre og førti over åtti")),)))
    assert reasons(ground(note, TEXT)) == {
        "vital_signs.pulse[0]": "the evidence does not name the pulse"}


def test_evidence_must_be_the_transcript_text_at_its_span():
    wrong_span = Evidence(start=0, end=13, quote="puls sytti to")
    outside = Evidence(start=len(TEXT) - 3, end=len(TEXT) + 10, quote="frokost.")
    note = JournalNote(vital_signs=VitalSigns(pulse=(
        Pulse(value=72, evidence=wrong_span), Pulse(value=72, evidence=outside))))
    out = ground(note, TEXT)
    assert out.vital_signs.pulse == ()
    assert "not the transcript text" in reasons(out)["vital_signs.pulse[0]"]
    assert "outside the transcript" in reasons(out)["vital_signs.pulse[1]"]


def test_quote_differing_only_in_case_or_spacing_is_repaired():
    good = ev("puls sytti to")
    sloppy = good.model_copy(update={"quote": "Puls  sytti to"})
    out = ground(JournalNote(vital_signs=VitalSigns(pulse=(Pulse(value=72, evidence=sloppy),))),
                 TEXT)
    assert out.vital_signs.pulse[0].evidence == good
    assert out.dropped == ()


def test_statements_must_be_what_was_said():
    paraphrase = Statement(text="Pasienten hadde god appetitt",
                           evidence=ev("Spiste godt til frokost"))
    normalised = Statement(text="Spiste godt", evidence=ev("Spiste godt til frokost"))
    note = JournalNote(plan=(paraphrase,), evaluation=(normalised,),
                       deviations=(Deviation(text="Hun falt", kind="fall",
                                             evidence=ev("Spiste godt til frokost")),))
    out = ground(note, TEXT)
    assert out.plan == () and out.deviations == ()
    assert out.evaluation == (normalised,)
    assert reasons(out)["plan[0]"] == "the text is not what the evidence says"


def test_spoken_numbers_count_as_said():
    st = Statement(text="Temp 37,5 08:00", evidence=ev("Temp trettisju komma fem klokka åtte"))
    assert ground(JournalNote(measures=(st,)), TEXT).measures == (st,)


def test_negation_can_be_neither_invented_nor_lost():
    lost = Observation(text="smerter i natt", area="pain", negated=False,
                       evidence=ev("Ingen smerter i natt"))
    flag_lost = Observation(text="Ingen smerter i natt", area="pain", negated=False,
                            evidence=ev("Ingen smerter i natt"))
    invented = Observation(text="Spiste godt til frokost", area="nutrition_fluids",
                           negated=True, evidence=ev("Spiste godt til frokost"))
    out = ground(JournalNote(observations=(lost, flag_lost, invented)), TEXT)
    assert out.observations == ()
    r = reasons(out)
    assert r["observations[0]"] == "the evidence negates what the text states"
    assert r["observations[1]"] == "the text is negated, but the observation is not"
    assert r["observations[2]"] == "negated, but the text says no negation"


def test_medication_sub_values_are_cleared_one_by_one():
    med = MedicationAdministration(
        drug="Paracet", drug_as_said="Parasett", dose=2, unit="mg", route="iv", time="09:00",
        status="given", effect=Statement(text="god effekt", evidence=ev("Spiste godt")),
        evidence=ev("Fikk Parasett en gram peroralt klokka åtte for smerter"),
    )
    out = ground(JournalNote(medications=(med,)), TEXT)
    (kept,) = out.medications
    assert (kept.drug, kept.status) == ("Paracet", "given")
    assert kept.dose is None and kept.unit is None and kept.route is None and kept.time is None
    assert kept.effect is None
    assert set(reasons(out)) == {"medications[0].dose", "medications[0].route",
                                 "medications[0].time", "medications[0].effect"}


def test_invented_unit_is_cleared():
    med = MedicationAdministration(drug="Paracet", drug_as_said="Parasett", dose=1, unit="mg",
                                   evidence=ev("Fikk Parasett en gram"))
    out = ground(JournalNote(medications=(med,)), TEXT)
    assert (out.medications[0].dose, out.medications[0].unit) == (1, None)
    assert reasons(out) == {"medications[0].unit": "the unit is not in the evidence"}


def test_status_must_match_the_evidence():
    oxy = ev("Oksynorm fem milligram ble ikke gitt")
    given = MedicationAdministration(drug="OxyNorm", drug_as_said="Oksynorm", dose=5, unit="mg",
                                     status="given", evidence=oxy)
    refused = given.model_copy(update={"status": "refused"})
    not_given = given.model_copy(update={"status": "not_given"})
    out = ground(JournalNote(medications=(given, refused, not_given)), TEXT)
    assert [m.status for m in out.medications] == [None, None, "not_given"]
    assert reasons(out)["medications[0].status"] == "the evidence says it was not given"


def test_drug_must_be_said_and_mean_that_drug():
    said_elsewhere = MedicationAdministration(drug="Eliquis", drug_as_said="Eliquis",
                                              evidence=ev("Fikk Parasett en gram"))
    wrong_drug = MedicationAdministration(drug="Pinex", drug_as_said="Parasett",
                                          evidence=ev("Fikk Parasett en gram"))
    out = ground(JournalNote(medications=(said_elsewhere, wrong_drug)), TEXT)
    assert out.medications == ()
    assert reasons(out) == {"medications[0]": "the drug name is not in the evidence",
                            "medications[1]": "'Parasett' is not the drug Pinex"}


def test_oxygen_and_acvpu_need_their_words():
    quote = ev("Metning nittifire prosent på to liter oksygen")
    spo2 = OxygenSaturation(value=94, on_oxygen=True, oxygen_l_min=4, evidence=quote)
    air = OxygenSaturation(value=94, on_oxygen=False, evidence=quote)
    acvpu = Consciousness(level="V", evidence=ev("våken og klar"))
    out = ground(JournalNote(vital_signs=VitalSigns(spo2=(spo2, air), consciousness=(acvpu,))),
                 TEXT)
    assert [(s.on_oxygen, s.oxygen_l_min) for s in out.vital_signs.spo2] == [(True, None),
                                                                             (None, None)]
    assert out.vital_signs.consciousness == ()
    assert set(reasons(out)) == {"vital_signs.spo2[0].oxygen_l_min", "vital_signs.spo2[1]"
                                 ".on_oxygen", "vital_signs.consciousness[0]"}


def test_message_parts_and_uncertain_words():
    msg = IsbarMessage(recipient="lege", situation=(
        Statement(text="Ingen smerter i natt", evidence=ev("Ingen smerter i natt")),),
        recommendation=(Statement(text="Send henne til sykehus",
                                  evidence=ev("Spiste godt til frokost")),))
    words = (UncertainWord(word="Parasett", probability=0.3, evidence=ev("Parasett")),
             UncertainWord(word="Pinex", probability=0.3, evidence=ev("Parasett")))
    out = ground(JournalNote(message=msg, uncertain_words=words), TEXT)
    assert out.message.situation == msg.situation and out.message.recommendation == ()
    assert [w.word for w in out.uncertain_words] == ["Parasett"]
    only_invented = IsbarMessage(recommendation=msg.recommendation)
    assert ground(JournalNote(message=only_invented), TEXT).message is None


def test_dropped_accumulates_and_nothing_else_changes():
    first = ground(JournalNote(vital_signs=VitalSigns(
        pulse=(Pulse(value=99, evidence=ev("puls sytti to")),))), TEXT)
    second = ground(first, TEXT)
    assert second.dropped == first.dropped and len(first.dropped) == 1


@pytest.mark.parametrize(
    ("quote", "expected"),
    [("puls sytti to", "puls sytti to"), ("Puls 72", "puls sytti to"),
     ("temp 37,5", "Temp trettisju komma fem"), ("ingenting av dette", None)],
)
def test_locate(quote, expected):
    found = locate(quote, TEXT)
    if expected is None:
        assert found is None
    else:
        assert found.quote == expected and TEXT[found.start : found.end] == expected


def test_helpers():
    assert canonical_tokens("Blodtrykk hundre og førti over åtti.") == ("blodtrykk", "140/80")
    assert numbers_in("klokka åtte fikk hun to tabletter") == {2.0}  # 08:00 is a time
