"""A vital sign's value said after its head and referred back to with a pronoun, in the next
clause or the next sentence: "Jeg målte blodtrykket. Det var 145/90.", "Pulsen tok jeg etterpå,
den lå på 82", "Jeg telte pulsen. Den var uregelmessig. Jeg fikk 96."

A link holds only where nothing else can be meant: the head is a definite noun whose gender the
pronoun agrees with ("det" for blodtrykket, "den" for pulsen), nothing between head and value
names another vital sign or a drug or says another number, at most one sentence stands between
(and it refers back with the same pronoun), and the value is plausible for the vital sign.
``link`` reads one span so; the rules choose the spans and the grounding validator re-reads each
quote with it, so both read the relation the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diktat.structuring import cues, measurements, news2

# Definite heads and the pronoun that refers back to them.
_HEADS: dict[str, tuple[str, str]] = {
    "blood_pressure": (r"blodtrykket|trykket", "det"),
    "blood_glucose": (r"blodsukkeret|sukkeret", "det"),
    "pulse": (r"pulsen", "den"),
    "temperature": (r"temperaturen|tempen", "den"),
    "spo2": (r"\w*metningen|\w*metninga|saturasjonen", "den"),
    "respiratory_rate": (r"respirasjonsfrekvensen|pustefrekvensen", "den"),
    "weight": (r"vekten|vekta", "den"),
}
HEAD = re.compile("|".join(rf"(?<!\w)(?P<{k}>{rx})(?!\w)" for k, (rx, _) in _HEADS.items()),
                  re.IGNORECASE)
_VALUE = r"(?P<v>\d{2,3}/\d{2,3}|\d{1,3}(?:,\d{1,2})?)(?![\d,:/])"
_FILLER = r"(?:[\s,]+(?:på|rundt|ca\.?|cirka|omtrent|oppe i|nede i|høyt|høy|lavt|lav|litt|eh|" \
          r"æh|øh|fortsatt|nå|no))*"
# "det var 145/90", "den lå på 82", "den viste 38,1": the pronoun, its verb, the value.
_PRONOUN_VALUE = re.compile(
    r"(?<!\w)(?P<p>den|det)\s+(?:var|er|lå|ligger|viste|ble|blei|vart|va|e)" + _FILLER
    + r"[\s,]+" + _VALUE, re.IGNORECASE)
# "Jeg fikk 96.": a sentence that is nothing but the reading.
_READING = re.compile(r"(?<!\w)(?:jeg|eg|vi|me)\s+(?:fikk|fekk|målte|telte|leste av)\s+"
                      + _VALUE + r"(?=(?:\s?(?:slag|/min|%|°C))?\s*[.!]?\s*$)", re.IGNORECASE)
# A number with a dose's unit or a duration after it is no vital sign ("det var 2 mg").
_VITAL_END = re.compile(measurements.NOT_DURATION
                        + r"(?!\s?(?:mg|g|ml|l|IE|E|enheter|tablett\w*|mikrog)(?!\w))",
                        re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]\s+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Link:
    kind: str
    values: dict
    head: tuple[int, int]
    value: tuple[int, int]  # from the pronoun (or "jeg") to the end of the value


def head_kind(m: re.Match[str]) -> str:
    return next(k for k, v in m.groupdict().items() if v is not None)


def pronoun_values(text: str, start: int, end: int) -> list[re.Match[str]]:
    """The pronoun–value readings and reading sentences of ``text[start:end]``."""
    found = list(_PRONOUN_VALUE.finditer(text, start, end))
    reading = _READING.search(text, start, end)
    said_before = text[start:reading.start()].rstrip() if reading is not None else ""
    if reading is not None and (not said_before or said_before[-1] in ".!"):
        found.append(reading)  # a sentence of its own
    return found


def link(text: str, start: int, end: int, drugs: list[tuple[int, int]]) -> Link | None:
    """The vital value ``text[start:end]`` says by referring back to its head: the span begins
    with the head and ends with the value; None where the link is not certain."""
    head = HEAD.match(text, start)
    value = next((m for m in pronoun_values(text, start, end) if m.end() == end), None)
    if head is None or value is None or value.start() < head.end():
        return None
    kind = head_kind(head)
    pronoun = value.group("p") if "p" in value.groupdict() else None
    between = (head.end(), value.start())
    if pronoun is not None and pronoun.casefold() != _HEADS[kind][1]:
        return None
    if (news2.VITAL_LABEL.search(text, *between) or _DIGIT.search(text, *between)
            or any(between[0] <= a < between[1] for a, _ in drugs)
            or cues.NEGATION.search(text, *between)
            or not _sentences_refer_back(text, *between, _HEADS[kind][1])):
        return None
    values = plausible(kind, value.group("v"))
    if values is None or not _VITAL_END.match(text, value.end("v")):
        return None
    return Link(kind, values, head.span(), value.span())


def _sentences_refer_back(text: str, start: int, end: int, pronoun: str) -> bool:
    """At most one whole sentence between head and value, and it opens with the pronoun."""
    ends = list(_SENTENCE_END.finditer(text, start, end))
    if len(ends) > 2:
        return False
    if len(ends) == 2:
        said = text[ends[0].end():ends[1].start()].split()
        return bool(said) and said[0].casefold() == pronoun
    return True


def plausible(kind: str, said: str) -> dict | None:
    """The model values of ``said`` for ``kind``, or None where it cannot be one."""
    if kind == "blood_pressure":
        if "/" not in said:
            return None
        s, d = (int(x) for x in said.split("/"))
        return {"systolic": s, "diastolic": d} if news2.plausible_blood_pressure(s, d) else None
    if "/" in said:
        return None
    value = float(said.replace(",", "."))
    low, high = (measurements.RANGES | news2.VITAL_RANGES)[kind]
    if not low <= value <= high:
        return None
    if kind in ("pulse", "spo2", "respiratory_rate"):
        return {"value": int(value)} if value.is_integer() else None
    return {"value": value}


def sentence_links(text: str, start: int, end: int, taken: list[tuple[int, int]],
                   drugs: list[tuple[int, int]], antecedent: int | None) -> list[Link]:
    """The links whose value is said in the sentence ``text[start:end]``: to the sole head
    said before the pronoun in the sentence, else to ``antecedent`` (the head of the sentence
    before, see ``antecedent_after``). ``taken``: spans of values already read."""
    out = []
    for m in pronoun_values(text, start, end):
        if any(a <= m.start("v") < b for a, b in taken):
            continue
        head = _sole_head(text, start, m.start(), drugs)
        at = head.start() if head is not None else antecedent
        if at is not None and (found := link(text, at, m.end(), drugs)) is not None:
            out.append(found)
    return out


def antecedent_after(text: str, start: int, end: int, taken: list[tuple[int, int]],
                     drugs: list[tuple[int, int]], before: int | None) -> int | None:
    """Where the head is that the next sentence may refer back to: the sole head of this
    sentence said without a value; or the head before, when this sentence only refers back to
    it ("Den var uregelmessig.")."""
    if taken or _DIGIT.search(text, start, end):
        return None
    if (head := _sole_head(text, start, end, drugs)) is not None:
        return head.start()
    if before is None or _names_something(text, start, end, drugs):
        return None
    said = text[start:end].split()
    pronoun = _HEADS[head_kind(HEAD.match(text, before))][1]  # type: ignore[arg-type]
    return before if said and said[0].casefold() == pronoun else None


def _sole_head(text: str, start: int, end: int, drugs: list[tuple[int, int]]
               ) -> re.Match[str] | None:
    """The one vital-sign label of ``text[start:end]`` when it is a head a pronoun can refer
    back to and no drug is named there."""
    labels = list(news2.VITAL_LABEL.finditer(text, start, end))
    if len(labels) != 1 or any(start <= a < end for a, _ in drugs):
        return None
    head = HEAD.match(text, labels[0].start())
    return head if head is not None and head.end() == labels[0].end() else None


def _names_something(text: str, start: int, end: int, drugs: list[tuple[int, int]]) -> bool:
    return news2.VITAL_LABEL.search(text, start, end) is not None or any(
        start <= a < end for a, _ in drugs)
