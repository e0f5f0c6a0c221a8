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
from functools import lru_cache

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens, merge_punctuations

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
    tokenizer = _tokenizer(model, opts.language)
    features = model.feature_extractor(np.asarray(samples, dtype=np.float32))
    content = min(features.shape[-1] - 1, _MAX_FRAMES)  # the last frame is padding
    frames = min(_MAX_FRAMES, max(
        round(ENCODER_MIN_S * _FRAMES_PER_S),
        math.ceil(content / _FRAMES_PER_S + ENCODER_MARGIN_S) * _FRAMES_PER_S,
    ))
    padded = np.zeros((features.shape[0], frames), dtype=np.float32)
    padded[:, :content] = features[:, :content]
    encoder_output = model.encode(padded)

    prompt = _prompt(tokenizer, opts.hotwords)
    # CTranslate2's Whisper `max_length` is no token count: measured here, a decode returned
    # about half of (max_length - prompt) tokens. Twice the wanted length is a loop stopper
    # that does not cut a real text short.
    max_length = min(_CONTEXT, len(prompt) + 2 * (max_new_tokens or _CONTEXT))
    result = model.model.generate(
        encoder_output,
        [prompt],
        beam_size=1,
        max_length=max_length,
        return_scores=True,
        return_no_speech_prob=True,
        suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])),
    )[0]
    sequence = result.sequences_ids[0]
    text_tokens = [t for t in sequence if t < tokenizer.eot]  # no timestamp tokens
    text = tokenizer.decode(text_tokens)
    if not text.strip():
        return []
    words = _words(model, tokenizer, text_tokens, encoder_output, content)
    if not words:
        return []
    n = len(sequence)
    return [Segment(
        start=words[0].start,
        end=words[-1].end,
        text=text,
        words=words,
        avg_logprob=result.scores[0] * n / (n + 1),
        no_speech_prob=result.no_speech_prob,
        compression_ratio=_compression_ratio(text),
    )]


def _prompt(tokenizer: Tokenizer, hotwords: str | None) -> list[int]:
    """[<|startofprev|> vocabulary] <|startoftranscript|><|no|><|transcribe|>: the vocabulary
    goes where batch decoding puts it."""
    prompt = []
    if hotwords and hotwords.strip():
        prompt = [tokenizer.sot_prev, *tokenizer.encode(" " + hotwords.strip())[: _CONTEXT // 4]]
    return prompt + tokenizer.sot_sequence


def _words(model, tokenizer, text_tokens, encoder_output, frames) -> tuple[Word, ...]:
    aligned = model.find_alignment(tokenizer, [text_tokens], encoder_output, frames)[0]
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
