"""ASR metrics: agreement with jiwer, groups with bootstrap intervals, clinical terms, silence."""

from __future__ import annotations

import jiwer
import pytest

from diktat.eval.asr_metrics import (
    AsrSample,
    ErrorCounts,
    bootstrap_wer_ci,
    corpus_score,
    drug_scores,
    evaluate,
    group_scores,
    hallucination_score,
    number_scores,
    score_item,
)
from diktat.eval.textnorm import NORWEGIAN, NORWEGIAN_CHARS, normalize
from diktat.structuring.lexicon import Lexicon

PAIRS = [
    ("Blodtrykk hundre og førti over åtti, puls åttifire.", "Blodtrykk 140/80. Puls 84."),
    ("Pasienten sov godt i natt.", "Pasienten sov godt i natt"),
    ("Ho fekk sju tablettar klokka halv ni.", "Ho fikk 7 tabletter kl. 08.30"),
    ("Temp trettisju komma fem, metning nittito prosent.", "Temp 37,4 metning 92 prosent"),
    ("Mobilisert til stol.", "Mobilisert til stolen med hjelp av to"),
    ("Kvalm.", "Kvalme og oppkast"),
]
SAMPLES = [
    AsrSample(f"s{i}", ref, hyp, {"dialect_region": region, "speaker": f"p{i % 2}"})
    for i, ((ref, hyp), region) in enumerate(
        zip(PAIRS, ["øst", "vest", "vest", "øst", "nord", "nord"], strict=True)
    )
]


def test_items_agree_with_jiwer() -> None:
    for sample in SAMPLES:
        item = score_item(sample)
        ref, hyp = normalize(sample.reference), normalize(sample.hypothesis)
        assert (item.reference, item.hypothesis) == (ref, hyp)
        assert item.wer == pytest.approx(jiwer.wer(ref, hyp))
        assert item.cer == pytest.approx(jiwer.cer(ref, hyp))
        assert item.wer == pytest.approx(
            jiwer.wer(sample.reference, sample.hypothesis, NORWEGIAN, NORWEGIAN)
        )
        assert item.cer == pytest.approx(
            jiwer.cer(sample.reference, sample.hypothesis, NORWEGIAN_CHARS, NORWEGIAN_CHARS)
        )
        out = jiwer.process_words(ref, hyp)
        assert item.words == ErrorCounts(out.hits, out.substitutions, out.deletions, out.insertions)
        assert item.words.reference_length == len(ref.split())
        assert item.words.hypothesis_length == len(hyp.split())


def test_corpus_wer_pools_errors_over_reference_words() -> None:
    items = [score_item(s) for s in SAMPLES]
    corpus = corpus_score(items)
    refs, hyps = [i.reference for i in items], [i.hypothesis for i in items]
    assert corpus.wer == pytest.approx(jiwer.wer(refs, hyps))
    assert corpus.cer == pytest.approx(jiwer.cer(refs, hyps))
    assert corpus.words.errors == sum(i.words.errors for i in items)
    mean_of_items = sum(i.wer for i in items) / len(items)
    assert corpus.wer != pytest.approx(mean_of_items)


def test_substitution_pairs_come_from_the_alignment() -> None:
    items = [
        score_item(AsrSample("a", "Ho fekk sju tablettar", "Ho fikk 7 tabletter")),
        score_item(AsrSample("b", "Ho fekk mat", "Ho fikk mat")),
    ]
    assert items[0].substitution_pairs == (("fekk", "fikk"), ("tablettar", "tabletter"))
    assert corpus_score(items).top_substitutions[0] == ("fekk", "fikk", 2)
    assert corpus_score(items, top=1).top_substitutions == (("fekk", "fikk", 2),)


def test_alternatives_in_references() -> None:
    item = score_item(
        AsrSample("a", "Hun ligger på [matta|matten] [i dag|idag].", "Hun ligger på matten idag")
    )
    assert (item.wer, item.reference) == (0.0, "hun ligger på matten idag")
    item = score_item(AsrSample("b", "Kom [i dag|idag]", "kom i går"))
    assert item.words == ErrorCounts(hits=2, substitutions=1)


def test_empty_reference_counts_insertions_like_jiwer() -> None:
    item = score_item(AsrSample("silence", "", "Teksting av Nicolai Winther"))
    assert item.words == ErrorCounts(insertions=4)
    assert item.wer == jiwer.wer("", "teksting av nicolai winther") == 4


# --- groups and bootstrap ----------------------------------------------------------------------
def test_bootstrap_interval_holds_the_estimate_and_is_seeded() -> None:
    items = [score_item(s) for s in SAMPLES] * 5
    wer = corpus_score(items).wer
    low, high = bootstrap_wer_ci(items, n_boot=500, seed=7)
    assert low <= wer <= high
    assert low < high
    assert bootstrap_wer_ci(items, n_boot=500, seed=7) == (low, high)
    assert bootstrap_wer_ci(items, n_boot=500, seed=8) != (low, high)
    narrow = bootstrap_wer_ci(items, n_boot=500, seed=7, level=0.5)
    assert low <= narrow[0] <= narrow[1] <= high


def test_group_scores_pool_each_value() -> None:
    items = [score_item(s) for s in SAMPLES]
    items.append(score_item(AsrSample("x", "uten region", "uten region")))
    groups = group_scores(items, "dialect_region", n_boot=200, seed=1)
    assert [(g.value, g.items) for g in groups] == [("nord", 2), ("vest", 2), ("øst", 2)]
    for group in groups:
        members = [i for i in items if i.attributes.get("dialect_region") == group.value]
        assert group.wer == pytest.approx(
            jiwer.wer([i.reference for i in members], [i.hypothesis for i in members])
        )
        assert group.wer_ci[0] <= group.wer <= group.wer_ci[1]
    assert group_scores(items, "gender") == ()


# --- clinical terms and hallucinations ---------------------------------------------------------
def test_drug_recall_and_precision_with_whisper_spellings() -> None:
    match = Lexicon.builtin().match("Parasett")
    assert match is not None and match.name == "Paracet"
    items = [
        score_item(
            AsrSample(
                "a",
                "Gitt Paracet 1 g og OxyNorm 5 mg.",
                "Gitt Parasett 1 g og Oksykodon 5 mg",
            )
        ),
        score_item(AsrSample("b", "Paracet og Paracet", "Parasett")),
    ]
    drugs = drug_scores(items)
    assert (drugs.reference, drugs.hypothesis, drugs.matched) == (4, 3, 2)
    assert drugs.recall == pytest.approx(2 / 4)
    assert drugs.precision == pytest.approx(2 / 3)
    assert drugs.missed == (("a", "OxyNorm"), ("b", "Paracet"))
    assert drugs.spurious == (("a", "Oksykodon"),)


def test_number_accuracy_on_vital_signs_and_times() -> None:
    items = [
        score_item(
            AsrSample(
                "a",
                "Blodtrykk 140/80, temp 37,5 klokka halv åtte. SpO2 95 %.",
                "blodtrykk hundre og førti over åtti temp 37.4 kl 07.30 spo2 nittifem prosent",
            )
        ),
        score_item(AsrSample("b", "Ingen tall her", "to tall")),
    ]
    numbers = number_scores(items)
    assert (numbers.reference, numbers.hypothesis, numbers.matched) == (4, 5, 3)
    assert numbers.recall == pytest.approx(3 / 4)
    assert numbers.missed == (("a", "37,5"),)
    assert numbers.spurious == (("a", "37,4"), ("b", "2"))
    empty = number_scores([])
    assert (empty.recall, empty.precision) == (None, None)


def test_hallucination_rate_on_silent_clips() -> None:
    items = [
        score_item(AsrSample("q1", "", "Teksting av Nicolai Winther")),
        score_item(AsrSample("q2", "", "")),
        score_item(AsrSample("q3", "", " . ")),
        score_item(AsrSample("speech", "Puls 80", "")),
    ]
    result = hallucination_score(items)
    assert (result.silent_items, result.items_with_words, result.words) == (3, 1, 4)
    assert result.rate == pytest.approx(1 / 3)
    assert hallucination_score(items[3:]).rate is None


def test_evaluate_puts_it_together() -> None:
    samples = [*SAMPLES, AsrSample("q", "", "Takk for at du så på", {"synthetic": True})]
    report = evaluate(samples, n_boot=100, seed=3)
    assert len(report.items) == len(samples)
    assert report.corpus.wer == pytest.approx(
        jiwer.wer([i.reference for i in report.items], [i.hypothesis for i in report.items])
    )
    assert set(report.groups) == {"dialect_region", "speaker", "synthetic"}
    assert [g.value for g in report.groups["speaker"]] == ["p0", "p1"]
    assert report.hallucination.rate == 1.0
    assert report.numbers.reference > 0
    assert evaluate(samples, n_boot=100, seed=3) == report
