"""Clauses of a dictated sentence, and which head (a drug, a vital sign) owns a value.

A sentence is cut where Norwegian (bokmål or nynorsk) coordinates or subordinates: a list comma,
";", "og", "samt", "eller", "men", "mens", "fordi", "ettersom", "som", "dersom", "hvis", "selv
om", "slik at", "etter at", and "da/når/siden/før/så" when a subject follows them ("da hun
skulle på do"; "siden i går" is not a clause). Each clause records how it was joined to the one
before: ``list`` (comma, og, samt, eller, ;), ``contrast`` (men, mens) or ``sub``
(subordinators).

``Relations`` answers the question the rules and the grounding validator both ask: may a value
at this position belong to this head? A value after a head in the same clause belongs to that
head alone; a dose before the first head of its clause ("2 tabletter Paracet") to that head; a
time or status before the first head of a clause ("Klokka 8 fikk hun A og B") to every head of
the coordination that follows (list joints only); a clause without a head belongs to the head
before it ("..., hun hadde tatt 2 selv"), or, at the start of a sentence, forward like a time.
A bare head coordinated with the next ("A og B ble gitt kl 8") shares that clause's time and
status; so does a head said with only its dose when the text is given ("Fikk A 40 mg, B 50 mg og
C 500 mg kl 8": all at 8; not across ", og": "Fikk A 1 g, og B 40 mg kl 12": only B), but a
vital sign with its value never ("BT 140/80, puls 72 kl 8": only the pulse). Nothing crosses
"men" or a subordinate clause except the anaphoric rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diktat.structuring.cues import AREA_KEYWORDS

Joint = Literal["start", "list", "contrast", "sub"]

_SUBJECT = (r"(?=(?:hun|han|ho|hen|vi|me|jeg|eg|de|dei|det|den|pasienten|pas|bruker|brukeren|"
            r"beboer|beboeren|hu)(?!\w))")
_SEPARATOR = re.compile(
    r"\s*(?P<punct>[,;])\s+(?:(?P<w1>og|samt|eller|men|mens|fordi|ettersom|som|så)\s+)?"
    r"|\s+(?P<w2>og|samt|eller|men|mens|fordi|ettersom|som|dersom|hvis|viss|selv om|sjølv om|"
    r"slik at|etter at|uten at|utan at)\s+"
    r"|\s+(?P<w3>da|då|når|siden|sidan|før|så)\s+" + _SUBJECT
    # "tørr hoste uten oppspytt": the negated finding is a clause of its own, "uten" in it
    # (not "ikke uten smerter", one finding twice negated)
    + r"|(?<!ikke)(?<!ikkje)(?<!itj)(?<!helt)(?<!heilt)\s+(?=(?P<w4>uten|utan)\s+(?!at(?!\w)))",
    re.IGNORECASE,
)
_JOINT: dict[str, Joint] = {
    **dict.fromkeys(("og", "samt", "eller", ",", ";", "uten", "utan"), "list"),
    **dict.fromkeys(("men", "mens"), "contrast"),
}


# "Fikk Paracet 1 g, og Furix 40 mg kl 12": a comma before "og" sets the last dose apart, and
# the time said with it is its own (a list said without it shares it: "A 1 g og B 40 mg kl 12")
_SET_APART = re.compile(r"\s*,\s*(?:og|samt)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    joint: Joint  # how it is joined to the clause before
    word: str  # the joining word ("og", "men", ",", ...; "" for the first clause)


def split_clauses(text: str, start: int = 0, end: int | None = None) -> list[Clause]:
    """The clauses of ``text[start:end]`` (a sentence), in order, covering it without gaps
    except the separators themselves."""
    end = len(text) if end is None else end
    out: list[Clause] = []
    lead, joint, word = start, "start", ""
    for m in _SEPARATOR.finditer(text, start, end):
        if m.start() <= lead or (m.group("w4") and not _finding_after(text, m.end() + 5, end)):
            continue
        out.append(Clause(lead, m.start(), joint, word))  # type: ignore[arg-type]
        said = (m.group("w1") or m.group("w2") or m.group("w3") or m.group("w4")
                or m.group("punct")).casefold()
        joint, word, lead = _JOINT.get(said, "sub"), said, m.end()
    out.append(Clause(lead, end, joint, word))  # type: ignore[arg-type]
    return [c for c in out if c.end > c.start]


def _finding_after(text: str, at: int, end: int) -> bool:
    """A finding keyword within the two words after "uten" ("uten oppspytt", "utan tegn til
    feber"), not "uten hjelp"."""
    window = text[at : min(end, at + 40)]
    return any(m.start() < 20 for rx in AREA_KEYWORDS.values() for m in rx.finditer(window))


# What may stand around a head in a list of administrations: a status verb before the first
# ("Fikk", "Hun fikk"), a dose with its unit after ("40 mg", "2 tabletter").
_LEAD = re.compile(r"\s*(?:(?:hun|han|ho|hen|pasienten|vi|jeg|eg|me)\s+)?(?:fikk|fekk|fått|"
                   r"har fått|ga|gav|gitt|satte|sette|satt)(?:\s+(?:han|ham|henne|ho|hen|"
                   r"pasienten))?\s*$", re.IGNORECASE)
_DOSE_ONLY = re.compile(r"\s*\d+(?:,\d+)?\s*(?:mg|g|ml|mikrog|IE|E|enheter|einingar|"
                        r"tabletter|tablett|tablettar|tbl|stk|drag|dråper)(?!\w)\.?\s*",
                        re.IGNORECASE)


def clause_at(clauses: Sequence[Clause], pos: int) -> int:
    """Index of the clause holding ``pos`` (a separator belongs to the clause after it)."""
    for i, c in enumerate(clauses):
        if pos < c.end:
            return i
    return len(clauses) - 1


Kind = Literal["dose", "shared"]  # "shared": a time, status or route, which coordination shares


class Relations:
    """Which heads may own a value at a position of one sentence (see the module doc)."""

    def __init__(self, clauses: Sequence[Clause], heads: Sequence[tuple[int, int]],
                 text: str | None = None, measured: Sequence[tuple[int, int]] = ()) -> None:
        self.text = text  # given: a head with only its dose counts as bare
        self.measured = set(measured)  # vital signs: "5 mg s.c. for smerter" is no pain dose
        self.clauses = list(clauses)
        self.heads = sorted(heads)
        self.of_clause: list[list[int]] = [[] for _ in self.clauses]
        for k, (a, _) in enumerate(self.heads):
            self.of_clause[clause_at(self.clauses, a)].append(k)

    def owners(self, pos: int, kind: Kind) -> set[int]:
        """Indices into ``heads`` that a value starting at ``pos`` may belong to."""
        ci = clause_at(self.clauses, pos)
        here = self.of_clause[ci]
        if here:
            before = [k for k in here if self.heads[k][1] <= pos]
            if before:
                owner = before[-1]
                out = {owner}
                if kind == "shared" and owner == here[0]:
                    out |= self._bare_before(ci)
                return out
            if kind != "dose":
                return {here[0], *self._forward(ci)}
            if self.heads[here[0]] not in self.measured:
                return {here[0]}
        earlier = [k for c in range(ci) for k in self.of_clause[c]]
        if earlier:
            return {earlier[-1]}  # "..., hun hadde tatt 2 selv kl 7": the head before
        return set() if kind == "dose" else set(self._forward(ci))

    def _forward(self, ci: int) -> list[int]:
        """Heads of the clauses coordinated after clause ``ci`` (list joints only)."""
        out = []
        for c in range(ci + 1, len(self.clauses)):
            if self.clauses[c].joint != "list":
                break
            out += self.of_clause[c]
        return out

    def _with_dose(self, clause: Clause, a: int, b: int, tail: bool = False) -> bool:
        """The clause says its head with a dose and at most a status verb before it (with
        ``tail``: and anything after the dose, the time it shares)."""
        if self.text is None:
            return False
        before, after = self.text[clause.start : a], self.text[b : clause.end]
        dose = _DOSE_ONLY.match(after) if tail else _DOSE_ONLY.fullmatch(after)
        return (a - clause.start <= 1 or _LEAD.fullmatch(before) is not None) and (
            dose is not None)

    def _bare_before(self, ci: int) -> set[int]:
        """Heads of the clauses just before ``ci`` that say nothing but the head itself (or,
        when ``ci`` says its head with a dose too, the head and its dose)."""
        out: set[int] = set()
        here = self.of_clause[ci]
        doses = bool(here) and self._with_dose(self.clauses[ci], *self.heads[here[0]], tail=True)
        c = ci
        while c > 0 and self.clauses[c].joint == "list":
            prev, heads = self.clauses[c - 1], self.of_clause[c - 1]
            if len(heads) != 1:
                break
            a, b = self.heads[heads[0]]
            if (a - prev.start > 1 or prev.end - b > 1) and not (
                    doses and self._with_dose(prev, a, b) and not _SET_APART.fullmatch(
                        self.text or "", prev.end, self.clauses[c].start)):
                break
            out.add(heads[0])
            c -= 1
        return out
