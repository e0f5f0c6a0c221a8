"""A measurement that is not this patient's value now, and so is left to the text (visible, never
filed as a vital sign): said of an earlier time ("han veide syttitre for to uker siden"), of
another resident named by room ("Olav på rom fem hadde blodtrykk 170/90"), or with a possessive
of the other gender than the dictation's patient ("..., blodtrykket hans var 170/90" in a note
about "hun").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from diktat.structuring import residents
from diktat.structuring.clauses import Clause, clause_at
from diktat.structuring.history import past_period_at
from diktat.structuring.persons import patient_pronoun

_POSSESSIVE = re.compile(r"(?<!\w)(?:\w+(?:et|en|a|ene|i))\s+(?P<who>hans|hennes|hennar)(?!\w)",
                         re.IGNORECASE)


def not_the_patients_now(text: str, clauses: Sequence[Clause], at: int, start: int,
                         end: int) -> bool:
    """Whether the value at ``at`` (in the sentence ``text[start:end]``) is of another time or
    another person."""
    ci = clause_at(clauses, at)
    if past_period_at(text, clauses, ci) is not None:
        return True
    if residents.elsewhere(text, clauses, ci) is not None:
        return True
    clause = clauses[ci]
    owner = _POSSESSIVE.search(text, clause.start, clause.end)
    if owner is None:
        return False
    patient = patient_pronoun(text, start, end)
    said = "han" if owner.group("who").casefold() == "hans" else "hun"
    return patient is not None and said != patient
