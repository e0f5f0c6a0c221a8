"""Issue 16 item 5: drug names — a built-in list for municipal care, unknown drug-like words
flagged, close matches asked about («hørt X — mente du Y?»), look-alike pairs always flagged."""

from __future__ import annotations

import pytest

from diktat.structuring.drugnames import drug_like, lookalikes
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.pipeline import structure
from diktat.structuring.render import render


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.builtin()


@pytest.mark.parametrize("name", [
    "propranolol", "fondaparinuks", "budesonid", "Digitoksin", "hydralazin", "Arixtra",
    "atenolol", "lisinopril", "valsartan", "rosuvastatin", "lansoprazol", "tinzaparin",
    "Innohep", "klonazepam", "levofloksacin", "dikloksacillin", "azitromycin", "famotidin",
    "nifedipin", "sitagliptin", "empagliflozin", "Fiasp", "Actrapid", "Rivotril", "Exelon",
    "Abilify", "Trajenta", "Palexia", "Hydromorfon", "Solu-Cortef", "Mucomyst", "Alendronat",
    "Tamiflu", "Canesten", "Aciklovir", "Kolkisin", "Metotreksat",
])
def test_builtin_list_covers_municipal_care(lex, name):
    m = lex.match(name)
    assert m is not None and m.score == 100, name


def test_digitoksin_is_not_digoksin(lex):
    assert lex.match("digitoksin").name == "Digitoksin"
    assert lex.match("digoksin").name == "Digoksin"


@pytest.mark.parametrize("word", [
    "ganciklovir", "adalimumab", "lovastatin", "saksagliptin", "ketoprofen", "flurazepam",
    "moxifloxacin", "ertapenem" and "kanagliflozin", "nisoldipin", "kandoksacillin",
    "nizatidin", "karteolol", "benazepril", "olmesartan", "tenatoprazol", "bemiparin",
])
def test_drug_like_endings(word):
    assert drug_like(word)


@pytest.mark.parametrize("word", [
    "kolesterol", "kolesterolet", "april", "kontroll", "protokoll", "alkohol", "sukker",
    "stoppkodon", "pasient", "middag", "sykepleier", "rullator",
])
def test_ordinary_words_are_not_drug_like(word):
    assert not drug_like(word)


def test_unknown_drug_keeps_its_dose_and_is_flagged():
    text = "Fikk ganciklovir 450 mg kl 8."
    n = structure(text)
    assert [(m.drug, m.dose, m.unit, m.time, m.status) for m in n.medications] == [
        ("Ganciklovir", 450.0, "mg", "08:00", "given")]
    assert [(c.kind, c.said) for c in n.drug_checks] == [("unknown", "ganciklovir")]
    assert "«ganciklovir» ligner et legemiddel, men er ikke i legemiddellisten" in render(n)


def test_unknown_drug_word_without_dose_is_still_flagged():
    n = structure("Hun bruker adalimumab hver fjortende dag.")
    assert [(c.kind, c.said) for c in n.drug_checks] == [("unknown", "adalimumab")]


def test_close_match_is_asked_never_replaced():
    n = structure("Ga Stesolit 5 mg rektalt.")
    assert [(c.kind, c.said, c.suggestion) for c in n.drug_checks] == [
        ("close", "Stesolit", "Stesolid")]
    text = render(n)
    assert "- hørt «Stesolit» — mente du Stesolid? 5 mg rektalt: gitt" in text
    assert "Stesolid 5 mg" not in text
    assert n.medications[0].drug_as_said == "Stesolit"


@pytest.mark.parametrize(("said", "name", "other"), [
    ("Digoksin", "Digoksin", "Digitoksin"),
    ("digitoksin", "Digitoksin", "Digoksin"),
    ("Humalog", "Humalog", "Humulin"),
    ("Humulin", "Humulin", "Humalog"),
    ("Novorapid", "NovoRapid", "NovoMix"),
    ("Novomix", "NovoMix", "NovoRapid"),
    ("hydroksyzin", "Hydroksyzin", "Hydralazin"),
    ("Zyprexa", "Zyprexa", "Zyrtec"),
    ("Cipralex", "Cipralex", "Cipramil"),
    ("OxyNorm", "OxyNorm", "OxyContin"),
])
def test_lookalikes_are_always_flagged(said, name, other):
    n = structure(f"Fikk {said} 1 tablett kl 8.")
    assert [m.drug for m in n.medications] == [name]
    checks = [c for c in n.drug_checks if c.kind == "lookalike"]
    assert [(c.suggestion, other in c.lookalikes) for c in checks] == [(name, True)]
    assert f"{name}: forveksles lett med" in render(n)


def test_brand_of_a_lookalike_pair_is_flagged():
    n = structure("Smurt med Lamisil krem.")
    assert [(c.kind, "Lamictal" in c.lookalikes) for c in n.drug_checks] == [("lookalike", True)]


def test_every_lookalike_is_in_the_builtin_list(lex):
    pairs = lookalikes()
    assert len(pairs) >= 30
    for name, others in pairs.items():
        for n in (name, *others):
            m = lex.match(n)
            assert m is not None and m.score == 100, n


def test_checks_are_listed_once_per_name():
    n = structure("Fikk Humalog 6 IE kl 8. Humalog 4 IE kl 12.")
    assert [c.suggestion for c in n.drug_checks] == ["Humalog"]


def test_checks_are_left_out_of_the_llm_schema():
    from diktat.structuring.note import JournalNote
    schema = JournalNote.llm_json_schema()
    assert "drug_checks" not in schema["properties"]
    assert "DrugNameCheck" not in schema["$defs"]
