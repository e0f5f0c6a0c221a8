"""The time-saved-per-vakt model: arithmetic, sources, sensitivity and parameter errors."""

from __future__ import annotations

import math

import pytest

from diktat.errors import ConfigError, InputError
from diktat.eval.time_saved import (
    SPECS,
    TOP_DOWN_ONLY,
    Parameters,
    TimeSaved,
    estimate,
    minutes_per_vakt,
    parameters,
    per_note,
)

HAND = {
    "notes_per_vakt": 6, "words_per_note": 60, "typing_wpm": 30, "speaking_wpm": 120,
    "asr_real_time_factor": 0.1, "structuring_wait_s": 2, "review_wpm": 240, "wer": 0.1,
    "errors_caught_share": 0.5, "seconds_per_correction": 4, "free_text_share": 0.5,
    "structuring_saved_share": 0.1, "doc_min_per_vakt": 60, "free_text_reduction": 0.25,
}


def test_hand_computed_example():
    report = estimate(HAND)
    note = report.per_note
    # typing 60/30 min = 120 s; speaking 60/120 min = 30 s; waiting 30 × 0.1 + 2 = 5 s;
    # review 60/240 min = 15 s; 6 word errors, 3 caught × 4 s = 12 s;
    # structured entry 120 × 0.5/0.5 = 120 s, 10 % saved = 12 s.
    assert (note.typing, note.speaking, note.waiting, note.review) == pytest.approx(
        (120, 30, 5, 15))
    assert (note.corrections, note.structuring_saved) == pytest.approx((12, 12))
    assert (note.word_errors, note.errors_left) == pytest.approx((6, 3))
    assert note.saved == pytest.approx(120 + 12 - (30 + 5 + 15 + 12))  # 70 s
    assert report.minutes_saved_per_vakt == pytest.approx(70 * 6 / 60)  # 7 min
    assert report.per_vakt.typing == pytest.approx(12) and report.per_vakt.unit == "min/vakt"
    assert report.per_vakt.word_errors == pytest.approx(36)
    # saved at WER 0 is 82 s; each unit of WER costs 60 × 0.5 × 4 = 120 s.
    assert report.break_even_wer == pytest.approx(82 / 120)
    assert report.top_down_minutes_per_vakt == pytest.approx(60 * 0.5 * 0.25)


def test_defaults_reproduce_the_anchors_check():
    report = estimate()
    assert report.top_down_minutes_per_vakt == pytest.approx(7.5)  # 75 × 0.5 × 0.20
    top_down = report.cross_checks[0]
    assert (top_down.published_low, top_down.published_high) == pytest.approx((1.35, 47.25))
    assert 0 < report.minutes_saved_per_vakt < 30


def test_pilot_claim_is_stated_as_a_claim():
    claim = estimate().pilot_claim
    assert (claim.published_low, claim.published_high) == (30, 40)
    assert "claim" in claim.source and "unverified" in claim.source
    assert "Halden" in claim.source


def test_higher_wer_saves_fewer_minutes():
    sweep = estimate().wer_sweep
    minutes = [p.minutes_per_vakt for p in sweep]
    assert [p.wer for p in sweep] == sorted(p.wer for p in sweep)
    assert all(a > b for a, b in zip(minutes, minutes[1:], strict=False))
    report = estimate({"wer": 0.45})
    assert report.break_even_wer is not None and 0.10 < report.break_even_wer < 0.45
    assert report.minutes_saved_per_vakt < 0 < estimate({"wer": 0.10}).minutes_saved_per_vakt


@pytest.mark.parametrize("name, more_saved_when_higher", [
    ("typing_wpm", False), ("wer", False), ("seconds_per_correction", False),
    ("errors_caught_share", False), ("asr_real_time_factor", False),
    ("structuring_wait_s", False), ("speaking_wpm", True), ("review_wpm", True),
    ("structuring_saved_share", True), ("notes_per_vakt", True), ("words_per_note", True),
])
def test_sensitivity_direction(name, more_saved_when_higher):
    row = next(r for r in estimate().sensitivity if r.parameter == name)
    assert (row.low, row.high) == (SPECS[name].low, SPECS[name].high)
    assert (row.minutes_at_high > row.minutes_at_low) == more_saved_when_higher


def test_faster_typing_saves_fewer_minutes():
    minutes = [minutes_per_vakt(Parameters(typing_wpm=w)) for w in (20, 30, 45, 60)]
    assert all(a > b for a, b in zip(minutes, minutes[1:], strict=False))


def test_sensitivity_covers_the_bottom_up_parameters_largest_swing_first():
    rows = estimate().sensitivity
    assert {r.parameter for r in rows} == set(SPECS) - TOP_DOWN_ONLY
    swings = [r.swing for r in rows]
    assert swings == sorted(swings, reverse=True)


def test_every_parameter_is_named_sourced_and_in_range():
    assert set(SPECS) == set(Parameters.model_fields) - {"sources"}
    defaults = Parameters()
    for name, spec in SPECS.items():
        assert spec.low <= spec.default <= spec.high, name
        assert getattr(defaults, name) == spec.default
        assert spec.unit and len(spec.source) > 20, name
    used = {p.name: p for p in estimate().parameters}
    assert set(used) == set(SPECS)
    assert not any(p.overridden for p in used.values())
    assert "Kalava" in used["typing_wpm"].source and "Brysbaert" in used["review_wpm"].source


def test_overrides_number_and_table_with_source():
    report = estimate({"typing_wpm": 45, "wer": {"value": 0.12, "source": "own test set"}})
    used = {p.name: p for p in report.parameters}
    assert used["typing_wpm"].value == 45 and used["typing_wpm"].overridden
    assert used["typing_wpm"].source == "override"
    assert (used["wer"].value, used["wer"].source) == (0.12, "own test set")
    assert report.minutes_saved_per_vakt == pytest.approx(
        minutes_per_vakt(Parameters(typing_wpm=45, wer=0.12)))


def test_words_per_note_from_the_corpus_unless_overridden():
    p = parameters(corpus=["puls sytti to", "blodtrykk hundre og førti over åtti"])
    assert p.words_per_note == 4.5
    assert p.sources["words_per_note"].startswith("corpus: mean of 2 texts")
    assert parameters({"words_per_note": 50}, corpus=["a b"]).words_per_note == 50
    with pytest.raises(InputError, match="no words"):
        parameters(corpus=["", "  "])


@pytest.mark.parametrize("overrides, message", [
    ({"typing_wpn": 40}, "unknown time-saved parameter.*did you mean 'typing_wpm'"),
    ({"typing_wpm": 0}, "'typing_wpm' must be > 0"),
    ({"wer": -0.1}, "'wer' must be >= 0"),
    ({"errors_caught_share": 1.2}, "'errors_caught_share' must be >= 0 and <= 1"),
    ({"free_text_share": 0}, "'free_text_share' must be > 0"),
    ({"wer": "0.2"}, "expected a finite number"),
    ({"notes_per_vakt": True}, "expected a finite number"),
    ({"wer": math.nan}, "expected a finite number"),
    ({"wer": {"source": "x"}}, "needs 'value'"),
    ({"wer": {"value": 0.1, "unit": "%"}}, "nothing else"),
    ({"wer": {"value": 0.1, "source": " "}}, "'source' must be a non-empty text"),
])
def test_bad_overrides_are_config_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        estimate(overrides)


def test_parameters_checked_when_built_directly():
    with pytest.raises(ConfigError, match="'review_wpm' must be > 0"):
        Parameters(review_wpm=-1)
    with pytest.raises(ConfigError, match="unknown"):
        Parameters(speed=1)


def test_report_is_frozen_and_round_trips_as_json():
    report = estimate()
    with pytest.raises(ValueError):
        report.minutes_saved_per_vakt = 40  # type: ignore[misc]
    again = TimeSaved.model_validate_json(report.model_dump_json())
    assert again.per_note == report.per_note
    assert per_note(Parameters()) == report.per_note
