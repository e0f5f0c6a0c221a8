"""A dose someone else took: "Dottera sat hos henne, ho er sjølv sliten og har hovudverk, så
ho fekk ein kopp te og tok ein Paracet frå si eiga veske" is the daughter's, not a dose of the
patient's medication.

The drug's clause takes it ("fikk", "tok", "brukte", or goes on with such a clause's subject),
and that subject is someone else: a relative or co-resident named as the subject ("Kona hans
tok en Paracet"), or a pronoun of the same gender as the nearest earlier subject of the
sentence, when that one was someone else ("..., ho er sjølv sliten, så ho tok ein Paracet").
Giving is not taking: "Datteren ga henne Paracet" stays the patient's dose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from diktat.structuring.assertion import OTHER_PERSON, REPORTING, someone_else, subject_clause
from diktat.structuring.clauses import Clause, clause_at
from diktat.structuring.cues import word_rx
from diktat.structuring.persons import HE, SHE, gender_of

_TAKES = ("fikk", "fekk", "tok", "tek", "tar", "brukte", "svelget", "svelgde")
TAKING = word_rx(*_TAKES, "får", "har tatt", "hadde tatt", "bruker")
# a clause that starts with taking goes on with the subject before it
_TAKES_FIRST = re.compile(r"\s*(?:og |og så |så )?(?:" + "|".join(_TAKES) + r")(?!\w)",
                          re.IGNORECASE)
_LEAD = re.compile(r"^\s*(?:(?:og|men|så)\s+)?(?:besøk (?:av|fra|frå)\s+)?", re.IGNORECASE)
_SUBJECT_PRONOUN = re.compile(r"\s*(?:og |men |så |da |og så )?(?P<p>hun|ho|hu|han)(?!\w)",
                              re.IGNORECASE)


def someone_elses_dose(text: str, clauses: Sequence[Clause], drug_at: int,
                       patient: str | None = None) -> bool:
    """Whether the drug said at ``drug_at`` is taken by someone other than the patient."""
    ci = clause_at(clauses, drug_at)
    subject = subject_clause(text, clauses, ci)
    own = subject if subject is not None else ci
    while own > 0 and clauses[own].joint == "list" and _TAKES_FIRST.match(
            text, clauses[own].start, clauses[own].end):
        own -= 1  # "..., så ho fekk ein kopp te og tok ein Paracet"
    if TAKING.search(text, clauses[own].start, drug_at) is None \
            and TAKING.search(text, clauses[ci].start, drug_at) is None:
        return False
    if (m := OTHER_PERSON.match(text, clauses[own].start, clauses[own].end)) is not None:
        return REPORTING.search(text, m.end(), drug_at) is None  # "Datteren sier at hun fikk"
    said = _SUBJECT_PRONOUN.match(text, clauses[own].start, clauses[own].end)
    if said is None:
        return False
    gender = "han" if HE.fullmatch(said.group("p")) else "hun"
    for c in range(own - 1, -1, -1):
        if REPORTING.search(text, clauses[c].start, clauses[own].start):
            return False  # "Datteren sier at hun fikk Paracet": what is told of the patient
        if (m := OTHER_PERSON.match(text, clauses[c].start, clauses[c].end)) is not None:
            return gender_of(_LEAD.sub("", m.group())) in (gender, None)
        if (earlier := _SUBJECT_PRONOUN.match(text, clauses[c].start, clauses[c].end)):
            same = (HE if gender == "han" else SHE).fullmatch(earlier.group("p")) is not None
            return same and someone_else(text, clauses, c, patient) is not None
    return False
