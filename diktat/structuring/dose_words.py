"""What the words around a dose say about it: a strength after a count of pieces ("ein
tablett på 5 mg"), one dose of two said ("1-2 tabletter"), the speaker's self-corrections ("Ga
A, nei jeg mener B", "20, nei 40 mg"), one time for each of a series ("Paracet 1 g kl 08, 14 og
20"), another name of a drug said ("det vil si furosemid") and a regimen ("står på"). Used by
`medication.read_medications`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from diktat.structuring import cues
from diktat.structuring.clauses import Clause, clause_at

if TYPE_CHECKING:
    from diktat.structuring.medication import MedRead

# "Furix 40 mg, det vil si furosemid", "det samme som Xalatan": another name of a drug said
ALIAS = re.compile(r"(?<!\w)(?:det vil si|dvs\.?|det samme som|det same som|samme som|"
                   r"same som|også kalt|også kjent som|heiter|heter|generisk)\s+$",
                   re.IGNORECASE)
# "står på Marevan etter doseringskort og fikk antibiotika": the regimen's clause, and the status
# in the next one is the other object's (not "og fikk den kl 18", "og fikk dagens dose")
REGIMEN = re.compile(r"(?<!\w)(?:står|stod|sto) på\s+(?:\S+\s+){0,2}$", re.IGNORECASE)
BACK_TO_DRUG = re.compile(r"\s*(?:den|det|dei|dem|de|dagens|dosen|tabletten|sin|sine|\d|"
                          r"en\b|ei\b|ein\b|eit\b|én\b|kveldens|morgenens|kl|klokka|ved)",
                          re.IGNORECASE)

# "..., og klokka fire sov han": a time fronted in a clause of its own (after "og"/"men"/a
# comma, its verb and subject right after it) is another event's time
_FRONTED_AFTER = re.compile(r"(?:,|(?<!\w)og|(?<!\w)men|(?<!\w)så)\s*(?:klokka|kl\.?)?\s*$",
                            re.IGNORECASE)
# The verbs of giving or taking a dose (and of planning one).
_DOSE_VERBS = (r"fikk|fekk|ga|gav|gjev|gir|får|fått|gitt|tok|tek|satte|sette|satt|skulle|skal|"
               r"ska")
_OTHER_EVENT_VERB = re.compile(
    rf"\s+(?!(?:{_DOSE_VERBS}|måtte|må|ville|vil|burde|bør|trengte|treng|trenger|fordi|da|når|"
    r"som|at|mens|etter|før|hvis|om|der|og|men)(?!\w))"
    # its subject a pronoun or a definite noun ("og klokka tolv var smerten tre")
    r"[^\W\d]+\s+(?:han|hun|ho|hu|pasienten|brukeren|beboeren|vi|jeg|eg|æ|"
    r"[^\W\d]{2,}(?:en|et|ene|a))(?!\w)",
    re.IGNORECASE)


# "... fordi hun sov tungt klokka åtte": the time of the reason, not of a dose
_GIVING = rf"(?:{_DOSE_VERBS}|tatt)"
_REASON_EVENT = re.compile(
    r"(?<!\w)(?:fordi|siden|sidan|ettersom)\s+(?:han|hun|ho|hu|pasienten|brukeren|beboeren)"
    rf"(?:\s+(?!{_GIVING}(?!\w))[^\W\d]+){{1,4}}\s+(?:klokka|klokken|kl\.?)?\s*$",
    re.IGNORECASE)


def other_event_time(text: str, clock: re.Match[str], start: int, end: int) -> bool:
    """``clock`` opens a clause of its own about another event ("og klokka fire sov han"), or
    is said in a reason about another event ("fordi hun sov tungt klokka åtte")."""
    return (_FRONTED_AFTER.search(text, max(start, clock.start() - 14), clock.start()) is not None
            and _OTHER_EVENT_VERB.match(text, clock.end(), end) is not None) or (
        _REASON_EVENT.search(text, max(start, clock.start() - 60), clock.start()) is not None)


# The time of a dose not known: no time is taken from elsewhere in the sentence.
NO_TIME = re.compile(
    r"(?<!\w)(?:(?:har|hadde) (?:ikke|ikkje|itj) (?:notert|skrevet|skrive|sett) (?:ned )?"
    r"(?:tida|tiden|tidspunktet|klokkeslettet)|(?:vet|veit|husker|hugsar) (?:ikke|ikkje|itj) "
    r"(?:når|kor tid|klokkeslettet|tida|tiden|tidspunktet)|usikker på (?:tida|tiden|"
    r"tidspunktet|når))(?!\w)", re.IGNORECASE)

# "ein tablett på 5 mg", "2 tabletter à 500 mg": the strength is the dose, the pieces its count.
_PIECE_UNITS = frozenset({"tablett", "brusetablett", "kapsel", "stikkpille", "ampulle"})
_STRENGTH_UNITS = frozenset({"mg", "g", "mikrog"})
_OF_STRENGTH = re.compile(r"\s+(?:på|à|á|a)\s+", re.IGNORECASE)


def strength_of(text: str, dose: re.Match[str], end: int) -> re.Match[str] | None:
    """The strength said right after a count of pieces, or None."""
    if cues.unit_of(dose.group("u")) not in _PIECE_UNITS:
        return None
    of = _OF_STRENGTH.match(text, dose.end(), end)
    strength = cues.DOSE.match(text, of.end(), end) if of is not None else None
    if strength is None or cues.unit_of(strength.group("u")) not in _STRENGTH_UNITS:
        return None
    return strength


def pieces_of(dose: re.Match[str]) -> tuple[int | None, tuple[int, int] | None]:
    """How many pieces a count said with its unit is ("2 tabletter"), if a whole number of two
    or more (one piece is the dose itself)."""
    n = float(dose.group("n").replace(",", "."))
    return (int(n), dose.span("n")) if n.is_integer() and 2 <= n <= 24 else (None, None)


# "ein eller to tablettar", "1-2 tabletter", "500 mg eller 1 g": no one dose was said.
_ALTERNATIVE_BEFORE = re.compile(r"(?<![\w,])\d+(?:,\d+)?(?:\s?(?:mg|g|mikrog|ml|IE|E|enheter|"
                                 r"tablett\w*|kapsl\w*))?\s?(?:eller|el\.?|til|-|–)\s?$",
                                 re.IGNORECASE)
_ALTERNATIVE_AFTER = re.compile(r"\s?(?:eller|-|–)\s?\d", re.IGNORECASE)


def uncertain_dose(text: str, dose: re.Match[str], clauses: list[Clause],
                    unsure: list[re.Match[str]]) -> bool:
    """A dose said as one of two, or after a doubt in its clause ("husker ikke om det var 2
    tabletter"): never stated as the dose."""
    if _ALTERNATIVE_BEFORE.search(text, max(0, dose.start() - 24), dose.start()) \
            or _ALTERNATIVE_AFTER.match(text, dose.end()):
        return True
    c = clause_at(clauses, dose.start())
    return any(clause_at(clauses, u.start()) == c and u.end() <= dose.start() for u in unsure)


# "15 dråper, nei, 10 dråper", "kl 19:00, nei, 19:15": a bare "nei" between two values.
_BARE_NEI = re.compile(r",\s*(?:eh,?\s*)?nei,?\s+(?=\d)", re.IGNORECASE)
# A time said again, more exactly, after a filler ("klokka fire, eh, kvart over fire").
_RESTATED_TIME = re.compile(r"(?<=\d:\d\d),?\s+(?:eh|ehm|æh|øh),?\s+(?=\d{1,2}:\d\d)",
                            re.IGNORECASE)
# "A og B, nei, ikke B" / "nei, bare A": the drug named before the "nei" is taken back.
_NOT_THAT_ONE = re.compile(r",?\s*(?:nei,?\s+(?P<w>ikke|ikkje)|(?:nei,?\s+)?(?:bare|berre))\s+",
                           re.IGNORECASE)
_NEI = re.compile(r"(?<!\w)nei(?!\w)", re.IGNORECASE)
# Only fillers between a name and the same drug's name again.
_REPEAT_GAP = re.compile(r"[\s,]*(?:(?:eh|ehm|øh|øhm|hm|mm|nei|altså|unnskyld)[\s,]+)*",
                         re.IGNORECASE)


def after_last(values: list[re.Match[str]], marks: list[int]) -> list[re.Match[str]]:
    """``values`` said after the last correction mark that has one after it (all if none)."""
    for at in sorted(marks, reverse=True):
        if kept := [m for m in values if m.start() >= at]:
            return kept
    return values


def corrections(text: str, start: int, end: int, drugs: list
                 ) -> tuple[set[tuple[int, int]], dict[tuple[int, int], list[int]]]:
    """Self-corrections in the sentence: (drugs taken back, {drug: where its corrected values
    start}). "Ga A, nei jeg mener B": A is taken back; "Ga A og B, nei, bare A" (or "nei, ikke B,
    ..., bare A"): B is taken back and the second A only confirms the first; "Ga A 1 g, nei vent,
    500 mg": A's dose is the one after the correction, and "kl 16:00, eh, 16:15" its time."""
    taken_back: set[tuple[int, int]] = set()
    corrected: dict[tuple[int, int], list[int]] = {}
    for a, b in zip(drugs, drugs[1:], strict=False):
        # "fikk Salatan, eh, Xalatan": a misheard name said again, right after, as the same drug
        if a[2].name == b[2].name and _REPEAT_GAP.fullmatch(text, a[1], b[0]):
            taken_back.add((a[0], a[1]))
    marks = sorted([*cues.CORRECTION.finditer(text, start, end),
                    *_BARE_NEI.finditer(text, start, end)], key=lambda m: m.start())
    for i, m in enumerate(marks):
        upto = marks[i + 1].start() if i + 1 < len(marks) else end
        before = [d for d in drugs if d[1] <= m.start() and (d[0], d[1]) not in taken_back]
        after = [d for d in drugs if m.end() <= d[0] < upto]
        if not before:
            continue
        last = before[-1]
        if not after or m.re is _BARE_NEI:  # "20, nei 40 mg": a value, never a drug, corrected
            corrected.setdefault((last[0], last[1]), []).append(m.end())
            continue
        taken_back.add((last[0], last[1]))
        kept = {d[2].name for d in before[:-1]}
        taken_back |= {(d[0], d[1]) for d in after if d[2].name in kept}  # "bare A" again
    for m in _NOT_THAT_ONE.finditer(text, start, end):
        before = [d for d in drugs if d[1] <= m.start()]
        named = next((d for d in drugs if d[0] == m.end()), None)
        if not before or named is None or named[:2] in taken_back:
            continue  # taken back already ("nei jeg mener, det var bare A")
        if m.group("w") and named[2].name == before[-1][2].name:
            taken_back |= {before[-1][:2], named[:2]}  # "A og B, nei, ikke B": no B
        elif not m.group("w") and _NEI.search(text, before[0][1], m.end()) and any(
                d[2].name == named[2].name for d in before[:-1]):
            taken_back |= {before[-1][:2], named[:2]}  # "A og B, nei, bare A": A, said once
    for m in _RESTATED_TIME.finditer(text, start, end):  # "16:00, eh, 16:15": the time is 16:15
        before = [d for d in drugs if d[1] <= m.start() and (d[0], d[1]) not in taken_back]
        if before:
            corrected.setdefault((before[-1][0], before[-1][1]), []).append(m.end())
    return taken_back, corrected


_SERIES_GLUE = re.compile(r"\s*,\s*(?:og\s+)?|\s+og\s+")


def time_series(text: str, clock: re.Match[str], clocks: list[re.Match[str]], drugs: list,
                 after: int) -> list[re.Match[str]]:
    """ "kl 08:00, 14:00 og 20:00": the run of times, joined only by commas and "og", that holds
    the dose's time (two or more; else none). No drug may be named between the drug and it."""
    ordered = sorted(clocks, key=lambda c: c.start())
    i = ordered.index(clock) if clock in ordered else -1
    if i < 0:
        return []
    lo = hi = i
    while lo > 0 and _SERIES_GLUE.fullmatch(text, ordered[lo - 1].end(), ordered[lo].start()):
        lo -= 1
    while hi + 1 < len(ordered) and _SERIES_GLUE.fullmatch(text, ordered[hi].end(),
                                                           ordered[hi + 1].start()):
        hi += 1
    run = ordered[lo : hi + 1]
    if len(run) < 2 or run[0].start() < after or any(
            after <= a < run[-1].end() for a, _, _ in drugs):
        return []
    times = [c.group() for c in run]
    return run if len(set(times)) == len(times) else []


def time_each(read: MedRead, clocks: list[re.Match[str]]) -> list[re.Match[str]]:
    """ "fikk Furix 40 mg 2 ganger, først kl 07:00 og så kl 08:30": as many times of its own,
    said after the count, as the times the dose was given: one administration at each."""
    if read.count is None or read.count_span is None:
        return []
    after = sorted((c for c in clocks if c.start() > read.count_span[1]), key=lambda c: c.start())
    times = {c.group() for c in after}
    return after if len(after) == read.count == len(times) == len(clocks) else []
