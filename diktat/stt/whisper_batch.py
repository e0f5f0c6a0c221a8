"""Decode many short clips (of one file or of many) in shared CTranslate2 batches, with word
timestamps and word probabilities.

A clip is at most 29 s of contiguous speech (`stt/vad.py` groups VAD regions into clips). The
clips are sorted by length and decoded `batch_size` at a time: the encoder over the stacked
features, as long as the batch's longest clip plus a margin (`encoder_frames`, the bounds
`whisper_parts` holds) rather than 30 s of padding; beam search without timestamp tokens
(as faster-whisper's batched pipeline decodes; Whisper's prompt and suppressed tokens,
temperature 0), one segment per clip; and Whisper's cross-attention word alignment
(`WhisperModel.align`) for the clips that wrote text. Sorting keeps a batch's clips of similar
length, so the short ones are not padded to a long one. On a model loaded with several
CTranslate2 workers, that many batches decode at once.

Measured on 2 cores (bench/bench_transcribe.py, 16 espeak dictations and the 2 NPSC clips,
606 s; README "Short recordings"): grouped 1.33x the speed of plain faster-whisper (beam 5, no
VAD) at a lower WER, file by file 0.75x. Decoded with timestamp tokens the same clips often
came back with their last seconds missing (see `_prompt`), and redecoding those made the
grouped run no faster than plain.

The word alignment (`whisper_parts.align`, shared with the live windows) is given only clips
with text tokens, each with its own number of frames; faster-whisper 1.2's own crashed on this
project's files.

A clip that fails the quality checks (compression ratio, average log-probability, and not
marked as silence) is flagged: the caller decodes it again on its own with the temperature
fallback, so batching never lowers quality.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer

from diktat.stt import whisper_parts as parts
from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Word


@dataclass(frozen=True)
class ClipDecode:
    """One clip's decode, times in the clip's own time (seconds from its first sample)."""

    segments: tuple[Segment, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    needs_fallback: bool  # failed the quality checks: decode again with temperature fallback


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
    order = sorted(range(len(clips)), key=lambda i: len(clips[i]))
    size = max(1, batch_size)
    chunks = [order[first : first + size] for first in range(0, len(order), size)]

    def run(chunk: list[int]) -> list[ClipDecode]:
        return _decode_batch(model, [clips[i] for i in chunk], opts, trim_encoder)

    if workers > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            batches = list(pool.map(run, chunks))
    else:
        batches = [run(chunk) for chunk in chunks]
    out: dict[int, ClipDecode] = {}
    for chunk, batch in zip(chunks, batches, strict=True):
        out.update(zip(chunk, batch, strict=True))
    return [out[i] for i in range(len(clips))]


def _decode_batch(model: WhisperModel, clips: list[np.ndarray], opts: DecodeOptions,
                  trim_encoder: bool):
    tokenizer = parts.tokenizer_for(model, opts.language)
    encoder_output, frames = parts.encode(model, clips, trim=trim_encoder)
    prompt = _prompt(tokenizer, opts.hotwords)
    results = model.model.generate(
        encoder_output,
        [list(prompt) for _ in clips],
        beam_size=opts.beam_size,
        max_length=parts.CONTEXT,
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=parts.suppressed_tokens(tokenizer),
    )
    sequences = [list(r.sequences_ids[0]) for r in results]
    text_tokens = [parts.text_tokens(seq, tokenizer) for seq in sequences]
    aligned = parts.align(model, tokenizer, encoder_output, text_tokens, frames) \
        if opts.word_timestamps else [[] for _ in clips]
    decoded = []
    for clip, result, seq, tokens, words in zip(clips, results, sequences, text_tokens, aligned,
                                                strict=True):
        n = len(seq)
        avg_logprob = result.scores[0] * n / (n + 1)
        text = tokenizer.decode(tokens)
        ratio = parts.compression_ratio(text.strip())
        silence = (result.no_speech_prob > opts.no_speech_threshold
                   and avg_logprob < opts.log_prob_threshold)
        failed = ratio > opts.compression_ratio_threshold or avg_logprob < opts.log_prob_threshold
        parts.truncate_long_sentence_ends(words)
        segments = _segments(text, parts.timed_words(words), len(clip) / parts.SAMPLE_RATE,
                             avg_logprob, result.no_speech_prob, ratio)
        decoded.append(ClipDecode(segments=segments, avg_logprob=avg_logprob,
                                  no_speech_prob=result.no_speech_prob, compression_ratio=ratio,
                                  needs_fallback=failed and not silence))
    return decoded


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
