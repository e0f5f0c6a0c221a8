"""The time-saved model's parameters: default, low–high range and source of each
(`SPECS`, from ``../shared/anchors/TIME_SAVED_ANCHORS.md``), the checked values (`Parameters`)
and how overrides and a corpus set them (`parameters`)."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from diktat.errors import ConfigError, InputError
from diktat.eval.results import FrozenResult

ANCHORS = "TIME_SAVED_ANCHORS.md"


@dataclass(frozen=True)
class ParameterSpec:
    default: float
    low: float
    high: float
    unit: str
    source: str
    minimum: float = 0.0
    minimum_allowed: bool = True  # False: the value must be strictly greater than ``minimum``
    maximum: float = math.inf


_POSITIVE = {"minimum_allowed": False}
_SHARE = {"maximum": 1.0}

SPECS: dict[str, ParameterSpec] = {
    "notes_per_vakt": ParameterSpec(
        10, 5, 15, "notes",
        f"No published count; {ANCHORS} §6 and suggested defaults (10 × 40 words, range "
        "5×25–15×80); calibrate from pilot logs", **_POSITIVE),
    "words_per_note": ParameterSpec(
        40, 25, 80, "words",
        f"No published count; {ANCHORS} §6 and suggested defaults; closest: Vogel et al., JMIR "
        "2015, 356 characters/report ≈ 55–60 words (derived). Taken from the corpus when given",
        **_POSITIVE),
    "typing_wpm": ParameterSpec(
        30, 20, 60, "words/min",
        "Kalava et al., J Grad Med Educ 2014: median 30.4 net wpm; Vogel et al., JMIR 2015 ≈ 29 "
        f"(derived); high: Schuurman et al., BMJ 2022, mean 60.1 wpm, copy task ({ANCHORS} §2)",
        **_POSITIVE),
    "speaking_wpm": ParameterSpec(
        100, 60, 150, "words/min",
        "Assumption for composing speech, below Ruan et al., IMWUT 2017 (speech 153 wpm, "
        f"transcribing) and Brysbaert, J Mem Lang 2019 (oral reading 183 wpm) ({ANCHORS} §3)",
        **_POSITIVE),
    "review_wpm": ParameterSpec(
        238, 175, 300, "words/min",
        "Brysbaert, J Mem Lang 2019: silent reading 238 wpm (non-fiction), most adults "
        f"175–300; 183 if read aloud ({ANCHORS} §4)", **_POSITIVE),
    "wer": ParameterSpec(
        0.185, 0.022, 0.311, "fraction",
        "Pass the measured WER. Default: Språkbanken ASR evaluation 2024, nb-whisper-large, "
        "Bokmål, overall 18.5 %; low: NB-Whisper Large on NST read Bokmål 2.2 % (Kummervold et "
        "al., Interspeech 2024); high: nb-whisper-large, Nynorsk, øst 31.1 % (Språkbanken 2024) "
        "(WER_ANCHORS.md §1, §3)"),
    "seconds_per_correction": ParameterSpec(
        5, 3, 15, "s/word error", f"No source; assumption ({ANCHORS}, suggested defaults)"),
    "errors_caught_share": ParameterSpec(
        0.65, 0.59, 0.75, "fraction",
        "Panko, proofreading studies: ~75 % of real-word errors caught, 59–68 % in one's own "
        f"text; Daneman & Stainton ({ANCHORS} §4)", **_SHARE),
    "asr_real_time_factor": ParameterSpec(
        0.174, 0.0, 0.342, "s/s of speech",
        "Measured: diktat, Whisper base int8, 2-core CPU, RTF 0.174 (README 'Measured figures', "
        "bench/results/transcribe-20261123T202524.json); high: plain faster-whisper 0.342 on the "
        "same machine; low: streaming, text ready when speech ends (assumption). Pass the "
        "measured latency"),
    "structuring_wait_s": ParameterSpec(
        0.0015, 0.0, 4.8, "s/note",
        "Measured: rules backend median 1.5 ms per note; high: llm backend median 4.8 s per note "
        "labelling every sentence (README, bench/bench_structure.py)"),
    "free_text_share": ParameterSpec(
        0.5, 0.3, 0.7, "fraction",
        f"No source; assumption ({ANCHORS}, suggested defaults: structured fields gain little, "
        "Mitchard & Winkles, DSTO 2001; Everett et al., OJNI 2022)", **_POSITIVE, **_SHARE),
    "structuring_saved_share": ParameterSpec(
        0.09, 0.0, 0.29, "fraction",
        "Everett et al., OJNI 2022: 9.0–9.7 % less time in the shift-assessment flowsheet with "
        "speech recognition; low: structured fields gain little (Mitchard & Winkles, DSTO 2001); "
        f"high: Tandem/Capio −29 % per note (vendor-run, secondary) ({ANCHORS} §5)", **_SHARE),
    "doc_min_per_vakt": ParameterSpec(
        75, 45, 150, "min/vakt",
        "Top-down cross-check only. 6 h 15 min/week ÷ 5 vakter (derived; Gjertsen et al., "
        "NF-rapport 12/2012 for KS, secondary); high: Hendrich et al., Perm J 2008, 147.5 min "
        f"({ANCHORS} §1, suggested defaults)", **_POSITIVE),
    "free_text_reduction": ParameterSpec(
        0.20, 0.10, 0.45, "fraction",
        "Top-down cross-check only. Vogel et al., JMIR 2015: 1 − 173/217 = 20 % (derived); "
        "Aabenraa 'Tal i Sag' 20 %; low: Everett 2022 / Lukac 2025 ~10 %; high: Tandem 29 % and "
        f"lab Ruan 2017 ({ANCHORS} §5, suggested defaults)", **_SHARE),
}
TOP_DOWN_ONLY = frozenset({"doc_min_per_vakt", "free_text_reduction"})


class Parameters(FrozenResult):
    """The values used (checked against ``SPECS``; ``ConfigError`` when out of range)."""

    notes_per_vakt: float = SPECS["notes_per_vakt"].default
    words_per_note: float = SPECS["words_per_note"].default
    typing_wpm: float = SPECS["typing_wpm"].default
    speaking_wpm: float = SPECS["speaking_wpm"].default
    review_wpm: float = SPECS["review_wpm"].default
    wer: float = SPECS["wer"].default
    seconds_per_correction: float = SPECS["seconds_per_correction"].default
    errors_caught_share: float = SPECS["errors_caught_share"].default
    asr_real_time_factor: float = SPECS["asr_real_time_factor"].default
    structuring_wait_s: float = SPECS["structuring_wait_s"].default
    free_text_share: float = SPECS["free_text_share"].default
    structuring_saved_share: float = SPECS["structuring_saved_share"].default
    doc_min_per_vakt: float = SPECS["doc_min_per_vakt"].default
    free_text_reduction: float = SPECS["free_text_reduction"].default
    sources: dict[str, str] = Field(
        default_factory=dict, description="Source of each value that is not the default")

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        names = set(data) - {"sources"}
        if unknown := names - set(SPECS):
            raise _unknown(unknown)
        return {**data, **{name: _check(name, data[name]) for name in names}}


def _check(name: str, value: Any) -> float:
    spec = SPECS[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"time-saved parameter {name!r}: expected a finite number "
                          f"({spec.unit}), got {type(value).__name__}")
    low_ok = value >= spec.minimum if spec.minimum_allowed else value > spec.minimum
    if not low_ok or value > spec.maximum:
        bound = ">=" if spec.minimum_allowed else ">"
        upper = "" if math.isinf(spec.maximum) else f" and <= {spec.maximum:g}"
        raise ConfigError(f"time-saved parameter {name!r} must be {bound} {spec.minimum:g}"
                          f"{upper} ({spec.unit}); got {value:g}")
    return float(value)


def _unpack(name: str, raw: Any) -> tuple[float, str]:
    """A number, or a table ``{value = …, source = "…"}``."""
    if not isinstance(raw, Mapping):
        return _check(name, raw), "override"
    extra = set(raw) - {"value", "source"}
    if "value" not in raw or extra:
        raise ConfigError(f"time-saved parameter {name!r}: a table needs 'value' and may have "
                          "'source', nothing else")
    source = raw.get("source", "override")
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(f"time-saved parameter {name!r}: 'source' must be a non-empty text")
    return _check(name, raw["value"]), source


def _unknown(names: Iterable[str]) -> ConfigError:
    parts = []
    for name in sorted(names):
        close = difflib.get_close_matches(name, SPECS, n=1)
        parts.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return ConfigError(f"unknown time-saved parameter(s) {', '.join(parts)}; known: "
                       f"{', '.join(SPECS)}")


def words_per_note_from(corpus: Iterable[str]) -> tuple[float, str]:
    """Mean words per text of ``corpus`` and a source line saying so."""
    counts = [len(text.split()) for text in corpus]
    if not counts or not sum(counts):
        raise InputError("time saved: the corpus has no words; give transcripts with text")
    mean = sum(counts) / len(counts)
    return mean, f"corpus: mean of {len(counts)} texts ({sum(counts)} words)"


def parameters(overrides: Mapping[str, Any] | None = None, *,
               corpus: Iterable[str] | None = None) -> Parameters:
    """Defaults < words per note from ``corpus`` < ``overrides`` (raises ``ConfigError``)."""
    overrides = dict(overrides or {})
    if unknown := set(overrides) - set(SPECS):
        raise _unknown(unknown)
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    if corpus is not None:
        values["words_per_note"], sources["words_per_note"] = words_per_note_from(corpus)
    for name, raw in overrides.items():
        values[name], sources[name] = _unpack(name, raw)
    return Parameters(**values, sources=sources)
