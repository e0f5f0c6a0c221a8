"""A quote read as the sentence around it reads it. The normaliser reads an hour by what was said
before it in the sentence ("klokka nitten tjue, og Afipran 10 mg klokka halv åtte": 19:30), so
the grounding validator, which re-reads each quote, reads it from the sentence's start too."""

from __future__ import annotations

import re

# a sentence's end: not the dots of "s.c." or "ca."
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÆØÅ])|\n")


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding ``text[pos]`` starts."""
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, pos)]
    return starts[-1] if starts else 0


def as_said(time: str, alone: set[str]) -> str | None:
    """``time`` as its quote read alone says it: itself, or its hour twelve hours earlier (an
    afternoon time that the sentence before the quote made of "klokka halv åtte")."""
    hour, minutes = time.split(":")
    earlier = f"{int(hour) - 12:02d}:{minutes}"
    return time if time in alone else earlier if int(hour) > 12 and earlier in alone else None
