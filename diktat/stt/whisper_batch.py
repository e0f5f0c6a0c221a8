"""Decode many short clips (of one file or of many) in shared CTranslate2 batches, with word
timestamps and word probabilities.

A clip is at most 29 s of contiguous speech (`stt/vad.py` groups VAD regions into clips). The
clips are sorted by length and decoded `batch_size` at a time: the encoder over the stacked
features, as long as the batch's longest clip plus a margin (`encoder_frames`, the bounds
`whisper_window` measured) rather than 30 s of padding; beam search without timestamp tokens
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

faster-whisper 1.2's own batched word alignment raised IndexError and crashed the process
(SIGSEGV) on this project's files. The alignment here is given only clips with text tokens, each
with its own number of frames, and the encoder output of exactly those clips; the word split
follows faster-whisper's `find_alignment` with its empty cases handled.

A clip that fails the quality checks (compression ratio, average log-probability, and not
marked as silence) is flagged: the caller decodes it again on its own with the temperature
fallback, so batching never lowers quality.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens, merge_punctuations

from diktat.stt.options import DecodeOptions
from diktat.stt.whisper_window import ENCODER_MARGIN_S, ENCODER_MIN_S
from diktat.types import Segment, Word

_PREPEND = "\"'“¿([{-"
_APPEND = "\"'.。,，!！?？:：”)]}、"
_SENTENCE_END = ".。!！?？"
_CONTEXT = 448  # decoder positions
_FRAMES_PER_S = 100  # mel frames
_MAX_FRAMES = 3000  # Whisper's 30 s window
_SAMPLE_RATE = 16_000


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
    tokenizer = _tokenizer(model, opts.language)
    features = [model.feature_extractor(np.asarray(c, dtype=np.float32))[..., :-1] for c in clips]
    frames = [min(f.shape[-1], _MAX_FRAMES) for f in features]
    width = encoder_frames(max(frames)) if trim_encoder else _MAX_FRAMES
    encoder_output = model.encode(np.stack([pad_or_trim(f, width) for f in features]))
    prompt = _prompt(tokenizer, opts.hotwords)
    results = model.model.generate(
        encoder_output,
        [list(prompt) for _ in clips],
        beam_size=opts.beam_size,
        max_length=_CONTEXT,
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])),
    )
    sequences = [list(r.sequences_ids[0]) for r in results]
    text_tokens = [[t for t in seq if t < tokenizer.eot] for seq in sequences]
    aligned = _align(model, tokenizer, encoder_output, text_tokens, frames) \
        if opts.word_timestamps else [[] for _ in clips]
    decoded = []
    for clip, result, seq, tokens, words in zip(clips, results, sequences, text_tokens, aligned,
                                                strict=True):
        n = len(seq)
        avg_logprob = result.scores[0] * n / (n + 1)
        text = tokenizer.decode(tokens)
        ratio = _compression_ratio(text.strip())
        silence = (result.no_speech_prob > opts.no_speech_threshold
                   and avg_logprob < opts.log_prob_threshold)
        failed = ratio > opts.compression_ratio_threshold or avg_logprob < opts.log_prob_threshold
        segments = _segments(text, words, len(clip) / _SAMPLE_RATE, avg_logprob,
                             result.no_speech_prob, ratio)
        decoded.append(ClipDecode(segments=segments, avg_logprob=avg_logprob,
                                  no_speech_prob=result.no_speech_prob, compression_ratio=ratio,
                                  needs_fallback=failed and not silence))
    return decoded


def encoder_frames(content: int) -> int:
    """Mel frames given to the encoder for clips of at most `content` frames: the speech plus
    `ENCODER_MARGIN_S` of zero features, at least `ENCODER_MIN_S`, whole seconds, at most 30 s
    (`whisper_window` measured these bounds; the quality checks catch what they miss)."""
    seconds = math.ceil(content / _FRAMES_PER_S + ENCODER_MARGIN_S)
    return min(_MAX_FRAMES, max(round(ENCODER_MIN_S * _FRAMES_PER_S), seconds * _FRAMES_PER_S))


def _align(model, tokenizer, encoder_output, text_tokens, frames) -> list[list[dict]]:
    """Words (dicts as faster-whisper's `find_alignment` makes them) of each clip; [] for a clip
    without text. Only clips with text go to CTranslate2, with their own frame counts."""
    words: list[list[dict]] = [[] for _ in text_tokens]
    todo = [i for i, tokens in enumerate(text_tokens) if tokens]
    if not todo:
        return words
    if len(todo) < len(text_tokens):
        # The encoder output of the clips with text only (CPU: a float32 array view).
        encoder_output = ctranslate2.StorageView.from_array(
            np.ascontiguousarray(np.asarray(encoder_output)[todo]))
    results = model.model.align(
        encoder_output,
        tokenizer.sot_sequence,
        [text_tokens[i] for i in todo],
        [frames[i] for i in todo],
        median_filter_width=7,
    )
    for i, result in zip(todo, results, strict=True):
        words[i] = _words_of(tokenizer, text_tokens[i], result, model.tokens_per_second)
    return words


def _words_of(tokenizer: Tokenizer, tokens, result, tokens_per_second: float) -> list[dict]:
    word_texts, word_tokens = tokenizer.split_to_word_tokens(tokens + [tokenizer.eot])
    if len(word_tokens) <= 1 or not result.alignments:
        return []
    text_indices = np.array([pair[0] for pair in result.alignments])
    time_indices = np.array([pair[1] for pair in result.alignments])
    probs = np.asarray(result.text_token_probs, dtype=np.float64)
    boundaries = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
    jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
    jump_times = time_indices[jumps] / tokens_per_second
    if len(jump_times) <= int(boundaries[-1]):
        return []  # alignment shorter than the text: no trustworthy times
    words = [
        dict(word=word, tokens=toks, start=float(jump_times[a]), end=float(jump_times[b]),
             probability=float(np.mean(probs[a:b])) if b > a and b <= len(probs) else 0.0)
        for word, toks, a, b in zip(word_texts, word_tokens, boundaries[:-1], boundaries[1:],
                                    strict=False)
    ]
    _truncate_long_sentence_ends(words)
    merge_punctuations(words, _PREPEND, _APPEND)
    return words


def _truncate_long_sentence_ends(words: list[dict]) -> None:
    """faster-whisper's hack: a word at a sentence boundary is at most twice the median word."""
    durations = np.array([w["end"] - w["start"] for w in words])
    durations = durations[durations.nonzero()]
    if not len(durations):
        return
    max_duration = 2 * min(0.7, float(np.median(durations)))
    for i in range(1, len(words)):
        if words[i]["end"] - words[i]["start"] > max_duration:
            if words[i]["word"] in _SENTENCE_END:
                words[i]["end"] = words[i]["start"] + max_duration
            elif words[i - 1]["word"] in _SENTENCE_END:
                words[i]["start"] = words[i]["end"] - max_duration


def _segments(text: str, words: list[dict], clip_s: float, avg_logprob: float,
              no_speech_prob: float, ratio: float) -> tuple[Segment, ...]:
    """The clip as one segment (decoded without timestamp tokens), timed by its words, or
    by the clip itself when it has none."""
    if not text.strip():
        return ()
    timed = tuple(
        Word(start=w["start"], end=max(w["end"], w["start"]), text=w["word"],
             probability=min(max(w["probability"], 0.0), 1.0))
        for w in words if w["word"].strip()
    )
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
    prompt = []
    if hotwords and hotwords.strip():
        prompt = [tokenizer.sot_prev,
                  *tokenizer.encode(" " + hotwords.strip())[: _CONTEXT // 2 - 1]]
    return [*prompt, *tokenizer.sot_sequence, tokenizer.no_timestamps]


def _tokenizer(model: WhisperModel, language: str) -> Tokenizer:
    return Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
    )


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0
