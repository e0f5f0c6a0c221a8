"""Guards against Whisper's known failure modes, applied to decoded segments.

- stock subtitle credits that Whisper learned from TV subtitles ("Teksting av Nicolai Winther"),
  which it writes on silence, music and breathing;
- repetition loops ("og så og så og så ...") inside a segment, and the same segment repeated;
- windows the model itself marks as probably not speech.

Pure functions over `Segment`s: no engine, no audio. Every change is reported as a GuardAction
(without the text) so the result says what was removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import groupby

from diktat.types import GuardAction, Segment, Word

# Whole-segment phrases (after normalisation) that are subtitle credits or video outros.
_CREDIT_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"^(norsk |svensk |dansk )?(teksting|tekstet|tekst|undertekst(er|ing)?|oversett(else|ing)|"
        r"oversatt|tekstversjon|tekstar|teksta)( er)?( laget| utført| levert)?( av| ved)?\b.*$",
        r"^(subtitles?|captions?|transcription|translated)( by)?\b.*$",
        r"^.*\b(amara ?org|nrk ?tekst|btistudios|mediatekst|undertekster ?no|subtitles?)\b.*$",
        r"^takk for (at (du|dere) (så|såg|hørte|høyrde|lyttet|lytta)( på)?|meg|oppmerksomheten)"
        r"( og)?( på gjensyn| ha det( bra| godt)?| vi ses)?$",
        r"^(husk å )?(abonner|abonnere|like og abonner)\b.*(kanal(en)?)?.*$",
        r"^(musikk|applaus|latter|stille)$",
    )
)
# A credit is short; a long segment that merely starts with "tekst" is real speech.
_CREDIT_MAX_WORDS = 10

# A run of the same n-gram this many times in a row is a decoding loop, not speech.
_MIN_REPEATS_SINGLE_WORD = 4
_MIN_REPEATS_NGRAM = 3
_MAX_NGRAM = 12
# The same segment text this many times in a row (or more) collapses to one.
_MIN_SEGMENT_REPEATS = 3


def normalise_for_matching(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def is_stock_credit(text: str) -> bool:
    norm = normalise_for_matching(text)
    if not norm or len(norm.split()) > _CREDIT_MAX_WORDS:
        return False
    return any(p.match(norm) for p in _CREDIT_PATTERNS)


def collapse_repeats(tokens: Sequence[str]) -> list[int]:
    """Indices of tokens to keep after collapsing looped n-grams to a single occurrence.

    Tokens are compared after normalisation (case and punctuation ignored).
    """
    keys = [normalise_for_matching(t) for t in tokens]
    keep = list(range(len(keys)))
    changed = True
    while changed:
        changed = False
        seq = [keys[i] for i in keep]
        for n in range(1, min(_MAX_NGRAM, len(seq) // 2) + 1):
            need = _MIN_REPEATS_SINGLE_WORD if n == 1 else _MIN_REPEATS_NGRAM
            i = 0
            while i + n * need <= len(seq):
                gram = seq[i : i + n]
                if not any(gram):
                    i += 1
                    continue
                reps = 1
                while seq[i + reps * n : i + (reps + 1) * n] == gram:
                    reps += 1
                if reps >= need:
                    del keep[i + n : i + reps * n]
                    changed = True
                    break
                i += 1
            if changed:
                break
    return keep


def _collapse_segment(segment: Segment) -> tuple[Segment, int]:
    if segment.words:
        keep = collapse_repeats([w.text for w in segment.words])
        removed = len(segment.words) - len(keep)
        if not removed:
            return segment, 0
        words: tuple[Word, ...] = tuple(segment.words[i] for i in keep)
        text = "".join(w.text for w in words)
        return segment.model_copy(update={"words": words, "text": text}), removed
    tokens = segment.text.split()
    keep = collapse_repeats(tokens)
    removed = len(tokens) - len(keep)
    if not removed:
        return segment, 0
    return segment.model_copy(update={"text": " " + " ".join(tokens[i] for i in keep)}), removed


def is_prompt_echo(text: str, prompt: str | None) -> bool:
    """True when a segment mostly repeats the decoder prompt (Whisper may write the prompt out
    when the audio is unclear: a list of drug names that nobody said)."""
    if not prompt:
        return False
    terms = {normalise_for_matching(t) for t in prompt.split(",")} - {""}
    norm = normalise_for_matching(text)
    hits = [t for t in terms if re.search(rf"\b{re.escape(t)}\b", norm)]
    covered = sum(len(t.split()) for t in hits)
    return len(hits) >= 3 and covered >= 0.5 * len(norm.split())


def apply_guards(
    segments: Sequence[Segment],
    *,
    no_speech_threshold: float = 0.6,
    log_prob_threshold: float = -1.0,
    prompt: str | None = None,
) -> tuple[list[Segment], list[GuardAction]]:
    """Return the segments to keep and what was done to the others."""
    kept: list[Segment] = []
    actions: list[GuardAction] = []
    for seg in segments:
        n_words = len(seg.words) or len(seg.text.split())
        if not normalise_for_matching(seg.text):
            continue
        if is_prompt_echo(seg.text, prompt):
            actions.append(_dropped("prompt_echo", seg, n_words))
            continue
        if seg.no_speech_prob > no_speech_threshold and seg.avg_logprob < log_prob_threshold:
            actions.append(_dropped("no_speech", seg, n_words))
            continue
        if is_stock_credit(seg.text):
            actions.append(_dropped("stock_credit", seg, n_words))
            continue
        seg, removed = _collapse_segment(seg)
        if removed:
            actions.append(
                GuardAction(
                    guard="repetition",
                    start=seg.start,
                    end=seg.end,
                    action="collapsed_repetition",
                    words_removed=removed,
                )
            )
        kept.append(seg)
    return _collapse_repeated_segments(kept, actions)


def _collapse_repeated_segments(
    segments: list[Segment], actions: list[GuardAction]
) -> tuple[list[Segment], list[GuardAction]]:
    out: list[Segment] = []
    for _, group in groupby(segments, key=lambda s: normalise_for_matching(s.text)):
        run = list(group)
        out.append(run[0])
        if len(run) >= _MIN_SEGMENT_REPEATS:
            actions.extend(
                _dropped("repetition", s, len(s.words) or len(s.text.split())) for s in run[1:]
            )
        else:
            out.extend(run[1:])
    return out, actions


def _dropped(guard: str, seg: Segment, n_words: int) -> GuardAction:
    return GuardAction(
        guard=guard, start=seg.start, end=seg.end, action="dropped_segment", words_removed=n_words
    )


def uncovered_speech(
    regions: Sequence[tuple[float, float]],
    segments: Sequence[Segment],
    *,
    min_duration: float = 1.0,
) -> list[tuple[float, float]]:
    """Speech regions (from VAD, in seconds) that no decoded word or segment overlaps.

    Whisper sometimes ends a 30 s window early and skips what follows (it does so reliably when
    the same sentence is said twice); such speech would be lost silently without this check.
    """
    spans = [(w.start, w.end) for s in segments for w in s.words] or [
        (s.start, s.end) for s in segments
    ]
    return [
        (start, end)
        for start, end in regions
        if end - start >= min_duration and not any(b > start and a < end for a, b in spans)
    ]
