"""Dangerous-error classes an independent audit of fresh dictations found (issue 16).

Each case is new wording written for this file (other drugs, bokmål and nynorsk) and asserts the
safe outcome of its class: a negation said before the verb of a subordinate clause ("at hun ikke
hadde tatt") is a negation; a status never comes from another sentence; an offer that was
refused is refused; a planned dose is never the given one; a tablet count said before the drug
is kept; "klokka to og ti" is 02:10; a patch strength is not lost.
"""

from __future__ import annotations

import pytest

from diktat.structuring.pipeline import structure
from diktat.structuring.render import render_text
from tests.structuring_helpers import grounded_note as _note


def _doses(text: str) -> dict[str, tuple]:
    return {m.drug: (m.dose, m.unit, m.count, m.time, m.status)
            for m in _note(text).medications}


# -- 1. negation before the verb of a subordinate clause ------------------------------------------
@pytest.mark.parametrize(
    ("text", "drug"),
    [
        ("Oppdaget ved dosettkontroll at kveldsdosen med Albyl-E 75 mg ikke var tatt.", "Albyl-E"),
        ("Eg såg at ho ikkje hadde teke Eliquis i dag.", "Eliquis"),
        ("Det kom fram at Zyprexa 5 mg ikke ble gitt i går kveld.", "Zyprexa"),
        ("Kona fortalte at han ikke hadde tatt Metformin til frokost.", "Metformin"),
        ("Vi fant ut at Furix 40 mg ikkje vart gjeven i morges.", "Furix"),
    ],
)
def test_a_negation_in_a_subordinate_clause_is_not_given(text, drug):
    doses = _doses(text)
    assert drug in doses, doses
    assert doses[drug][4] == "not_given", doses


# -- 2. a status never comes from the next sentence; "E" / "enh" are insulin units -------------
@pytest.mark.parametrize(
    "text",
    [
        "Ga Metformin 500 mg og Lantus 22 E kl 08.30. Pasienten hadde ikke tatt Somac 40 mg.",
        "Satte Novorapid 6 enh kl 12. Hun ville ikke ta Paracet etterpå.",
        "Lantus 18 IE satt kl 21.15. Fikk ikke Zopiklon fordi hun sov.",
    ],
)
def test_a_status_is_never_borrowed_from_the_next_sentence(text):
    doses = _doses(text)
    insulin = [v for k, v in doses.items() if k in ("Lantus", "NovoRapid", "Novorapid")]
    assert insulin and all(v[4] == "given" for v in insulin), doses


@pytest.mark.parametrize(
    ("text", "drug", "dose"),
    [
        ("Satte Lantus 22 E sc kl 21.", "Lantus", 22.0),
        ("Ga Novorapid 8 enh til middag.", "NovoRapid", 8.0),
        ("Lantus 14 enheter satt i magen kl 22.", "Lantus", 14.0),
    ],
)
def test_insulin_units_said_as_e_or_enheter_keep_their_dose(text, drug, dose):
    doses = _doses(text)
    found = [v for k, v in doses.items() if k.casefold() == drug.casefold()]
    assert found and found[0][0] == dose and found[0][1] in ("E", "IE"), doses


def test_an_own_sentence_without_status_stays_without_status():
    doses = _doses("Ga Paracet 1 g kl 8. Somac 20 mg ikke gitt.")
    assert doses["Paracet"][4] == "given" and doses["Somac"][4] == "not_given", doses


# -- 3. planned versus given dose -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "drug", "safe"),
    [
        ("Marevan skulle vært tre tabletter, men jeg ga bare to tabletter.", "Marevan",
         {2.0, None}),
        ("Ordinert Oxynorm 10 mg, men jeg ga 5 mg etter avtale med lege.", "OxyNorm", {5.0, None}),
        ("Hun skulle hatt Lyrica 75 mg, men fikk bare 25 mg.", "Lyrica", {25.0, None}),
        ("Forskrevet Paracet 1 g, men ga 500 mg pga lav vekt.", "Paracet", {500.0, None}),
    ],
)
def test_a_planned_dose_is_never_the_given_dose(text, drug, safe):
    doses = _doses(text)
    found = [v for k, v in doses.items() if k.casefold() == drug.casefold()]
    assert found, doses
    assert all(v[0] in safe for v in found), doses


# -- 4. offered, then refused ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "drug"),
    [
        ("Fikk tilbud om Risperdal 0,5 mg, men spyttet ut tabletten.", "Risperdal"),
        ("Tilbudt Paracet 1 g, men hun ville ikke ha den.", "Paracet"),
        ("Fekk tilbod om Sobril 10 mg, men ho ville ikkje ha det.", "Sobril"),
        ("Prøvde å gi Movicol 1 pose, men han nektet.", "Movicol"),
        ("Forsøkte å gi Stesolid 5 mg, men hun avslo.", "Stesolid"),
    ],
)
def test_an_offer_that_was_refused_is_refused(text, drug):
    doses = _doses(text)
    found = [v for k, v in doses.items() if k.casefold() == drug.casefold()]
    assert found and all(v[4] == "refused" for v in found), doses


def test_an_offer_alone_is_not_given():
    doses = _doses("Fikk tilbud om Paracet 1 g.")
    assert all(v[4] != "given" for v in doses.values()), doses


# -- 5. a tablet count before the drug ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "drug", "dose"),
    [
        ("Ga henne to Paracet à fem hundre milligram kl 8.", "Paracet", 500.0),
        ("Fikk 2 tabletter Ibux 200 mg mot smerter.", "Ibux", 200.0),
        ("Ga to stk Paracet 500 i morges.", "Paracet", None),
        ("Gav han tre Imovane 3,75 mg til natta.", "Imovane", 3.75),
    ],
)
def test_a_tablet_count_said_before_the_drug_is_kept(text, drug, dose):
    meds = [m for m in _note(text).medications if m.drug.casefold() == drug.casefold()]
    assert len(meds) == 1, meds
    m = meds[0]
    # a count with the strength, the count as the dose, or nothing (a strength said without a
    # unit, "Paracet 500", is no dose): never the strength alone as the dose
    assert ((m.dose == dose and m.count in (2, 3))
            or (m.dose in (2.0, 3.0) and m.count is None and m.unit in ("tablett", None))
            or (dose is None and m.dose is None and m.count is None)), m


# -- 6. "klokka to og ti" -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("Ga Paracet 1 g klokka to og ti.", "02:10"),
        ("Fikk Oxynorm 5 mg klokka ni og tjue.", "09:20"),
        ("Klokka elleve og fem fikk hun Sobril 10 mg.", "11:05"),
    ],
)
def test_hour_og_minutes_after_klokka_is_one_time(text, time):
    meds = _note(text).medications
    assert [m.time for m in meds] == [time], meds


def test_hour_og_a_dose_after_klokka_is_not_minutes():
    meds = _note("Ga klokka åtte og to tabletter Paracet.").medications
    assert all(m.time in ("08:00", None) for m in meds), meds


# -- 7. nothing hidden in what is pasted: a patch strength ---------------------------------------
@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Skiftet Fentanyl plaster tolv mikrogram i timen kl 9.", "12"),
        ("Byttet Norspan plaster 10 mikrogram per time.", "10"),
        ("Satte nytt Durogesic plaster 25 µg/t på skulderen.", "25"),
    ],
)
def test_a_patch_strength_is_visible_in_the_text(text, said):
    note = _note(text)
    assert note.medications, note
    line = [x for x in render_text(note, review=False).splitlines() if "plaster" in x.casefold()
            or "transdermal" in x.casefold()]
    assert any(said in x for x in line), render_text(note, review=False)


# -- 8. the same drug said again in a later clause with the opposite status ---------------------
@pytest.mark.parametrize(
    ("text", "drug", "time"),
    [
        ("Pasienten hadde ikke tatt Somac 40 mg, den ble gitt av meg kl 09.", "Somac", "09:00"),
        ("Hun hadde ikke tatt Paracet 1 g i morges, så jeg ga den klokka ni.", "Paracet",
         "09:00"),
    ],
)
def test_a_dose_given_after_one_that_was_not_is_its_own_administration(text, drug, time):
    meds = [m for m in _note(text).medications if drug in m.drug]
    given = [m for m in meds if m.status == "given"]
    assert [m.time for m in given] == [time], meds
    # the time the nurse gave it is never the time of the dose that was not taken
    assert not [m for m in meds if m.status in ("not_given", "refused") and m.time == time], meds


def test_the_same_status_said_again_is_one_administration():
    meds = _note("Fikk Paracet 1 g, den ble gitt klokka åtte.").medications
    assert [(m.drug, m.dose, m.time, m.status) for m in meds] == [
        ("Paracet", 1, "08:00", "given")], meds


def test_a_later_time_never_lands_on_the_dose_that_was_not_given():
    # The second administration's status is dropped here by the validator (its evidence spans
    # the "ikke gitt" before it): "status ikke oppgitt" for the nurse to fill in, but 14:00 stays
    # with it, never with the dose the day shift did not give.
    meds = structure("Furix 40 mg var ikke gitt av dagvakta, så jeg ga den klokka fjorten."
                     ).medications
    assert [(m.dose, m.time) for m in meds if m.status == "not_given"] == [(40, None)], meds
    assert all(m.status != "not_given" for m in meds if m.time == "14:00"), meds
