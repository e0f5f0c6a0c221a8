"""The streaming decode of one short window, with the encoder over the window's audio instead of
30 s of padding.

faster-whisper's `transcribe` pads every window to 30 s of features. On this 2-core machine
(whisper base int8) the encoder took 0.88 s over 3000 frames and 0.07 s over 500, while a
streaming processor decodes a 2–10 s window every half second. Here the encoder gets the
window's frames plus `ENCODER_MARGIN_S` of zero features (faster-whisper pads with zeros too),
at least `ENCODER_MIN_S`, rounded up to whole seconds; generation (greedy, timestamps on, no
fallback) and the word alignment are Whisper's own, through faster-whisper's `find_alignment`.

Shorter inputs change what Whisper base writes. On the NPSC 8 s clip, windows given 1 s of
margin looped ("Frederik Holmbejordal, Frederik Holmbejordal, ..."), 3 s did not; without
timestamp tokens windows cut mid-word looped on syllables ("nasjonalitetetete..."); a 10 s
minimum kept the streamed NPSC and king texts as close to the offline ones as the 30 s input
(tests/test_streaming_processor.py), and a 20 s minimum was not better. Less is cheaper (one
thread, 2-4 s windows: 0.35-0.40 s per decode at 7 s against 0.52-0.57 s) but worse: streamed
WER against the offline text at 10/9/8/7 s minimum, NPSC 3 s clip 0.2/0.4/0.4/0.4, NPSC 8 s
clip 0.21/0.21/0.21/0.36, king's first 30 s 0.385 (10, 8) and 0.41 (7); 5 s looped on a 2 s
window of king.mp3 ("TAN TAN TAN ...").
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from functools import lru_cache

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens, merge_punctuations

from diktat.stt.engine import WindowRequest
from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Word

ENCODER_MARGIN_S = 3.0
ENCODER_MIN_S = 10.0
_FRAMES_PER_S = 100  # mel frames
_MAX_FRAMES = 3000  # Whisper's 30 s window
_CONTEXT = 448  # decoder positions
_PREPEND = "\"'“¿([{-"
_APPEND = "\"'.。,，!！?？:：”)]}、"


def decode_short_window(
    model: WhisperModel,
    samples: np.ndarray,
    opts: DecodeOptions,
    *,
    max_new_tokens: int | None = None,
) -> list[Segment]:
    """The text of `samples` (at most 30 s) as one segment, words timed from its start."""
    return decode_windows(model, [WindowRequest(samples, opts, max_new_tokens)])[0]


def decode_windows(model: WhisperModel, requests: Sequence[WindowRequest]) -> list[list[Segment]]:
    """Several windows (of different sessions) in one CTranslate2 call of the encoder, the
    greedy decoder and the word alignment; results in input order. The windows' features are
    padded to the longest one's encoder length (one window alone keeps its own); windows of one
    language and vocabulary share the prompt (`SharedEngine` groups them so)."""
    if not requests:
        return []
    first = requests[0].opts
    if any((r.opts.language, r.opts.hotwords) != (first.language, first.hotwords)
           for r in requests):
        raise ValueError("windows decoded together need one language and one vocabulary")
    tokenizer = _tokenizer(model, first.language)
    features = [model.feature_extractor(np.asarray(r.samples, dtype=np.float32))
                for r in requests]
    contents = [min(f.shape[-1] - 1, _MAX_FRAMES) for f in features]  # last frame: padding
    frames = min(_MAX_FRAMES, max(
        round(ENCODER_MIN_S * _FRAMES_PER_S),
        math.ceil(max(contents) / _FRAMES_PER_S + ENCODER_MARGIN_S) * _FRAMES_PER_S,
    ))
    padded = np.zeros((len(requests), features[0].shape[0], frames), dtype=np.float32)
    for row, (feature, content) in enumerate(zip(features, contents, strict=True)):
        padded[row, :, :content] = feature[:, :content]
    encoder_output = model.encode(padded)

    prompt = _prompt(tokenizer, first.hotwords)
    # CTranslate2's Whisper `max_length` is no token count: measured here, a decode returned
    # about half of (max_length - prompt) tokens. Twice the wanted length is a loop stopper
    # that does not cut a real text short (the batch's longest wish serves all).
    wanted = max(r.max_new_tokens or _CONTEXT for r in requests)
    results = model.model.generate(
        encoder_output,
        [list(prompt) for _ in requests],
        beam_size=1,
        max_length=min(_CONTEXT, len(prompt) + 2 * wanted),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])),
    )
    sequences = [list(r.sequences_ids[0]) for r in results]
    text_tokens = [[t for t in seq if t < tokenizer.eot] for seq in sequences]  # no timestamps
    texts = [tokenizer.decode(tokens) for tokens in text_tokens]
    todo = [i for i, text in enumerate(texts) if text.strip()]
    words: dict[int, tuple[Word, ...]] = {}
    if todo:
        aligned_output = encoder_output if len(todo) == len(requests) else \
            ctranslate2.StorageView.from_array(
                np.ascontiguousarray(np.asarray(encoder_output)[todo]))
        aligned = model.find_alignment(tokenizer, [text_tokens[i] for i in todo],
                                       aligned_output, [contents[i] for i in todo])
        words = {i: _words(w) for i, w in zip(todo, aligned, strict=True)}
    out: list[list[Segment]] = []
    for i, (result, sequence, text) in enumerate(zip(results, sequences, texts, strict=True)):
        timed = words.get(i, ())
        if not timed:
            out.append([])
            continue
        n = len(sequence)
        out.append([Segment(
            start=timed[0].start,
            end=timed[-1].end,
            text=text,
            words=timed,
            avg_logprob=result.scores[0] * n / (n + 1),
            no_speech_prob=result.no_speech_prob,
            compression_ratio=_compression_ratio(text),
        )])
    return out


def _prompt(tokenizer: Tokenizer, hotwords: str | None) -> list[int]:
    """[<|startofprev|> vocabulary] <|startoftranscript|><|no|><|transcribe|>: the vocabulary
    goes where batch decoding puts it."""
    prompt = []
    if hotwords and hotwords.strip():
        prompt = [tokenizer.sot_prev, *tokenizer.encode(" " + hotwords.strip())[: _CONTEXT // 4]]
    return prompt + tokenizer.sot_sequence


def _words(aligned: list[dict]) -> tuple[Word, ...]:
    merge_punctuations(aligned, _PREPEND, _APPEND)
    return tuple(
        Word(
            start=float(w["start"]),
            end=float(max(w["end"], w["start"])),
            text=w["word"],
            probability=min(max(float(w["probability"]), 0.0), 1.0),
        )
        for w in aligned
        if w["word"].strip()
    )


@lru_cache(maxsize=8)
def _tokenizer(model: WhisperModel, language: str) -> Tokenizer:
    return Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
    )


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data))
