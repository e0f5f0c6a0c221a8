"""Decode many short clips (of one file or of many) in shared CTranslate2 batches, with word
timestamps and word probabilities, and with faster-whisper's temperature fallback.

A clip is at most 29 s of contiguous speech (`stt/vad.py` groups VAD regions into clips). The
clips are sorted by length and decoded in batches of at most `batch_size`: the encoder over the
stacked features, as long as the batch's longest clip plus a margin (`encoder_frames`, the bounds
`whisper_parts` holds) rather than 30 s of padding; beam search without timestamp tokens
(as faster-whisper's batched pipeline decodes; Whisper's prompt and suppressed tokens,
temperature 0), one segment per clip; and Whisper's cross-attention word alignment
(`WhisperModel.align`) for the clips whose text is kept. Sorting keeps a batch's clips of similar
length, so the short ones are not padded to a long one. On a model loaded with several
CTranslate2 workers, that many batches decode at once, the longest first, and the clips are
spread so that every worker gets work.

A clip that fails the quality checks (compression ratio, average log-probability, and not
marked as silence) is decoded again at the next temperature, sampling `BEST_OF` hypotheses, as
faster-whisper's sequential decoder does; the clips that failed are decoded again together, in
batches. When every temperature fails, faster-whisper's choice is kept (`best_attempt`). Before,
each such clip went through the sequential decoder on its own, which decoded it again at
temperature 0 and used one core: on 30 espeak dictations 5 clips took 47 s that way.

Measured on 2 cores (bench/bench_transcribe.py, README "Short recordings"): the batched decode
costs per clip about 2.8 s of encoder, 2.9 s of beam search and 0.75 s of word alignment on one
thread for 28 s of speech; batches of 1, 2 and 4 clips cost the same per clip within 10 %, so the
gain over plain faster-whisper comes from the encoder's shorter input and from decoding each clip
once, without the timestamp-driven windows. Decoded with timestamp tokens the same clips often
came back with their last seconds missing (see `_prompt`).

The word alignment (`whisper_parts.align`, shared with the live windows) is given only clips
with text tokens, each with its own number of frames; faster-whisper 1.2's own crashed on this
project's files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer

from diktat.stt import whisper_parts as parts
from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Word

BEST_OF = 5  # faster-whisper's default: hypotheses sampled at each fallback temperature


@dataclass(frozen=True)
class ClipDecode:
    """One clip's decode, times in the clip's own time (seconds from its first sample)."""

    segments: tuple[Segment, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float  # the temperature of the decode kept
    redecoded: bool  # failed the quality checks at temperature 0 and was decoded again


@dataclass(frozen=True)
class Candidate:
    """One decode of a clip at one temperature, before its words are aligned."""

    tokens: tuple[int, ...]  # text tokens
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float


def passes(candidate: Candidate, opts: DecodeOptions) -> bool:
    """faster-whisper's quality checks: text not too repetitive (compression ratio) and not
    too unlikely (average log-probability), or marked as silence (then no fallback either)."""
    silence = (candidate.no_speech_prob > opts.no_speech_threshold
               and candidate.avg_logprob < opts.log_prob_threshold)
    failed = (candidate.compression_ratio > opts.compression_ratio_threshold
              or candidate.avg_logprob < opts.log_prob_threshold)
    return silence or not failed


def best_attempt(attempts: Sequence[Candidate], opts: DecodeOptions) -> Candidate:
    """faster-whisper's choice when every temperature failed: the most likely decode among
    those under the compression-ratio limit, or among all when none is."""
    readable = [c for c in attempts if c.compression_ratio <= opts.compression_ratio_threshold]
    return max(readable or attempts, key=lambda c: c.avg_logprob)


def decode_clips(
    model: WhisperModel,
    clips: Sequence[np.ndarray],
    opts: DecodeOptions,
    *,
    batch_size: int,
    trim_encoder: bool = True,
    workers: int = 1,
) -> list[ClipDecode]:
    """Decode `clips` (16 kHz samples, each at most 30 s) in batches; results in input order.
    With `trim_encoder` a batch's encoder input is its longest clip plus a margin
    (`encoder_frames`) instead of 30 s. With `workers` > 1 (a model loaded with that many
    CTranslate2 workers) that many batches are decoded at once."""
    temperatures = opts.temperatures or (0.0,)
    attempts: dict[int, list[Candidate]] = {i: [] for i in range(len(clips))}
    kept: dict[int, ClipDecode] = {}

    def keep(steps: list[_Step]) -> list[_Pending]:
        for step in steps:
            for i, candidate, words in step.accepted:
                kept[i] = _clip_decode(clips[i], candidate, words,
                                       redecoded=candidate.temperature > 0)
            for i, candidate in step.failed:
                attempts[i].append(candidate)
        return [s.rest for s in steps if s.rest is not None]

    def first(chunk: list[int]) -> _Step:
        encoder_output, frames = parts.encode(model, [clips[i] for i in chunk], trim=trim_encoder)
        return _decode_step(model, opts, _Pending(chunk, encoder_output, frames),
                            temperatures[0])

    pending = keep(_parallel(first, _chunks(clips, range(len(clips)), batch_size, workers),
                             workers))
    for temperature in temperatures[1:]:
        if not pending:
            break
        pending = keep(_parallel(lambda p, t=temperature: _decode_step(model, opts, p, t),
                                 pending, workers))
    # every temperature failed: faster-whisper's choice, aligned on the encoder output kept
    for group in pending:
        chosen = [best_attempt(attempts[i], opts) for i in group.indices]
        words = _align(model, opts, group, chosen)
        for i, candidate, found in zip(group.indices, chosen, words, strict=True):
            kept[i] = _clip_decode(clips[i], candidate, found, redecoded=len(attempts[i]) > 1)
    return [kept[i] for i in range(len(clips))]


@dataclass(frozen=True)
class _Pending:
    """Clips of one batch still to be decoded, with their encoder output (rows in the order of
    `indices`) and frame counts: a fallback temperature reuses the encoder output."""

    indices: list[int]
    encoder_output: object  # ctranslate2.StorageView
    frames: list[int]


@dataclass(frozen=True)
class _Step:
    """One batch decoded at one temperature: the clips kept, with their words; the clips that
    failed the checks, with their decode; and those still to decode again (None if none)."""

    accepted: list[tuple[int, Candidate, list[dict]]]
    failed: list[tuple[int, Candidate]]
    rest: _Pending | None


def _chunks(clips: Sequence[np.ndarray], indices, batch_size: int,
            workers: int) -> list[list[int]]:
    """`indices` sorted by clip length in batches of at most `batch_size`; with several workers
    as many batches as it takes to give each worker some, longest first (so that no worker is
    left with a long batch at the end)."""
    order = sorted(indices, key=lambda i: len(clips[i]))
    count = math.ceil(len(order) / max(1, batch_size))
    count = min(len(order), math.ceil(count / max(1, workers)) * max(1, workers))
    size = math.ceil(len(order) / count) if count else 1
    return [order[first : first + size] for first in range(0, len(order), size)][::-1]


def _parallel(decode, items: list, workers: int) -> list:
    if workers > 1 and len(items) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(decode, items))
    return [decode(item) for item in items]


def _decode_step(model: WhisperModel, opts: DecodeOptions, batch: _Pending,
                 temperature: float) -> _Step:
    """The batch decoded at `temperature` (beam search at 0, else `BEST_OF` samples); the
    clips that pass the checks get their words."""
    tokenizer = parts.tokenizer_for(model, opts.language)
    prompt = _prompt(tokenizer, opts.hotwords)
    sampling = dict(beam_size=1, num_hypotheses=BEST_OF, sampling_topk=0,
                    sampling_temperature=temperature) if temperature > 0 else \
        dict(beam_size=opts.beam_size)
    results = model.model.generate(
        batch.encoder_output,
        [list(prompt) for _ in batch.indices],
        max_length=parts.CONTEXT,
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=parts.suppressed_tokens(tokenizer),
        **sampling,
    )
    candidates = [_candidate(tokenizer, r, temperature) for r in results]
    ok = [passes(c, opts) for c in candidates]
    words = _align(model, opts, batch, [c if good else None
                                        for c, good in zip(candidates, ok, strict=True)])
    rows = [n for n, good in enumerate(ok) if not good]
    rest = _Pending([batch.indices[n] for n in rows],
                    parts.select_rows(batch.encoder_output, rows),
                    [batch.frames[n] for n in rows]) if rows else None
    return _Step(
        accepted=[(i, c, w) for i, c, w, good
                  in zip(batch.indices, candidates, words, ok, strict=True) if good],
        failed=[(i, c) for i, c, good in zip(batch.indices, candidates, ok, strict=True)
                if not good],
        rest=rest,
    )


def _align(model: WhisperModel, opts: DecodeOptions, batch: _Pending,
           chosen: list[Candidate | None]) -> list[list[dict]]:
    """The words of each chosen decode ([] where none is chosen or it has no text)."""
    if not opts.word_timestamps:
        return [[] for _ in chosen]
    tokenizer = parts.tokenizer_for(model, opts.language)
    return parts.align(model, tokenizer, batch.encoder_output,
                       [list(c.tokens) if c is not None else [] for c in chosen], batch.frames)


def _candidate(tokenizer: Tokenizer, result, temperature: float) -> Candidate:
    sequence = list(result.sequences_ids[0])
    n = len(sequence)
    tokens = parts.text_tokens(sequence, tokenizer)
    text = tokenizer.decode(tokens)
    return Candidate(tokens=tuple(tokens), text=text,
                     avg_logprob=result.scores[0] * n / (n + 1),
                     no_speech_prob=result.no_speech_prob,
                     compression_ratio=parts.compression_ratio(text.strip()),
                     temperature=temperature)


def _clip_decode(clip: np.ndarray, candidate: Candidate, words: list[dict], *,
                 redecoded: bool) -> ClipDecode:
    parts.truncate_long_sentence_ends(words)
    segments = _segments(candidate.text, parts.timed_words(words),
                         len(clip) / parts.SAMPLE_RATE, candidate.avg_logprob,
                         candidate.no_speech_prob, candidate.compression_ratio)
    return ClipDecode(segments=segments, avg_logprob=candidate.avg_logprob,
                      no_speech_prob=candidate.no_speech_prob,
                      compression_ratio=candidate.compression_ratio,
                      temperature=candidate.temperature, redecoded=redecoded)


def _segments(text: str, timed: tuple[Word, ...], clip_s: float, avg_logprob: float,
              no_speech_prob: float, ratio: float) -> tuple[Segment, ...]:
    """The clip as one segment (decoded without timestamp tokens), timed by its words, or
    by the clip itself when it has none."""
    if not text.strip():
        return ()
    return (Segment(
        start=timed[0].start if timed else 0.0,
        end=timed[-1].end if timed else clip_s,
        text=text,
        words=timed,
        avg_logprob=avg_logprob,
        no_speech_prob=no_speech_prob,
        compression_ratio=ratio,
    ),)


def _prompt(tokenizer: Tokenizer, hotwords: str | None) -> list[int]:
    """[<|startofprev|> vocabulary] <|startoftranscript|><|no|><|transcribe|><|notimestamps|>
    (faster-whisper's `get_prompt` with no previous text and no timestamps). With timestamp
    tokens Whisper often ends a 29 s clip at a timestamp some seconds before its end, leaving
    the rest to a next window that a clip does not have: on 32 dictations 10 speech regions came
    back without text and had to be decoded again on their own."""
    return parts.prompt(tokenizer, hotwords, vocabulary_tokens=parts.CONTEXT // 2 - 1,
                        timestamps=False)
