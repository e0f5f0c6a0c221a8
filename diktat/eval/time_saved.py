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
against published figures, including the municipal pilots' claim of 30–40 minutes. The
parameters, their ranges and sources live in `time_saved_parameters.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field, computed_field

from diktat.eval.results import FrozenResult
from diktat.eval.time_saved_parameters import (
    ANCHORS,
    SPECS,
    TOP_DOWN_ONLY,
    Parameters,
    ParameterSpec,
    parameters,
    words_per_note_from,
)

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
