"""Rules backend: a transcript's text → journal-note items, in milliseconds, nothing invented.

Works on ``normalize_spoken(text)`` (spoken numbers, units and clock times in written form) and
maps every span back with ``to_source_span``, so evidence quotes are verbatim transcript text.
Statement texts are the normalised wording ("Drakk 2 glass vann"); grounding accepts that.

Per sentence: a spoken heading ("Tiltak:", "Plan:", "Beskjed til lege:", "Ernæring:") sets the
section for it and the sentences after it; vital signs and medication administrations are read
wherever they occur; the rest is assigned to an area by keyword tables (bokmål and nynorsk),
split into clauses where one sentence speaks of several areas, with negation recorded
("ingen smerter" → a pain observation with ``negated=True``). Sentences nothing claims are kept
as ``unclassified``. The cue words live in ``lexicon`` (vital signs: ``news2``); this is the
logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from diktat.structuring import cues, news2
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.normalize import normalize_spoken
from diktat.structuring.note import (
    Area,
    BloodPressure,
    Consciousness,
    Deviation,
    Evidence,
    IsbarMessage,
    MedicationAdministration,
    Observation,
    OxygenSaturation,
    Pulse,
    RespiratoryRate,
    Statement,
    Temperature,
    VitalSigns,
)

_TRIM = " \t\r\n.,;:!?-–"
_TRIM_END = " \t\r\n.,;:-–"  # a question or exclamation mark stays
_FILLER = cues.wordset(
    "og var er ble blei vart målt måling målte til kl klokka med på ved i dag morges kveld "
    "natt ca cirka rundt vitale parametere parametre målinger hun han ho pasienten pas"
)


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
    deviations: list[Deviation] = field(default_factory=list)
    unclassified: list[Statement] = field(default_factory=list)
    # Heading state carried from sentence to sentence (and chunk to chunk).
    section: str | None = None
    area: Area | None = None
    in_message: bool = False
    part: str | None = None

    def vital_signs(self) -> VitalSigns:
        return VitalSigns(**{k: tuple(v) for k, v in self.vitals.items()})

    def isbar(self) -> IsbarMessage | None:
        if not self.in_message and not any(self.message.values()):
            return None
        msg = IsbarMessage(recipient=self.recipient, **{k: tuple(v) for k, v in
                                                        self.message.items()})
        return None if msg.is_empty else msg


class Chunk:
    """A stretch of the transcript text, normalised, with the way back to the transcript."""

    def __init__(self, source: str, offset: int) -> None:
        self.source = source
        self.offset = offset
        self.norm = normalize_spoken(source)
        self.text = self.norm.text

    def trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start] in _TRIM:
            start += 1
        while end > start and self.text[end - 1] in _TRIM_END:
            end -= 1
        return start, end

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


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: at . ! ? ; and line breaks, and the spoken "punktum" / "ny linje"."""
    spans, start = [], 0
    for m in cues.SENTENCE_END.finditer(text):
        if m.group("dot") and cues.ABBREVIATION.search(text, max(0, m.start() - 8), m.start() + 1):
            continue
        if text[start : m.start()].strip(_TRIM):
            spans.append((start, m.start() + (1 if m.group("dot") else 0)))
        start = m.end()
    if text[start:].strip(_TRIM):
        spans.append((start, len(text)))
    return spans


def extract(chunk: Chunk, lexicon: Lexicon, found: Found) -> None:
    """Add everything the rules find in ``chunk`` to ``found``."""
    for start, end in sentences(chunk.text):
        _Sentence(chunk, lexicon, found, start, end).run()


_VITAL_MODELS = {
    "blood_pressure": BloodPressure, "pulse": Pulse, "temperature": Temperature,
    "spo2": OxygenSaturation, "respiratory_rate": RespiratoryRate, "consciousness": Consciousness,
}


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    label: str  # an Area value, "med" or "vital"


class _Sentence:
    def __init__(self, chunk: Chunk, lexicon: Lexicon, found: Found, start: int, end: int):
        self.c, self.lex, self.f = chunk, lexicon, found
        self.start, self.end = start, end
        self.heading_here = False

    def run(self) -> None:
        self._heading()
        if self.start >= self.end:
            return
        hits = self._vitals() + self._medications()
        areas = self._area_hits()
        f = self.f
        deviation = cues.DEVIATION.search(self.c.text, self.start, self.end) is not None
        if f.in_message:
            self._to_message()
        elif f.section and (self.heading_here or not (areas or deviation)):
            if f.section == "deviation":
                self._deviation()
            else:
                self._add(getattr(f, f.section))
        elif deviation:
            self._deviation()
        else:
            f.section = None
            if areas and any(h.label != f.area for h in areas):
                f.area = None
            elif f.area and not areas:
                areas = [_Hit(self.start, self.start, f.area)]
            # An area word inside a vital sign or a dose ("på 2 l oksygen") is part of it.
            areas = [a for a in areas if not any(h.start <= a.start and a.end <= h.end
                                                 for h in hits)]
            if hits or areas:
                self._parts(sorted(hits + areas, key=lambda h: (h.start, h.end)))
            elif (section := self._section_cue()) is not None:
                self._add(getattr(f, section))
            else:
                self._add(f.unclassified)

    # -- headings ----------------------------------------------------------------------------
    def _heading(self) -> None:
        m = cues.HEADING.match(self.c.text, self.start, self.end)
        if m is None:
            return
        h = cues.HEADINGS[" ".join(m.group("h").casefold().split())]
        f = self.f
        self.heading_here = True
        if h.message is not None and not (f.in_message and h.part):
            f.in_message, f.part, f.section, f.area = True, h.part, None, None
            f.recipient = f.recipient or h.message or None
        elif f.in_message and h.part:
            f.part = h.part
        else:
            f.in_message, f.part, f.section = False, None, h.section
            f.area = Area(h.area) if h.area else None
            if f.area and len(cues.WORD.findall(self.c.text, m.end(), self.end)) < 2:
                return  # "Smerter: ingen." keeps its heading as part of the statement
        self.start = m.end()

    # -- vital signs --------------------------------------------------------------------------
    def _vitals(self) -> list[_Hit]:
        text, hits = self.c.text, []
        clocks = list(cues.CLOCK.finditer(text, self.start, self.end))

        def clock_at(pos: int) -> re.Match[str] | None:
            """The last time said before ``pos`` in the sentence, else the first after it."""
            before = [c for c in clocks if c.start() < pos]
            return (before[-1] if before else clocks[0]) if clocks else None

        for kind, pattern in news2.VITAL_PATTERNS.items():
            for m in pattern.finditer(text, self.start, self.end):
                gap = m.group("gap") or ""
                if news2.VITAL_LABEL.search(gap) or cues.NEGATION.search(gap):
                    continue
                end, extra = m.end(), {}
                if kind == "blood_pressure":
                    extra = {"systolic": int(m.group("v")), "diastolic": int(m.group("d"))}
                    if not news2.plausible_blood_pressure(**extra):
                        continue
                else:
                    value = float(m.group("v").replace(",", "."))
                    low, high = news2.VITAL_RANGES[kind]
                    if not low <= value <= high or (kind != "temperature"
                                                    and not value.is_integer()):
                        continue
                    extra = {"value": value if kind == "temperature" else int(value)}
                if kind == "spo2":
                    on, flow, end = self._oxygen(end)
                    extra |= {"on_oxygen": on, "oxygen_l_min": flow}
                if self._add_vital(kind, m.start(), end, clock_at(m.start()), extra):
                    hits.append(_Hit(m.start(), end, "vital"))
        for level, pattern in news2.ACVPU_CUES.items():
            for m in pattern.finditer(text, self.start, self.end):
                if self._add_vital("consciousness", m.start(), m.end(), clock_at(m.start()),
                                   {"level": level}):
                    hits.append(_Hit(m.start(), m.end(), "vital"))
        return hits

    def _add_vital(self, kind: str, start: int, end: int, clock: re.Match[str] | None,
                   values: dict) -> bool:
        """Record a measurement; its evidence reaches the time said with it."""
        time = clock.group() if clock else None
        span = (min(start, clock.start()), max(end, clock.end())) if clock else (start, end)
        ev = self.c.evidence(*span)
        if ev is None:
            return False
        items = self.f.vitals[kind]
        if not any(v.time == time and v.model_dump(include=set(values)) == values for v in items):
            items.append(_VITAL_MODELS[kind](time=time, evidence=ev, **values))
        return True

    def _oxygen(self, pos: int) -> tuple[bool | None, float | None, int]:
        """Oxygen said after an SpO2 value, up to the next vital sign in the sentence."""
        text = self.c.text
        nxt = news2.VITAL_LABEL.search(text, pos, self.end)
        stop = nxt.start() if nxt else self.end
        if (m := news2.OXYGEN_FLOW.search(text, pos, stop)) is not None:
            flow = float((m.group("a") or m.group("b")).replace(",", "."))
            return True, flow if 0 < flow <= 60 else None, m.end()
        if (m := news2.ON_AIR.search(text, pos, stop)) is not None:
            return False, None, m.end()
        if (m := news2.ON_OXYGEN.search(text, pos, stop)) is not None:
            return True, None, m.end()
        return None, None, pos

    # -- medication ---------------------------------------------------------------------------
    def _medications(self) -> list[_Hit]:
        text, start, end = self.c.text, self.start, self.end
        drugs = [(start + d.start, start + d.end, d) for d in self.lex.find(text[start:end])]
        in_sentence = cues.find_status(text, start, end)
        hits = []
        for i, (d0, d1, drug) in enumerate(drugs):
            w0 = drugs[i - 1][1] if i else start
            w1 = drugs[i + 1][0] if i + 1 < len(drugs) else end
            status = cues.find_status(text, w0, w1)
            dose = _nearest(cues.DOSE, text, w0, w1, d0, d1)
            if dose and float(dose.group("n").replace(",", ".")) <= 0:
                dose = None
            route = cues.find_route(text, w0, w1)
            clock = cues.CLOCK.search(text, w0, w1)
            effect = cues.EFFECT.search(text, w0, w1)
            reason = cues.REASON.search(text, w0, w1)
            if effect and status is None and self._add_effect(drug.name, *effect.span()):
                hits.append(_Hit(d0, effect.end(), "med"))
                continue
            if status is None and (cues.NOT_ADMINISTERED.search(text, w0, w1)
                                   or not (dose or effect or (route and clock))):
                continue  # a mention ("står på Eliquis"), a plan or an order: not a dose given
            if status is None and in_sentence is not None:
                status = in_sentence  # "fikk Paracet og Movicol": the verb serves both
            said = [(d0, d1)] + [m.span() for m in (dose, clock, effect, reason) if m] + [
                x[1].span() for x in (status, route) if x]
            a, b = min(x for x, _ in said), max(y for _, y in said)
            ev = self.c.evidence(a, b)
            if ev is None:
                continue
            item = MedicationAdministration(
                drug=drug.name, drug_as_said=drug.text,
                dose=float(dose.group("n").replace(",", ".")) if dose else None,
                unit=cues.unit_of(dose.group("u")) if dose else None,
                route=route[0] if route else None, time=clock.group() if clock else None,
                status=status[0] if status else None,
                reason=reason and self.c.statement(*reason.span("r")),
                effect=effect and self.c.statement(*effect.span()),
                evidence=ev,
            )
            if not any(_same_dose(item, other) for other in self.f.medications):
                self.f.medications.append(item)
            hits.append(_Hit(a, b, "med"))
        return hits

    def _add_effect(self, drug: str, start: int, end: int) -> bool:
        """ "Paracet ga god effekt": the effect of the last dose of that drug, if it has none."""
        meds = self.f.medications
        for i in range(len(meds) - 1, -1, -1):
            if meds[i].drug == drug and meds[i].effect is None:
                effect = self.c.statement(start, end)
                meds[i] = meds[i].model_copy(update={"effect": effect})
                return effect is not None
        return False

    # -- areas, sections, message ---------------------------------------------------------------
    def _area_hits(self) -> list[_Hit]:
        return [
            _Hit(m.start(), m.end(), area)
            for area, pattern in cues.AREA_KEYWORDS.items()
            for m in pattern.finditer(self.c.text, self.start, self.end)
        ]

    def _consumed(self, hits: list[_Hit]) -> bool:
        """Only vital signs / doses here: nothing left to say as an observation."""
        text = list(self.c.text[self.start : self.end])
        for h in hits:
            text[h.start - self.start : h.end - self.start] = " " * (h.end - h.start)
        words = [w for w in cues.WORD.findall("".join(text)) if w.casefold() not in _FILLER]
        return bool(hits) and len(words) <= 2

    def _parts(self, hits: list[_Hit]) -> None:
        """Split at ", ", " og ", " men " between hits of different kinds; one item per part."""
        groups: list[list[_Hit]] = [[hits[0]]]
        for h in hits[1:]:
            prev = groups[-1]
            if h.label == prev[-1].label or h.start < prev[-1].end:
                prev.append(h)
                continue
            cut = None
            for m in cues.CLAUSE_SEP.finditer(self.c.text, prev[-1].end, h.start):
                cut = m
            if cut is None or (h.label not in ("med", "vital") and self._one_word(cut.end())):
                prev.append(h)  # "Ingen smerter og kvalme": one clause, one negation
            else:
                groups.append([h])
        spans, lead = [], self.start
        for g in groups[1:]:
            sep = None
            for m in cues.CLAUSE_SEP.finditer(self.c.text, lead, g[0].start):
                sep = m
            spans.append((lead, sep.start() if sep else g[0].start))
            lead = sep.end() if sep else g[0].start
        spans.append((lead, self.end))
        for g, (a, b) in zip(groups, spans, strict=True):
            labels = [h.label for h in g]
            if "med" in labels:
                continue
            area = next((h.label for h in g if h.label not in ("med", "vital")), None)
            if area is not None:
                self._observation(a, b, Area(area))
            elif not self._consumed(g) and (section := self._section_cue(a, b)):
                self._add(getattr(self.f, section), a, b)

    def _one_word(self, pos: int) -> bool:
        """Only one word from ``pos`` to the next clause or the end of the sentence."""
        nxt = cues.CLAUSE_SEP.search(self.c.text, pos, self.end)
        return len(cues.WORD.findall(self.c.text, pos, nxt.start() if nxt else self.end)) <= 1

    def _observation(self, start: int, end: int, area: Area) -> None:
        """One observation per run of clauses that are all negated or all not."""
        text, keywords = self.c.text, cues.AREA_KEYWORDS[area]
        pieces: list[list[int]] = []  # clauses with a keyword, keyword-less ones joined on
        lead = first = start
        for m in [*cues.CLAUSE_SEP.finditer(text, start, end), None]:
            stop = m.start() if m else end
            if keywords.search(text, lead, stop) and len(cues.WORD.findall(text, lead, stop)) > 1:
                pieces.append([first if not pieces else lead, stop])
            elif pieces:
                pieces[-1][1] = stop
            lead = m.end() if m else end
        if not pieces:
            pieces = [[start, end]]
        else:
            pieces[-1][1] = end
        runs: list[tuple[int, int, bool]] = []
        for a, b in pieces:
            negated = cues.is_negated(text[a:b], keywords)
            if runs and runs[-1][2] == negated:
                runs[-1] = (runs[-1][0], b, negated)
            else:
                runs.append((a, b, negated))
        for a, b, negated in runs:
            st = self.c.statement(a, b)
            if st is not None:
                self.f.observations.append(
                    Observation(**st.model_dump(), area=area, negated=negated))

    def _section_cue(self, start: int | None = None, end: int | None = None) -> str | None:
        text = self.c.text[start or self.start : end or self.end]
        return next((s for s, p in cues.SECTION_CUES.items() if p.search(text)), None)

    def _to_message(self) -> None:
        f, text = self.f, self.c.text[self.start : self.end]
        if not self.heading_here or f.part is None:
            cue = next((p for p, rx in cues.ISBAR_CUES.items() if rx.search(text)), None)
            f.part = cue or f.part or "situation"
        self._add(f.message[f.part])

    def _deviation(self) -> None:
        st = self.c.statement(self.start, self.end)
        if st is not None:
            self.f.deviations.append(Deviation(**st.model_dump(), kind=cues.deviation_kind(
                self.c.text[self.start : self.end])))

    def _add(self, target: list[Statement], start: int | None = None,
             end: int | None = None) -> None:
        st = self.c.statement(self.start if start is None else start,
                              self.end if end is None else end)
        if st is not None:
            target.append(st)


def _same_dose(a: MedicationAdministration, b: MedicationAdministration) -> bool:
    """The same administration said twice (in the note and again in a message to the doctor)."""
    keep = {"drug", "dose", "unit", "route", "time", "status"}
    return a.model_dump(include=keep) == b.model_dump(include=keep)


def _nearest(pattern: re.Pattern[str], text: str, start: int, end: int, d0: int, d1: int
             ) -> re.Match[str] | None:
    """The match of ``pattern`` in ``text[start:end]`` closest to ``text[d0:d1]`` (after it wins
    a tie: "Paracet 1 g" rather than "1 g og Movicol")."""
    best = None
    for m in pattern.finditer(text, start, end):
        dist = m.start() - d1 if m.start() >= d1 else d0 - m.end() + 0.5
        if best is None or dist < best[0]:
            best = (dist, m)
    return best[1] if best else None
