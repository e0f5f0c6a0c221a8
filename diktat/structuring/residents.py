"""Another resident of the home, named by room: "Kveldsvakt, rom 14. Beboeren på rom 12 har
falt på badet" tells of the resident in rom 12, not of this note's patient; so do "Olav på rom
fem var urolig" and "Rom fire sov allerede" (a room said as a clause's subject; "Rom tre:" or
"rom tre." is a heading).

The dictation's patient is in the first room it names; a resident, patient or user "på rom N"
with another N is someone else. A clause whose subject is that resident (or that goes on with
it: "..., og fikk feil medisin") is not this patient's finding or deviation. The rules and the
grounding validator both ask ``elsewhere`` of the whole text, so both read it alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from diktat.structuring.assertion import subject_clause
from diktat.structuring.clauses import Clause, clause_at, split_clauses

_NUMBER = (r"\d+|en|ett|ein|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|elleve|tolv|tretten|"
           r"fjorten|femten|seksten|sytten|atten|nitten|tjue\w*|tretti\w*|førti\w*|femti\w*")
_ROOM = re.compile(r"(?<!\w)rom(?:\s+nr\.?)?\s+(?P<n>" + _NUMBER + r")(?!\w)", re.IGNORECASE)
_RESIDENT_IN_ROOM = re.compile(
    r"\s*(?:(?:og|men|så|eh|ehm),?\s+)*(?:(?:beboer(?:en)?|pasient(?:en)?|bruker(?:en)?|dama|damen|"
    r"mannen|kvinnen|herren|(?-i:[A-ZÆØÅ][a-zæøå]+))\s+(?:på|i)\s+)?"
    # "Olav på rom fem var urolig"; "Rom fire sov allerede": the room said as the subject
    r"rom(?:\s+nr\.?)?\s+(?P<n>" + _NUMBER + r")(?!\w)(?!\s*[:.,])",
    re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


def elsewhere(text: str, clauses: Sequence[Clause], ci: int) -> int | None:
    """Where the resident in another room starts whom clause ``ci`` (or the clause whose
    subject it goes on with) tells of; None when it tells of this note's patient."""
    first = _first_room(text)
    if first is None:
        return None
    for c in (ci, subject_clause(text, clauses, ci)):
        if c is None:
            continue
        m = _RESIDENT_IN_ROOM.match(text, clauses[c].start, clauses[c].end)
        if m is not None and m.group("n").casefold() != first:
            return clauses[c].start
    return None


@lru_cache(maxsize=8)
def _first_room(text: str) -> str | None:
    """The patient's room: the first one the dictation names (asked once per text; a str
    keeps its hash, so a long transcript is not scanned again for every clause)."""
    m = _ROOM.search(text)
    return m.group("n").casefold() if m is not None else None


def elsewhere_at(text: str, at: int) -> bool:
    """``elsewhere`` for the clause of the sentence of ``text`` holding position ``at``."""
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    start = starts[-1] if starts else 0
    end = m.end() if (m := _SENTENCE_END.search(text, at)) else len(text)
    clauses = split_clauses(text, start, end)
    return elsewhere(text, clauses, clause_at(clauses, at)) is not None
