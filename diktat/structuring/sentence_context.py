"""A quote read as the sentence around it reads it. The normaliser reads an hour by what was said
before it in the sentence ("klokka nitten tjue, og Afipran 10 mg klokka halv åtte": 19:30), so
the grounding validator, which re-reads each quote, reads it from the sentence's start too."""

from __future__ import annotations

import re
from collections.abc import Callable

from diktat.structuring import cues

# a sentence's end: not the dots of "s.c." or "ca."
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÆØÅ])|\n")


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding ``text[pos]`` starts."""
    for window in (600, pos):  # a sentence is rarely longer; a long transcript is not read whole
        starts = [m.end() for m in _SENTENCE_END.finditer(text, max(0, pos - window), pos)]
        if starts:
            return starts[-1]
    return 0


def as_said(time: str, alone: set[str]) -> str | None:
    """``time`` as its quote read alone says it: itself, or its hour twelve hours earlier (an
    afternoon time that the sentence before the quote made of "klokka halv åtte")."""
    hour, minutes = time.split(":")
    earlier = f"{int(hour) - 12:02d}:{minutes}"
    return time if time in alone else earlier if int(hour) > 12 and earlier in alone else None


# "Morfin 5 mg s.c. Kl. 03.30 surkling ...": a capital after a dotted route starts a sentence
_ROUTE_DOT = re.compile(r"(?<!\w)(?:s\.c|i\.m|i\.v|p\.o)\.$", re.IGNORECASE)
_SPACES = re.compile(r"\s*")


def abbreviated(text: str, dot: int, source: Callable[[int], str] | None = None) -> bool:
    """The dot at ``text[dot]`` ends an abbreviation ("kl.", "ca.", "s.c."), not a sentence;
    after a dotted route, a capital said next (in the transcript, ``source(position)``: the
    normaliser writes "Kl. 03.30" as "03:30") starts a new one."""
    if not cues.ABBREVIATION.search(text, max(0, dot - 8), dot + 1):
        return False
    after = _SPACES.match(text, dot + 1).end()
    return not (_ROUTE_DOT.search(text, max(0, dot - 8), dot + 1) and after < len(text)
                and (source(after) if source else text[after]).isupper())
