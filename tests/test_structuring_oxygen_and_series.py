"""Issue 16, values the gold and audit sets showed missing or wrong: oxygen given without an
SpO2, oxygen said before the SpO2 it was measured on, room air said before the value, a rate
said as "åndedrag i minuttet", a second value of one measurement ("fra 89 til 92", "6 før, 2
etter", "kom ned i 88", lying and standing pressure), nynorsk "vegen" and "sette", urine said
after a clock time, consciousness never from a negated cue, a doubt or history after a finding,
and an ISBAR call recognised from its "Situasjon:" heading."""

from __future__ import annotations

import pytest

from diktat.structuring.grounding import ground
from diktat.structuring.note import Evidence, JournalNote, VitalSigns
from diktat.structuring.render import render
from diktat.structuring.vital_signs import OxygenTherapy
from tests.structuring_helpers import note, values


def oxygen(n: JournalNote) -> list[tuple[float | None, str | None]]:
    return [(o.l_min, o.device) for o in n.vital_signs.oxygen]


@pytest.mark.parametrize(("text", "expected"), [
    ("Startet oksygen to liter på nesebrille i mellomtiden.", [(2.0, "nasal_cannula")]),
    ("Oksygen to liter på nesekateter.", [(2.0, "nasal_catheter")]),
    ("Hun fikk 2 liter O2 på maske.", [(2.0, "mask")]),
    ("O2 3 l/min.", [(3.0, None)]),
    ("Hun har oksygen på nesebrille.", [(None, "nasal_cannula")]),
])
def test_oxygen_given_without_an_spo2_is_read(text, expected):
    n = note(text)
    assert oxygen(n) == expected
    assert n.vital_signs.spo2 == ()


@pytest.mark.parametrize("text", [
    "Ikke behov for oksygen.",
    "Hun skal ha 2 l oksygen ved behov.",
    "Fikk 1 l NaCl intravenøst.",
    "Hun har ikke oksygen på nesebrille lenger.",
    "Hun hadde på seg maske ved stell.",
])
def test_no_oxygen_invented(text):
    assert oxygen(note(text)) == []


def test_oxygen_said_before_the_spo2_is_what_it_was_measured_on():
    n = note("Hun får oksygen fire liter på maske, metning nittien prosent.")
    (s,) = n.vital_signs.spo2
    assert (s.value, s.on_oxygen, s.oxygen_l_min, s.oxygen_device) == (91, True, 4.0, "mask")
    assert oxygen(n) == []  # not counted twice
    assert "SpO2 91 % (4 l O2 på maske)" in render(n)


def test_oxygen_started_after_the_spo2_is_not_what_it_was_measured_on():
    n = note("Metning åttiåtte prosent, startet oksygen to liter på nesebrille.")
    (s,) = n.vital_signs.spo2
    assert (s.value, s.on_oxygen, s.oxygen_l_min) == (88, None, None)
    assert oxygen(n) == [(2.0, "nasal_cannula")]
    assert "O2 2 l/min på nesebrille" in render(n)


def test_oxygen_started_before_a_later_spo2_is_not_the_earlier_ones():
    n = note("Før vi startet oksygen 2 l var metningen 85 %.")
    (s,) = n.vital_signs.spo2
    assert s.on_oxygen is None
    assert oxygen(n) == [(2.0, None)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Pusten er ujevn med pauser, ca åtte åndedrag i minuttet.", [8]),
    ("Hun puster tolv pust i minuttet.", [12]),
])
def test_a_rate_said_as_breaths_per_minute(text, expected):
    n = note(text)
    assert values(n, "respiratory_rate") == expected
    assert "åndedrag/min" in render(n) or "pust/min" in render(n) or "RF" in render(n)


def test_a_pulse_in_beats_per_minute_is_not_a_rate_of_breathing():
    n = note("Puls sytti slag i minuttet.")
    assert values(n, "pulse") == [70]
    assert values(n, "respiratory_rate") == []


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Etter inhalasjon bedre, metning fra åttini til nittito prosent.", "spo2", [89, 92]),
    ("Smerte seks før, to etter en time.", "pain_score", [6, 2]),
    ("Blodtrykk liggende hundre og førti over åtti, stående hundre og tjue over sjuti.",
     "blood_pressure", [(140, 80), (120, 70)]),
])
def test_a_second_value_of_one_measurement(text, kind, expected):
    n = note(text)
    got = ([(b.systolic, b.diastolic) for b in n.vital_signs.blood_pressure]
           if kind == "blood_pressure" else values(n, kind))
    assert got == expected


def test_a_range_needs_its_from():
    # "til 92" without "fra": 92 is not a second saturation
    assert values(note("Metning 89 %, mål til 92 %."), "spo2") == [89]


@pytest.mark.parametrize(("text", "expected"), [
    ("Vegen i dag, femtiåtte kilo.", [58]),
    ("Ho vart vegen, 61,5 kg.", [61.5]),
    ("Vi gjekk på vegen 50 meter.", []),  # "vegen" is also the road
    ("Vegen 50.", []),  # no unit: not taken
])
def test_nynorsk_weighed(text, expected):
    assert values(note(text), "weight") == expected


def test_urine_said_after_a_clock_time():
    n = note("Kateterpose tømt klokka seks, sju hundre og femti milliliter klar urin.")
    assert values(n, "urine_output") == [750]


def test_a_situation_heading_after_a_call_is_the_calls_isbar():
    n = note("Ringte legevakta klokka to i natt. Situasjon: han er mer tungpusten. "
             "Bakgrunn: KOLS. Vurdering: forverring. Råd: lege kommer.")
    assert n.message is not None and n.message.recipient == "legevakt"
    assert [s.text for s in n.message.background] == ["KOLS."] or n.message.background
    assert "Beskjed til legevakt (ISBAR):" in render(n)


def test_a_situation_heading_without_a_call_is_a_section():
    n = note("Situasjon: han er mer tungpusten.")
    assert n.message is None


def test_a_message_heading_is_shown_as_said():
    n = note("Melding til fastlege. Situasjon: hun har diaré. Råd: vurdere Furix.")
    assert render(n).startswith("Melding til fastlege (ISBAR):")
    assert n.coverage is not None and n.coverage.hidden == 0


def test_oxygen_values_are_grounded():
    text = "Startet oksygen to liter på nesebrille."
    quote = "oksygen to liter på nesebrille"
    evidence = Evidence(start=text.index(quote), end=text.index(quote) + len(quote), quote=quote)
    invented = JournalNote(vital_signs=VitalSigns(oxygen=(
        OxygenTherapy(l_min=3.0, device="mask", evidence=evidence),)))
    out = ground(invented, text)
    assert {d.field for d in out.dropped} == {"vital_signs.oxygen[0].l_min",
                                              "vital_signs.oxygen[0].device",
                                              "vital_signs.oxygen[0]"}
    assert out.vital_signs.oxygen == ()  # neither a flow nor a device left
    kept = JournalNote(vital_signs=VitalSigns(oxygen=(
        OxygenTherapy(l_min=2.0, device="nasal_cannula", evidence=evidence),)))
    assert ground(kept, text).vital_signs == kept.vital_signs


def test_room_air_said_before_the_value_and_oxygen_started_after_it():
    n = note("Metning på romluft var 86 prosent, vi satte på 3 liter oksygen på maske og da kom "
             "hun opp i 93.")
    got = [(s.value, s.on_oxygen, s.oxygen_l_min, s.oxygen_device) for s in n.vital_signs.spo2]
    assert got == [(86, False, None, None), (93, True, 3.0, "mask")]


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Puls 110, etter hvile kom den ned i 88.", "pulse", [110, 88]),
    ("Smerten var fem av ti, etter stell var den nede i tre.", "pain_score", [5, 3]),
    ("Puls 110, Paracet 1 g, kom ned i 2 etasje.", "pulse", [110]),  # not a pulse
])
def test_a_later_value_said_with_a_change(text, kind, expected):
    assert values(note(text), kind) == expected


@pytest.mark.parametrize(("text", "levels"), [
    ("Hun var ikke bevisstløs og husker fallet selv.", []),
    ("Ho var ikkje bevisstlaus.", []),
    ("Var hun bevisstløs?", []),
    ("Hun var bevisstløs da vi kom.", ["U"]),
    ("Ho er vaken og orientert.", ["A"]),
])
def test_consciousness_never_from_a_negated_or_asked_cue(text, levels):
    assert [c.level for c in note(text).vital_signs.consciousness] == levels


@pytest.mark.parametrize(("text", "assertion"), [
    ("Såret er rødt i kantene og det er mer væske enn sist, mulig begynnende infeksjon.",
     "possible"),
    ("Han har ikkje falt sia sist, seie han, men han ramla i fjor vinter.", "historical"),
])
def test_a_doubt_or_a_history_after_a_finding_is_its_own(text, assertion):
    n = note(text)
    assert assertion in [o.assertion.value for o in n.observations]
    assert "present" in [o.assertion.value for o in n.observations] or assertion == "historical"


def test_insulin_set_in_nynorsk_given_or_by_himself():
    n = note("Var innom Olav i kveld. Eg sette åtte einingar NovoRapid klokka fem. Lantus tjue "
             "einingar sette han sjølv klokka ni.")
    assert [(m.drug, m.dose, m.time, m.status.value if m.status else None)
            for m in n.medications] == [("NovoRapid", 8.0, "17:00", "given"),
                                        ("Lantus", 20.0, "21:00", "self_administered")]
