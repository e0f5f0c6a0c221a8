"""The streaming decode of one short window, with the encoder over the window's audio instead of
30 s of padding.

faster-whisper's `transcribe` pads every window to 30 s of features. On this 2-core machine
(whisper base int8) the encoder took 0.88 s over 3000 frames and 0.07 s over 500, while a
streaming processor decodes a 2–10 s window every half second. Here the encoder gets the
window's frames plus `ENCODER_MARGIN_S` of zero features (faster-whisper pads with zeros too),
at least `ENCODER_MIN_S`, rounded up to whole seconds; generation (greedy, timestamps on, no
fallback) and the word alignment are Whisper's own (`whisper_parts`, shared with the batch of
clips, holds the bounds and the alignment).

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

from collections.abc import Sequence

import numpy as np
from faster_whisper import WhisperModel

from diktat.stt import whisper_parts as parts
from diktat.stt.engine import WindowRequest
from diktat.stt.options import DecodeOptions
from diktat.types import Segment, Word


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
    tokenizer = parts.tokenizer_for(model, first.language)
    encoder_output, frames = parts.encode(model, [r.samples for r in requests])
    prompt = parts.prompt(tokenizer, first.hotwords, vocabulary_tokens=parts.CONTEXT // 4,
                          timestamps=True)
    # CTranslate2's Whisper `max_length` is no token count: measured here, a decode returned
    # about half of (max_length - prompt) tokens. Twice the wanted length is a loop stopper
    # that does not cut a real text short (the batch's longest wish serves all).
    wanted = max(r.max_new_tokens or parts.CONTEXT for r in requests)
    results = model.model.generate(
        encoder_output,
        [list(prompt) for _ in requests],
        beam_size=1,
        max_length=min(parts.CONTEXT, len(prompt) + 2 * wanted),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_tokens=parts.suppressed_tokens(tokenizer),
    )
    sequences = [list(r.sequences_ids[0]) for r in results]
    text_tokens = [parts.text_tokens(seq, tokenizer) for seq in sequences]  # no timestamps
    texts = [tokenizer.decode(tokens) for tokens in text_tokens]
    # a window whose text is only blanks gets no words (nor an alignment)
    said = [tokens if text.strip() else [] for tokens, text in zip(text_tokens, texts,
                                                                   strict=True)]
    aligned = parts.align(model, tokenizer, encoder_output, said, frames)
    out: list[list[Segment]] = []
    for result, sequence, text, words in zip(results, sequences, texts, aligned, strict=True):
        timed: tuple[Word, ...] = parts.timed_words(words)
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
            compression_ratio=parts.compression_ratio(text),
        )])
    return out
