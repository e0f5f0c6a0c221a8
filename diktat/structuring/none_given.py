"""Whether a dose was given, said apart from the drug's own clause.

- Said once for every drug before it: "Morfin 5 mg og Midazolam 2,5 mg kan gis ved behov, men
  ingen av dem ble gitt i natt" — neither was given. The order ("kan gis ved behov") is not a
  dose given as needed, and the "men" clause that says so names no drug, so the clause rules
  alone would leave the first drug without a status and the second "prn".
- Not taken, and then given by the nurse: "men den hadde han ikke tatt da vi kom, så den fikk
  han av meg klokka ti" is a dose given at 10:00, not one not given. The time is the one said
  after the giving, or none.
"""

from __future__ import annotations

import re

from diktat.structuring import cues
from diktat.structuring.medication import MedRead

ALL_NOT_GIVEN = re.compile(
    r"(?<!\w)(?:ingen|inga|ikke noe|ikkje noko) av (?:dem|dei|de|disse|desse|delene|dei to|"
    r"de to|dem begge|medisinene|medisinane|legemidlene)\s+(?:ble|blei|vart|er|var|har blitt|"
    r"har vorte|har vore|har vært)\s+(?:gitt|gjeve|gjevne|gjeven|givne|satt|brukt|tatt)(?!\w)",
    re.IGNORECASE)
_IT = r"(?:den|det|dosen|tabletten|tabletta)"
_PATIENT = r"(?:han|hun|ho|hu|ham|henne|honom)"
GIVEN_AFTER_ALL = re.compile(
    rf"(?<!\w)(?:så|og så|men|da)\s+(?:{_IT}\s+(?:fikk|fekk)\s+{_PATIENT}"
    rf"|(?:jeg|eg|vi|me)\s+(?:ga|gav)\s+{_PATIENT}\s+{_IT}|(?:ga|gav)\s+(?:jeg|eg|vi|me)\s+"
    rf"{_PATIENT}\s+{_IT}|{_IT}\s+(?:ble|blei|vart)\s+gitt)(?!\w)", re.IGNORECASE)


def applied(reads: list[MedRead], text: str, start: int, end: int) -> list[MedRead]:
    """``reads`` with the drugs said before "ingen av dem ble gitt" not given (those with no
    status, or only as needed: a given, refused or self-taken dose keeps what was said), and a
    dose not taken that the nurse then gave ("så den fikk han av meg klokka ti") given."""
    heads = sorted(r.head[0] for r in reads)
    for r in list(reads):
        following = min((h for h in heads if h > r.head[1]), default=end)
        if r.status is not None and r.status[0] == "not_given" and (
                given := GIVEN_AFTER_ALL.search(text, r.status[1].end(), following)):
            r.status = ("given", given)
            r.clock = cues.CLOCK.search(text, given.end(), following)
            r.spans += [given.span()] + ([r.clock.span()] if r.clock else [])
            # the same giving read as another administration of the drug: it is this one
            reads = [x for x in reads if x is r or x.head != r.head or not x.status
                     or x.status[0] != "given"]
    said = ALL_NOT_GIVEN.search(text, start, end)
    if said is None:
        return reads
    for r in reads:
        if r.effect_only or r.head[1] > said.start():
            continue
        if r.status is None or r.status[0] == "prn":
            r.status = ("not_given", said)
            r.spans.append(said.span())
    return reads
