"""Rules backend: a transcript's text → journal-note items, in milliseconds, nothing invented.

Works on ``normalize_spoken(text)`` (spoken numbers, units and clock times in written form) and
maps every span back with ``to_source_span``, so evidence quotes are verbatim transcript text.
Statement texts are the normalised wording ("Drakk 2 glass vann"); grounding accepts that.

Per sentence: a spoken heading ("Tiltak:", "Plan:", "Beskjed til lege:", "Ernæring:") sets the
section for it and the sentences after it. The sentence is cut into clauses (``clauses``);
vital signs (``vitals``) and medication administrations (``medication``) take each value from
their own clause. Every clause with a finding (an area keyword, a fall) becomes one item with
its own assertion (``assertion``: present, negated, possible, historical, someone else's,
asked); a clause without one joins the finding before it. A fall or another deviation is a
deviation only when it happened (not "ikke falt", not "Har du falt?"). Clauses and sentences
nothing claims are kept as ``unclassified``; ``coverage`` later shows whatever is still left.
Questions give no findings, doses or measurements. The cue words live in ``cues`` (vital signs:
``news2``); this is the logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diktat.structuring import anaphora, cues, late_dose, none_given, others_dose, residents
from diktat.structuring.assertion import (
    ANSWER,
    assertion_at,
    continues_list,
    goes_on_with_subject,
    is_question,
    someone_else,
    text_assertion,
)
from diktat.structuring.clauses import Clause, split_clauses
from diktat.structuring.extra_dose import with_extra_doses
from diktat.structuring.found import TRIM, Chunk, Found, file_deviation, retitled, told_again
from diktat.structuring.isbar import call_heading, call_sentence, contact, date_dot
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.medication import MedRead, read_medications
from diktat.structuring.note import (
    Area,
    Assertion,
    MedicationAdministration,
    MedicationStatus,
    Observation,
    Statement,
)
from diktat.structuring.sentence_context import abbreviated
from diktat.structuring.value_owner import not_the_patients_now
from diktat.structuring.vital_read import VitalRead
from diktat.structuring.vital_signs import VITAL_MODELS
from diktat.structuring.vitals import read_vitals

__all__ = ["Chunk", "Found", "extract", "sentences"]


# Doses said as a whole ("kveldsdosen", "morgenmedisinene"), and a sentence that names them next.
_TOLD_FALL = re.compile(r"fallet", re.IGNORECASE)  # the definite noun: a fall already told
_COLLECTIVE = re.compile(r"(?<!\w)(?:\w*dose(?:n|ne|r)?|\w*medisin(?:en|ene|ane|er)?|"
                         r"tablettene|tablettane|dosett(?:en)?)(?!\w)", re.IGNORECASE)
_NAMING = re.compile(r"\s*(?:det|dette|dei|de)\s+(?:var|er|gjelder|gjaldt|gjeld|va|e)(?!\w)",
                     re.IGNORECASE)


def sentences(text: str, chunk: Chunk | None = None) -> list[tuple[int, int]]:
    """Sentence spans: at . ! ? ; and line breaks, and the spoken "punktum" / "ny linje"."""
    spans, start = [], 0
    for m in cues.SENTENCE_END.finditer(text):
        if m.group("dot") and (abbreviated(text, m.start(), chunk and chunk.source_char)
                               or (m.group("dot") == "." and date_dot(text, m.start()))):
            continue
        if text[start : m.start()].strip(TRIM):
            spans.append((start, m.start() + (1 if m.group("dot") else 0)))
        start = m.end()
    if text[start:].strip(TRIM):
        spans.append((start, len(text)))
    return spans


def extract(chunk: Chunk, lexicon: Lexicon, found: Found) -> None:
    """Add everything the rules find in ``chunk`` to ``found``."""
    for start, end in sentences(chunk.text, chunk):
        _Sentence(chunk, lexicon, found, start, end).run()


@dataclass
class _Clause:
    """A clause of the sentence and what it says."""

    clause: Clause
    label: str | None = None  # an Area value, "deviation", or None
    assertion: Assertion = Assertion.present
    cue: int = 0  # where the evidence must start (a negation said in an earlier clause)
    has_hit: bool = False  # holds a vital sign or a dose


@dataclass
class _Item:
    label: str
    assertion: Assertion
    start: int
    end: int
    cue: int


class _Sentence:
    def __init__(self, chunk: Chunk, lexicon: Lexicon, found: Found, start: int, end: int):
        self.c, self.lex, self.f = chunk, lexicon, found
        self.start, self.end = start, end
        self.heading_here = False

    def run(self) -> None:
        self._heading()
        if self.start >= self.end:
            return
        text, f = self.c.text, self.f
        said_before, f.collective = f.collective, None
        clauses = split_clauses(text, self.start, self.end)
        question = is_question(text, self.start, self.end)
        if question:
            f.antecedent = None
        hits = [] if question else self._vitals(clauses) + self._medications(clauses,
                                                                             said_before)
        if not question and not any(a <= self.start < b or self.start <= a < self.end
                                    for a, b in hits) \
                and _COLLECTIVE.search(text, self.start, self.end) \
                and (status := cues.find_status(text, self.start, self.end)) is not None:
            clock = cues.CLOCK.search(text, self.start, self.end)
            f.collective = (self.c, status, clock)
        records = self._read_clauses(clauses, hits, question)
        labels = {r.label for r in records if r.label}
        if cues.DEVIATION_REPORTED.search(text, self.start, self.end) and (
                f.in_message or f.section == "deviation"):
            self._add(f.measures)  # a deviation report written is neither advice nor an event
        elif f.in_message:
            self._to_message()
        elif not question and not self.heading_here and f.section is None and (
                call := call_sentence(text, self.start, self.end)) is not None and (
                f.recipient in (None, call[0])):
            self._call_told(*call)
        elif f.section and (self.heading_here or not labels):
            if f.section == "deviation":
                self._told_deviation()
            else:
                self._add(getattr(f, f.section))
        else:
            f.section = None
            areas = labels - {"deviation", "reported"}
            if areas and any(a != f.area for a in areas):
                f.area = None
            if labels:
                self._findings(records)
            elif not hits and f.area:
                self._observation(_Item(f.area, text_assertion(text, self.start, self.end),
                                        self.start, self.end, self.start))
            elif not hits:
                self._section_or_unclassified(self.start, self.end)
            else:
                self._findings(records)

    # -- headings ----------------------------------------------------------------------------
    def _heading(self) -> None:
        f, text = self.f, self.c.text
        if (call := call_heading(text, self.start, self.end)) is not None:
            # "Ringte legevakten kl 14:10: ...": the call is a measure taken, and what was
            # said a message to legevakt
            self._add(f.measures, self.start, call[1])
            f.in_message, f.part, f.section, f.area = True, None, None, None
            f.part_said = False
            f.recipient = f.recipient or call[0]
            self.heading_here, self.start = True, call[1]
            return
        if (said := contact(text, self.start, self.end)) is not None:
            f.last_contact = said
        m = cues.HEADING.match(text, self.start, self.end)
        if m is None:
            return
        h = cues.HEADINGS[" ".join(m.group("h").casefold().split())]
        self.heading_here = True
        if h.part == "situation" and not f.in_message and f.last_contact:
            # "Ringte legevakta kl 2. ... Situasjon: ...": the ISBAR of that call
            h = h._replace(message="")
        if h.message:  # "Melding til fastlege": shown as said
            f.message_heading = f.message_heading or " ".join(m.group("h").split())
        if h.message is not None and not (f.in_message and h.part):
            f.in_message, f.part, f.section, f.area = True, h.part, None, None
            f.part_said = h.part is not None
            f.recipient = f.recipient or h.message or f.last_contact or None
        elif f.in_message and h.part:
            f.part, f.part_said = h.part, True
        else:
            f.in_message, f.part, f.section = False, None, h.section
            f.area = Area(h.area) if h.area else None
            if (f.area and len(cues.WORD.findall(self.c.text, m.end(), self.end)) < 2
                    or retitled(m.group("h"), h.section)):
                return  # "Smerter: ingen.", "Vurdering: ..." keep their heading as said
        self.start = m.end()

    # -- vital signs and medication ---------------------------------------------------------
    def _vitals(self, clauses: list[Clause]) -> list[tuple[int, int]]:
        text = self.c.text
        drugs = [(self.start + d.start, self.start + d.end)
                 for d in self.lex.find(text[self.start : self.end])]
        hits = []
        reads = read_vitals(text, self.start, self.end, clauses, drugs)
        for v in reads + self._links(reads, drugs):
            ev = self.c.evidence(*v.span)
            if ev is None or not_the_patients_now(text, clauses, v.start, self.start, self.end):
                continue  # "han veide syttitre for to uker siden": left to the text
            time = v.clock.group() if v.clock else None
            items = self.f.vitals[v.kind]
            # the same value said again in a message to the doctor is not a new measurement
            if not any((x.time == time or (self.f.in_message and None in (x.time, time)))
                       and x.model_dump(include=set(v.values)) == v.values for x in items):
                items.append(VITAL_MODELS[v.kind](time=time, evidence=ev, **v.values))
            hits.append(v.hit or (v.start, v.end))
            if v.clock is not None:
                hits.append(v.clock.span())
        return hits

    def _links(self, reads: list[VitalRead], drugs: list[tuple[int, int]]) -> list[VitalRead]:
        """Values said by referring back to their head ("Jeg målte blodtrykket. Det var
        145/90."), and the head the next sentence may refer back to."""
        text, f = self.c.text, self.f
        before = f.antecedent[1] if f.antecedent and f.antecedent[0] is self.c else None
        taken = [(v.start, v.end) for v in reads]
        links = anaphora.sentence_links(text, self.start, self.end, taken, drugs, before)
        after = anaphora.antecedent_after(text, self.start, self.end, taken + [
            x.value for x in links], drugs, before)
        f.antecedent = None if after is None else (self.c, after)
        return [VitalRead(x.kind, dict(x.values), x.head[0], x.value[1],
                          parts=[x.head, x.value], hit=x.value) for x in links]

    def _medications(self, clauses: list[Clause], said_before=None) -> list[tuple[int, int]]:
        hits = []
        reads = none_given.applied(with_extra_doses(read_medications(
            self.c.text, self.start, self.end, self.lex, clauses), self.c.text, self.start,
            self.end), self.c.text, self.start, self.end)
        if said_before is not None and said_before[0] is self.c and _NAMING.match(
                self.c.text, self.start):
            # "... fikk kveldsdosen kl 20. Det var Sobril 10 mg og Imovane 7,5 mg."
            _, status, clock = said_before
            for r in reads:
                if r.status is None and not r.effect_only:
                    r.status = status
                    r.clock = r.clock or clock
                    r.spans += [status[1].span()] + ([clock.span()] if clock else [])
        if not reads and (later := self._given_later()) is not None:
            hits.append(later)
        for r in reads:
            if r.effect_only:  # "Paracet ga god effekt" tells of an earlier dose
                if r.effect is not None and self._add_effect(r.drug, r.head[0], *r.effect.span()):
                    hits += r.spans
                continue
            if others_dose.someone_elses_dose(self.c.text, clauses, r.head[0]):
                continue  # "Dottera ..., så ho tok ein Paracet": not the patient's dose
            if (item := self._medication(r)) is not None:
                if told_again(item, self.f.medications):
                    continue  # "Metforminen ble gitt sammen med frokosten": that dose again
                if not any(_same_dose(item, other) for other in self.f.medications):
                    self.f.medications.append(item)
                    if item.status == "not_given" and late_dose.FORGOTTEN.search(
                            self.c.text, r.head[0], self.end):
                        self.f.forgotten = (self.c, r.head[0], len(self.f.medications) - 1)
                hits += r.spans
        return hits

    def _medication(self, r: MedRead) -> MedicationAdministration | None:
        ev = self.c.evidence(*r.span)
        if ev is None:
            return None
        dose = r.dose
        return MedicationAdministration(
            drug=r.drug, drug_as_said=r.drug_as_said,
            dose=float(dose.group("n").replace(",", ".")) if dose else None,
            unit=r.unit or (cues.unit_of(dose.group("u")) if dose and dose.group("u") else None),
            count=r.count,
            route=r.route[0] if r.route else None, time=r.clock.group() if r.clock else None,
            status=r.status[0] if r.status else None,
            reason=r.reason and self.c.statement(*r.reason),
            effect=r.effect and self.c.statement(*r.effect.span()),
            evidence=ev,
        )

    def _given_later(self) -> tuple[int, int] | None:
        """ "Metformin 500 mg ble glemt. Hun fikk den kl 11.45.": the forgotten dose was given,
        at the later time (``late_dose``); its evidence runs on to that time. Returns the span
        of this sentence that told it."""
        if self.f.forgotten is None or self.f.forgotten[0] is not self.c:
            return None
        _, head, index = self.f.forgotten
        later = late_dose.given_later(self.c.text, head, self.end)
        if later is None or not self.start <= later.time_span[0] < self.end:
            return None
        ev = self.c.evidence(head, later.time_span[1])
        if ev is None:
            return None
        self.f.forgotten = None
        med = self.f.medications[index]
        dose = {"dose": later.dose[0], "unit": later.dose[1]} if (
            later.dose and med.dose is None) else {}  # "Så hu fikk en pose kl 14"
        self.f.medications[index] = med.model_copy(update={
            "status": MedicationStatus.given, "time": later.time, "reason": None, "evidence": ev,
            **dose})
        return self.start, later.time_span[1]

    def _add_effect(self, drug: str, said: int, start: int, end: int) -> bool:
        """ "Paracet ga god effekt": the effect of the last dose of that drug, if it has none
        (its evidence reaches back to the drug named with it)."""
        meds = self.f.medications
        for i in range(len(meds) - 1, -1, -1):
            if meds[i].drug == drug and meds[i].effect is None:
                effect = self.c.statement(start, end)
                ev = self.c.evidence(said, end)
                if effect is not None and ev is not None:
                    effect = effect.model_copy(update={"evidence": ev})
                meds[i] = meds[i].model_copy(update={"effect": effect})
                return effect is not None
        return False

    # -- findings, clause by clause ------------------------------------------------------------
    def _read_clauses(self, clauses: list[Clause], hits: list[tuple[int, int]],
                      question: bool) -> list[_Clause]:
        text, out = self.c.text, []
        for cl in clauses:
            r = _Clause(cl, cue=cl.start,
                        has_hit=any(a < cl.end and b > cl.start for a, b in hits))
            if cues.DEVIATION_REPORTED.search(text, cl.start, cl.end):
                r.label = "reported"  # "avvik er skrevet": a measure taken
                out.append(r)
                continue
            # the whole sentence: "snublet i teppet, men fikk tak i kommoden" is read past the
            # clause
            not_events = [m.span() for m in cues.NOT_AN_EVENT.finditer(text, self.start, self.end)]
            told = any(d.kind == "fall" for d in self.f.deviations)
            dev = next((m for m in cues.DEVIATION.finditer(text, cl.start, cl.end)
                        if not any(a <= m.start() < b for a, b in not_events)
                        # "Fastlegen er informert om fallet": the fall told before, not a new one
                        and not (told and _TOLD_FALL.fullmatch(m.group()))), None)
            kws = sorted(
                (m.start(), m.end(), area)
                for area, rx in cues.AREA_KEYWORDS.items()
                for m in rx.finditer(text, cl.start, cl.end)
                if not any(a <= m.start() and m.end() <= b for a, b in hits)
            )
            # "Beboeren på rom 12 har falt" in rom 14's note: another resident
            other = residents.elsewhere(text, clauses, clauses.index(cl))
            if dev is not None and not question and other is None:
                a, cue = assertion_at(text, dev.start(), dev.end(), self.start, self.end, clauses)
                if a is Assertion.present:
                    r.label, r.cue = "deviation", min(cue, cl.start)
                    out.append(r)
                    continue
            if not any(k[2] != Area.social_relatives for k in kws) and not question and (
                    at := someone_else(text, clauses, clauses.index(cl))) is not None:
                # "Sønnen var innom, han har vært syk": the relative's illness, not hers
                r.label, r.assertion, r.cue = Area.social_relatives, Assertion.other_person, at
            elif kws:
                # "Datteren sier hun har vondt": the finding, not who said it or had it
                k0, k1, area = next((k for k in kws if k[2] != Area.social_relatives), kws[0])
                r.label = area
                r.assertion, cue = assertion_at(text, k0, k1, self.start, self.end, clauses)
                if other is not None and r.assertion is not Assertion.asked:
                    r.assertion, cue = Assertion.other_person, other
                r.cue = min(cue, cl.start)
            out.append(r)
        return out

    def _findings(self, records: list[_Clause]) -> None:
        items: list[_Item] = []
        lead: int | None = None  # keyword-less clauses waiting for a finding after them
        loose: list[tuple[int, int]] = []  # keyword-less runs no finding took
        is_open = False
        for r in records:
            cl = r.clause
            if r.label and cl.joint == "sub" and items and items[-1].label == "deviation" \
                    and is_open:
                items[-1].end = cl.end  # "Hun falt da hun skulle på do": how it happened
            elif r.label:
                if lead is not None and self._lead_apart(lead, r):
                    lead_end = records[records.index(r) - 1].clause.end
                    items.append(_Item(r.label, text_assertion(self.c.text, lead, lead_end),
                                       lead, lead_end, lead))
                    lead = None
                start = cl.start if lead is None else lead
                items.append(_Item(r.label, r.assertion, start, cl.end, min(r.cue, start)))
                lead, is_open = None, True
            elif r.has_hit:
                if lead is not None:
                    loose.append((lead, records[records.index(r) - 1].clause.end))
                lead, is_open = None, False
            elif is_open and items[-1].assertion is not Assertion.present and \
                    ANSWER.match(self.c.text, cl.start, cl.end) and r.clause.joint == "list":
                items[-1].end = cl.end  # "..., og det hadde han ikke": the answer
            elif is_open and (
                    (items[-1].assertion is Assertion.present
                     and text_assertion(self.c.text, cl.start, cl.end) is not Assertion.present)
                    or (items[-1].assertion is not Assertion.present
                        and not continues_list(self.c.text, cl))):
                # "Ingen smerter i ro, men ved bevegelse": what follows a negated finding is
                # said of its own (same area, its own assertion); so is a negation, a doubt or
                # a history after a finding that is there ("Har vondt i hofta, ingen synlig
                # feilstilling"; "mer væske enn sist, mulig begynnende infeksjon")
                a = text_assertion(self.c.text, cl.start, cl.end)
                a = Assertion.asked if items[-1].assertion is Assertion.asked else a
                cue = cl.start
                if items[-1].assertion is Assertion.other_person and a is Assertion.present \
                        and goes_on_with_subject(self.c.text, cl):
                    # "Mannen falt og ligger med brudd i hofta": his, back to who he is
                    a, cue = Assertion.other_person, items[-1].cue
                items.append(_Item(items[-1].label, a, cl.start, cl.end, cue))
            elif is_open:
                items[-1].end = cl.end
            elif r.clause.joint == "sub" and items and items[-1].label == "deviation" and (
                    items[-1].end == records[records.index(r) - 1].clause.end):
                items[-1].end = cl.end  # "Hun falt da hun skulle på do": how it happened
            elif lead is None:
                lead = cl.start
        if lead is not None:
            loose.append((lead, records[-1].clause.end))
        for it in items:
            if it.label == "reported":
                self._add(self.f.measures, it.start, it.end)
            elif it.label == "deviation":
                self._deviation(it.start, it.end, it.cue)
            else:
                self._observation(it)
        for a, b in loose:
            self._section_or_unclassified(a, b)

    def _lead_apart(self, lead: int, r: _Clause) -> bool:
        """The keyword-less clauses from ``lead`` keep their own assertion, apart from the
        finding of ``r`` after them: "Ho et lite og vil ikkje ha næringsdrikk" (the negation is
        the finding's own), "Ho kjenner seg ikkje svimmel, men har vondt i hovudet" (the
        negation is the clauses' own, never the pain's)."""
        text, cl = self.c.text, r.clause
        if r.assertion is Assertion.present:
            return text_assertion(text, lead, cl.start) is not Assertion.present
        return r.cue >= cl.start and not continues_list(text, Clause(lead, cl.start, "list", ""))

    def _observation(self, it: _Item) -> None:
        st = self.c.statement(it.start, it.end)
        if st is None:
            return
        cue = self.start if it.assertion is Assertion.asked else it.cue
        end = self.end if it.assertion is Assertion.asked else it.end
        ev = self.c.evidence(min(cue, it.start), max(end, it.end))
        self.f.observations.append(Observation(
            text=st.text, evidence=ev or st.evidence, area=Area(it.label),
            assertion=it.assertion, negated=it.assertion is Assertion.negated))

    def _section_or_unclassified(self, start: int, end: int) -> None:
        text = self.c.text[start:end]
        section = next((s for s, p in cues.SECTION_CUES.items() if p.search(text)), None)
        self._add(getattr(self.f, section) if section else self.f.unclassified, start, end)

    def _to_message(self) -> None:
        f, text = self.f, self.c.text[self.start : self.end]
        if not self.heading_here or f.part is None:
            cue = next((p for p, rx in cues.ISBAR_CUES.items() if rx.search(text)), None)
            # who it is about is said once; what follows it is the situation
            keep = f.part if f.part_said or f.part != "identification" else None
            f.part = cue or keep or "situation"
        self._add(f.message[f.part])

    def _call_told(self, recipient: str, call_end: int, rest: int) -> None:
        """ "Ringte legevakten og fikk råd om å observere": a message to legevakt (what was
        told or agreed) without a colon; the call is a measure taken. "Ringer legevakt nå":
        the call is the message. The sentences after it are not part of it."""
        f = self.f
        f.recipient = recipient
        if rest >= self.end:
            self._add(f.message["situation"])
            return
        self._add(f.measures, self.start, call_end)
        said = self.c.text[rest : self.end]
        part = next((p for p, rx in cues.ISBAR_CUES.items() if rx.search(said)), "situation")
        self._add(f.message[part], rest, self.end)

    def _told_deviation(self) -> None:
        """ "Avvik: Hun fikk kveldsdosen til rompartneren ved en feil. Det var Sobril og
        Imovane. Legevakt kontaktet.": one event told over several sentences; a new "Avvik:"
        heading starts another."""
        file_deviation(self.f, self.c, self.start, self.end, fresh=self.heading_here)

    def _deviation(self, start: int, end: int, cue: int | None = None) -> None:
        file_deviation(self.f, self.c, start, end, cue)

    def _add(self, target: list[Statement], start: int | None = None,
             end: int | None = None) -> None:
        st = self.c.statement(self.start if start is None else start,
                              self.end if end is None else end)
        if st is not None:
            target.append(st)


def _same_dose(a: MedicationAdministration, b: MedicationAdministration) -> bool:
    """The same administration said twice (in the note and again in a message to the doctor)."""
    keep = {"drug", "dose", "unit", "count", "route", "time", "status"}
    return a.model_dump(include=keep) == b.model_dump(include=keep)
