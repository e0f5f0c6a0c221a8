"""The rules backend on short real sentences: vital signs, medication, areas, negation, sections."""

from __future__ import annotations

import pytest

from diktat.structuring.note import JournalNote
from diktat.structuring.pipeline import RulesStructurer, as_transcript
from diktat.structuring.rules import sentences


def rules(text: str) -> JournalNote:
    note = RulesStructurer().structure(as_transcript(text))
    for item in _items(note):
        assert text[item.evidence.start : item.evidence.end] == item.evidence.quote
    return note


def _items(note: JournalNote):
    vs = note.vital_signs
    yield from (*note.situation, *note.observations, *note.medications, *note.measures,
                *note.evaluation, *note.plan, *note.deviations, *note.unclassified)
    for kind in ("blood_pressure", "pulse", "temperature", "spo2", "respiratory_rate",
                 "consciousness"):
        yield from getattr(vs, kind)


@pytest.mark.parametrize(
    ("text", "bp", "pulse"),
    [
        ("BT 140/80, puls 72.", (140, 80), 72),
        ("Blodtrykket ble målt til 135/85 og pulsen var 64.", (135, 85), 64),
        ("blodtrykk hundre og femti over nitti, puls åttifem slag i minuttet", (150, 90), 85),
        ("BT: 120/70 mmHg. HF 110.", (120, 70), 110),
    ],
)
def test_blood_pressure_and_pulse(text, bp, pulse):
    vs = rules(text).vital_signs
    assert [(b.systolic, b.diastolic) for b in vs.blood_pressure] == [bp]
    assert [p.value for p in vs.pulse] == [pulse]


def test_temperature_spo2_rf_and_time():
    vs = rules("Klokka fjorten tretti: temp 38,2, SpO2 91 % uten oksygen, RF 22.").vital_signs
    assert [(t.value, t.time) for t in vs.temperature] == [(38.2, "14:30")]
    assert [(s.value, s.on_oxygen, s.oxygen_l_min) for s in vs.spo2] == [(91, False, None)]
    assert [r.value for r in vs.respiratory_rate] == [22]


@pytest.mark.parametrize(
    ("text", "on", "flow"),
    [("Metning 95 % på romluft.", False, None), ("Metning 93 på 3 l O2.", True, 3.0),
     ("SpO2 92 % med oksygen.", True, None), ("Metning nittiseks prosent.", None, None)],
)
def test_oxygen(text, on, flow):
    (s,) = rules(text).vital_signs.spo2
    assert (s.on_oxygen, s.oxygen_l_min) == (on, flow)


def test_each_measurement_gets_the_time_said_before_it():
    vs = rules("Klokka åtte BT 140/80, klokka fjorten BT 150/90 og puls 88.").vital_signs
    assert [(b.systolic, b.time) for b in vs.blood_pressure] == [(140, "08:00"), (150, "14:00")]
    assert [(p.value, p.time) for p in vs.pulse] == [(88, "14:00")]


def test_no_value_without_its_label_or_under_a_negation():
    vs = rules("Temp ikke målt, puls 72. Hun har 2 barn og 140/80 er et tall.").vital_signs
    assert vs.temperature == () and vs.blood_pressure == ()
    assert [p.value for p in vs.pulse] == [72]
    assert rules("Puls tre hundre og femti.").vital_signs.pulse == ()  # implausible


@pytest.mark.parametrize(
    ("text", "level"),
    [("Hun var våken og klar.", "A"), ("Ny forvirring i dag.", "C"),
     ("Reagerer kun på tiltale.", "V"), ("Reagerer bare på smerte.", "P"),
     ("Reagerer ikke på smerte.", "U"), ("ACVPU: U.", "U")],
)
def test_acvpu(text, level):
    assert [c.level for c in rules(text).vital_signs.consciousness] == [level]


def test_news2_only_when_complete():
    full = ("BT 100/60, puls 112, temp 38,6, metning 93 % på 2 l oksygen, RF 24. "
            "Reagerer på tiltale.")
    news2 = rules(full).vital_signs.news2
    assert news2 is not None and news2.total == 2 + 2 + 1 + 2 + 2 + 2 + 3
    assert news2.risk == "high"
    assert rules("BT 100/60, puls 112, temp 38,6, metning 93 %, RF 24. Våken og klar."
                 ).vital_signs.news2 is None  # air or oxygen not said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ga 2 tabletter Paracet klokka 22.", ("Paracet", 2, "tablett", None, "22:00", "given")),
        ("Fikk Morfin 5 mg subkutant ved behov for uro.",
         ("Morfin", 5, "mg", "sc", None, "prn")),
        ("Hun nekta å ta Selozok.", ("Selo-Zok", None, None, None, None, "refused")),
        ("Furix 40 mg ikkje gitt.", ("Furix", 40, "mg", None, None, "not_given")),
        ("Insulatard 12 enheter sc kl 21.", ("Insulatard", 12, "IE", "sc", "21:00", None)),
        ("Satt Fragmin 5000 IE subkutant i magen.", ("Fragmin", 5000, "IE", "sc", None,
                                                     "given")),
    ],
)
def test_medication(text, expected):
    (m,) = rules(text).medications
    assert (m.drug, m.dose, m.unit, m.route, m.time, m.status) == expected


def test_prn_reason_and_effect():
    text = "Fikk OxyNorm 5 mg peroralt ved behov for smerter i hofta, god effekt."
    (m,) = rules(text).medications
    assert (m.status, m.reason.text, m.effect.text) == ("prn", "smerter i hofta", "god effekt")


def test_one_verb_for_two_drugs_and_later_effect():
    note = rules("Fikk Paracet 1 g og Movicol 1 pose kl 08. Paracet ga god effekt.")
    assert [(m.drug, m.dose, m.unit, m.status) for m in note.medications] == [
        ("Paracet", 1, "g", "given"), ("Movicol", 1, "pose", "given")]
    assert note.medications[0].effect.text == "god effekt"
    assert len(note.medications) == 2


@pytest.mark.parametrize(
    "text",
    ["Hun står på Eliquis 5 mg morgen og kveld.", "Skal få Paracet 1 g kl 22.",
     "Legen har seponert Marevan.", "Hun har fått resept på Zopiklon."],
)
def test_mentions_and_plans_are_not_administrations(text):
    assert rules(text).medications == ()


@pytest.mark.parametrize(
    ("text", "area", "negated"),
    [
        ("Ingen smerter.", "pain", True), ("Smerter: ingen.", "pain", True),
        ("Ho har ikkje vondt.", "pain", True), ("Hun klager over vondt i magen.", "pain", False),
        ("Hun har ikke hatt avføring på tre dager.", "elimination", True),
        ("Sov godt i natt.", "sleep", False), ("Datteren ringte i dag.", "social_relatives",
                                               False),
        ("Hører dårlig.", "communication", False),
        ("Gikk med rullator til stua.", "activity_mobility", False),
        ("Rødt og sårt på korsryggen.", "skin_wounds", False),
        ("Hun var engstelig.", "cognition_mental", False),
        ("Tungpustet ved anstrengelse.", "respiration_circulation", False),
    ],
)
def test_areas_and_negation(text, area, negated):
    (obs,) = rules(text).observations
    assert (obs.area, obs.negated) == (area, negated)


def test_a_sentence_split_by_area_and_by_negation():
    note = rules("Hun sov godt, men hadde vondt i hoften. Ikke kvalm, spiste godt.")
    assert [(o.area, o.negated, o.text) for o in note.observations] == [
        ("sleep", False, "Hun sov godt"), ("pain", False, "hadde vondt i hoften"),
        ("nutrition_fluids", True, "Ikke kvalm"), ("nutrition_fluids", False, "spiste godt"),
    ]


def test_vital_sign_sentences_are_not_observations():
    note = rules("Metning 94 % på 2 l oksygen, puls 80. Blek og klam, BT 90/50.")
    assert [o.text for o in note.observations] == ["Blek", "klam"]  # one item per finding


def test_headings_sections_and_their_scope():
    note = rules(
        "Ernæring: Spiste lite. Drakk 3 glass. Tiltak: Snudd. Hjulpet opp i stol. Hun sov "
        "godt. Plan: Kontrollere BT i morgen. Evaluering: Bedre enn i går. Avvik: Feil dose "
        "Paracet ble gitt."
    )
    assert [(o.area, o.text) for o in note.observations] == [
        ("nutrition_fluids", "Spiste lite"), ("nutrition_fluids", "Drakk 3 glass"),
        ("sleep", "Hun sov godt")]
    assert [s.text for s in note.measures] == ["Snudd", "Hjulpet opp i stol"]
    assert [s.text for s in note.plan] == ["Kontrollere BT i morgen"]
    assert [s.text for s in note.evaluation] == ["Bedre enn i går"]
    assert [(d.kind, d.text) for d in note.deviations] == [
        ("medication", "Feil dose Paracet ble gitt")]


def test_isbar_without_part_headings():
    note = rules(
        "Beskjed til fastlegen: Jeg ringer fra hjemmetjenesten om Per Hansen. Han har hatt "
        "feber siden i natt. Han er kjent med hjertesvikt. Jeg tror han er dehydrert. Jeg ber "
        "om at du ringer tilbake. Tiltak: Ga drikke."
    )
    msg = note.message
    assert msg.recipient == "fastlege"
    assert [len(getattr(msg, p)) for p in msg.PARTS] == [1, 1, 1, 1, 1]
    assert [s.text for s in note.measures] == ["Ga drikke"]


def test_fall_is_a_deviation_but_i_saa_fall_is_not():
    note = rules("Hun falt på badet i natt. I så fall ringer vi lege. Plan: Følge med etter "
                 "fallet.")
    assert [d.kind for d in note.deviations] == ["fall"]
    assert [s.text for s in note.plan] == ["Følge med etter fallet"]  # the heading wins


def test_sentences_split_on_spoken_punctuation_not_abbreviations():
    text = "Ga ca. 2 dl vann punktum hun drakk alt. Kl. 8 sov hun. Ny linje ferdig"
    spans = [text[a:b] for a, b in sentences(text)]
    assert spans == ["Ga ca. 2 dl vann", "hun drakk alt.", "Kl. 8 sov hun.", "ferdig"]
