"""The grounding validator: every value of a note must be supported by its evidence.

An item whose evidence is not the transcript text at its span (after normalisation: case,
whitespace, punctuation and spoken numbers) is removed. Within a good span, each value is checked
against what the span says, read the way the rules read it (``normalize_spoken`` + the cue words
in ``lexicon`` and ``news2``): numbers must be among the span's numbers (clock times apart), a
vital sign's label must be there, a drug name must be said there and mean that drug, a route, a
status, an ACVPU level or "on oxygen" needs its cue words, a statement's text must be a stretch of
its evidence, and a negation must neither be invented nor lost. A failing required value removes
its item; a failing optional one (a dose, a time, a route, ...) is cleared. Everything removed is
listed in ``JournalNote.dropped`` with the reason, so nothing is lost silently.

``locate(quote, text)`` finds the span of a quote, for backends that cite text but not offsets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from diktat.norsk.normalize import (
    normalize_spoken,
    speaks_of_afternoon,
    speaks_of_early,
    speaks_of_evening,
    speaks_of_night,
)
from diktat.structuring import anaphora, cues, late_dose, news2, none_given, residents
from diktat.structuring.assertion import finding_assertion
from diktat.structuring.clauses import Relations, split_clauses
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.measurements import DEVICE_PATTERNS
from diktat.structuring.note import (
    Assertion,
    DroppedValue,
    Evidence,
    IsbarMessage,
    JournalNote,
    MedicationAdministration,
    Observation,
    Statement,
    UncertainWord,
    VitalSigns,
)
from diktat.structuring.persons import patient_pronoun
from diktat.structuring.sentence_context import as_said, sentence_start
from diktat.structuring.value_first import values_before_label
from diktat.structuring.vital_signs import OxygenSaturation, OxygenTherapy, PainScore
from diktat.types import Transcript

__all__ = ["canonical_tokens", "ground", "locate"]

_TOKEN = re.compile(r"\d+(?:[.,:/]\d+)*|[^\W\d_]+|%|°C?")
_NUMBER = re.compile(r"\d+(?:,\d+)?")


@lru_cache(maxsize=8192)
def canonical_tokens(text: str, evening: bool | None = None, afternoon: bool | None = None,
                     night: bool | None = None, early: bool | None = None) -> tuple[str, ...]:
    """Words and numbers of ``text`` after spoken-number normalisation, lower case
    (``evening``, ``afternoon``, ``night`` and ``early`` as in ``normalize_spoken``)."""
    norm = normalize_spoken(text, evening=evening, four_digit=True, afternoon=afternoon,
                            night=night, early=early)
    return tuple(_TOKEN.findall(norm.text.casefold()))


@lru_cache(maxsize=8192)
def _normalised(text: str, evening: bool = False, afternoon: bool = False,
                night: bool = False, early: bool = False) -> str:
    """``text`` normalised; ``evening``/``afternoon``/``night``/``early``: its transcript
    speaks of the evening only, is said in the daytime or the night, or names the morning or
    the night, so a quote reads "klokka fem" as the rules read it in the whole transcript."""
    return normalize_spoken(text, evening=evening, four_digit=True, afternoon=afternoon,
                            night=night, early=early).text


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return n > 0 and any(tuple(haystack[i : i + n]) == tuple(needle)
                         for i in range(len(haystack) - n + 1))


def numbers_in(text: str) -> set[float]:
    """The numbers said in ``text`` (normalised; clock times are not numbers)."""
    norm = cues.CLOCK.sub(" ", _normalised(text))
    return {float(m.group().replace(",", ".")) for m in _NUMBER.finditer(norm)}


def times_in(text: str, evening: bool = False, afternoon: bool = False,
             night: bool = False, early: bool = False) -> set[str]:
    return {f"{int(t.split(':')[0]):02d}:{t.split(':')[1]}"
            for t in cues.CLOCK.findall(_normalised(text, evening, afternoon, night, early))}


def locate(quote: str, text: str, start: int = 0) -> Evidence | None:
    """The first span of ``text`` from ``start`` whose words equal ``quote``'s, as Evidence
    ("Puls 72" finds "puls sytti to")."""
    i = text.find(quote, start)
    if i >= 0:
        return Evidence(start=i, end=i + len(quote), quote=quote)
    target = canonical_tokens(quote)
    if not target:
        return None
    words = list(re.finditer(r"\S+", text[start:]))
    ends = [start + m.start() + len(m.group().rstrip(".,;:!?")) for m in words]
    max_words = 6 * len(target) + 4
    for k, m in enumerate(words):
        a = start + m.start()
        if target[0].isalpha() and not m.group().casefold().startswith(target[0][:1]):
            continue
        for b in ends[k : k + max_words]:
            if b > a and canonical_tokens(text[a:b]) == target:
                return Evidence(start=a, end=b, quote=text[a:b])
    return None


class _Grounder:
    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.text = text
        self.lexicon = lexicon
        self.dropped: list[DroppedValue] = []
        self.evening = speaks_of_evening(text)
        self.afternoon = speaks_of_afternoon(text)
        self.night = speaks_of_night(text)
        self.early = speaks_of_early(text)

    def normalised(self, quote: str) -> str:
        return _normalised(quote, self.evening, self.afternoon, self.night, self.early)

    def times_in(self, quote: str) -> set[str]:
        return times_in(quote, self.evening, self.afternoon, self.night, self.early)

    def drop(self, path: str, value: Any, reason: str) -> None:
        if isinstance(value, BaseModel):
            shown = value.model_dump_json()
        else:
            shown = json.dumps(value, ensure_ascii=False, default=str)
        self.dropped.append(DroppedValue(field=path, value=shown, reason=reason))

    # -- evidence and statements ----------------------------------------------------------------
    def evidence(self, ev: Evidence) -> tuple[Evidence | None, str]:
        if not 0 <= ev.start < ev.end <= len(self.text):
            return None, f"evidence span {ev.start}:{ev.end} is outside the transcript"
        said = self.text[ev.start : ev.end]
        if said == ev.quote:
            return ev, ""
        if canonical_tokens(said) == canonical_tokens(ev.quote):
            return ev.model_copy(update={"quote": said}), ""
        return None, "the quote is not the transcript text at its span"

    def item(self, item, path: str, check: Callable | None = None):
        """``item`` with its evidence verified (and repaired), then ``check``ed; or None."""
        ev, reason = self.evidence(item.evidence)
        if ev is None:
            self.drop(path, item, reason)
            return None
        item = item.model_copy(update={"evidence": ev})
        said = canonical_tokens(item.text, self.evening, self.afternoon, self.night, self.early) \
            if isinstance(item, Statement) else ()
        if isinstance(item, Statement) and not any(
                _contains(quote, said) for quote in self.quote_tokens(ev)):
            self.drop(path, item, "the text is not what the evidence says")
            return None
        return check(item, path) if check else item

    def items(self, items: Sequence, path: str, check: Callable | None = None) -> tuple:
        out = (self.item(x, f"{path}[{i}]", check) for i, x in enumerate(items))
        return tuple(x for x in out if x is not None)

    def optional(self, st: Statement | None, path: str) -> Statement | None:
        return None if st is None else self.item(st, path)

    def observation(self, obs: Observation, path: str) -> Observation | None:
        """The assertion (present, negated, possible, ...) must be what the evidence says about
        the finding: a negation can be neither invented nor lost."""
        keywords = cues.AREA_KEYWORDS[obs.area]
        text, quote = self.normalised(obs.text), self.normalised(obs.evidence.quote)
        patient = None
        if obs.assertion is Assertion.other_person and obs.evidence.end <= len(self.text):
            # the quote alone does not say whom "han" is: the rest of the dictation does
            s0 = max(self.text.rfind(c, 0, obs.evidence.start) for c in ".!?\n") + 1
            ends = [i for c in ".!?\n" if (i := self.text.find(c, obs.evidence.end)) >= 0]
            patient = patient_pronoun(self.text, s0, min(ends, default=len(self.text)))
        said = finding_assertion(text, quote, keywords, patient)
        if said == obs.assertion:
            return obs
        if obs.assertion is Assertion.other_person and obs.evidence.end <= len(self.text) \
                and residents.elsewhere_at(self.text, obs.evidence.start):
            return obs  # "Beboeren på rom 12 har falt" in another room's note
        if obs.negated:
            reason = "negated, but the text says no negation"
        elif finding_assertion(text, text, keywords) is Assertion.negated:
            reason = "the text is negated, but the observation is not"
        elif said is Assertion.negated:
            reason = "the evidence negates what the text states"
        else:
            reason = f"the evidence says '{said}', not '{obs.assertion}'"
        self.drop(path, obs, reason)
        return None

    # -- vital signs ----------------------------------------------------------------------------
    def vitals(self, vs: VitalSigns) -> VitalSigns:
        out = {}
        for kind in news2.VITAL_KINDS:
            out[kind] = self.items(getattr(vs, kind), f"vital_signs.{kind}",
                                   lambda v, p, kind=kind: self.vital(kind, v, p))
        return VitalSigns(**out)

    def vital(self, kind: str, v, path: str):
        quote = v.evidence.quote
        if kind == "consciousness":
            if not news2.ACVPU_CUES[v.level].search(self.normalised(quote)):
                self.drop(path, v, f"the evidence does not say ACVPU {v.level}")
                return None
        elif kind == "oxygen":
            return self.oxygen_given(v, path)
        else:
            if not news2.LABEL_PATTERNS[kind].search(self.normalised(quote)):
                self.drop(path, v, f"the evidence does not name the {kind.replace('_', ' ')}")
                return None
            said = numbers_in(quote)
            values = (v.systolic, v.diastolic) if kind == "blood_pressure" else (abs(v.value),)
            if not all(float(x) in said for x in values):
                self.drop(path, v, "the value is not in the evidence")
                return None
            rel = _Relations(self.normalised(quote), self.lexicon)
            mine = rel.heads_matching(news2.LABEL_PATTERNS[kind])
            if not any(all(rel.owned(_number_at(rel.text, x), k, "dose") for x in values)
                       for k in mine) and not self.linked(kind, v, rel) \
                    and not self.before_label(kind, v, rel.text):
                self.drop(path, v, "the value is said in another clause than its label")
                return None
            if v.time is not None and not any(
                    rel.owned(_time_at(rel.text, v.time), k, "shared") for k in mine):
                self.drop(f"{path}.time", v.time, "the time belongs to another clause")
                v = v.model_copy(update={"time": None})
        v = self.clear_time(v, path)
        if isinstance(v, PainScore) and v.scale is not None and not re.search(
                rf"(?<!\w){v.scale}(?!\w)", quote, re.IGNORECASE):
            self.drop(f"{path}.scale", v.scale, "the scale is not in the evidence")
            v = v.model_copy(update={"scale": None})
        return self.oxygen(v, path) if isinstance(v, OxygenSaturation) else v

    @staticmethod
    def before_label(kind: str, v, quote: str) -> bool:
        """The quote is the value said right before its label ("126/74 i blodtrykk", "88 i
        metning"), read as the rules read it."""
        if kind != "blood_pressure":
            return any(r.kind == kind and r.values["value"] == v.value
                       for r in values_before_label(quote, 0, len(quote), []))
        m = news2.PRESSURE_BEFORE_LABEL.fullmatch(quote.rstrip(" .,;:!?"))
        return m is not None and (int(m.group("v")), int(m.group("d"))) == (v.systolic,
                                                                          v.diastolic)

    def linked(self, kind: str, v, rel: _Relations) -> bool:
        """The quote is the value said by referring back to its head ("blodtrykket. Det var
        145/90"), read as the rules read it."""
        said = anaphora.link(rel.text, 0, len(rel.text.rstrip(" .,;:!?")), rel.drugs)
        return said is not None and said.kind == kind and all(
            v.model_dump().get(name) == value for name, value in said.values.items())

    def flow_and_device(self, v, path: str, flow: str, device: str):
        """``v`` without the oxygen flow (field ``flow``) or device (``device``) its evidence
        does not say."""
        if getattr(v, flow) is not None and getattr(v, flow) not in numbers_in(v.evidence.quote):
            self.drop(f"{path}.{flow}", getattr(v, flow), "the flow is not in the evidence")
            v = v.model_copy(update={flow: None})
        said = getattr(v, device)
        if said is not None and not DEVICE_PATTERNS[said].search(
                self.normalised(v.evidence.quote)):
            self.drop(f"{path}.{device}", said, "the evidence does not say so")
            v = v.model_copy(update={device: None})
        return v

    def oxygen(self, v: OxygenSaturation, path: str) -> OxygenSaturation:
        norm = self.normalised(v.evidence.quote)
        v = self.flow_and_device(v, path, "oxygen_l_min", "oxygen_device")
        cue = {True: (news2.OXYGEN_FLOW, news2.ON_OXYGEN, news2.OXYGEN_DEVICE,
                      news2.FLOW_CHANGED),
               False: (news2.ON_AIR,), None: ()}
        if v.on_oxygen is not None and not any(rx.search(norm) for rx in cue[v.on_oxygen]):
            self.drop(f"{path}.on_oxygen", v.on_oxygen, "the evidence does not say so")
            v = v.model_copy(update={"on_oxygen": None, "oxygen_l_min": None})
        return v

    def oxygen_given(self, v: OxygenTherapy, path: str) -> OxygenTherapy | None:
        norm = self.normalised(v.evidence.quote)
        per_minute = (m := news2.FLOW_CHANGED.search(norm)) is not None and m.group("min")
        if not (news2.LABEL_PATTERNS["oxygen"].search(norm) or per_minute or DEVICE_PATTERNS.get(
                v.device or "", re.compile(r"(?!)")).search(norm)):
            self.drop(path, v, "the evidence does not name oxygen")
            return None
        v = self.flow_and_device(v, path, "l_min", "device")
        if v.l_min is None and v.device is None:
            self.drop(path, v, "neither a flow nor a device is in the evidence")
            return None
        return self.clear_time(v, path)

    def times_said(self, ev: Evidence) -> set[str]:
        """The times said in the quote, as its sentence reads them up to it ("klokka 19.20, og
        Afipran 10 mg klokka halv åtte": 19:30) or on its own."""
        start = sentence_start(self.text, ev.start)
        return self.times_in(ev.quote) | (self.times_in(self.text[start:ev.end])
                                          - self.times_in(self.text[start:ev.start]))

    def quote_tokens(self, ev: Evidence) -> list[tuple[str, ...]]:
        """The quote's words as normalised on their own and as its sentence reads them."""
        flags = (self.evening, self.afternoon, self.night, self.early)
        alone = canonical_tokens(ev.quote, *flags)
        start = sentence_start(self.text, ev.start)
        before = canonical_tokens(self.text[start:ev.start], *flags)
        whole = canonical_tokens(self.text[start:ev.end], *flags)
        return [alone, whole[len(before):]] if whole[:len(before)] == before else [alone]

    def clear_time(self, item, path: str):
        if item.time is not None and item.time not in self.times_said(item.evidence):
            self.drop(f"{path}.time", item.time, "the time is not in the evidence")
            item = item.model_copy(update={"time": None})
        return item

    # -- medication -----------------------------------------------------------------------------
    def medication(self, m: MedicationAdministration, path: str):
        quote = m.evidence.quote
        if not _contains(canonical_tokens(quote), canonical_tokens(m.drug_as_said)):
            self.drop(path, m, "the drug name is not in the evidence")
            return None
        match = self.lexicon.match(m.drug_as_said)
        same = canonical_tokens(m.drug) == canonical_tokens(m.drug_as_said)
        if not same and (match is None or match.name != m.drug):
            self.drop(path, m, f"'{m.drug_as_said}' is not the drug {m.drug}")
            return None
        updates: dict[str, Any] = {}
        rel = _Relations(self.normalised(quote), self.lexicon, doses=True)
        mine = rel.drug_heads(m.drug_as_said)

        def owned(positions: list[int], kind: str) -> bool:
            return any(rel.owned(positions, k, kind) for k in mine)

        later = late_dose.given_later(rel.text)  # "... ble glemt. Hun fikk den kl 11.45."
        if later is not None and later.dose == (m.dose, m.unit):
            pass  # "Så hu fikk en pose kl 14": the dose said with the later time
        elif m.dose is not None and m.dose not in numbers_in(quote):
            self.drop(f"{path}.dose", m.dose, "the dose is not in the evidence")
            updates |= {"dose": None, "unit": None, "count": None}
        elif m.dose is not None and not owned(_doses_at(rel.text, m.dose, m.unit), "dose"):
            self.drop(f"{path}.dose", m.dose, "the dose is said for another drug or is a "
                      "concentration")
            updates |= {"dose": None, "unit": None, "count": None}
        unit = updates.get("unit", m.unit)
        if unit is not None:
            forms = cues.UNIT_FORMS.get(unit, (unit,))
            said = canonical_tokens(quote)
            if not any(f.casefold() in said if "/" not in f  # "mikrog/t" is two tokens
                       else f.casefold() in rel.text.casefold() for f in forms):
                self.drop(f"{path}.unit", unit, "the unit is not in the evidence")
                updates["unit"] = None
        count = updates.get("count", m.count)
        if count is not None and float(count) not in numbers_in(quote):
            self.drop(f"{path}.count", count, "the count is not in the evidence")
            updates["count"] = None
        if m.route is not None and not owned(
                [x.start() for x in cues.ROUTE_CUES[m.route].finditer(rel.text)], "shared"):
            self.drop(f"{path}.route", m.route, "the route is not in the drug's clause")
            updates["route"] = None
        if later is not None and m.status == "given" and m.time in (None, later.time):
            pass  # given later, at that time
        elif m.status is not None and (reason := _status_problem(m.status, rel, owned)):
            self.drop(f"{path}.status", m.status, reason)
            updates["status"] = None
        if later is not None and m.status == "given" and m.time == later.time:
            pass
        elif m.time is not None and (said := as_said(m.time, self.times_in(quote))) and not owned(
                _time_at(rel.text, said), "shared") and not owned(
                [x.start() for x in cues.SAME_TIME.finditer(rel.text)], "shared"):
            self.drop(f"{path}.time", m.time, "the time belongs to another drug's clause")
            updates["time"] = None
        updates["reason"] = self.optional(m.reason, f"{path}.reason")
        updates["effect"] = self.optional(m.effect, f"{path}.effect")
        return self.clear_time(m.model_copy(update=updates), path)

    # -- the note -------------------------------------------------------------------------------
    def note(self, note: JournalNote) -> JournalNote:
        message = note.message
        if message is not None:
            message = message.model_copy(update={
                part: self.items(getattr(message, part), f"message.{part}")
                for part in IsbarMessage.PARTS
            })
            message = None if message.is_empty else message
        return note.model_copy(update={
            "situation": self.items(note.situation, "situation"),
            "observations": self.items(note.observations, "observations", self.observation),
            "vital_signs": self.vitals(note.vital_signs),
            "medications": self.items(note.medications, "medications", self.medication),
            "measures": self.items(note.measures, "measures"),
            "evaluation": self.items(note.evaluation, "evaluation"),
            "plan": self.items(note.plan, "plan"),
            "message": message,
            "deviations": self.items(note.deviations, "deviations"),
            "uncertain_words": self.items(note.uncertain_words, "uncertain_words", self.word),
            "unclassified": self.items(note.unclassified, "unclassified"),
            "dropped": (*note.dropped, *self.dropped),
        })

    def word(self, w: UncertainWord, path: str) -> UncertainWord | None:
        if w.word.casefold() != w.evidence.quote.casefold():
            self.drop(path, w, "the word is not the transcript text at its span")
            return None
        return w


class _Relations:
    """The heads (drug names, vital-sign labels) of a normalised quote and which of them may
    own a value at a position: the same ``clauses.Relations`` the rules read with."""

    def __init__(self, text: str, lexicon: Lexicon, *, doses: bool = False) -> None:
        self.text = text
        self.drugs = drugs = [(d.start, d.end) for d in lexicon.find(text)]
        labels = [(a, b) for a, b in news2.measured_labels(text)
                  if not any(x <= a < y for x, y in drugs)]
        # a dose is never a vital sign's ("5 mg s.c. for smerter"), though a value is its label's
        self.rel = Relations(split_clauses(text), drugs + labels, text,
                             measured=labels if doses else ())

    def heads_matching(self, pattern: re.Pattern[str]) -> list[int]:
        return [k for k, (a, b) in enumerate(self.rel.heads)
                if (m := pattern.match(self.text, a)) is not None and m.end() <= b]

    def drug_heads(self, as_said: str) -> list[int]:
        said = canonical_tokens(as_said)
        found = [k for k, (a, b) in enumerate(self.rel.heads)
                 if canonical_tokens(self.text[a:b]) == said]
        if found:
            return found
        at = self.text.casefold().find(as_said.casefold())
        if at < 0:
            return []
        heads = [*self.rel.heads, (at, at + len(as_said))]
        self.rel = Relations(self.rel.clauses, heads, self.text, measured=self.rel.measured)
        return [self.rel.heads.index((at, at + len(as_said)))]

    def owned(self, positions: list[int], k: int, kind: str) -> bool:
        return any(k in self.rel.owners(p, kind) for p in positions)  # type: ignore[arg-type]


def _number_at(text: str, value: float) -> list[int]:
    """Where ``value`` is said in normalised ``text`` (clock times are not numbers)."""
    clocks = [m.span() for m in cues.CLOCK.finditer(text)]
    return [m.start() for m in _NUMBER.finditer(text)
            if float(m.group().replace(",", ".")) == value
            and not any(a <= m.start() < b for a, b in clocks)]


def _doses_at(text: str, dose: float, unit: str | None) -> list[int]:
    if unit is None:  # "hun hadde tatt 2 selv"
        return _number_at(text, dose)
    return [m.start() for m in cues.DOSE.finditer(text)
            if float(m.group("n").replace(",", ".")) == dose]


def _time_at(text: str, time: str) -> list[int]:
    return [m.start() for m in cues.CLOCK.finditer(text)
            if f"{int(m.group().split(':')[0]):02d}:{m.group().split(':')[1]}" == time]


def _status_problem(status: str, rel: _Relations, owned: Callable[[list[int], str], bool]
                    ) -> str | None:
    """The status must be said for this drug (in its clause or shared by its coordination),
    and a given dose must not also be said to be not given or refused there."""
    # "skulle vært gitt", "fikk tilbud om": no status is said there (as the rules read it)
    void = [m.span() for rx in (cues.PLANNED, cues.OFFERED) for m in rx.finditer(rel.text)]

    def said(name: str) -> bool:
        return owned([m.start() for m in cues.STATUS_CUES[name].finditer(rel.text)
                      if not any(a <= m.start() < b for a, b in void)], "shared")

    if status == "given" and none_given.GIVEN_AFTER_ALL.search(rel.text):
        return None  # "den hadde han ikke tatt, så den fikk han av meg"
    if status in ("given", "prn") and (said("not_given") or said("refused")):
        return "the evidence says it was not given"
    if status == "prn" and cues.ALL_AS_NEEDED.search(rel.text):
        return None  # "A og B, begge ved behov"
    if status == "not_given" and none_given.ALL_NOT_GIVEN.search(rel.text):
        return None  # "A og B kan gis ved behov, men ingen av dem ble gitt"
    if not said(status):
        return f"the evidence does not say '{status}' for this drug"
    return None


def ground(note: JournalNote, source: Transcript | str, lexicon: Lexicon | None = None
           ) -> JournalNote:
    """``note`` without the values ``source`` (its transcript or text) does not support."""
    text = source.text if isinstance(source, Transcript) else source
    return _Grounder(text, lexicon or Lexicon.builtin()).note(note)
