"""The document decode (issue 19): the transcript, text and note of a dictation are made from a
batch decode of its recording in spans cut at pauses, not from the streamed preview. Checked on
real speech through the real dictation loop: the document text is exactly the batch transcript
of the same audio decoded in the same spans (one CPU), it is closer to the offline transcript
of the whole recording than the preview is, the session keeps both, and the note is made from
the document text."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile as sf

from diktat.store.sessions import SessionStore
from diktat.stt.audio import load_audio
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.commands import DEFAULT_COMMANDS
from diktat.stt.streaming.dictation import (
    DictationOptions,
    _document_text,
    dictate,
)
from diktat.stt.streaming.document import DocumentOptions, Span, words_of
from diktat.stt.streaming.sources import FileSource
from tests.store_helpers import sealed_text

pytestmark = [pytest.mark.slow, pytest.mark.speech]
KING = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "king" / "king.mp3"
WITH_WORDS = {"batched_min_duration_s": 24 * 3600.0}


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def clip(tmp_path: Path, source: Path, seconds: float | None) -> tuple[Path, np.ndarray]:
    audio = load_audio(source).samples
    if seconds is not None:
        audio = audio[: int(seconds * 16_000)]
    path = tmp_path / "clip.wav"
    sf.write(path, audio, 16_000, subtype="PCM_16")
    return path, load_audio(path).samples


# king 60 s and 3 min are measured by bench/bench_document.py (too slow for every CI run).
@pytest.fixture(params=["npsc-8s", "king-30s"])
def recording(request, tmp_path, npsc_dir):
    if request.param == "npsc-8s":
        return request.param, *clip(tmp_path, npsc_dir / "norwegian-medium-8s.16k.wav", None)
    if not KING.is_file():
        pytest.skip(f"{KING} is missing (../shared/data/speech/king)")
    return request.param, *clip(tmp_path, KING, float(request.param[5:-1]))


def test_the_document_text_is_the_batch_decode_of_its_spans(recording, engine, tmp_path,
                                                            store_keys, record_property):
    name, path, audio = recording
    decode = DecodeOptions()
    made = []

    def make_note(transcript):
        from diktat.store.sessions import SessionNote

        made.append(transcript.text)
        return SessionNote("notat", "{}")

    result = dictate(FileSource(path), engine, SessionStore(tmp_path / "s", store_keys),
                     decode=decode, make_note=make_note,
                     options=DictationOptions(document=DocumentOptions(min_span_s=10.0)))
    spans = result.transcript.options["document_spans"]
    assert result.transcript.options["pipeline"] == "document"
    assert spans[0][0] == 0 and spans[-1][1] == pytest.approx(len(audio) / 16_000, abs=0.01)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    if name == "king-30s":
        assert len(spans) >= 2  # cut at pauses after 10 s

    # The same spans of the same audio, decoded on their own with the batch pipeline.
    again = []
    for start, end in spans:
        piece = audio[round(start * 16_000): round(end * 16_000)]
        transcript = engine.transcribe(piece, decode.model_copy(update=WITH_WORDS))
        again.append(Span(start, end, tuple(
            w.model_copy(update={"start": w.start + start, "end": w.end + start})
            for w in words_of(transcript.segments)), 0.0))
    expected = _document_text(again, DEFAULT_COMMANDS, DictationOptions().pause_s).text.strip()
    assert result.text == expected
    assert made == [result.transcript.text]  # the note was made from the document text

    folder = result.folder
    assert sealed_text(folder / "text.txt").strip() == result.text
    assert sealed_text(folder / "preview.txt").strip() == result.preview_text
    offline = engine.transcribe(audio, decode.model_copy(update=WITH_WORDS)).text
    document_wer = jiwer.wer(words(offline), words(result.text))
    preview_wer = jiwer.wer(words(offline), words(result.preview_text))
    record_property("document_wer_vs_offline", round(document_wer, 3))
    record_property("preview_wer_vs_offline", round(preview_wer, 3))
    record_property("note_ready_s", round(result.note_ready_s, 2))
    # Measured (bench/bench_document.py, 20 s spans): king 30 s document 0.15 against the
    # whole-recording decode, preview 0.36; 60 s 0.24 and 0.35; 3 min 0.21 and 0.39.
    assert document_wer <= preview_wer + 0.05
    if name == "npsc-8s":  # one span: the whole recording
        assert len(spans) == 1 and document_wer == 0.0


def test_with_the_document_off_the_text_is_the_preview(engine, npsc_dir, tmp_path, store_keys):
    result = dictate(FileSource(npsc_dir / "norwegian-medium-8s.16k.wav"), engine,
                     SessionStore(tmp_path / "s", store_keys), decode=DecodeOptions(),
                     options=DictationOptions(document=DocumentOptions(enabled=False)))
    assert result.transcript.options["pipeline"] == "streaming"
    assert result.preview_text == "" and not (result.folder / "preview.txt").exists()
    assert result.text


def test_the_view_replaces_the_preview_once_per_span_and_never_goes_back(engine, tmp_path,
                                                                          store_keys):
    if not KING.is_file():
        pytest.skip(f"{KING} is missing (../shared/data/speech/king)")
    from diktat.stt.streaming.commands import render_pieces

    path, _ = clip(tmp_path, KING, 28.0)
    views = []
    result = dictate(FileSource(path, realtime=True), engine,
                     SessionStore(tmp_path / "s", store_keys), decode=DecodeOptions(),
                     on_view=views.append,
                     options=DictationOptions(document=DocumentOptions(min_span_s=10.0)))
    shown = [render_pieces(v.pieces[:v.document_pieces]) for v in views]
    changes = [b for a, b in zip(shown, shown[1:], strict=False) if a != b]
    assert changes, "no span was replaced while she dictated"
    for before, after in zip([""] + changes, changes, strict=False):
        assert after.startswith(before) and len(after) > len(before)  # only ever grows
    spans = result.transcript.options["document_spans"]
    assert len(changes) <= len(spans)  # once per span at most
    assert [v.document_s for v in views] == sorted(v.document_s for v in views)
    # what was shown as document text is the start of the final text
    assert words(result.text).startswith(words(changes[-1]))

    # The terminal view shows the same: the document text plain, the preview after it in blue.
    from diktat.cli.dictate_view import dictated_text

    previews = 0
    for v in views:
        text = dictated_text(v, low_confidence=0.0)
        blue = [s for s in text.spans if str(s.style) == "blue"]
        plain = text.plain[: blue[0].start] if blue else text.plain
        assert words(plain) == words(render_pieces(v.pieces[:v.document_pieces])) or (
            not blue and v.document_pieces == len(v.pieces))
        blue_text = " ".join(text.plain[s.start:s.end] for s in blue)
        assert words(blue_text) == words(render_pieces(v.pieces[v.document_pieces:]))
        previews += bool(blue)
    assert previews, "the terminal never showed preview text"
