"""What the rules backend gathers from one transcript (``Found``), the normalised stretch of
text it reads (``Chunk``), and how a deviation told over several clauses or sentences is filed
once (``file_deviation``). The reading itself is in ``rules``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from diktat.norsk.normalize import normalize_spoken
from diktat.structuring import cues, news2
from diktat.structuring.note import (
    Area,
    Deviation,
    Evidence,
    IsbarMessage,
    MedicationAdministration,
    Observation,
    Statement,
    VitalSigns,
)

TRIM = " \t\r\n.,;:!?-–"
TRIM_END = " \t\r\n.,;:-–"  # a question or exclamation mark stays
_SEPARATOR_ONLY = re.compile(r"[\s.,;:!?–-]*(?:(?:og|men|så)\s+)?")


@dataclass
class Found:
    """What the rules found in one transcript, in order (chunks append to the same instance)."""

    situation: list[Statement] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    vitals: dict[str, list] = field(default_factory=lambda: {k: [] for k in news2.VITAL_KINDS})
    medications: list[MedicationAdministration] = field(default_factory=list)
    measures: list[Statement] = field(default_factory=list)
    evaluation: list[Statement] = field(default_factory=list)
    plan: list[Statement] = field(default_factory=list)
    message: dict[str, list[Statement]] = field(
        default_factory=lambda: {p: [] for p in IsbarMessage.PARTS}
    )
    recipient: str | None = None
    message_heading: str | None = None  # as said: "Melding til fastlege"
    deviations: list[Deviation] = field(default_factory=list)
    unclassified: list[Statement] = field(default_factory=list)
    # Heading state carried from sentence to sentence (and chunk to chunk).
    section: str | None = None
    area: Area | None = None
    in_message: bool = False
    part: str | None = None
    last_contact: str | None = None  # the doctor or service said to be called last
    part_said: bool = False  # the message names its ISBAR parts ("Situasjon: ...")
    # "Ingeborg fikk kveldsdosen kl 20.": the status and time of doses the next sentence names
    collective: tuple[Chunk, tuple[str, re.Match[str]], re.Match[str] | None] | None = None
    # where the vital-sign head is that a pronoun in the next sentence may refer back to
    antecedent: tuple[Chunk, int] | None = None
    # the last deviation's chunk and span: an event told on right after it is the same event
    last_deviation: tuple[Chunk, int, int] | None = None
    # a dose said to be forgotten (its chunk, where its drug starts, its place in
    # ``medications``): the next two sentences may give it later ("Hun fikk den kl 11.45")
    forgotten: tuple[Chunk, int, int] | None = None

    def vital_signs(self) -> VitalSigns:
        return VitalSigns(**{k: tuple(v) for k, v in self.vitals.items()})

    def isbar(self) -> IsbarMessage | None:
        if not self.in_message and not any(self.message.values()):
            return None
        msg = IsbarMessage(recipient=self.recipient, heading=self.message_heading,
                           **{k: tuple(v) for k, v in self.message.items()})
        return None if msg.is_empty else msg


class Chunk:
    """A stretch of the transcript text, normalised, with the way back to the transcript."""

    def __init__(self, source: str, offset: int) -> None:
        self.source = source
        self.offset = offset
        self.norm = normalize_spoken(source, four_digit=True)
        self.text = self.norm.text

    def trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start] in TRIM:
            start += 1
        while end > start and self.text[end - 1] in TRIM_END:
            end -= 1
        return start, end

    def source_char(self, at: int) -> str:
        """The transcript's character where the normalised text's ``at`` comes from."""
        return self.source[self.norm.to_source_span(at, at + 1)[0]]

    def evidence(self, start: int, end: int) -> Evidence | None:
        start, end = self.trim(start, end)
        if start >= end:
            return None
        a, b = self.norm.to_source_span(start, end)
        return Evidence(start=self.offset + a, end=self.offset + b, quote=self.source[a:b])

    def statement(self, start: int, end: int) -> Statement | None:
        ev = self.evidence(start, end)
        if ev is None:
            return None
        s, e = self.trim(start, end)
        return Statement(text=self.text[s:e], evidence=ev)


def file_deviation(f: Found, c: Chunk, start: int, end: int, cue: int | None = None,
                   fresh: bool = False) -> None:
    """A deviation; told on right after the last one (nothing but a separator between),
    of its kind or of no kind, it is that event told further ("besøket ble ikke
    gjennomført, det sto ikke på lista"): one event is never filed twice. ``fresh``: a new
    "Avvik:" heading starts another."""
    text = c.text
    first = min(start, cue if cue is not None else start)
    kind = cues.deviation_kind(text[start:end])
    last = f.last_deviation
    if not fresh and last is not None and last[0] is c and f.deviations:
        before = f.deviations[-1].kind
        adjacent = _SEPARATOR_ONLY.fullmatch(text, last[2], first) is not None
        compatible = kind == before or "other" in (kind, before)
        told_on = f.section == "deviation"  # under its "Avvik:" heading
        if told_on or (adjacent and compatible):
            prev = f.deviations.pop()
            first = start = last[1]
            merged = cues.deviation_kind(text[start:end])
            kind = prev.kind if merged == "other" else merged
    st = c.statement(start, end)
    if st is not None:
        ev = c.evidence(first, end)
        f.deviations.append(Deviation(text=st.text, evidence=ev or st.evidence, kind=kind))
        f.last_deviation = (c, first, end)


def told_again(item: MedicationAdministration, earlier: list[MedicationAdministration]) -> bool:
    """The drug named again in its definite form ("Metforminen ble gitt sammen med frokosten"),
    with no dose or time of its own, after a dose of it with that status: the same dose."""
    said, name = item.drug_as_said.casefold(), item.drug.casefold()
    definite = said != name and said.startswith(name) and said[len(name):] in ("en", "a", "et")
    return (definite and item.dose is None and item.time is None and item.status is not None
            and any(e.drug == item.drug and e.status == item.status for e in earlier))


# The titles the note shows a spoken heading's section under (render.py).
_TITLES = {"measures": "tiltak", "evaluation": "evaluering", "plan": "plan",
           "situation": "situasjon", "deviation": "avvik"}


def retitled(heading: str, section: str | None) -> bool:
    """A spoken heading the note files under another title ("Vurdering:" under "Evaluering",
    "Utførte tiltak:" under "Tiltak"): the statement keeps it, so no word said is lost."""
    title = _TITLES.get(section or "")
    return title is not None and not set(heading.casefold().split()) <= {title}
