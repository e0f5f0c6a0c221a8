import pytest

from diktat.stt.formats import parse_formats, render
from diktat.types import Segment, Transcript, Word, read_transcript_json


def _transcript():
    w = (Word(start=3661.5, end=3662.25, text=" Hei", probability=0.8),)
    return Transcript(
        segments=(
            Segment(start=0.0, end=1.5, text=" Pasienten sov godt."),
            Segment(start=3661.5, end=3662.25, text=" Hei", words=w),
        ),
        language="no",
        duration=3663.0,
        model_id="whisper-base",
        model_sha256="abc",
    )


def test_srt_and_vtt_timestamps():
    t = _transcript()
    srt = render(t, "srt")
    assert "1\n00:00:00,000 --> 00:00:01,500\nPasienten sov godt.\n" in srt
    assert "2\n01:01:01,500 --> 01:01:02,250\nHei\n" in srt
    vtt = render(t, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nPasienten sov godt.")


def test_txt_one_line_per_segment_and_empty_transcript_is_empty():
    assert render(_transcript(), "txt") == "Pasienten sov godt.\nHei\n"
    empty = Transcript(language="no", duration=1.0, model_id="m")
    assert render(empty, "txt") == ""
    assert render(empty, "srt") == ""


def test_json_round_trip_keeps_words_and_probabilities():
    t = _transcript()
    back = read_transcript_json(render(t, "json", {"name": "a.wav"}))
    assert back == t
    assert back.words[0].probability == 0.8


@pytest.mark.parametrize("spec", ["pdf", "txt,docx", ","])
def test_bad_format_names_are_rejected(spec):
    with pytest.raises(ValueError):
        parse_formats(spec)


def test_formats_deduplicated_in_order():
    assert parse_formats("json, txt,json,SRT") == ("json", "txt", "srt")
