"""A dose forgotten and given later, told over two sentences: "Metformin 500 mg ble glemt på
morgenrunden. Hun fikk den klokka kvart på tolv." is one dose, given at 11:45, not a dose not
given.

The later sentence names no drug; it gives "den"/"det"/"dosen" (or "en pose", "ei sprøyte")
with a time, in one of the two sentences after the one that says the dose was forgotten.
``given_later`` reads a quote that runs from the drug to that time; the rules choose such
quotes and the grounding validator re-reads each one with it, so both read the link alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diktat.structuring import cues

FORGOTTEN = re.compile(r"(?<!\w)(?:glemt|glemte|glømt|glømde|gløymd|gløymt|gløymde|uteglemt)"
                       r"(?!\w)", re.IGNORECASE)
# "Hun fikk den klokka 11:45", "Så hu fikk en pose klokka 14:00", "Den ble gitt kl 11"
_GIVEN = re.compile(
    r"\s*(?:(?:så|og|men|da|etterpå|seinere|senere|derfor)\s+)?"
    r"(?:(?:hun|han|ho|hu|pasienten|brukeren|beboeren|vi|jeg|eg|me)\s+)?"
    r"(?:fikk|fekk|ga|gav|gjorde|satte|sette|tok)\s+"
    r"(?:(?:hun|han|ho|hu|vi|jeg|eg|henne|ham|honom)\s+)?"
    r"(?P<what>den|det|dosen|tabletten|tabletta|sprøyta|sprøyten|(?:en|ei|ein|eit|én|1)\s+"
    r"(?P<form>pose|tablett|tab|sprøyte|kapsel|dose))(?!\w)"
    r"|\s*(?:den|dosen|tabletten)\s+(?:ble|vart|blei)\s+(?:gitt|gjeven|satt|tatt)(?!\w)",
    re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


@dataclass(frozen=True)
class GivenLater:
    time: str  # HH:MM, as the normalised text says it
    time_span: tuple[int, int]
    dose: tuple[float, str] | None  # "fikk en pose": (1.0, "pose"), for a dose not said before


def given_later(text: str, start: int = 0, end: int | None = None) -> GivenLater | None:
    """``text[start:end]`` (normalised) starts with a dose said to be forgotten, and one of the
    next two sentences gives it, naming no drug, with a time: the time and the form said."""
    end = len(text) if end is None else end
    ends = [m.end() for m in _SENTENCE_END.finditer(text, start, end)]
    if not ends or FORGOTTEN.search(text, start, ends[0]) is None:
        return None
    bounds = ends + ([end] if ends[-1] < end else [])
    for a, b in list(zip(bounds, bounds[1:], strict=False))[:2]:
        given = _GIVEN.match(text, a, b)
        clock = cues.CLOCK.search(text, a, b)
        if given is not None and clock is not None and clock.start() > given.start():
            dose = cues.DOSE.match(text, given.start("what")) if given.group("form") else None
            return GivenLater(clock.group(), clock.span(), dose and (
                float(dose.group("n").replace(",", ".")), cues.unit_of(dose.group("u"))))
    return None
