"""ASR metrics: WER and CER per item, per corpus and per group, clinical terms, hallucinations.

Input is plain records (:class:`AsrSample`: id, reference, hypothesis, attributes); nothing here
runs a model. Every reference and hypothesis passes through :mod:`diktat.eval.textnorm` first (a
reference's ``[a|b]`` alternatives are resolved against the hypothesis), and the counts come from
``jiwer.process_words`` / ``jiwer.process_characters`` on the normalised strings.

- Corpus WER is total errors / total reference words (S + D + I over H + S + D), not the mean of
  item WERs; CER likewise over characters, spaces included. Where there are no reference words
  at all the rate is the number of insertions, as jiwer has it.
- Groups (any attribute: dialect_region, speaker, gender, written_standard, synthetic) get their
  corpus WER and a percentile bootstrap confidence interval: items are resampled with
  replacement (numpy, seeded) and the corpus WER recomputed ``n_boot`` times.
- Clinical terms: drug names (canonical names from :class:`~diktat.structuring.lexicon.Lexicon`,
  so "Parasett" counts as Paracet) and numbers as written after normalisation ("140/80",
  "37,5", "07:30", "5") are compared item by item as multisets; a number's recall is its
  exact-value accuracy.
- Hallucination: items whose reference is empty (a silence or noise clip) that got any
  hypothesis word, and how many words they got.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import jiwer
import numpy as np

from diktat.eval.textnorm import normalize, parse_reference
from diktat.structuring.lexicon import Lexicon

__all__ = [
    "GROUP_ATTRIBUTES",
    "AsrReport",
    "AsrSample",
    "CorpusScore",
    "ErrorCounts",
    "GroupScore",
    "HallucinationScore",
    "ItemScore",
    "TermScore",
    "bootstrap_wer_ci",
    "corpus_score",
    "drug_scores",
    "evaluate",
    "group_scores",
    "hallucination_score",
    "number_scores",
    "score_item",
]

GROUP_ATTRIBUTES = ("dialect_region", "speaker", "gender", "written_standard", "synthetic")
# A number as the normaliser writes it, not glued to a letter in front ("spo2" has none).
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[,.:/]\d+)*")


@dataclass(frozen=True, slots=True)
class AsrSample:
    id: str
    reference: str  # may hold [a|b] alternatives; empty for a silence or noise clip
    hypothesis: str
    attributes: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorCounts:
    """Edit operations between reference and hypothesis units (words or characters)."""

    hits: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @classmethod
    def from_jiwer(cls, out: jiwer.WordOutput | jiwer.CharacterOutput) -> ErrorCounts:
        return cls(out.hits, out.substitutions, out.deletions, out.insertions)

    def __add__(self, other: ErrorCounts) -> ErrorCounts:
        return ErrorCounts(
            self.hits + other.hits,
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
        )

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def reference_length(self) -> int:
        return self.hits + self.substitutions + self.deletions

    @property
    def hypothesis_length(self) -> int:
        return self.hits + self.substitutions + self.insertions

    @property
    def rate(self) -> float:
        """Errors per reference unit; with no reference units, the insertions (as jiwer)."""
        return self.errors / max(self.reference_length, 1)


class _Rates:
    """WER and CER of a result's pooled word and character counts."""

    __slots__ = ()
    words: ErrorCounts
    chars: ErrorCounts

    @property
    def wer(self) -> float:
        return self.words.rate

    @property
    def cer(self) -> float:
        return self.chars.rate


@dataclass(frozen=True, slots=True)
class ItemScore(_Rates):
    id: str
    reference: str  # normalised, alternatives resolved
    hypothesis: str  # normalised
    words: ErrorCounts
    chars: ErrorCounts
    substitution_pairs: tuple[tuple[str, str], ...]  # (reference word, hypothesis word)
    attributes: Mapping[str, object]


def score_item(sample: AsrSample) -> ItemScore:
    hypothesis = normalize(sample.hypothesis)
    reference = " ".join(parse_reference(sample.reference).resolve(hypothesis.split()))
    words = jiwer.process_words(reference, hypothesis)
    chars = jiwer.process_characters(reference, hypothesis)
    ref_words, hyp_words = words.references[0], words.hypotheses[0]
    pairs = tuple(
        pair
        for chunk in words.alignments[0]
        if chunk.type == "substitute"
        for pair in zip(
            ref_words[chunk.ref_start_idx : chunk.ref_end_idx],
            hyp_words[chunk.hyp_start_idx : chunk.hyp_end_idx],
            strict=True,
        )
    )
    return ItemScore(
        sample.id,
        reference,
        hypothesis,
        ErrorCounts.from_jiwer(words),
        ErrorCounts.from_jiwer(chars),
        pairs,
        sample.attributes,
    )


# --- corpus and groups ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CorpusScore(_Rates):
    items: int
    words: ErrorCounts
    chars: ErrorCounts
    top_substitutions: tuple[tuple[str, str, int], ...]  # (reference, hypothesis, count)


def corpus_score(items: Sequence[ItemScore], top: int = 20) -> CorpusScore:
    """Pooled counts over ``items`` and their ``top`` most frequent substitution pairs."""
    pairs = Counter(pair for item in items for pair in item.substitution_pairs)
    return CorpusScore(
        len(items),
        sum((item.words for item in items), ErrorCounts()),
        sum((item.chars for item in items), ErrorCounts()),
        tuple((ref, hyp, n) for (ref, hyp), n in pairs.most_common(top)),
    )


@dataclass(frozen=True, slots=True)
class GroupScore(_Rates):
    attribute: str
    value: object
    items: int
    words: ErrorCounts
    chars: ErrorCounts
    wer_ci: tuple[float, float]  # bootstrap confidence interval of the group's corpus WER


def bootstrap_wer_ci(
    items: Sequence[ItemScore], *, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile interval of corpus WER over ``n_boot`` resamples of ``items`` (with
    replacement); the same ``seed`` gives the same interval."""
    if not items:
        raise ValueError("no items to resample")
    errors = np.array([item.words.errors for item in items])
    ref_words = np.array([item.words.reference_length for item in items])
    picks = np.random.default_rng(seed).integers(0, len(items), size=(n_boot, len(items)))
    # errors / max(words, 1): with no reference words the errors are insertions, as in rate.
    rates = errors[picks].sum(axis=1) / np.maximum(ref_words[picks].sum(axis=1), 1)
    tail = 50 * (1 - level)
    low, high = np.percentile(rates, [tail, 100 - tail])
    return float(low), float(high)


def group_scores(
    items: Sequence[ItemScore], attribute: str, *, n_boot: int = 1000, seed: int = 0
) -> tuple[GroupScore, ...]:
    """One score per value of ``attribute`` (items without it are left out), by value."""
    groups: dict[object, list[ItemScore]] = {}
    for item in items:
        value = item.attributes.get(attribute)
        if value is not None:
            groups.setdefault(value, []).append(item)
    return tuple(
        _group_score(attribute, value, members, n_boot=n_boot, seed=seed)
        for value, members in sorted(groups.items(), key=lambda kv: str(kv[0]))
    )


def _group_score(
    attribute: str, value: object, members: Sequence[ItemScore], *, n_boot: int, seed: int
) -> GroupScore:
    pooled = corpus_score(members, top=0)
    ci = bootstrap_wer_ci(members, n_boot=n_boot, seed=seed)
    return GroupScore(attribute, value, len(members), pooled.words, pooled.chars, ci)


# --- clinical terms ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TermScore:
    """Terms of the references found in the hypotheses, item by item, as multisets."""

    reference: int  # terms in the references
    hypothesis: int  # terms in the hypotheses
    matched: int
    missed: tuple[tuple[str, str], ...]  # (item id, term) in a reference, not its hypothesis
    spurious: tuple[tuple[str, str], ...]  # (item id, term) in a hypothesis, not its reference

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def precision(self) -> float | None:
        return self.matched / self.hypothesis if self.hypothesis else None


def _term_score(items: Iterable[ItemScore], terms: Callable[[str], list[str]]) -> TermScore:
    reference = hypothesis = matched = 0
    missed: list[tuple[str, str]] = []
    spurious: list[tuple[str, str]] = []
    for item in items:
        ref, hyp = Counter(terms(item.reference)), Counter(terms(item.hypothesis))
        reference += ref.total()
        hypothesis += hyp.total()
        matched += (ref & hyp).total()
        missed += [(item.id, term) for term in (ref - hyp).elements()]
        spurious += [(item.id, term) for term in (hyp - ref).elements()]
    return TermScore(reference, hypothesis, matched, tuple(missed), tuple(spurious))


def drug_scores(items: Iterable[ItemScore], lexicon: Lexicon | None = None) -> TermScore:
    """Drug names by canonical name (the built-in lexicon unless one is given)."""
    lex = lexicon if lexicon is not None else Lexicon.builtin()
    return _term_score(items, lambda text: [m.name for m in lex.find(text)])


def number_scores(items: Iterable[ItemScore]) -> TermScore:
    """Numbers as normalised ("140/80", "37,5", "07:30"); recall is exact-value accuracy."""
    return _term_score(items, _NUMBER.findall)


# --- hallucination ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HallucinationScore:
    silent_items: int  # items whose reference is empty
    items_with_words: int  # of those, items with any hypothesis word
    words: int  # hypothesis words on them

    @property
    def rate(self) -> float | None:
        return self.items_with_words / self.silent_items if self.silent_items else None


def hallucination_score(items: Iterable[ItemScore]) -> HallucinationScore:
    silent = [item.words.hypothesis_length for item in items if not item.words.reference_length]
    return HallucinationScore(len(silent), sum(1 for n in silent if n), sum(silent))


# --- everything -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AsrReport:
    items: tuple[ItemScore, ...]
    corpus: CorpusScore
    groups: Mapping[str, tuple[GroupScore, ...]]  # attribute → one score per value
    drugs: TermScore
    numbers: TermScore
    hallucination: HallucinationScore


def evaluate(
    samples: Iterable[AsrSample],
    *,
    group_by: Sequence[str] = GROUP_ATTRIBUTES,
    n_boot: int = 1000,
    seed: int = 0,
    lexicon: Lexicon | None = None,
) -> AsrReport:
    items = tuple(score_item(sample) for sample in samples)
    groups = {name: group_scores(items, name, n_boot=n_boot, seed=seed) for name in group_by}
    return AsrReport(
        items,
        corpus_score(items),
        {name: scores for name, scores in groups.items() if scores},
        drug_scores(items, lexicon),
        number_scores(items),
        hallucination_score(items),
    )
