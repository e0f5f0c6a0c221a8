"""The clinical metrics over the gold set (tests/data/gold_notes), rules backend, no model.

Floors and ceilings are the figures measured when the gold set was written (rules backend of
that day): they only hold what is met, so the dangerous-error count can only go down and the
accuracies only up. Raise them when the rules improve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diktat.eval.clinical import MEDICATION_PARTS, ClinicalMetrics, score_clinical
from diktat.eval.clinical_items import VALUE_KINDS, gold_findings, gold_values
from diktat.eval.notes import cases_from_folder, evaluate_notes
from diktat.structuring.note import (
    Deviation,
    Evidence,
    JournalNote,
    MedicationAdministration,
    Observation,
    VitalSigns,
)
from diktat.structuring.vital_signs import Pulse

GOLD = Path(__file__).parent / "data" / "gold_notes"
MAX_DANGEROUS = 0  # measured (17 before the safety classes of issue 16); may not go up
MIN_VALUE_ACCURACY = 0.99  # measured 100.0 % (the bar: 97 %); 84.1 % when written
MIN_TUPLE_ACCURACY = 0.86  # measured 86.4 % (51 of 59); 67.8 % when written
MIN_ASSERTION_ACCURACY = 0.815  # measured 82.0 %; 79.7 % when written
MAX_HIDDEN_WORDS = 0  # every word of every dictation visible in the text output


@pytest.fixture(scope="module")
def evaluation():
    cases, problems = cases_from_folder(GOLD)
    assert problems == []
    return evaluate_notes(cases, "rules")


def test_the_gold_set_is_large_and_varied():
    texts = sorted(GOLD.glob("*.txt"))
    assert len(texts) >= 60
    metas = [json.loads(p.with_suffix(".expected.json").read_text(encoding="utf-8"))["meta"]
             for p in texts]
    assert {m["written_standard"] for m in metas} >= {"nb", "nn", "dialect"}
    assert {m["setting"] for m in metas} == {"hjemmetjeneste", "sykehjem"}
    lengths = [len(p.read_text(encoding="utf-8").split()) for p in texts]
    assert min(lengths) >= 14 and max(lengths) >= 140


def test_metrics_are_computed_per_field_and_dictation(evaluation):
    c = evaluation.clinical
    assert c is not None and c.notes == len(evaluation.per_note_clinical) >= 60
    assert set(c.values) == set(VALUE_KINDS) and set(c.medications) == set(MEDICATION_PARTS)
    for kind in ("blood_pressure", "pulse", "blood_glucose", "inr", "weight", "pain_score",
                 "fluid_intake", "urine_output", "oxygen_device"):
        assert c.values[kind].expected > 0, kind
    assert c.medications["tuple"].expected >= 50
    assert {a for a, t in c.assertions.items() if t.expected} >= {
        "present", "negated", "possible", "historical", "other_person", "asked"}
    assert all(d.dictation and d.field and d.kind for d in c.dangerous)
    assert sum(m.dangerous_count for _, m in evaluation.per_note_clinical) == c.dangerous_count
    assert ClinicalMetrics.model_validate_json(c.model_dump_json()) == c


def test_current_figures_hold(evaluation):
    c = evaluation.clinical
    assert c.dangerous_count <= MAX_DANGEROUS, [d.model_dump() for d in c.dangerous]
    assert c.value_accuracy >= MIN_VALUE_ACCURACY
    assert c.medication_tuple_accuracy >= MIN_TUPLE_ACCURACY
    assert c.assertion_accuracy >= MIN_ASSERTION_ACCURACY
    assert c.coverage.hidden <= MAX_HIDDEN_WORDS


# --- the judgements themselves, on hand-made notes ---------------------------------------------
TEXT = "Puls 72. Fikk Paracet 1 g kl 8. Ingen smerter."


def _ev(quote: str) -> Evidence:
    start = TEXT.index(quote)
    return Evidence(start=start, end=start + len(quote), quote=quote)


GOLD_NOTE = {
    "vital_signs": {"pulse": [{"value": 72}], "inr": [{"value": 2.5}]},
    "medications": [{"drug": "Paracet", "dose": 1, "unit": "g", "time": "08:00",
                     "status": "given"}],
    "observations": [{"area": "pain", "assertion": "negated", "negated": True,
                      "text": "Ingen smerter", "key": "smerter"}],
}


def _note(pulse=72, dose=1.0, time="08:00", negated=True) -> JournalNote:
    return JournalNote(
        vital_signs=VitalSigns(pulse=(Pulse(value=pulse, evidence=_ev("Puls 72")),)),
        medications=(MedicationAdministration(
            drug="Paracet", drug_as_said="Paracet", dose=dose, unit="g", time=time,
            status="given", evidence=_ev("Fikk Paracet 1 g kl 8")),),
        observations=(Observation(text="Ingen smerter", area="pain", negated=negated,
                                  evidence=_ev("Ingen smerter")),),
    )


def test_a_right_note_scores_right_and_a_missing_kind_is_missing_not_dangerous():
    m = score_clinical(_note(), GOLD_NOTE, TEXT, "x")
    assert m.values["pulse"].right == 1 and m.values["inr"].missing == 1
    assert m.medications["tuple"].right == 1 and m.assertion_accuracy == 1.0
    assert m.dangerous == () and "vital_signs.inr: 2.5" in m.missed


def test_wrong_values_doses_times_and_negations_are_dangerous():
    m = score_clinical(_note(pulse=99, dose=2.0, time=None, negated=False), GOLD_NOTE, TEXT, "x")
    kinds = sorted(d.kind for d in m.dangerous)
    assert kinds == ["flipped negation", "wrong dose", "wrong value"]
    assert m.medications["time"].missing == 1  # a time not extracted is missing, not dangerous
    assert {d.dictation for d in m.dangerous} == {"x"}


@pytest.mark.parametrize(("gold_drug", "gold_unit", "drug", "unit", "right"), [
    ("Xalatan", "dråpe", "Latanoprost", "dråpe", True),  # a brand and its substance
    ("Nitroglycerin", "tablett", "Nitroglyserin", "tablett", True),  # two spellings
    ("Norspan", "mcg/h", "Norspan", "mikrog/t", True),  # one unit written two ways
    ("Digitoksin", "mg", "Digoksin", "mg", False),  # a look-alike is another drug
])
def test_one_drug_or_unit_named_two_ways_is_the_same(gold_drug, gold_unit, drug, unit, right):
    text = f"Fikk {drug} 1 {unit}."
    gold = {"medications": [{"drug": gold_drug, "dose": 1, "unit": gold_unit, "time": None,
                             "status": "given"}]}
    quote = text.rstrip(".")
    note = JournalNote(medications=(MedicationAdministration(
        drug=drug, drug_as_said=drug, dose=1.0, unit=unit, status="given",
        evidence=Evidence(start=0, end=len(quote), quote=quote)),))
    m = score_clinical(note, gold, text, "x")
    assert (m.medications["tuple"].right == 1) is right
    assert (m.dangerous == ()) is right


def test_a_deviation_of_another_kind_is_wrong_and_one_too_many_is_invented():
    def deviations(*kinds):
        return _note().model_copy(update={"deviations": tuple(
            Deviation(kind=k, text="Fikk Paracet", evidence=_ev("Fikk Paracet")) for k in kinds)})

    gold = {**GOLD_NOTE, "deviations": [{"kind": "medication_error", "text": "Avvik"}]}
    right = score_clinical(deviations("medication"), gold, TEXT)  # the gold's word for it
    assert right.deviations.right == 1 and right.dangerous == ()
    other = score_clinical(deviations("other"), gold, TEXT)  # the avvik is there, filed vaguely
    assert other.deviations.wrong == 1 and other.dangerous == ()
    assert "deviations: medication (filed as other)" in other.missed
    extra = score_clinical(deviations("medication", "fall"), gold, TEXT)
    assert [(d.field, d.kind) for d in extra.dangerous] == [("deviations", "invented deviation")]
    none = score_clinical(deviations(), gold, TEXT)
    assert none.deviations.missing == 1 and none.dangerous == ()


def test_a_value_the_gold_does_not_have_is_invented():
    gold = {**GOLD_NOTE, "vital_signs": {"inr": [{"value": 2.5}]}}
    m = score_clinical(_note(), gold, TEXT)
    assert [(d.field, d.kind) for d in m.dangerous] == [("vital_signs.pulse", "invented value")]


def test_gold_measurements_the_schema_may_lack_are_read():
    gold = {"vital_signs": {"diuresis": [{"value": 0.4, "unit": "l"}],
                            "oxygen_device": [{"value": "nesekateter"}]},
            "observations": [{"area": "pain", "assertion": "asked", "text": "Har du vondt?"}]}
    got = {(v.kind, v.value, v.unit) for v in gold_values(gold)}
    assert got == {("urine_output", "400", "ml"), ("oxygen_device", "nasal_catheter", None)}
    assert gold_findings(gold)[0].key == ("har", "du", "vondt")


def test_doses_of_one_drug_pair_by_what_they_agree_on_not_by_order():
    from diktat.eval.clinical import _pair_doses
    from diktat.eval.clinical_items import Dose

    pump = Dose("Morfin", "morfin", "20", "mg/døgn", "10:00", "given")
    extra = Dose("Morfin", "morfin", "2.5", "mg", "14:10", "prn")
    got = Dose("Morfin", "morfin", "2.5", "mg", None, "given")
    pairs, left = _pair_doses([pump, extra], [got])
    assert pairs == [(pump, None), (extra, got)] and left == []


def test_a_finding_a_more_specific_key_took_is_left_to_it():
    text = "Kona har vondt i halsen. Han har ikke vondt nå."

    def observation(quote: str, assertion: str) -> Observation:
        start = text.index(quote)
        return Observation(text=quote, area="pain", negated=assertion == "negated",
                           assertion=assertion,
                           evidence=Evidence(start=start, end=start + len(quote), quote=quote))

    note = JournalNote(observations=(observation("Kona har vondt i halsen", "other_person"),
                                     observation("Han har ikke vondt nå", "negated")))
    gold = {"observations": [
        {"area": "pain", "assertion": "negated", "text": "Han har ikke vondt nå", "key": "vondt"},
        {"area": "pain", "assertion": "other_person", "text": "Kona har vondt i halsen",
         "key": "vondt i halsen"}]}
    m = score_clinical(note, gold, text)
    assert m.dangerous_count == 0 and m.assertion_accuracy == 1.0
