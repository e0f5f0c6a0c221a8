"""What diktat's two batched Whisper decodes share: the batch of short clips (`whisper_batch`)
and the live windows (`whisper_window`).

The encoder's input width (the speech plus a margin of zero features instead of 30 s of
padding), the tokenizer, the prompt with the vocabulary, the suppressed tokens, Whisper's
cross-attention word alignment and the word split, the words as `Word`s, and the compression
ratio of the quality checks.

The encoder bounds were measured on the live windows (see `whisper_window`): with 1 s of margin
windows of the NPSC 8 s clip looped, 3 s did not; a 10 s minimum kept the streamed texts as
close to the offline ones as the 30 s input.

faster-whisper 1.2's own batched word alignment (`WhisperModel.find_alignment`) raised
IndexError and crashed the process (SIGSEGV) on this project's files; `align` is given only
the texts with tokens, each with its own number of frames and the encoder output of exactly
those, and returns no words where the alignment is shorter than the text.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens, merge_punctuations

from diktat.types import Word

ENCODER_MARGIN_S = 3.0
ENCODER_MIN_S = 10.0
FRAMES_PER_S = 100  # mel frames
MAX_FRAMES = 3000  # Whisper's 30 s window
CONTEXT = 448  # decoder positions
SAMPLE_RATE = 16_000
_PREPEND = "\"'“¿([{-"
_APPEND = "\"'.。,，!！?？:：”)]}、"
_SENTENCE_END = ".。!！?？"


def encoder_frames(content: int) -> int:
    """Mel frames given to the encoder for inputs of at most `content` frames: the speech plus
    `ENCODER_MARGIN_S` of zero features, at least `ENCODER_MIN_S`, whole seconds, at most 30 s."""
    seconds = math.ceil(content / FRAMES_PER_S + ENCODER_MARGIN_S)
    return min(MAX_FRAMES, max(round(ENCODER_MIN_S * FRAMES_PER_S), seconds * FRAMES_PER_S))


def encode(model: WhisperModel, clips: list[np.ndarray], *, trim: bool = True):
    """The encoder output of `clips` (each at most 30 s) stacked, and each one's frame count:
    the features padded with zeros to `encoder_frames` of the longest (30 s without `trim`)."""
    features = [model.feature_extractor(np.asarray(c, dtype=np.float32))[..., :-1]
                for c in clips]  # the last frame is padding
    frames = [min(f.shape[-1], MAX_FRAMES) for f in features]
    width = encoder_frames(max(frames)) if trim else MAX_FRAMES
    return model.encode(np.stack([pad_or_trim(f, width) for f in features])), frames


@lru_cache(maxsize=8)
def tokenizer_for(model: WhisperModel, language: str) -> Tokenizer:
    return Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
    )


def prompt(tokenizer: Tokenizer, hotwords: str | None, *, vocabulary_tokens: int,
           timestamps: bool) -> list[int]:
    """[<|startofprev|> vocabulary] <|startoftranscript|><|no|><|transcribe|>
    [<|notimestamps|>]: the vocabulary (at most `vocabulary_tokens`) goes where faster-whisper's
    `get_prompt` puts the previous text."""
    said = []
    if hotwords and hotwords.strip():
        said = [tokenizer.sot_prev,
                *tokenizer.encode(" " + hotwords.strip())[:vocabulary_tokens]]
    return [*said, *tokenizer.sot_sequence, *([] if timestamps else [tokenizer.no_timestamps])]


def suppressed_tokens(tokenizer: Tokenizer) -> list[int]:
    return list(get_suppressed_tokens(tokenizer, [-1]))


def text_tokens(sequence: list[int], tokenizer: Tokenizer) -> list[int]:
    """A generated sequence without its timestamp and special tokens."""
    return [t for t in sequence if t < tokenizer.eot]


def align(model: WhisperModel, tokenizer: Tokenizer, encoder_output, tokens: list[list[int]],
          frames: list[int]) -> list[list[dict]]:
    """The words (dicts as faster-whisper's `find_alignment` makes them: word, tokens, start,
    end, probability) of each input; [] for an input without text. Only inputs with text go to
    CTranslate2, with their own frame counts."""
    words: list[list[dict]] = [[] for _ in tokens]
    todo = [i for i, said in enumerate(tokens) if said]
    if not todo:
        return words
    if len(todo) < len(tokens):
        encoder_output = select_rows(encoder_output, todo)
    results = model.model.align(
        encoder_output,
        tokenizer.sot_sequence,
        [tokens[i] for i in todo],
        [frames[i] for i in todo],
        median_filter_width=7,
    )
    for i, result in zip(todo, results, strict=True):
        words[i] = _words_of(tokenizer, tokens[i], result, model.tokens_per_second)
    return words


def select_rows(encoder_output, rows: list[int]):
    """The encoder output of the inputs at `rows` (a StorageView on the same device)."""
    on_cpu = encoder_output.device == "cpu"
    host = encoder_output if on_cpu else encoder_output.to_device(ctranslate2.Device.cpu)
    picked = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.asarray(host)[rows]))
    return picked if on_cpu else picked.to_device(ctranslate2.Device.cuda)


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
    return [
        dict(word=word, tokens=toks, start=float(jump_times[a]), end=float(jump_times[b]),
             probability=float(np.mean(probs[a:b])) if b > a and b <= len(probs) else 0.0)
        for word, toks, a, b in zip(word_texts, word_tokens, boundaries[:-1], boundaries[1:],
                                    strict=False)
    ]


def truncate_long_sentence_ends(words: list[dict]) -> None:
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


def timed_words(aligned: list[dict]) -> tuple[Word, ...]:
    """The aligned words with their punctuation merged, as `Word`s (empty words left out)."""
    merge_punctuations(aligned, _PREPEND, _APPEND)
    return tuple(
        Word(start=float(w["start"]), end=float(max(w["end"], w["start"])), text=w["word"],
             probability=min(max(float(w["probability"]), 0.0), 1.0))
        for w in aligned if w["word"].strip()
    )


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0
