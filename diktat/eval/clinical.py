"""Clinical scores of a note against its gold: are the values, doses and assertions *right*,
is every word shown, and which errors could hurt a patient.

Where :mod:`diktat.eval.note_metrics` counts matching facts (P/R/F1), this module aligns each gold
item with the note's item for the same thing and judges it **right**, **missing** (the note has
nothing for it: counts against accuracy, is not dangerous) or **wrong** (the note says something
else: dangerous). A note's item with no gold counterpart is **extra**; it is dangerous when it
asserts something that was not said.

- **Values** (per kind: vital signs, and blood glucose, INR, weight, pain score, diuresis, fluid
  intake, oxygen flow and device — :mod:`diktat.eval.clinical_items`): value and unit (and for
  SpO2 oxygen or room air when the gold says). Gold and note values of a kind are paired exact
  matches first, then in order. An extra value that repeats a matched one is a duplicate (not
  dangerous); one that equals another kind's gold value, or a dose, is a *value on the wrong
  field*; any other is an *invented value*.
- **Medications**: paired by canonical drug name (exact tuples first, then in order); each of
  dose (with count), unit, time and status is right, missing or wrong, and the *tuple* is right
  only when all of drug, dose, unit, time and status are. A time, dose or status in the note that
  the gold does not have is wrong (borrowed from another clause or invented). A gold dose whose
  as-said name the note gave another canonical drug is a *wrong drug*; an extra administration
  with a dose or status is an *invented medication* (a bare mention is only extra).
- **Assertions** (per gold assertion class): the note's observation whose words contain the
  finding's key (the shortest such, when several do; one a longer key took is left to it:
  "vondt i halsen" before "vondt"). Another assertion is wrong — a *flipped
  negation* (present ↔ negated), a *question as finding* (gold asked) or a *wrong assertion* —
  except that a note calling it a question claims nothing and counts as missing. A question the
  note left out is right (a question is never a finding); any other finding the note lacks is
  missing.
- **Deviations** by kind; an extra one is an *invented deviation*. **Message**: the recipient
  (fastlege, sykehjemslege, ... count as lege).
- **Coverage**: words of the transcript inside the evidence of a placed item, or of an
  «Ikke plassert» statement that the rendered text shows, or implied (``CoverageCount``); the
  rest are hidden. Measured here from the evidence and the rendered text, not read from the
  note's own ``coverage``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from pydantic import computed_field

from diktat.eval.clinical_coverage import CoverageCount, coverage
from diktat.eval.clinical_items import (
    VALUE_KINDS,
    Dose,
    Finding,
    Value,
    gold_doses,
    gold_findings,
    gold_values,
    note_doses,
    note_findings,
    note_values,
)
from diktat.eval.results import FrozenResult
from diktat.structuring.grounding import canonical_tokens
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import JournalNote

__all__ = [
    "ASSERTION_CLASSES",
    "MEDICATION_PARTS",
    "ClinicalMetrics",
    "CoverageCount",
    "DangerousError",
    "Tally",
    "aggregate_clinical",
    "score_clinical",
]

MEDICATION_PARTS = ("drug", "dose", "unit", "time", "status", "tuple")
ASSERTION_CLASSES = ("present", "negated", "possible", "historical", "other_person", "asked")


class Tally(FrozenResult):
    right: int = 0
    missing: int = 0
    wrong: int = 0
    extra: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def expected(self) -> int:
        return self.right + self.missing + self.wrong

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return self.right / self.expected if self.expected else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(**{k: getattr(self, k) + getattr(other, k)
                        for k in ("right", "missing", "wrong", "extra")})


class DangerousError(FrozenResult):
    """One error that could hurt a patient, with where to find it."""

    dictation: str = ""
    field: str
    kind: str
    expected: str | None = None
    got: str | None = None
    quote: str = ""


class ClinicalMetrics(FrozenResult):
    notes: int = 1
    values: dict[str, Tally]
    medications: dict[str, Tally]
    assertions: dict[str, Tally]
    deviations: Tally
    message: Tally
    coverage: CoverageCount
    dangerous: tuple[DangerousError, ...] = ()
    missed: tuple[str, ...] = ()  # per note only: what the note lacks, for a developer

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value_accuracy(self) -> float | None:
        return _sum(self.values.values()).accuracy

    @computed_field  # type: ignore[prop-decorator]
    @property
    def medication_tuple_accuracy(self) -> float | None:
        return self.medications["tuple"].accuracy

    @computed_field  # type: ignore[prop-decorator]
    @property
    def assertion_accuracy(self) -> float | None:
        return _sum(self.assertions.values()).accuracy

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dangerous_count(self) -> int:
        return len(self.dangerous)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dangerous_by_kind(self) -> dict[str, int]:
        return dict(sorted(Counter(d.kind for d in self.dangerous).items()))


def _sum(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for t in tallies:
        total = total + t
    return total


class _Scorer:
    """Collects tallies, dangerous errors and missed items for one note."""

    def __init__(self, dictation: str) -> None:
        self.dictation = dictation
        self.tallies: dict[str, Counter[str]] = {}
        self.dangerous: list[DangerousError] = []
        self.missed: list[str] = []

    def count(self, group: str, name: str, outcome: str) -> None:
        self.tallies.setdefault(f"{group}:{name}", Counter())[outcome] += 1

    def tally(self, group: str, name: str) -> Tally:
        return Tally(**self.tallies.get(f"{group}:{name}", Counter()))

    def danger(self, field: str, kind: str, expected: str | None, got: str | None,
               quote: str = "") -> None:
        self.dangerous.append(DangerousError(dictation=self.dictation, field=field, kind=kind,
                                             expected=expected, got=got, quote=quote))


# --- values ---------------------------------------------------------------------------------------
def _show(v: Value) -> str:
    oxygen = {True: " on oxygen", False: " on air", None: ""}[v.on_oxygen]
    return f"{v.value}{' ' + v.unit if v.unit else ''}{oxygen}"


def _same(gold: Value, got: Value) -> bool:
    return (gold.value == got.value and gold.unit == got.unit
            and (gold.on_oxygen is None or gold.on_oxygen == got.on_oxygen))


def _score_values(s: _Scorer, gold: list[Value], got: list[Value], doses: list[Dose]) -> None:
    gold_numbers = {(v.kind, v.value) for v in gold}
    dose_numbers = {d.dose.split(" ")[0] for d in doses if d.dose}
    for kind in VALUE_KINDS:
        want = [v for v in gold if v.kind == kind]
        have = [v for v in got if v.kind == kind]
        left: list[Value] = []
        for g in want:
            match = next((h for h in have if _same(g, h)), None)
            if match is None:
                left.append(g)
            else:
                have.remove(match)
                s.count("values", kind, "right")
        for g, h in zip(left, have, strict=False):
            if g.value == h.value and g.unit == h.unit and h.on_oxygen is None:
                s.count("values", kind, "missing")
                s.missed.append(f"vital_signs.{kind}: {_show(g)} (oxygen or air not said)")
            else:
                s.count("values", kind, "wrong")
                s.danger(f"vital_signs.{kind}", "wrong value", _show(g), _show(h), h.quote)
        for g in left[len(have):]:
            s.count("values", kind, "missing")
            s.missed.append(f"vital_signs.{kind}: {_show(g)}")
        for h in have[len(left):]:
            s.count("values", kind, "extra")
            if (kind, h.value) in gold_numbers:
                continue  # the same value again (e.g. repeated in a message): not dangerous
            other = next((v for v in gold if v.value == h.value), None)
            if other is not None or h.value in dose_numbers:
                where = f"vital_signs.{other.kind}" if other else "a dose"
                s.danger(f"vital_signs.{kind}", "value on wrong field", f"(belongs to {where})",
                         _show(h), h.quote)
            else:
                s.danger(f"vital_signs.{kind}", "invented value", None, _show(h), h.quote)


# --- medications ----------------------------------------------------------------------------------
_PARTS = ("dose", "unit", "time", "status")


def _med(d: Dose) -> str:
    return " | ".join((d.drug, d.dose or "-", d.unit or "-", d.time or "-", d.status or "-"))


@lru_cache(maxsize=1024)
def _drug_key(name: str) -> str:
    """One key per drug: a brand and its substance ("Xalatan", "Latanoprost") or two
    spellings of one name ("Nitroglycerin", "Nitroglyserin") are the same drug, where the
    built-in lexicon reads the name exactly (no near match)."""
    found = _lexicon().match(name)
    return (found.name if found is not None and found.score >= 100 else name).casefold()


@lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    return Lexicon.builtin()


def _pair_doses(gold: list[Dose], got: list[Dose]
                ) -> tuple[list[tuple[Dose, Dose | None]], list[Dose]]:
    have = list(got)
    same_drug = [[h for h in have if _drug_key(h.drug) == _drug_key(g.drug)] for g in gold]
    chosen: dict[int, Dose] = {}
    for i, g in enumerate(gold):  # exact tuples first, so order does not decide
        exact = next((h for h in same_drug[i] if h in have and _med(h) == _med(g)), None)
        if exact is not None:
            have.remove(exact)
            chosen[i] = exact
    # then the pairs that agree in the most parts, so that a pump's daily dose and an extra
    # dose of the same drug are not paired by the order they were said in
    candidates = sorted(((sum(getattr(g, p) == getattr(h, p) for p in _PARTS), -i, -j, i, h)
                         for i, g in enumerate(gold) if i not in chosen
                         for j, h in enumerate(same_drug[i]) if h in have), reverse=True)
    for *_, i, h in candidates:
        if i not in chosen and h in have:
            have.remove(h)
            chosen[i] = h
    pairs = [(g, chosen.get(i)) for i, g in enumerate(gold)]
    return pairs, have


def _score_doses(s: _Scorer, gold: list[Dose], got: list[Dose]) -> None:
    pairs, extra = _pair_doses(gold, got)
    for g, h in pairs:
        if h is None:
            h = next((x for x in extra if canonical_tokens(x.as_said)
                      == canonical_tokens(g.as_said)), None)
            if h is not None:  # the drug as said, given another canonical name
                extra.remove(h)
                s.count("medications", "drug", "wrong")
                s.danger("medications.drug", "wrong drug", g.drug, h.drug, h.quote)
            else:
                s.count("medications", "drug", "missing")
                s.missed.append(f"medications: {_med(g)}")
            for part in _PARTS:
                s.count("medications", part, "missing")
            s.count("medications", "tuple", "missing" if h is None else "wrong")
            continue
        s.count("medications", "drug", "right")
        outcomes = []
        for part in _PARTS:
            want, have = getattr(g, part), getattr(h, part)
            outcome = ("right" if want == have else "missing" if have is None else "wrong")
            outcomes.append(outcome)
            s.count("medications", part, outcome)
            if outcome == "wrong":
                s.danger(f"medications.{part}", f"wrong {part}", f"{want} ({_med(g)})",
                         f"{have} ({_med(h)})", h.quote)
            elif outcome == "missing":
                s.missed.append(f"medications.{part}: {want} ({g.drug})")
        tuple_outcome = ("right" if all(o == "right" for o in outcomes)
                         else "wrong" if "wrong" in outcomes else "missing")
        s.count("medications", "tuple", tuple_outcome)
    for h in extra:
        s.count("medications", "tuple", "extra")
        if h.dose is not None or h.status is not None:
            s.danger("medications", "invented medication", None, _med(h), h.quote)


# --- assertions, deviations, message --------------------------------------------------------------
def _contains(tokens: tuple[str, ...], key: tuple[str, ...]) -> bool:
    n = len(key)
    return any(tokens[i:i + n] == key for i in range(len(tokens) - n + 1))


def _score_findings(s: _Scorer, gold: list[Finding], got: list[Finding]) -> None:
    used: set[int] = set()  # note findings a more specific key took ("vondt i halsen")
    for g in sorted(gold, key=lambda g: -len(g.key)):
        candidates = [h for h in got if _contains(h.key, g.key)]
        if not candidates:
            outcome = "right" if g.assertion == "asked" else "missing"
            s.count("assertions", g.assertion, outcome)
            if outcome == "missing":
                s.missed.append(f"observations: {g.text} ({g.assertion})")
            continue
        h = min([h for h in candidates if id(h) not in used] or candidates,
                key=lambda f: len(f.key))
        used.add(id(h))
        if h.assertion == g.assertion:
            s.count("assertions", g.assertion, "right")
            continue
        if h.assertion == "asked":  # the note claims nothing about the patient: not said
            s.count("assertions", g.assertion, "missing")
            s.missed.append(f"observations: {g.text} ({g.assertion}; the note has a question)")
            continue
        s.count("assertions", g.assertion, "wrong")
        pair = {g.assertion, h.assertion}
        kind = ("flipped negation" if pair == {"present", "negated"}
                else "question as finding" if g.assertion == "asked" else "wrong assertion")
        s.danger("observations", kind, f"{' '.join(g.key)}: {g.assertion}",
                 f"{h.text}: {h.assertion}", h.quote)


# Gold files may name the note's kinds the way people say them.
_DEVIATION_KINDS = {"medication_error": "medication"}


def _score_deviations(s: _Scorer, gold: Mapping[str, Any], note: JournalNote) -> None:
    """Deviations match by kind; one of another kind where the gold has a deviation left is
    the right event under the wrong kind (wrong, not dangerous: the avvik is there); only a
    deviation beyond the gold's count is invented."""
    want = Counter(_DEVIATION_KINDS.get(str(d["kind"]), str(d["kind"]))
                   for d in gold.get("deviations") or [])
    other_kind = []
    for d in note.deviations:
        if want[d.kind] > 0:
            want[d.kind] -= 1
            s.count("deviations", "all", "right")
        else:
            other_kind.append(d)
    left = list(want.elements())
    for d in other_kind:
        if left:
            s.count("deviations", "all", "wrong")
            s.missed.append(f"deviations: {left.pop(0)} (filed as {d.kind})")
        else:
            s.count("deviations", "all", "extra")
            s.danger("deviations", "invented deviation", None, f"{d.kind}: {d.text}",
                     d.evidence.quote)
    for kind in left:
        s.count("deviations", "all", "missing")
        s.missed.append(f"deviations: {kind}")


# Recipients that are the same service: the patient's own or the nursing home's doctor.
_RECIPIENTS = {"fastlege": "lege", "fastlegen": "lege", "legen": "lege", "sykehjemslege": "lege",
               "sjukeheimslege": "lege", "tilsynslege": "lege", "legevakta": "legevakt",
               "legevakten": "legevakt"}


def _recipient(text: str | None) -> str:
    word = (text or "").casefold().strip()
    return _RECIPIENTS.get(word, word)


def _score_message(s: _Scorer, gold: Mapping[str, Any], note: JournalNote) -> None:
    message = gold.get("message")
    has = note.message is not None and not note.message.is_empty
    got = _recipient(note.message.recipient) if has and note.message else ""
    if not message:
        if has:
            s.count("message", "recipient", "extra")
        return
    want = _recipient(message.get("recipient"))
    outcome = "missing" if not has else "right" if got == want else "wrong"
    s.count("message", "recipient", outcome)
    if outcome != "right":
        s.missed.append(f"message: to {want or '?'} ({outcome}{': ' + got if got else ''})")


# --- entry points ---------------------------------------------------------------------------------
def score_clinical(note: JournalNote, gold: Mapping[str, Any], text: str,
                   dictation: str = "") -> ClinicalMetrics:
    """``note`` (structured from ``text``) against ``gold``; ``dictation`` labels its errors."""
    s = _Scorer(dictation)
    _score_values(s, gold_values(gold), note_values(note), gold_doses(gold))
    _score_doses(s, gold_doses(gold), note_doses(note))
    _score_findings(s, gold_findings(gold), note_findings(note))
    _score_deviations(s, gold, note)
    _score_message(s, gold, note)
    return ClinicalMetrics(
        values={k: s.tally("values", k) for k in VALUE_KINDS},
        medications={k: s.tally("medications", k) for k in MEDICATION_PARTS},
        assertions={k: s.tally("assertions", k) for k in ASSERTION_CLASSES},
        deviations=s.tally("deviations", "all"),
        message=s.tally("message", "recipient"),
        coverage=coverage(note, text),
        dangerous=tuple(s.dangerous),
        missed=tuple(s.missed),
    )


def aggregate_clinical(metrics: Iterable[ClinicalMetrics]) -> ClinicalMetrics:
    """Tallies summed over notes; dangerous errors listed together (``missed`` is per note)."""
    metrics = list(metrics)

    def total(group: str, names: Iterable[str]) -> dict[str, Tally]:
        return {k: _sum(getattr(m, group)[k] for m in metrics) for k in names}

    return ClinicalMetrics(
        notes=sum(m.notes for m in metrics),
        values=total("values", VALUE_KINDS),
        medications=total("medications", MEDICATION_PARTS),
        assertions=total("assertions", ASSERTION_CLASSES),
        deviations=_sum(m.deviations for m in metrics),
        message=_sum(m.message for m in metrics),
        coverage=CoverageCount(**{k: sum(getattr(m.coverage, k) for m in metrics)
                                  for k in ("words", "placed", "shown_unplaced", "implied")}),
        dangerous=tuple(d for m in metrics for d in m.dangerous),
    )
