"""Whisper through faster-whisper/CTranslate2 (this module and its decodes `whisper_window`
(streaming) and `whisper_batch` (clips of many files) are the only ones that import
faster_whisper).

`transcribe` (one recording): short audio goes through `WhisperModel.transcribe` (with
temperature fallback and hallucination silence skipping); long audio through
`BatchedInferencePipeline`, which decodes VAD chunks in batches and was 2.4x faster at equal or
better WER on this project's long-form measurements (see README, bench/bench_transcribe.py).
`transcribe_many` (a group of recordings, as `diktat transcribe` gives them): the VAD clips of
all of them decoded in shared batches with word timestamps (`whisper_batch`). All run VAD
(Silero) first and the guards after."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

from diktat.errors import ModelCorrupt
from diktat.stt.audio import SAMPLE_RATE
from diktat.stt.device import pick_compute_type, pick_device
from diktat.stt.engine import WindowRequest
from diktat.stt.guards import apply_guards, uncovered_speech
from diktat.stt.options import DecodeOptions, EngineOptions
from diktat.stt.vad import group_regions
from diktat.stt.whisper_batch import decode_clips
from diktat.stt.whisper_window import decode_short_window, decode_windows
from diktat.types import GuardAction, Segment, Timings, Transcript, Word

log = logging.getLogger(__name__)

# Longest stretch of audio given to the decoder at once (Whisper's window is 30 s).
MAX_CLIP_S = 29.0
# Silero VAD scores audio in frames of this many samples (32 ms at 16 kHz).
VAD_FRAME_SAMPLES = 512


def speech_probabilities(samples: np.ndarray) -> np.ndarray:
    """Silero VAD speech probability of each whole 512-sample frame of `samples` (a trailing
    partial frame is not scored). The model starts from a fresh state on every call."""
    whole = len(samples) - len(samples) % VAD_FRAME_SAMPLES
    if whole == 0:
        return np.zeros(0, dtype=np.float32)
    frames = np.ascontiguousarray(samples[:whole], dtype=np.float32)
    return np.asarray(get_vad_model()(frames), dtype=np.float32).reshape(-1)


def decode_settings(opts: DecodeOptions) -> dict:
    """faster-whisper's decode arguments for ``opts`` (every path decodes with these)."""
    return dict(
        language=opts.language,
        beam_size=opts.beam_size,
        temperature=list(opts.temperatures),
        compression_ratio_threshold=opts.compression_ratio_threshold,
        log_prob_threshold=opts.log_prob_threshold,
        no_speech_threshold=opts.no_speech_threshold,
        condition_on_previous_text=opts.condition_on_previous_text,
        word_timestamps=opts.word_timestamps,
        hotwords=opts.hotwords,
    )


class WhisperEngine:
    """A loaded Whisper model; load once, reuse for many files. Up to `workers` calls from
    different threads decode at once (CTranslate2 workers, `threads` each); more wait their turn."""

    def __init__(
        self,
        model_dir: Path,
        *,
        model_id: str,
        model_sha256: str | None = None,
        options: EngineOptions | None = None,
    ) -> None:
        options = options or EngineOptions()
        self.model_id = model_id
        self.model_sha256 = model_sha256
        self.device = pick_device(options.device)
        self.compute_type = pick_compute_type(options.compute_type, self.device)
        self.workers = options.workers
        self.threads = options.threads or max(1, (os.cpu_count() or 1) // self.workers)
        started = time.perf_counter()
        try:
            self._model = WhisperModel(
                str(model_dir),
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=self.threads if self.device == "cpu" else 0,
                num_workers=self.workers,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelCorrupt(
                f"cannot load Whisper model from {model_dir} on {self.device}/{self.compute_type}: "
                f"{exc}. Check the folder is a CTranslate2 Whisper model (`diktat models verify`)."
            ) from None
        self._batched = BatchedInferencePipeline(self._model)
        # Whisper's decode of one recording on one thread takes about 1.8 times as long as on
        # two (2 cores, whisper base: 6.7 s against 3.7 s for 18 s of speech); the workers
        # keep one thread each for the many short live decodes, so the moment nothing else
        # decodes (a dictation's stop) has a copy on all of them. The text is the same: on
        # this machine seven king.mp3 spans decoded alike to the word times and probabilities.
        self._alone: WhisperEngine | None = None
        if options.alone and self.device == "cpu" and self.workers > 1:
            self._alone = WhisperEngine(
                model_dir, model_id=model_id, model_sha256=model_sha256,
                options=EngineOptions(device="cpu", compute_type=self.compute_type,
                                      threads=self.threads * self.workers, workers=1))
        self.load_s = time.perf_counter() - started

    def batch_size(self, opts: DecodeOptions) -> int:
        """0 = auto: 4 on CPU (8 measured ~1.1 GB peak RSS with the base model), 16 on GPU."""
        return opts.batch_size or (16 if self.device == "cuda" else 4)

    def files_per_group(self, opts: DecodeOptions) -> int:
        """0 = auto: 32 (README "Short recordings": on 2 cores 32 dictations in one group took
        162 s, in groups of 16 177 s and of 8 189 s; more clips to a group keep a batch's clips
        of similar length and both workers busy to the end)."""
        return opts.files_per_group or 32

    def transcribe(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        duration = len(samples) / SAMPLE_RATE
        started = time.perf_counter()
        if duration == 0 or float(np.max(np.abs(samples))) < opts.silence_peak:
            return self._result((), opts, duration, 0.0, 0.0, (), pipeline="sequential")
        vad = _vad_options(opts)
        regions: list[tuple[float, float]] = []
        if opts.vad:
            regions = [
                (r["start"] / SAMPLE_RATE, r["end"] / SAMPLE_RATE)
                for r in get_speech_timestamps(samples, vad)
            ]
            if not regions:
                return self._result(
                    (),
                    opts,
                    duration,
                    time.perf_counter() - started,
                    0.0,
                    (),
                    pipeline="sequential",
                )
        batched = duration >= opts.batched_min_duration_s and opts.vad
        common = decode_settings(opts)
        if batched:
            segments, info = self._decode_batched(samples, regions, opts, common)
        else:
            segments, info = self._decode_sequential(samples, vad, opts, common)
        recovered: list[GuardAction] = []
        if regions:
            segments, recovered = self._recover_skipped_speech(samples, segments, regions, common)
        elapsed = time.perf_counter() - started
        kept, actions = _guarded(segments, opts)
        actions = recovered + actions
        speech = sum(e - s for s, e in regions) if opts.vad else None
        return self._result(
            kept,
            opts,
            duration,
            elapsed,
            speech,
            actions,
            pipeline="batched" if batched else "sequential",
            lang_prob=info.language_probability,
        )

    def transcribe_alone(self, samples: np.ndarray, opts: DecodeOptions) -> Transcript:
        """`transcribe` on all the workers' CPU threads at once (the copy loaded with
        `EngineOptions.alone`; else as `transcribe`), for a caller that knows nothing else
        decodes meanwhile: the other workers' threads would share the same cores."""
        return (self._alone or self).transcribe(samples, opts)

    def transcribe_many(
        self, audios: Sequence[np.ndarray], opts: DecodeOptions
    ) -> list[Transcript]:
        """Transcribe several recordings with their VAD clips decoded in shared batches
        (`whisper_batch.decode_clips`), keeping word timestamps and probabilities.

        Each file is cut into clips of at most 29 s of contiguous speech (as the batched
        pipeline does); the clips of all files are decoded together (a clip that fails the
        quality checks again at the next temperatures, with the others that failed), and then
        each file gets the coverage check and the guards on its own. Each Transcript's
        `transcribe_s` is its share (by clip audio) of the group's time. Without VAD the files
        are transcribed one at a time (`transcribe`)."""
        if not opts.vad:
            return [self.transcribe(samples, opts) for samples in audios]
        started = time.perf_counter()
        vad = _vad_options(opts)
        regions: list[list[tuple[float, float]]] = []
        clips: list[tuple[int, float, np.ndarray]] = []  # (file, start s, samples)
        for index, samples in enumerate(audios):
            found: list[tuple[float, float]] = []
            if len(samples) and float(np.max(np.abs(samples))) >= opts.silence_peak:
                found = [(r["start"] / SAMPLE_RATE, r["end"] / SAMPLE_RATE)
                         for r in get_speech_timestamps(samples, vad)]
            regions.append(found)
            for start, end in group_regions(found, max_clip_s=MAX_CLIP_S):
                cut = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
                clips.append((index, start, cut))
        decoded = decode_clips(self._model, [c for _, _, c in clips], opts,
                               batch_size=self.batch_size(opts), workers=self.workers)
        common = decode_settings(opts)
        segments: list[list[Segment]] = [[] for _ in audios]
        # a clip already decoded at higher temperatures is not decoded again region by region
        redone: list[list[tuple[float, float]]] = [[] for _ in audios]
        for (index, start, cut), result in zip(clips, decoded, strict=True):
            segments[index].extend(_shifted(s, start) for s in result.segments)
            if result.redecoded:
                redone[index].append((start, start + len(cut) / SAMPLE_RATE))
        clip_audio = [0.0 for _ in audios]
        for index, _, cut in clips:
            clip_audio[index] += len(cut) / SAMPLE_RATE
        group_s = time.perf_counter() - started
        total_clip_audio = sum(clip_audio) or 1.0
        out = []
        for index, samples in enumerate(audios):
            found_segments = sorted(segments[index], key=lambda s: s.start)
            recovered: list[GuardAction] = []
            unchecked = [(a, b) for a, b in regions[index]
                         if not any(s0 <= a and b <= s1 for s0, s1 in redone[index])]
            recover_started = time.perf_counter()
            if unchecked:
                found_segments, recovered = self._recover_skipped_speech(
                    samples, found_segments, unchecked, common)
            recover_s = time.perf_counter() - recover_started
            kept, actions = _guarded(found_segments, opts)
            out.append(self._result(
                kept,
                opts,
                len(samples) / SAMPLE_RATE,
                group_s * clip_audio[index] / total_clip_audio + recover_s,
                sum(e - s for s, e in regions[index]),
                recovered + actions,
                pipeline="grouped",
                group_files=len(audios),
                clips_redecoded=len(redone[index]),
            ))
        return out

    def decode_window(
        self,
        samples: np.ndarray,
        opts: DecodeOptions,
        *,
        max_new_tokens: int | None = None,
    ) -> list[Segment]:
        """Decode one short window for streaming (`whisper_window.decode_short_window`): no
        VAD, no guards, greedy; word times relative to the window's start."""
        try:
            return decode_short_window(self._model, samples, opts, max_new_tokens=max_new_tokens)
        except IndexError:
            log.warning("word alignment failed on a streaming window; it yields no words")
            return []

    def decode_windows(self, requests: Sequence[WindowRequest]) -> list[list[Segment]]:
        """`decode_window` of several windows in one call (`whisper_window.decode_windows`);
        when the word alignment fails on the batch each window is decoded again on its own."""
        try:
            return decode_windows(self._model, requests)
        except IndexError:
            return [self.decode_window(r.samples, r.opts, max_new_tokens=r.max_new_tokens)
                    for r in requests]

    def _decode_batched(self, samples, regions, opts, common):
        # Word timestamps in faster-whisper 1.2's batched path are unsafe: on this project's
        # long-form files they raised IndexError (batch 8) and crashed the process with SIGSEGV
        # (batch 6) inside word alignment. Batched segments therefore carry no words; each is
        # one clip of speech (see stt/vad.py).
        clips = [{"start": s, "end": e} for s, e in group_regions(regions, max_clip_s=MAX_CLIP_S)]
        raw, info = self._batched.transcribe(
            samples,
            batch_size=self.batch_size(opts),
            vad_filter=False,
            clip_timestamps=clips,
            **(common | {"word_timestamps": False}),
        )
        return [_segment(s) for s in raw], info

    def _decode_sequential(self, samples, vad, opts, common):
        silence_skip = opts.hallucination_silence_threshold_s if opts.word_timestamps else None
        extra = {"vad_filter": opts.vad, "vad_parameters": vad if opts.vad else None}
        try:
            raw, info = self._model.transcribe(
                samples, hallucination_silence_threshold=silence_skip, **common, **extra
            )
            return [_segment(s) for s in raw], info
        except IndexError:
            if not opts.word_timestamps:
                raise
            log.warning("word alignment failed; decoding again without word timestamps")
        raw, info = self._model.transcribe(
            samples, **(common | {"word_timestamps": False}), **extra
        )
        return [_segment(s) for s in raw], info

    def _decode_alone(self, clip, start, common) -> list[Segment]:
        """One clip through faster-whisper's sequential decoder (temperature fallback), its
        times moved by `start`; without words if the word alignment fails."""
        settings = common | {"condition_on_previous_text": False}
        try:
            raw, _ = self._model.transcribe(clip, vad_filter=False, **settings)
            return [_segment(s, offset=start) for s in raw]
        except IndexError:
            if not settings["word_timestamps"]:
                raise
            log.warning("word alignment failed on a clip; decoding it again without words")
        raw, _ = self._model.transcribe(
            clip, vad_filter=False, **(settings | {"word_timestamps": False}))
        return [_segment(s, offset=start) for s in raw]

    def _recover_skipped_speech(self, samples, segments, regions, common):
        """Decode on its own any VAD speech region the main decode left without text."""
        actions = []
        for start, end in uncovered_speech(regions, segments):
            clip = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
            found = self._decode_alone(clip, start, common)
            if found:
                segments = sorted([*segments, *found], key=lambda s: s.start)
                actions.append(
                    GuardAction(
                        guard="coverage",
                        start=start,
                        end=end,
                        action="recovered_speech",
                        words_removed=0,
                    )
                )
        return segments, actions

    def _result(self, segments, opts, duration, elapsed, speech, actions, *, pipeline,
                lang_prob=1.0, **extra):
        used = opts.model_dump(mode="json")
        used.update(
            pipeline=pipeline,
            batch_size=self.batch_size(opts) if pipeline != "sequential" else None,
            word_timestamps=opts.word_timestamps and pipeline != "batched",
            **extra,
            device=self.device,
            compute_type=self.compute_type,
            threads=self.threads,
            workers=self.workers,
        )
        return Transcript(
            segments=tuple(segments),
            language=opts.language,
            language_probability=lang_prob,
            duration=duration,
            speech_duration=speech,
            model_id=self.model_id,
            model_sha256=self.model_sha256,
            options=used,
            timings=Timings(transcribe_s=elapsed),
            guard_actions=tuple(actions),
        )


def _vad_options(opts: DecodeOptions) -> VadOptions:
    return VadOptions(min_silence_duration_ms=opts.vad_min_silence_ms,
                      speech_pad_ms=opts.vad_speech_pad_ms, max_speech_duration_s=MAX_CLIP_S)


def _guarded(segments, opts: DecodeOptions):
    """The hallucination guards on `segments`: (kept, actions)."""
    return apply_guards(segments, no_speech_threshold=opts.no_speech_threshold,
                        log_prob_threshold=opts.log_prob_threshold, prompt=opts.hotwords)


def _shifted(segment: Segment, offset: float) -> Segment:
    """`segment` (clip time) in the file's time."""
    words = tuple(w.model_copy(update={"start": w.start + offset, "end": w.end + offset})
                  for w in segment.words)
    return segment.model_copy(
        update={"start": segment.start + offset, "end": segment.end + offset, "words": words})


def _segment(s, offset: float = 0.0) -> Segment:
    words = tuple(
        Word(
            start=w.start + offset,
            end=w.end + offset,
            text=w.word,
            probability=min(max(w.probability, 0.0), 1.0),
        )
        for w in (s.words or ())
    )
    return Segment(
        start=s.start + offset,
        end=s.end + offset,
        text=s.text,
        words=words,
        avg_logprob=s.avg_logprob,
        no_speech_prob=s.no_speech_prob,
        compression_ratio=s.compression_ratio,
    )
