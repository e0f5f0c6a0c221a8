"""The document decoder's drafts and its stop (pure logic, a fake transcriber): the open span is
decoded at a pause when the decoder is idle, the stop decodes only the audio after the latest
draft, a cut drops the draft it overtakes, spans not begun at the stop are decoded with the last
one (within one Whisper window) through `transcribe_last`, and nothing is decoded twice or
lost."""

from __future__ import annotations

import threading

import numpy as np

from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.document import DocumentDecoder, DocumentOptions
from diktat.types import Segment, Transcript, Word

RATE = 16_000


class FakeTranscriber:
    """One word per call, saying which stretch of audio it was given; `gate` holds a decode."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, float]] = []
        self.gate = threading.Event()
        self.gate.set()

    def read_audio(self, start: float, end: float) -> np.ndarray:
        samples = np.zeros(round((end - start) * RATE), dtype=np.float32)
        samples[:1] = start  # the fake transcriber reads where the audio starts from here
        return samples

    def transcribe(self, audio: np.ndarray, opts: DecodeOptions) -> Transcript:
        self.gate.wait(5)
        start, length = float(audio[0]), len(audio) / RATE
        self.calls.append((round(start, 3), round(start + length, 3)))
        word = Word(start=0.0, end=length, text=f" {start:g}-{start + length:g}", probability=1.0)
        return Transcript(segments=(Segment(start=0.0, end=length, text=word.text,
                                            words=(word,)),), language="no", duration=length,
                          model_id="fake")


def decoder(fake: FakeTranscriber, **options) -> DocumentDecoder:
    return DocumentDecoder(fake.transcribe, DecodeOptions(), fake.read_audio,
                           DocumentOptions(**options))


def settle(document: DocumentDecoder) -> None:
    """Wait until the decoder has done what it was given (drafts are asked for when idle)."""
    for _ in range(500):
        if document._unfinished == 0:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the decoder did not finish its work")


def spans_of(spans) -> list[tuple[float, float]]:
    return [(s.start, s.end) for s in spans]


def test_the_stop_decodes_only_the_audio_after_the_latest_draft():
    fake = FakeTranscriber()
    document = decoder(fake, min_span_s=20.0, draft_step_s=2.0)
    for point in (3.0, 4.0, 7.5, 12.0):  # pauses before the span is long enough
        assert document.offer_pause(point) is False
        settle(document)
    document.close(15.0)
    spans = document.finish()
    assert spans_of(spans) == [(0.0, 12.0), (12.0, 15.0)]
    # drafts at 3, 7.5 and 12 (4 is too close to 3); the stop decoded 12-15 only
    assert fake.calls == [(0.0, 3.0), (0.0, 7.5), (0.0, 12.0), (12.0, 15.0)]
    assert [w.text for s in spans for w in s.words] == [" 0-12", " 12-15"]


def test_a_cut_drops_the_draft_it_overtakes():
    fake = FakeTranscriber()
    document = decoder(fake, min_span_s=10.0, draft_step_s=2.0)
    document.offer_pause(4.0)
    settle(document)
    assert document.offer_pause(11.0) is True  # the span 0-11 replaces the draft 0-4
    settle(document)
    document.close(13.0)
    assert spans_of(document.finish()) == [(0.0, 11.0), (11.0, 13.0)]
    assert fake.calls == [(0.0, 4.0), (0.0, 11.0), (11.0, 13.0)]


def test_no_draft_while_the_decoder_is_busy_and_none_when_turned_off():
    fake = FakeTranscriber()
    fake.gate.clear()  # the first span's decode takes a while
    document = decoder(fake, min_span_s=5.0, draft_step_s=1.0)
    assert document.offer_pause(6.0) is True
    assert document.offer_pause(9.0) is False  # busy: no draft asked for
    threading.Event().wait(0.05)
    waiting = document.backlog()  # handed over, not decoded yet
    assert waiting.audio_s == 6.0 and waiting.waited_s >= 0.05
    fake.gate.set()
    document.close(10.0)
    assert spans_of(document.finish()) == [(0.0, 6.0), (6.0, 10.0)]
    assert document.backlog().audio_s == 0.0 and document.backlog().waited_s == 0.0

    fake = FakeTranscriber()
    document = decoder(fake, min_span_s=20.0, draft_step_s=0.0)
    document.offer_pause(5.0)
    settle(document)
    document.close(8.0)
    assert spans_of(document.finish()) == [(0.0, 8.0)] and fake.calls == [(0.0, 8.0)]


def test_a_draft_that_ends_where_the_recording_ends_is_the_last_span():
    fake = FakeTranscriber()
    document = decoder(fake, min_span_s=20.0, draft_step_s=2.0)
    document.offer_pause(6.0)
    settle(document)
    document.close(6.0)
    assert spans_of(document.finish()) == [(0.0, 6.0)] and fake.calls == [(0.0, 6.0)]


def taken(document: DocumentDecoder) -> None:
    """Wait until the decoder thread has taken every job handed over so far."""
    for _ in range(500):
        if document._todo.empty():
            return
        threading.Event().wait(0.01)
    raise AssertionError("the decoder did not take its jobs")


def test_spans_not_begun_at_the_stop_are_decoded_with_the_last_on_every_core():
    fake = FakeTranscriber()
    fake.gate.clear()  # the first span's decode is still running at the stop
    last: list[tuple[float, float]] = []

    def transcribe_last(audio, opts):
        transcript = fake.transcribe(audio, opts)
        last.append(fake.calls[-1])
        return transcript

    document = DocumentDecoder(fake.transcribe, DecodeOptions(), fake.read_audio,
                               DocumentOptions(min_span_s=5.0),
                               transcribe_last=transcribe_last)
    assert document.offer_pause(6.0) is True
    taken(document)
    assert document.offer_pause(12.0) is True and document.offer_pause(20.0) is True
    document.close(25.0)
    fake.gate.set()
    spans = document.finish()
    # 6-12, 12-20 and the last 20-25 fit in one Whisper window: one decode, on every core
    assert spans_of(spans) == [(0.0, 6.0), (6.0, 25.0)]
    assert fake.calls == [(0.0, 6.0), (6.0, 25.0)] and last == [(6.0, 25.0)]
    assert [w.text for s in spans for w in s.words] == [" 0-6", " 6-25"]
    assert document.backlog().audio_s == 0.0


def test_merged_spans_stay_within_one_whisper_window():
    fake = FakeTranscriber()
    fake.gate.clear()
    document = decoder(fake, min_span_s=5.0)
    document.offer_pause(6.0)
    taken(document)
    document.offer_pause(20.0)
    document.offer_pause(34.0)
    document.close(40.0)
    fake.gate.set()
    # 6-34 is 28 s (MERGED_MAX_S); with 34-40 it would be 34 s, so that stays a span of its own
    assert spans_of(document.finish()) == [(0.0, 6.0), (6.0, 34.0), (34.0, 40.0)]
    assert fake.calls == [(0.0, 6.0), (6.0, 34.0), (34.0, 40.0)]
