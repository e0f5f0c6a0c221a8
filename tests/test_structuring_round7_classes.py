"""Residual classes of issue 16 found by the seventh audit round (rules backend).

Each case is worded for this file and asserts the class's safe outcome through the public
entry point (``structure``), with nothing removed by the grounding validator: a relative's own
illness is someone else's; a pain change keeps both scores in the order said; one dose said at
several times is one administration per time; daytime series, fronted, approximate and
four-digit clock times; "våken men forvirret" is ACVPU C; brand names and patch rates from the
lexicon; a call to legevakt said without a colon is a message to legevakt.
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from diktat.structuring.note import Assertion
from tests.structuring_helpers import dose_rows as _doses
from tests.structuring_helpers import grounded_note as _note


# -- 1. a relative's own illness, said with "sa at han/hun ..." --------------------------------
@pytest.mark.parametrize(("text", "key"), [
    ("Sønnen til Helga ringte og sa at han har hatt influensa denne uka. Hun har ingen hoste "
     "og spiste godt.", "influensa"),
    ("Datteren var innom og fortalte at hun har vært forkjølet. Han sov godt i natt.",
     "forkjølet"),
    ("Mannen hennes ringte og sa at han har hatt omgangssyke. Hun er i fin form.",
     "omgangssyke"),
])
def test_a_relatives_own_illness_is_someone_elses(text, key):
    found = [o for o in _note(text).observations if key in o.text]
    assert found and all(o.assertion is Assertion.other_person for o in found), found


@pytest.mark.parametrize("text", [
    # the pronoun is the patient's: what the relative reports is hers
    "Datteren ringte og sa at hun har hatt influensa. Hun har feber i dag.",
    # the patient's gender is never said: the report stays the patient's
    "Sønnen ringte og sa at han har hatt influensa.",
])
def test_a_relatives_report_of_the_patient_stays_the_patients(text):
    found = [o for o in _note(text).observations if "influensa" in o.text]
    assert all(o.assertion is not Assertion.other_person for o in found), found


# -- 2. pain ranges and changes: both scores, in the order said --------------------------------
@pytest.mark.parametrize(("text", "scores"), [
    ("Hun hadde smerter fra sju til to etter Paracet.", [7, 2]),
    ("Smerten gjekk frå sju til to.", [7, 2]),
    ("Smerte før 6, etter en time 3.", [6, 3]),
    ("Smertene gikk ned fra 8 av 10 til 4 av 10.", [8, 4]),
    ("Smerter før fem, etter 30 minutter to.", [5, 2]),
])
def test_a_pain_change_gives_both_scores_in_order(text, scores):
    assert [p.value for p in _note(text).vital_signs.pain_score] == scores


@pytest.mark.parametrize("text", [
    "Ingen smerter fra 7 til 2.",  # negated: no score
    "Smerter fra 2 til 4 timer etter maten.",  # a duration, not a score
    "Smertene skal holdes under 3.",  # a target
])
def test_no_pain_score_is_invented_from_a_range(text):
    assert _note(text).vital_signs.pain_score == ()


# -- 3. one dose at several times: one administration per time --------------------------------
@pytest.mark.parametrize(("text", "times"), [
    ("Paracet 1 g kl 08, 14 og 20.", ["08:00", "14:00", "20:00"]),
    ("Paracet 1 gram gitt kl. 08, kl. 14 og kl. 20 i dag.", ["08:00", "14:00", "20:00"]),
    ("Fikk Pinex 500 mg kl 12 og halv fire.", ["12:00", "15:30"]),
])
def test_one_dose_at_several_times_is_one_administration_each(text, times):
    doses = _doses(text)
    assert [d[3] for d in doses] == times, doses
    assert len({d[:3] for d in doses}) == 1 and doses[0][1] in (1.0, 500.0), doses


def test_a_time_series_never_crosses_to_another_drug():
    doses = _doses("Ga Paracet 1 g kl 8 og Movicol 1 pose kl 12.")
    assert doses == [("Paracet", 1.0, "g", "08:00", "given"),
                     ("Movicol", 1.0, "pose", "12:00", "given")]


# -- 4. clock times ------------------------------------------------------------------------------
@pytest.mark.parametrize(("said", "written"), [
    ("kl 12 og halv fire", "12:00 og 15:30"),
    ("kl 22 og halv to", "22:00 og 01:30"),  # night: the order is kept without afternoon
    ("Ti på åtte fikk hun", "07:50 fikk hun"),
    ("Ved åttetiden", "Ved 08:00"),
    ("i 20-tiden", "i 20:00"),
    ("gitt 0900", "gitt 09:00"),
    ("i mellomtiden", "i mellomtiden"),
    ("ti over tre", "10 over 3"),  # no verb after it: not a fronted time
])
def test_clock_time_forms(said, written):
    assert normalize_spoken(said).text == written


@pytest.mark.parametrize(("text", "time"), [
    ("Ti på åtte fikk hun Levaxin 75 mikrogram.", "07:50"),
    ("Metformin 500 mg ble gitt ved åttetiden.", "08:00"),
    ("Zopiklon 5 mg gitt kl 2100.", "21:00"),
    ("Paracet 1 g gitt 0900.", "09:00"),
    ("Oksynorm 5 mg gitt 1200 ved behov.", "12:00"),
])
def test_dose_times_said_in_other_forms(text, time):
    doses = _doses(text)
    assert len(doses) == 1 and doses[0][3] == time, doses


# -- 5. awake but confused is ACVPU C; awake but restless is A ---------------------------------
@pytest.mark.parametrize(("text", "levels"), [
    ("Hun var våken men forvirret.", ["C"]),
    ("Han er våken, men desorientert.", ["C"]),
    ("Han er våken, men urolig.", ["A"]),
    ("Hun er våken men forvirret som vanlig.", []),
])
def test_awake_but(text, levels):
    n = _note(text)
    assert [c.level for c in n.vital_signs.consciousness] == levels


def test_awake_but_confused_stays_a_finding():
    n = _note("Puls 104, temp 37,9. Våken men forvirret.")
    assert any("forvirret" in o.text and o.assertion is Assertion.present
               for o in n.observations), n.observations


# -- 6. lexicon: Timosan, vitamin B12, Norspan's rate ------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Drypet Timosan 1 dråpe i hvert øye kl 8.", ("Timosan", 1.0, "dråpe", "08:00", "given")),
    ("Satte vitamin B12 1 mg im kl 10.", ("Vitamin B12", 1.0, "mg", "10:00", "given")),
    ("Fikk B12-injeksjon 1 mg i.m.", ("Vitamin B12", 1.0, "mg", None, "given")),
    ("Byttet Norspan plaster 5 mikrogram per time.", ("Norspan", 5.0, "mikrog/t", None,
                                                      "given")),
    ("Byttet Norspan-plaster 10 mikrogram i timen.", ("Norspan", 10.0, "mikrog/t", None,
                                                      "given")),
])
def test_lexicon_names_and_patch_rates(text, expected):
    assert _doses(text) == [expected]


# -- 7. a call said without a colon is a message ----------------------------------------------
@pytest.mark.parametrize(("text", "recipient"), [
    ("Ringte legevakten og fortalte om feberen.", "legevakt"),
    ("Ringte legevakta og fikk råd om å observere.", "legevakt"),
    ("Ringer legevakt nå.", "legevakt"),
    ("Så ringte jeg fastlegen og fikk beskjed om å stå over Marevan i dag.", "fastlege"),
])
def test_a_call_without_a_colon_is_a_message(text, recipient):
    n = _note(text)
    assert n.message is not None and n.message.recipient == recipient


@pytest.mark.parametrize("text", [
    "Skal ringe legen i morgen hvis feberen stiger.",  # a plan
    "Ringte ikke legevakt, hun ble bedre.",  # not done
    "Lege er varslet.",  # a measure
])
def test_a_call_not_made_is_no_message(text):
    assert _note(text).message is None
