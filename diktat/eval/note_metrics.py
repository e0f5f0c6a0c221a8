"""How well a structured ``JournalNote`` matches a reviewed gold note, field by field.

The gold format is the one in ``tests/data/dictations/*.expected.json`` (``gold_from_note`` writes
it from a reviewed note). Both the note and the gold are turned into *facts*: one short string per
value, grouped by field. Matching is per field as multisets (the same pulse said twice is two
facts), so every fact is a true positive, a false positive (in the note only) or a false negative
(in the gold only). Texts are compared after ``canonical_tokens`` (lower case, no punctuation,
spoken numbers as digits), so "Puls sytti to." equals "puls 72".

Facts per field (what counts as one value):

====================================  ============================================================
field                                 fact
====================================  ============================================================
``situation``, ``measures``,          each statement's normalised text
``evaluation``, ``plan``
``observations``                      ``area | assertion | normalised text`` (assertion: present,
                                      negated, possible, historical, other_person, asked; a gold
                                      without "assertion" reads it from "negated"): the text is
                                      what the nurse reads, the area and assertion are what the
                                      structuring decides; a wrong part of any is an error
``vital_signs.blood_pressure``        ``systolic/diastolic`` ("140/80")
``vital_signs.pulse``, ``.temperature``, the value ("72", "37.5")
``.respiratory_rate``
``vital_signs.spo2``                  the value, then "on oxygen"/"on air" and the flow when said
                                      ("94 on oxygen 2 l/min")
``vital_signs.consciousness``         the ACVPU level ("A")
``vital_signs.news2``                 the NEWS2 total when computable (derived from the vital
                                      signs, so a vital-sign error can count twice)
``medications``                       ``drug | dose | unit | status`` ("Paracet | 1 | g | given";
                                      "-" for not said; "1 x 2" with a count)
``message``                           ``recipient: …`` and ``<ISBAR part>: normalised text``
``deviations``                        ``kind | normalised text``
====================================  ============================================================

Not scored: the clock time of a measurement or dose, a drug's route, as-said spelling, reason and
effect (details of a value already scored), and the bookkeeping fields.

Scores: per field precision, recall and F1, and micro-averaged totals (counts summed over fields,
and over notes by ``aggregate``). A field with neither gold nor predicted facts is *not
applicable* (all scores None), not perfect; precision is None when nothing was predicted, recall
None when the gold has nothing, and F1 = 2·tp / (2·tp + fp + fn) whenever applicable.

Values without evidence, over the evidence-carrying items of the content fields (a statement, an
observation, a deviation, a vital-sign measurement, a medication and its reason or effect):

(a) ``dropped_rate``: values the grounding validator removed (``note.dropped`` entries under a
    content field; a cleared attribute such as a dose counts as one) over all values proposed
    (kept items + dropped values);
(b) ``mismatched_rate``: kept items whose ``evidence.quote`` is not ``transcript[start:end]``.
    Grounding makes this zero; it is always reported so that a regression shows.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, computed_field

from diktat.errors import InputError
from diktat.eval.results import FrozenResult
from diktat.structuring.grounding import canonical_tokens
from diktat.structuring.news2 import VITAL_KINDS
from diktat.structuring.note import Evidence, IsbarMessage, JournalNote
from diktat.structuring.pipeline import as_transcript
from diktat.types import Transcript

__all__ = [
    "FIELDS",
    "Counts",
    "EvidenceCounts",
    "FieldScore",
    "NoteMetrics",
    "aggregate",
    "evidence_counts",
    "facts",
    "gold_from_note",
    "load_gold",
    "score_note",
]

STATEMENT_SECTIONS = ("situation", "measures", "evaluation", "plan")
FIELDS: tuple[str, ...] = (
    "situation",
    "observations",
    *(f"vital_signs.{kind}" for kind in VITAL_KINDS),
    "vital_signs.news2",
    "medications",
    "measures",
    "evaluation",
    "plan",
    "message",
    "deviations",
)
GOLD_KEYS = frozenset({"empty", "vital_signs", "medications", "observations", "message",
                       "deviations", "meta", *STATEMENT_SECTIONS})
# Measurements a gold note may expect before the note schema has them (scored by
# ``diktat.eval.clinical``, not as facts here); "meta" describes a gold dictation, unscored.
EXTRA_GOLD_KINDS = frozenset({"oxygen_flow", "oxygen_device", "blood_glucose", "inr", "weight",
                              "pain_score", "fluid_intake", "urine_output", "diuresis",
                              "fluid_balance"}) - set(VITAL_KINDS)


# --- scores ---------------------------------------------------------------------------------------
class Counts(FrozenResult):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def applicable(self) -> bool:
        return self.tp + self.fp + self.fn > 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float | None:
        predicted = self.tp + self.fp
        return self.tp / predicted if predicted else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float | None:
        gold = self.tp + self.fn
        return self.tp / gold if gold else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float | None:
        if not self.applicable:
            return None
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)


class FieldScore(Counts):
    """One field's counts; ``missed`` (gold only) and ``extra`` (note only) for a single note."""

    field: str
    missed: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


class EvidenceCounts(FrozenResult):
    values: int = 0
    dropped: int = 0
    mismatched: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dropped_rate(self) -> float | None:
        proposed = self.values + self.dropped
        return self.dropped / proposed if proposed else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mismatched_rate(self) -> float | None:
        return self.mismatched / self.values if self.values else None


class NoteMetrics(FrozenResult):
    notes: int
    fields: tuple[FieldScore, ...]
    evidence: EvidenceCounts

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> Counts:
        """Micro average: counts summed over all fields."""
        return Counts(tp=sum(f.tp for f in self.fields), fp=sum(f.fp for f in self.fields),
                      fn=sum(f.fn for f in self.fields))

    def field(self, name: str) -> FieldScore:
        for score in self.fields:
            if score.field == name:
                return score
        raise KeyError(name)


# --- gold notes -----------------------------------------------------------------------------------
def gold_from_note(note: JournalNote) -> dict[str, Any]:
    """The gold-file form of ``note`` (write it after a nurse has reviewed the note)."""
    gold: dict[str, Any] = {"empty": note.is_empty}
    vitals: dict[str, Any] = {
        kind: [v.model_dump(mode="json", exclude={"evidence", "unit"}, exclude_none=True)
               for v in getattr(note.vital_signs, kind)]
        for kind in VITAL_KINDS if getattr(note.vital_signs, kind)
    }
    if vitals:
        news2 = note.vital_signs.news2
        gold["vital_signs"] = {**vitals, "news2": news2.total if news2 else None}
    if note.medications:
        gold["medications"] = [
            {"drug": m.drug, "drug_as_said": m.drug_as_said, "dose": m.dose, "unit": m.unit,
             "route": m.route and m.route.value, "time": m.time,
             "status": m.status and m.status.value,
             "reason": m.reason and m.reason.text, "effect": m.effect and m.effect.text,
             **({"count": m.count} if m.count is not None else {})}
            for m in note.medications
        ]
    if note.observations:
        gold["observations"] = [
            {"area": o.area.value, "negated": o.negated, "text": o.text,
             **({"assertion": o.assertion.value} if o.assertion.value not in (
                 "present", "negated") else {})}
            for o in note.observations
        ]
    for section in STATEMENT_SECTIONS:
        if statements := getattr(note, section):
            gold[section] = [s.text for s in statements]
    if note.message is not None:
        gold["message"] = {
            "recipient": note.message.recipient,
            **{part: [s.text for s in getattr(note.message, part)] for part in IsbarMessage.PARTS},
        }
    if note.deviations:
        gold["deviations"] = [{"kind": d.kind, "text": d.text} for d in note.deviations]
    return gold


def load_gold(path: Path) -> dict[str, Any]:
    """A gold note from a JSON file, checked by ``facts``."""
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable JSON gold note ({type(exc).__name__})") from None
    facts(gold)
    return gold


# --- facts ----------------------------------------------------------------------------------------
def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def _text(text: str) -> str:
    return " ".join(canonical_tokens(text))


def _vital(kind: str, item: Mapping[str, Any]) -> str:
    if kind == "blood_pressure":
        return f"{item['systolic']}/{item['diastolic']}"
    if kind == "consciousness":
        return str(item.get("level", item.get("value")))  # ACVPU; "value" read too
    if kind == "oxygen":
        device = f" {item['device']}" if item.get("device") else ""
        return ("-" if item.get("l_min") is None else f"{_num(item['l_min'])} l/min") + device
    value = _num(item["value"])
    if kind != "spo2":
        return value
    oxygen = {True: " on oxygen", False: " on air", None: ""}[item.get("on_oxygen")]
    flow = item.get("oxygen_l_min")
    return value + oxygen + ("" if flow is None else f" {_num(flow)} l/min")


def _vital_facts(gold: Mapping[str, Any]) -> dict[str, list[str]]:
    vitals = gold.get("vital_signs") or {}
    unknown = set(vitals) - {*VITAL_KINDS, *EXTRA_GOLD_KINDS, "news2"}
    if unknown:
        raise InputError(f"gold note: unknown vital sign(s) {sorted(unknown)}; expected "
                         f"{', '.join((*VITAL_KINDS, *sorted(EXTRA_GOLD_KINDS)))} or news2")
    out = {f"vital_signs.{kind}": [_vital(kind, v) for v in vitals.get(kind, [])]
           for kind in VITAL_KINDS}
    news2 = vitals.get("news2")
    out["vital_signs.news2"] = [] if news2 is None else [str(news2)]
    return out


def _medication(m: Mapping[str, Any]) -> str:
    dose = _num(m.get("dose")) + (f" x {m['count']}" if m.get("count") else "")
    return " | ".join((m["drug"], dose, m.get("unit") or "-", m.get("status") or "-"))


def _observation(o: Mapping[str, Any]) -> str:
    assertion = o.get("assertion") or ("negated" if o["negated"] else "present")
    return f"{o['area']} | {assertion} | {_text(o['text'])}"


def _message(message: Mapping[str, Any] | None) -> list[str]:
    if not message:
        return []
    recipient = message.get("recipient")
    head = [] if recipient is None else [f"recipient: {recipient.casefold()}"]
    return head + [f"{part}: {_text(t)}" for part in IsbarMessage.PARTS
                   for t in message.get(part, [])]


_LIST_FACTS: dict[str, Callable[[Any], str]] = {
    "observations": _observation,
    "medications": _medication,
    "deviations": lambda d: f"{d['kind']} | {_text(d['text'])}",
    **{section: _text for section in STATEMENT_SECTIONS},
}


def _guarded(field: str, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # The exception names keys and types only, never the clinical values.
        raise InputError(f"gold note: field {field!r} is malformed "
                         f"({type(exc).__name__}: {exc})") from None


def _each(fact: Callable[[Any], str], items: Iterable[Any]) -> list[str]:
    return [fact(item) for item in items]


def facts(gold: Mapping[str, Any]) -> dict[str, list[str]]:
    """The facts of a gold-format note, for every field in ``FIELDS`` (raises ``InputError``)."""
    if not isinstance(gold, Mapping):
        raise InputError("gold note: expected a JSON object")
    unknown = set(gold) - GOLD_KEYS
    if unknown:
        raise InputError(f"gold note: unknown field(s) {sorted(unknown)}; expected "
                         f"{', '.join(sorted(GOLD_KEYS))}")
    out: dict[str, list[str]] = _guarded("vital_signs", _vital_facts, gold)
    out["message"] = _guarded("message", _message, gold.get("message"))
    for field, fact in _LIST_FACTS.items():
        out[field] = _guarded(field, _each, fact, gold.get(field, []))
    return {name: out[name] for name in FIELDS}


# --- scoring --------------------------------------------------------------------------------------
def _field_score(name: str, predicted: list[str], gold: list[str]) -> FieldScore:
    got, want = Counter(predicted), Counter(gold)
    extra, missed = got - want, want - got
    return FieldScore(
        field=name, tp=sum((got & want).values()), fp=extra.total(), fn=missed.total(),
        missed=tuple(missed.elements()), extra=tuple(extra.elements()),
    )


def _root(path: str) -> str:
    """The note field a dropped value's path starts with ("vital_signs.pulse[0]" → vital_signs)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _evidenced(obj: Any) -> Iterator[BaseModel]:
    """Every item with its own ``evidence`` inside ``obj`` (depth first, in note order)."""
    if isinstance(obj, tuple):
        for x in obj:
            yield from _evidenced(x)
    elif isinstance(obj, BaseModel):
        if isinstance(getattr(obj, "evidence", None), Evidence):
            yield obj
        for name in type(obj).model_fields:
            if name != "evidence":
                yield from _evidenced(getattr(obj, name))


def evidence_counts(note: JournalNote, transcript: Transcript | str) -> EvidenceCounts:
    """Kept, dropped and mis-quoted values of ``note``'s content fields (see module docstring)."""
    text = as_transcript(transcript).text
    items = [x for name in JournalNote.CONTENT_FIELDS for x in _evidenced(getattr(note, name))]
    mismatched = sum(text[x.evidence.start : x.evidence.end] != x.evidence.quote for x in items)
    dropped = sum(_root(d.field) in JournalNote.CONTENT_FIELDS for d in note.dropped)
    return EvidenceCounts(values=len(items), dropped=dropped, mismatched=mismatched)


def score_note(note: JournalNote, gold: Mapping[str, Any], transcript: Transcript | str
               ) -> NoteMetrics:
    """``note`` against ``gold``; ``transcript`` is the text the note was structured from."""
    predicted, wanted = facts(gold_from_note(note)), facts(gold)
    return NoteMetrics(
        notes=1,
        fields=tuple(_field_score(name, predicted[name], wanted[name]) for name in FIELDS),
        evidence=evidence_counts(note, transcript),
    )


def aggregate(metrics: Iterable[NoteMetrics]) -> NoteMetrics:
    """Counts summed over notes (the per-note ``missed``/``extra`` listings are left out)."""
    metrics = list(metrics)
    fields = tuple(
        FieldScore(field=name, **{k: sum(getattr(m.field(name), k) for m in metrics)
                                  for k in ("tp", "fp", "fn")})
        for name in FIELDS
    )
    evidence = EvidenceCounts(**{k: sum(getattr(m.evidence, k) for m in metrics)
                                 for k in ("values", "dropped", "mismatched")})
    return NoteMetrics(notes=sum(m.notes for m in metrics), fields=fields, evidence=evidence)
