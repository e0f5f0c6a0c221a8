"""The drug lexicon: Whisper's spellings match, ordinary words do not, NorMedTerm imports."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from diktat.structuring.lexicon import (
    COMMON_WORDS,
    Lexicon,
    clean_substance,
    import_normedterm,
    parse_lexicon,
    sound_key,
)

SHARED_TEXT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "text"
NORMEDTERM = SHARED_TEXT / "normedterm" / "NorMedTerm.csv"
SYNTHETIC = SHARED_TEXT / "syntetisk_med_asr" / "texts.jsonl"

# How Whisper writes drug names it half-recognises → the name meant.
MISSPELLINGS = {
    "paracett": "Paracet", "Parasett": "Paracet", "oxynorm": "OxyNorm", "Oksynorm": "OxyNorm",
    "albyl e": "Albyl-E", "Albyl": "Albyl-E", "Selozok": "Selo-Zok", "selo zok": "Selo-Zok",
    "Furiks": "Furix", "Elikvis": "Eliquis", "Sopiklon": "Zopiklon", "Movikol": "Movicol",
    "Laksoberal": "Laxoberal", "Targinik": "Targiniq", "Sarelto": "Xarelto",
    "Levaksin": "Levaxin", "Imovan": "Imovane", "Stesolit": "Stesolid", "Afepran": "Afipran",
    "Mirtazepin": "Mirtazapin", "Furosemide": "Furosemid", "Pantoprazole": "Pantoprazol",
    "Nitroglycerin": "Nitroglyserin", "Apocilin": "Apocillin", "Ventolin": "Ventoline",
    "Spireva": "Spiriva", "novo rapid": "NovoRapid", "Paralgin forte": "Paralgin forte",
    "Somak": "Somac", "Zobril": "Sobril", "Kaleoride": "Kaleorid", "Insulatar": "Insulatard",
}  # fmt: skip
# Ordinary Norwegian words, several of them one or two letters from a drug name.
ORDINARY = """
morgen morgenen bruken parasitt laktose flagell ganger stand balanse husk sover somme sommer
normal norsk metode fragment selv seng sengen senga senere middag mange minutter morsom
furet fire fikk ikke ingen hofte hoften søvn sove natt vondt smerter pasienten pasient
medisin medisiner tablett tabletter dusj stell frokost kaffe vann melk saft suppe brød
datter sønn besøk tiltak plan evaluering avvik lege sykepleier hjemmetjenesten sykehjem
rullator rullestol gulvet toalettet badet blodtrykk puls temperatur metning oksygen
viral paral panel pinne sobre molde laks laksen kalori kalde marerittet haldt holdt
""".split()  # noqa: SIM905


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.builtin()


def test_builtin_size_and_names(lex):
    assert 400 <= len(lex) <= 700  # municipal-care substances and brands (issue 16)
    for name in ("Paracet", "OxyNorm", "Albyl-E", "Selo-Zok", "Eliquis", "Insulatard"):
        assert name in lex.names


def test_sound_key_folds_whisper_spellings():
    assert sound_key("Paracet") == sound_key("Parasett") == "paraset"
    assert sound_key("OxyNorm") == sound_key("Oksynorm") == "oksynorm"
    assert sound_key("Albyl-E") == sound_key("albyl e")
    assert sound_key("Xarelto") == sound_key("Sarelto")
    assert sound_key("Eliquis") == sound_key("Elikvis")


@pytest.mark.parametrize(("said", "meant"), MISSPELLINGS.items())
def test_misspellings_match(lex, said, meant):
    m = lex.match(said)
    assert m is not None and m.name == meant, said


@pytest.mark.parametrize("word", ORDINARY)
def test_ordinary_words_do_not_match(lex, word):
    assert lex.match(word) is None
    assert lex.find(f"Hun sa {word} i dag.") == []


def test_find_gives_spans_and_prefers_longer_names(lex):
    text = "Ga Pinex forte kl. 08 og Albyl e, deretter Selo Zok og litt Parasett."
    found = lex.find(text)
    assert [m.name for m in found] == ["Pinex forte", "Albyl-E", "Selo-Zok", "Paracet"]
    for m in found:
        assert text[m.start : m.end] == m.text
    assert found[0].text == "Pinex forte" and found[0].score == 100
    assert lex.find("Paracet, forte") [0].name == "Paracet"  # no name across punctuation


def test_imported_names_match_by_sound_only(tmp_path):
    path = tmp_path / "drugs_user.txt"
    path.write_text("# test\nGinger\nXtandi\nBrilinta | Brilintaa\n", encoding="utf-8")
    lex = Lexicon.load(path)
    assert lex.match("Brilinta").name == "Brilinta"
    assert lex.match("Brillinta").name == "Brilinta"  # same sound key
    assert lex.match("ganger") is None and lex.match("stand") is None  # not fuzzy
    assert lex.match("Paracett").name == "Paracet"  # the built-in list still fuzzy
    assert Lexicon.load(tmp_path / "missing.txt").names == Lexicon.builtin().names


def test_clean_substance():
    assert clean_substance("Paracet Tab 500 mg") == "Paracet"
    assert clean_substance("Furix Retard DEPOTkaps 30 mg") == "Furix Retard"
    assert clean_substance("Morfin SA Stikkpille 10 mg") == "Morfin SA"
    assert clean_substance("Aroma, mint") is None
    assert clean_substance("(not given)") is None
    assert clean_substance("Husk") is None  # an ordinary word ("remember")


def test_import_small_csv(tmp_path):
    csv = tmp_path / "NorMedTerm.csv"
    csv.write_text(
        "Brilique Tab 90 mg\tSUBSTANCE\tFEST\tN/A\tN/A\n"
        "Brilinta\tSUBSTANCE\tFEST\tN/A\tN/A\n"
        "Paracet Tab 500 mg\tSUBSTANCE\tFEST\tN/A\tN/A\n"  # already built in
        "Kreatinin\tSUBSTANCE\tLABV\tN/A\tN/A\n"  # a lab analysis
        "skinne\tSUBSTANCE\tMO\tN/A\tautomatic\n"  # MO not taken by default
        "hjertesvikt\tCONDITION\tMO\tN/A\tautomatic\n",
        encoding="utf-8",
    )
    dest = tmp_path / "lexicon" / "drugs_user.txt"
    result = import_normedterm(csv, dest)
    assert (result.read, result.added, result.total) == (3, 1, 1)
    assert [n[0] for n in parse_lexicon(dest.read_text(encoding="utf-8"))] == ["Brilinta"]
    again = import_normedterm(csv, dest, sources=("FEST", "MO"))
    assert again.added == 0 and again.total == 1  # idempotent; "skinne" is a common word


def test_import_rejects_other_formats(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("just one column\n", encoding="utf-8")
    with pytest.raises(ValueError, match="tab-separated"):
        import_normedterm(bad, tmp_path / "out.txt")


@pytest.fixture(scope="module")
def ordinary_corpus() -> Counter:
    if not NORMEDTERM.is_file() or not SYNTHETIC.is_file():
        pytest.skip(f"corpora absent: need {NORMEDTERM} and {SYNTHETIC}")
    words: Counter = Counter()
    for line in SYNTHETIC.read_text(encoding="utf-8").splitlines():
        words.update(re.findall(r"[^\W\d_]+", json.loads(line)["text"]))
    for line in NORMEDTERM.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) > 1 and cols[1] != "SUBSTANCE":
            words.update(re.findall(r"[^\W\d_]+", cols[0]))
    return words


def test_no_fuzzy_false_positives_on_real_corpora(lex, ordinary_corpus):
    """~26,000 distinct words of medical Norwegian: a fuzzy match must be a real drug word."""
    fuzzy = {
        w: m.name
        for w in ordinary_corpus
        if len(w) >= 4 and w.casefold() not in COMMON_WORDS
        and (m := lex.match(w)) is not None and m.score < 100
    }
    # Longer forms or close relatives of the drug, not ordinary words.
    assert set(fuzzy) <= {"amitriptylinen", "hydroksylysin", "cilastatin", "estetrol"}, fuzzy


def test_import_real_normedterm(tmp_path, ordinary_corpus):
    dest = tmp_path / "drugs_user.txt"
    result = import_normedterm(NORMEDTERM, dest)
    assert result.added > 5000
    lex = Lexicon.load(dest)
    assert lex.match("Brilique").name == "Brilique"
    for word in ("ganger", "stand", "husk", "balanse", "skinne", "honning"):
        assert lex.match(word) is None, word
