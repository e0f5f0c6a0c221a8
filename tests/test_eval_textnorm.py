"""The Norwegian WER normaliser and references with orthographic alternatives."""

from __future__ import annotations

import itertools
import random

import jiwer
import pytest

from diktat.eval.textnorm import (
    NORWEGIAN,
    NORWEGIAN_CHARS,
    Reference,
    normalize,
    parse_reference,
)

CASES = [
    # numbers, units and times, bokmål
    ("Blodtrykk hundre og førti over åtti.", "blodtrykk 140/80"),
    ("Temp trettisju komma fem", "temp 37,5"),
    ("Klokka halv åtte fikk hun fem milligram.", "07:30 fikk hun 5 mg"),
    ("Metning nittito prosent", "metning 92 %"),
    ("Puls åttifire slag i minuttet", "puls 84/min"),
    ("en til to tabletter", "1 til 2 tabletter"),
    ("hevet fire grader", "hevet 4°"),
    # nynorsk
    ("Ho fekk sju tablettar klokka halv ni", "ho fekk 7 tablettar 08:30"),
    ("tjuge milligram", "20 mg"),
    ("ein tablett", "1 tablett"),
    # written forms Whisper produces
    ("Temp 37.5. Puls 80.", "temp 37,5 puls 80"),
    ("kl. 07.30", "07:30"),
    ("Kl 7:30", "07:30"),
    ("1-2 tabletter", "1 til 2 tabletter"),
    ("BT 140/80, SpO2 95%.", "bt 140/80 spo2 95 %"),
    ("5 mmol per liter", "5 mmol/l"),
    ("37,5°C", "37,5 °c"),
    ("Innlagt 17.05.2024", "innlagt 17.05.2024"),
    # punctuation, letters, ordinals
    ("1. Paracet", "1 paracet"),
    ("«Hei», sa ho – og gjekk!", "hei sa ho og gjekk"),
    ("Bæsj på gølvet, våt seng.", "bæsj på gølvet våt seng"),
    ("Albyl-E", "albyl e"),
    ("  flere   mellomrom \n her ", "flere mellomrom her"),
    # unit words on their own
    ("milligram", "mg"),
    ("prosent", "%"),
    ("grader", "grader"),
    ("tusen takk", "tusen takk"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Blodtrykk 140/80.", "blodtrykk hundre og førti over åtti"),
        ("Temp 37,5.", "temp trettisju komma fem"),
        ("Temp 37.5", "temp trettisju komma fem"),
        ("Kl. 07.30 fikk hun 5 mg Paracet.", "klokka halv åtte fikk hun fem milligram paracet"),
        ("Klokken 07:30", "klokka halv åtte"),
        ("SpO2 92%", "SpO2 nittito prosent"),
        ("Ho fekk 7 tablettar kl. 08:30", "ho fekk sju tablettar klokka halv ni"),
        ("20 mg", "tjue milligram"),
        ("20 mg", "tjuge milligram"),
        ("1-2 tabletter ved behov.", "en til to tabletter ved behov"),
    ],
)
def test_written_and_spoken_forms_meet(written: str, spoken: str) -> None:
    assert normalize(written) == normalize(spoken)
    assert jiwer.wer(written, spoken, NORWEGIAN, NORWEGIAN) == 0.0
    assert jiwer.cer(written, spoken, NORWEGIAN_CHARS, NORWEGIAN_CHARS) == 0.0


def test_transforms_are_jiwer_transforms_over_lists() -> None:
    refs = ["Klokka halv åtte.", "Puls 80", ""]
    hyps = ["kl. 07.30", "puls åtti slag", ""]
    assert NORWEGIAN(refs) == [["07:30"], ["puls", "80"], []]
    out = jiwer.process_words(refs, hyps, NORWEGIAN, NORWEGIAN)
    assert (out.hits, out.substitutions, out.deletions, out.insertions) == (3, 0, 0, 1)
    assert NORWEGIAN_CHARS("Puls 80.") == [list("puls 80")]


# --- alternatives ------------------------------------------------------------------------------
def errors(reference: tuple[str, ...] | list[str], hypothesis: list[str]) -> int:
    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    return out.substitutions + out.deletions + out.insertions


def test_reference_without_alternatives_is_its_normalised_words() -> None:
    ref = parse_reference("Klokka halv åtte fikk hun fem milligram.")
    assert not ref.has_alternatives
    assert ref.resolve(["noe", "helt", "annet"]) == ("07:30", "fikk", "hun", "5", "mg")


@pytest.mark.parametrize("hypothesis", ["Hun ligger på matta.", "hun ligger på matten"])
def test_either_variant_scores_zero(hypothesis: str) -> None:
    ref = parse_reference("Hun ligger på [matta|matten].")
    hyp = normalize(hypothesis).split()
    assert ref.has_alternatives
    assert errors(ref.resolve(hyp), hyp) == 0


@pytest.mark.parametrize(
    ("hypothesis", "resolved"),
    [
        ("han kom i dag", ("han", "kom", "i", "dag")),
        ("han kom idag", ("han", "kom", "idag")),
        ("han kom i går", ("han", "kom", "i", "dag")),  # 1 error; "idag" would leave 2
        ("eh han kom idag", ("eh", "han", "kom", "idag")),
    ],
)
def test_multi_word_and_optional_alternatives(hypothesis: str, resolved: tuple[str, ...]) -> None:
    ref = parse_reference("[eh|] Han kom [i dag|idag].")
    assert ref.resolve(hypothesis.split()) == resolved


def test_variants_are_normalised_and_merged() -> None:
    ref = parse_reference("Fikk [fem milligram|5 mg] [klokka halv åtte|kl. 07.30].")
    assert ref.slots == ((("fikk",),), (("5", "mg"),), (("07:30",),))
    assert ref.resolve(normalize("fikk 5 mg kl 7:30").split()) == ("fikk", "5", "mg", "07:30")


def test_resolution_is_the_minimum_over_all_expansions() -> None:
    rng = random.Random(4)
    vocab = ["a", "b", "c", "d"]

    def words(low: int, high: int) -> tuple[str, ...]:
        return tuple(rng.choice(vocab) for _ in range(rng.randint(low, high)))

    for _ in range(300):
        slots = tuple(
            tuple(dict.fromkeys(words(0, 3) for _ in range(rng.randint(1, 3))))
            if rng.random() < 0.4
            else (words(1, 1),)
            for _ in range(rng.randint(0, 5))
        )
        hyp = list(words(0, 7))
        best = min(
            errors([w for variant in choice for w in variant], hyp)
            for choice in itertools.product(*slots)
        )
        resolved = Reference(slots).resolve(hyp)
        assert errors(resolved, hyp) == best
        assert any(
            resolved == tuple(w for variant in choice for w in variant)
            for choice in itertools.product(*slots)
        )
