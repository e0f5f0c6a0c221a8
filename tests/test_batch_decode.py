"""Short recordings decoded together: the speech clips of several files in shared batches
(`WhisperEngine.transcribe_many`, `diktat/stt/whisper_batch.py`), through `run_batch`.

Real model, real audio (the NPSC clips and an espeak dictation); the assertions are properties
that hold on every CPU (times inside the file, probabilities, WER within a margin of the
file-by-file decode), never exact text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from diktat.stt.audio import load_audio
from diktat.stt.batch import DONE_LOG_NAME, plan_jobs, run_batch
from diktat.stt.options import DecodeOptions
from diktat.stt.whisper_batch import Candidate, best_attempt, decode_clips, passes
from diktat.stt.whisper_parts import encoder_frames
from tests.conftest import norwegian_wer

# Files decoded together, as `diktat transcribe` does by default (8 to a group on a CPU).
GROUPED = DecodeOptions(files_per_group=8)
DICTATION = ("Pasienten har sovet godt i natt. Blodtrykket er hundre og førti over åtti. "
             "Hun fikk Paracet klokken åtte og har spist frokost.")


def test_encoder_input_is_the_longest_clip_plus_a_margin():
    assert encoder_frames(300) == 1000  # at least 10 s
    assert encoder_frames(1234) == 1600  # 12.34 s + 3 s margin, whole seconds
    assert encoder_frames(2900) == 3000  # never over Whisper's 30 s


def _candidate(avg_logprob, ratio=1.5, no_speech=0.1, temperature=0.0):
    return Candidate(tokens=(1,), text="x", avg_logprob=avg_logprob, no_speech_prob=no_speech,
                     compression_ratio=ratio, temperature=temperature)


def test_the_quality_checks_are_faster_whispers():
    opts = DecodeOptions()  # thresholds: compression 2.4, log-probability -1.0, no speech 0.6
    assert passes(_candidate(-0.5), opts)
    assert not passes(_candidate(-1.2), opts)  # too unlikely
    assert not passes(_candidate(-0.5, ratio=3.0), opts)  # a repetition loop
    assert passes(_candidate(-1.2, no_speech=0.9), opts)  # silence: no fallback


def test_when_every_temperature_fails_the_most_likely_readable_decode_is_kept():
    opts = DecodeOptions()
    loop = _candidate(-0.2, ratio=3.1, temperature=0.0)
    unlikely = _candidate(-1.4, temperature=0.2)
    less_unlikely = _candidate(-1.1, temperature=0.4)
    assert best_attempt([loop, unlikely, less_unlikely], opts) is less_unlikely
    # only loops: the most likely of them
    other_loop = _candidate(-0.9, ratio=2.9, temperature=0.2)
    assert best_attempt([other_loop, loop], opts) is loop


@pytest.fixture(scope="module")
def clips(npsc_dir, espeak, tmp_path_factory):
    """(path, reference) of three short recordings: two real NPSC clips, one dictation."""
    from diktat.eval.synth import synthesize

    folder = tmp_path_factory.mktemp("short")
    out = []
    for line in (npsc_dir / "manifest.jsonl").read_text().splitlines():
        item = json.loads(line)
        out.append((Path(shutil.copy(npsc_dir / item["audio"], folder)), item["text"]))
    out.append((synthesize(DICTATION, folder / "dictation.wav").path, DICTATION))
    return out


@pytest.fixture(scope="module")
def grouped(engine, clips):
    audios = [load_audio(p).samples for p, _ in clips]
    return audios, engine.transcribe_many(audios, DecodeOptions())


@pytest.mark.slow
def test_each_file_gets_its_own_words_in_its_own_time(grouped):
    audios, transcripts = grouped
    assert len(transcripts) == len(audios)
    for samples, t in zip(audios, transcripts, strict=True):
        duration = len(samples) / 16_000
        assert t.options["pipeline"] == "grouped"
        assert t.options["word_timestamps"] is True
        assert t.options["group_files"] == len(audios)
        assert t.duration == pytest.approx(duration)
        words = t.words
        assert words, "every clip here has speech"
        assert all(0.0 <= w.start <= w.end <= duration + 0.5 for w in words)
        assert all(0.0 <= w.probability <= 1.0 for w in words)
        assert all(a.start <= b.start for a, b in zip(words, words[1:], strict=False))
        for seg in t.segments:
            assert all(seg.start - 0.01 <= w.start and w.end <= seg.end + 0.01
                       for w in seg.words)
        assert t.timings.transcribe_s > 0


@pytest.mark.slow
@pytest.mark.speech
def test_grouped_wer_is_within_a_margin_of_file_by_file(engine, clips, grouped):
    _, transcripts = grouped
    refs = " ".join(t for _, t in clips)
    together = " ".join(t.text for t in transcripts)
    alone = " ".join(engine.transcribe(load_audio(p).samples, DecodeOptions()).text
                     for p, _ in clips)
    # Measured on the 30-dictation folder: grouped was no worse (README); on three clips the
    # noise is larger, hence the margin.
    assert norwegian_wer(refs, together) <= norwegian_wer(refs, alone) + 0.15


def _folder(clips, tmp_path, corrupt: bool = True):
    src = tmp_path / "in"
    src.mkdir()
    for path, _ in clips:
        shutil.copy(path, src / path.name)
    if corrupt:
        (src / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage, not audio")
    return src


@pytest.mark.slow
def test_a_corrupt_file_in_a_group_fails_alone_and_a_rerun_resumes(engine, clips, tmp_path):
    src, out = _folder(clips, tmp_path), tmp_path / "out"
    jobs, problems = plan_jobs([src], out)
    assert not problems and len(jobs) == 4
    started, finished = [], []
    summary = run_batch(jobs, engine, GROUPED, ["txt", "json"], out,
                        on_start=started.append,
                        on_finish=lambda job, result: finished.append(result))
    assert len(started) == len(finished) == 4
    by_name = {r.source.name: r for r in summary.results}
    assert by_name["broken.wav"].status == "failed"
    assert "broken.wav" in by_name["broken.wav"].error
    good = [r for r in summary.results if r.source.name != "broken.wav"]
    assert all(r.status == "done" for r in good)
    for r in good:
        doc = json.loads(r.outputs[1].read_text())
        transcript = doc.get("transcript", doc)
        assert transcript["options"]["pipeline"] == "grouped"
        assert any(s["words"] for s in transcript["segments"])
        assert r.outputs[0].read_text().strip()

    again = run_batch(jobs, engine, GROUPED, ["txt", "json"], out)
    assert sorted(r.status for r in again.results) == ["failed", "skipped", "skipped", "skipped"]


@pytest.mark.slow
def test_interrupted_group_resumes_without_losing_or_redoing(engine, clips, tmp_path):
    src, out = _folder(clips, tmp_path, corrupt=False), tmp_path / "out"
    jobs, _ = plan_jobs([src], out)

    def stop_after_first(job, result):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(jobs, engine, GROUPED, ["txt"], out, on_finish=stop_after_first)
    written = sorted(p.name for p in out.glob("*.txt"))
    assert len(written) == 1
    log = (out / DONE_LOG_NAME).read_text().splitlines()
    assert sum("started" in line for line in log) == 3  # the group started together

    resumed = run_batch(jobs, engine, GROUPED, ["txt"], out)
    statuses = {r.source.stem: r.status for r in resumed.results}
    assert statuses[written[0].removesuffix(".txt")] == "skipped"
    assert sorted(statuses.values()) == ["done", "done", "skipped"]
    assert len(list(out.glob("*.txt"))) == 3


class _BrokenShared:
    """The real engine whose shared decode fails (as a native error would surface)."""

    def __init__(self, engine):
        self._engine = engine
        self.model_id, self.model_sha256 = engine.model_id, engine.model_sha256

    def files_per_group(self, opts):
        return 8

    def transcribe(self, samples, opts):
        return self._engine.transcribe(samples, opts)

    def transcribe_many(self, audios, opts):
        raise RuntimeError("simulated failure of the shared decode")


@pytest.mark.slow
def test_a_failed_shared_decode_falls_back_to_one_file_at_a_time(engine, clips, tmp_path):
    src, out = _folder(clips[:2], tmp_path), tmp_path / "out"
    jobs, _ = plan_jobs([src], out)
    summary = run_batch(jobs, _BrokenShared(engine), DecodeOptions(), ["json"], out)
    by_name = {r.source.name: r for r in summary.results}
    assert by_name.pop("broken.wav").status == "failed"
    assert [r.status for r in by_name.values()] == ["done", "done"]
    assert {r.transcript.options["pipeline"] for r in by_name.values()} == {"sequential"}


class _RecordingEngine:
    """Pure logic: which files `run_batch` gives to the shared decode and which alone."""

    model_id, model_sha256 = "fake", None

    def __init__(self):
        self.calls: list[tuple[str, list[float]]] = []

    def files_per_group(self, opts):
        return 2

    def _transcript(self, samples):
        from diktat.types import Transcript

        return Transcript(language="no", duration=len(samples) / 16_000, model_id="fake")

    def transcribe(self, samples, opts):
        self.calls.append(("alone", [round(len(samples) / 16_000)]))
        return self._transcript(samples)

    def transcribe_many(self, audios, opts):
        self.calls.append(("group", [round(len(a) / 16_000) for a in audios]))
        return [self._transcript(a) for a in audios]


def test_short_files_go_in_groups_and_a_long_one_alone(tmp_path):
    import numpy as np
    import soundfile as sf

    src = tmp_path / "in"
    src.mkdir()
    for name, seconds in (("a", 5), ("b", 70), ("c", 6), ("d", 7)):
        sf.write(src / f"{name}.wav", np.zeros(seconds * 16_000, dtype=np.float32), 16_000)
    jobs, _ = plan_jobs([src], tmp_path / "out")
    engine = _RecordingEngine()
    summary = run_batch(jobs, engine, DecodeOptions(), ["txt"], tmp_path / "out")
    assert summary.counts == {"done": 4}
    # the 70 s file (over batched_min_duration_s) on its own when it comes; the short ones in
    # groups of files_per_group (2); the one short file left at the end alone
    assert engine.calls == [("alone", [70]), ("group", [5, 6]), ("alone", [7])]


@pytest.mark.slow
def test_clips_that_fail_the_checks_are_decoded_again_together_and_keep_their_words(
        engine, clips):
    """A log-probability threshold of 0 fails every decode, so every clip goes through each
    temperature and ends with faster-whisper's choice, aligned: words in the clip's own time."""
    audios = [load_audio(p).samples for p, _ in clips]
    strict = DecodeOptions(log_prob_threshold=0.0, temperatures=(0.0, 0.2, 0.4))
    decoded = decode_clips(engine._model, audios, strict, batch_size=2, workers=2)
    assert len(decoded) == len(audios)
    for samples, clip in zip(audios, decoded, strict=True):
        assert clip.redecoded
        assert clip.temperature in strict.temperatures
        assert clip.segments, "every clip here has speech"
        words = [w for s in clip.segments for w in s.words]
        assert words
        assert all(0.0 <= w.start <= w.end <= len(samples) / 16_000 + 0.5 for w in words)
    # the ordinary thresholds: the same clips pass at temperature 0
    plain = decode_clips(engine._model, audios, DecodeOptions(), batch_size=2, workers=2)
    assert [c.temperature for c in plain] == [0.0] * len(audios)

