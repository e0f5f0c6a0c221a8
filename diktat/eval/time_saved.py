"""Minutes saved per employee per vakt (shift) by dictating notes instead of typing them.

A bottom-up model per note, times the notes written in a vakt::

    typing            = words_per_note / typing_wpm                        (the baseline)
    speaking          = words_per_note / speaking_wpm
    waiting           = speaking × asr_real_time_factor + structuring_wait_s
    review            = words_per_note / review_wpm                        (reading the draft)
    corrections       = wer × words_per_note × errors_caught_share × seconds_per_correction
    structuring_saved = typing × (1 − free_text_share) / free_text_share × structuring_saved_share
    saved per note    = typing + structuring_saved − (speaking + waiting + review + corrections)
    minutes per vakt  = saved per note × notes_per_vakt / 60

``structuring_saved``: without diktat the free text is only ``free_text_share`` of the
documentation time; the rest goes to structured fields (vital signs, medication), typed at the same
pace. Auto-filled fields save ``structuring_saved_share`` of that time, net of checking them.
Errors the review does not catch cost no time here; they are reported as ``errors_left``.
Start-up practice (the anchors' 0–8 h) is not modelled.

Every parameter has a default, a low–high range and a source, from
``../shared/anchors/TIME_SAVED_ANCHORS.md`` (WER from ``WER_ANCHORS.md``, latency from diktat's
own measurements in the README). Override them with a mapping (e.g. a TOML table):
``{"typing_wpm": 40, "wer": {"value": 0.12, "source": "our test set, 2026"}}``.
The result has the breakdown per note and per vakt, the parameters with their sources, a
one-at-a-time sensitivity table over each range, a WER sweep, the break-even WER, and cross-checks
against published figures, including the municipal pilots' claim of 30–40 minutes.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, computed_field, model_validator

from diktat.errors import ConfigError, InputError
from diktat.eval.results import FrozenResult

__all__ = [
    "FORMULA",
    "SPECS",
    "WER_SWEEP",
    "Breakdown",
    "Comparison",
    "ParameterSpec",
    "ParameterUsed",
    "Parameters",
    "SensitivityRow",
    "TimeSaved",
    "WerPoint",
    "estimate",
    "minutes_per_vakt",
    "parameters",
    "per_note",
    "words_per_note_from",
]

ANCHORS = "TIME_SAVED_ANCHORS.md"
FORMULA = (
    "saved per note = typing + structuring_saved − (speaking + waiting + review + corrections); "
    "typing = words_per_note/typing_wpm; speaking = words_per_note/speaking_wpm; "
    "waiting = speaking × asr_real_time_factor + structuring_wait_s; "
    "review = words_per_note/review_wpm; "
    "corrections = wer × words_per_note × errors_caught_share × seconds_per_correction; "
    "structuring_saved = typing × (1 − free_text_share)/free_text_share × structuring_saved_share; "
    "minutes per vakt = saved per note × notes_per_vakt / 60"
)
WER_SWEEP: tuple[float, ...] = (0.0, 0.05, 0.10, 0.15, 0.20, 0.30, 0.45, 0.60)


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


# --- parameters -----------------------------------------------------------------------------------
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


# --- the model ------------------------------------------------------------------------------------
class Breakdown(FrozenResult):
    """Times in ``unit``; ``saved`` = typing + structuring_saved − the four costs."""

    unit: Literal["s/note", "min/vakt"]
    typing: float
    speaking: float
    waiting: float
    review: float
    corrections: float
    structuring_saved: float
    saved: float
    word_errors: float = Field(description="Word errors in the draft (per note or per vakt)")
    errors_left: float = Field(description="Word errors the review is expected to miss")


def _seconds(words: float, wpm: float) -> float:
    return words / wpm * 60


def per_note(p: Parameters) -> Breakdown:
    typing = _seconds(p.words_per_note, p.typing_wpm)
    speaking = _seconds(p.words_per_note, p.speaking_wpm)
    waiting = speaking * p.asr_real_time_factor + p.structuring_wait_s
    review = _seconds(p.words_per_note, p.review_wpm)
    word_errors = p.wer * p.words_per_note
    corrections = word_errors * p.errors_caught_share * p.seconds_per_correction
    structured_entry = typing * (1 - p.free_text_share) / p.free_text_share
    structuring_saved = structured_entry * p.structuring_saved_share
    return Breakdown(
        unit="s/note", typing=typing, speaking=speaking, waiting=waiting, review=review,
        corrections=corrections, structuring_saved=structuring_saved,
        saved=typing + structuring_saved - (speaking + waiting + review + corrections),
        word_errors=word_errors, errors_left=word_errors * (1 - p.errors_caught_share),
    )


def _per_vakt(note: Breakdown, notes: float) -> Breakdown:
    times = ("typing", "speaking", "waiting", "review", "corrections", "structuring_saved",
             "saved")
    return Breakdown(
        unit="min/vakt",
        **{t: getattr(note, t) * notes / 60 for t in times},
        word_errors=note.word_errors * notes, errors_left=note.errors_left * notes,
    )


def minutes_per_vakt(p: Parameters) -> float:
    return per_note(p).saved * p.notes_per_vakt / 60


def _break_even_wer(p: Parameters) -> float | None:
    """The WER at which dictation saves nothing (0 if it never saves; None if WER costs nothing).
    ``saved`` falls linearly with WER."""
    slope = p.words_per_note * p.errors_caught_share * p.seconds_per_correction
    if slope == 0:
        return None
    return max(per_note(p.model_copy(update={"wer": 0.0})).saved, 0.0) / slope


def _top_down(doc_min: float, free_text_share: float, reduction: float) -> float:
    return doc_min * free_text_share * reduction


# --- the report -----------------------------------------------------------------------------------
class ParameterUsed(FrozenResult):
    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    overridden: bool


class SensitivityRow(FrozenResult):
    """Minutes per vakt with one parameter at its low and at its high end, the rest as used."""

    parameter: str
    low: float
    high: float
    minutes_at_low: float
    minutes_at_high: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def swing(self) -> float:
        return abs(self.minutes_at_high - self.minutes_at_low)


class WerPoint(FrozenResult):
    wer: float
    seconds_per_note: float
    minutes_per_vakt: float


class Comparison(FrozenResult):
    """A model figure beside a published (or claimed) one."""

    what: str
    unit: str
    model: float | None
    published_low: float
    published_high: float
    source: str


class TimeSaved(FrozenResult):
    formula: str = FORMULA
    parameters: tuple[ParameterUsed, ...]
    per_note: Breakdown
    per_vakt: Breakdown
    minutes_saved_per_vakt: float
    break_even_wer: float | None
    sensitivity: tuple[SensitivityRow, ...] = Field(description="Largest swing first")
    wer_sweep: tuple[WerPoint, ...]
    pilot_claim: Comparison
    top_down_minutes_per_vakt: float = Field(
        description="doc_min_per_vakt × free_text_share × free_text_reduction")
    cross_checks: tuple[Comparison, ...]


def _used(p: Parameters) -> tuple[ParameterUsed, ...]:
    return tuple(
        ParameterUsed(name=name, value=getattr(p, name), low=spec.low, high=spec.high,
                      unit=spec.unit, source=p.sources.get(name, spec.source),
                      overridden=name in p.sources)
        for name, spec in SPECS.items()
    )


def _sensitivity(p: Parameters) -> tuple[SensitivityRow, ...]:
    rows = [
        SensitivityRow(
            parameter=name, low=spec.low, high=spec.high,
            minutes_at_low=minutes_per_vakt(p.model_copy(update={name: spec.low})),
            minutes_at_high=minutes_per_vakt(p.model_copy(update={name: spec.high})),
        )
        for name, spec in SPECS.items() if name not in TOP_DOWN_ONLY
    ]
    return tuple(sorted(rows, key=lambda r: -r.swing))


def _wer_sweep(p: Parameters, wers: Iterable[float]) -> tuple[WerPoint, ...]:
    points = []
    for wer in wers:
        at = p.model_copy(update={"wer": wer})
        points.append(WerPoint(wer=wer, seconds_per_note=per_note(at).saved,
                               minutes_per_vakt=minutes_per_vakt(at)))
    return tuple(points)


def _pilot_claim(minutes: float) -> Comparison:
    return Comparison(
        what="minutes saved per employee per vakt", unit="min/vakt", model=minutes,
        published_low=30, published_high=40,
        source="The municipal pilots' claim: Halden kommune, 'up to 30–40 min per employee per "
               f"shift'; not found in any source read, unverified ({ANCHORS} §7). The anchors' "
               "top-down check reaches it only with long documentation time and gains near the "
               "top of the measured range",
    )


def _cross_checks(p: Parameters, note: Breakdown, break_even: float | None
                  ) -> tuple[Comparison, ...]:
    top_down = [_top_down(*(getattr(SPECS[n], end) for n in
                            ("doc_min_per_vakt", "free_text_share", "free_text_reduction")))
                for end in ("low", "high")]
    return (
        Comparison(
            what="minutes saved per vakt, top-down (all-low to all-high)", unit="min/vakt",
            model=minutes_per_vakt(p), published_low=top_down[0], published_high=top_down[1],
            source=f"doc_min_per_vakt × free_text_share × free_text_reduction at their ranges "
                   f"({ANCHORS}, suggested defaults: ≈ 7.5 by default, ≈ 47 all-high)"),
        Comparison(
            what="minutes saved per note, measured with speech recognition / AI scribes",
            unit="min/note", model=note.saved / 60, published_low=0.3, published_high=2.0,
            source="TPMG ambient scribe ≈ 23 s/encounter (derived, AMA news); Lukac et al., NEJM "
                   "AI 2025, 23 s net; Preiksaitis et al., JMIR AI 2026, 73 s; Tandem/Capio "
                   f"2 min (vendor-run, secondary) ({ANCHORS} §5, suggested defaults)"),
        Comparison(
            what="break-even WER (editing beats typing below it)", unit="fraction",
            model=break_even, published_low=0.30, published_high=0.30,
            source=f"Gaur et al., W4A 2016, caption editing, ~30 % (secondary) ({ANCHORS} §4)"),
    )


def estimate(params: Parameters | Mapping[str, Any] | None = None, *,
             wer_sweep: Iterable[float] = WER_SWEEP) -> TimeSaved:
    """The time-saved report for ``params`` (a ``Parameters`` or a mapping of overrides)."""
    p = params if isinstance(params, Parameters) else parameters(params)
    note = per_note(p)
    vakt = _per_vakt(note, p.notes_per_vakt)
    break_even = _break_even_wer(p)
    return TimeSaved(
        parameters=_used(p),
        per_note=note,
        per_vakt=vakt,
        minutes_saved_per_vakt=vakt.saved,
        break_even_wer=break_even,
        sensitivity=_sensitivity(p),
        wer_sweep=_wer_sweep(p, wer_sweep),
        pilot_claim=_pilot_claim(vakt.saved),
        top_down_minutes_per_vakt=_top_down(p.doc_min_per_vakt, p.free_text_share,
                                            p.free_text_reduction),
        cross_checks=_cross_checks(p, note, break_even),
    )
