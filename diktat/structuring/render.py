"""A JournalNote as EPJ-ready plain text (bokmål, sections in the order a nurse pastes them into
Gerica, Visma Profil or CosDoc), or as JSON. Only sections with content are written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from diktat.structuring import cues
from diktat.structuring.assertion import finding_assertion
from diktat.structuring.drugnames import check_line
from diktat.structuring.lexicon import sound_key
from diktat.structuring.news2 import PARAMETER_TITLES, RISK_TITLES
from diktat.structuring.note import (
    AREA_TITLES,
    ASSERTION_TITLES,
    Assertion,
    IsbarMessage,
    JournalNote,
    MedicationAdministration,
    Observation,
    Statement,
    VitalSigns,
)

NoteFormat = Literal["text", "json"]
FORMATS: tuple[str, ...] = ("text", "json")
EMPTY_NOTE = "Ingen strukturerbare opplysninger i transkripsjonen."
UNPLACED_TITLE = "Ikke plassert – les og plasser"

ROUTES = {
    "po": "p.o.", "sc": "s.c.", "iv": "i.v.", "im": "i.m.", "rectal": "rektalt",
    "sublingual": "sublingualt", "inhaled": "inhalert", "transdermal": "transdermalt",
    "topical": "utvortes",
}
STATUSES = {"given": "gitt", "not_given": "ikke gitt", "refused": "nektet",
            "prn": "gitt ved behov", "self_administered": "tatt selv"}
ISBAR_TITLES = {
    "identification": "I – Identifikasjon", "situation": "S – Situasjon",
    "background": "B – Bakgrunn", "assessment": "A – Aktuell vurdering",
    "recommendation": "R – Råd",
}
PLURALS = {
    "tablett": "tabletter", "brusetablett": "brusetabletter", "kapsel": "kapsler",
    "dråpe": "dråper", "stikkpille": "stikkpiller", "ampulle": "ampuller", "pose": "poser",
    "dose": "doser", "inhalasjon": "inhalasjoner",
}
DEVIATION_KINDS = {"fall": "fall", "medication": "legemiddel", "missed_visit": "uteblitt besøk",
                   "other": ""}


def number(value: float) -> str:
    """Norwegian decimal comma, no trailing ",0": 37.5 → "37,5", 1.0 → "1"."""
    return f"{value:g}".replace(".", ",")


def _at(time: str | None) -> str:
    return f" kl. {time}" if time else ""


def _prose(statements: Iterable[Statement]) -> str:
    parts = []
    for st in statements:
        text = st.text[:1].upper() + st.text[1:]
        parts.append(text if text.endswith((".", "!", "?")) else text + ".")
    return " ".join(parts)


def _observations(found: Iterable[Observation]) -> str:
    """Observations as prose; an assertion the words alone do not show is written after them
    ("kvalme (benektet)" where "Ingen smerter og kvalme" was said)."""
    parts = []
    for o in found:
        text = o.text
        if o.assertion is not Assertion.present:
            alone = finding_assertion(text, text, cues.AREA_KEYWORDS[o.area])
            if alone is not o.assertion:
                text = f"{text.rstrip(' .')} ({ASSERTION_TITLES[o.assertion]})"
        parts.append(Statement(text=text, evidence=o.evidence))
    return _prose(parts)


def _series(parts: list[str], label: str, items, fmt) -> None:
    if items:
        parts.append(f"{label} " + ", ".join(fmt(x) + _at(x.time) for x in items))


def render_vitals(vs: VitalSigns) -> str:
    """NEWS2's parameters, then NEWS2 with its parts, or what is missing for it."""
    parts: list[str] = []
    _series(parts, "BT", vs.blood_pressure, lambda b: f"{b.systolic}/{b.diastolic}")
    _series(parts, "puls", vs.pulse, lambda p: str(p.value))
    _series(parts, "temp", vs.temperature, lambda t: f"{number(t.value)} °C")
    _series(parts, "SpO2", vs.spo2, _spo2)
    _series(parts, "O2", vs.oxygen, _oxygen)
    _series(parts, "RF", vs.respiratory_rate, lambda r: str(r.value))
    _series(parts, "ACVPU", vs.consciousness, lambda c: c.level)
    line = ", ".join(parts)
    if vs.news2 is not None:
        scored = ", ".join(f"{PARAMETER_TITLES[k] if k != 'oxygen' else 'O2'} {v}"
                           for k, v in vs.news2.parts.items() if v)
        line += (f" – NEWS2 {vs.news2.total} ({RISK_TITLES[vs.news2.risk]} risiko"
                 + (f"; {scored})" if scored else ")"))
    elif vs.news2_missing:
        missing = ", ".join(PARAMETER_TITLES[k] for k in vs.news2_missing)
        line += f" – NEWS2 ikke beregnet: mangler {missing}"
    return line


def render_measurements(vs: VitalSigns) -> str:
    """Blood glucose, INR, weight and pain score."""
    parts: list[str] = []
    _series(parts, "blodsukker", vs.blood_glucose, lambda g: f"{number(g.value)} mmol/l")
    _series(parts, "INR", vs.inr, lambda i: number(i.value))
    _series(parts, "vekt", vs.weight, lambda w: f"{number(w.value)} kg")
    _series(parts, "smerte", vs.pain_score,
            lambda p: f"{p.scale + ' ' if p.scale else ''}{p.value}/{100 if p.value > 10 else 10}")
    return ", ".join(parts)


def render_fluids(vs: VitalSigns) -> str:
    """Fluid intake, urine output and balance, as said."""
    parts: list[str] = []
    _series(parts, "inntak", vs.fluid_intake, lambda f: f"{number(f.value)} {f.unit}")
    _series(parts, "diurese", vs.urine_output, lambda f: f"{number(f.value)} {f.unit}")
    _series(parts, "balanse", vs.fluid_balance,
            lambda f: f"{'+' if f.value > 0 else ''}{number(f.value)} {f.unit}")
    return ", ".join(parts)


OXYGEN_DEVICES = {
    "nasal_catheter": "nesekateter", "nasal_cannula": "nesebrille", "mask": "maske",
    "venturi_mask": "venturimaske", "reservoir_mask": "reservoarmaske",
    "high_flow": "high flow", "cpap": "CPAP",
}


def _oxygen(o) -> str:
    flow = f"{number(o.l_min)} l/min" if o.l_min is not None else ""
    device = OXYGEN_DEVICES[o.device] if o.device else ""
    return f"{flow} på {device}" if flow and device else flow or f"på {device}"


def _spo2(s) -> str:
    device = f" på {OXYGEN_DEVICES[s.oxygen_device]}" if s.oxygen_device else ""
    if s.on_oxygen is False:
        oxygen = " (uten O2)"
    elif s.oxygen_l_min is not None:
        oxygen = f" ({number(s.oxygen_l_min)} l O2{device})"
    elif s.on_oxygen or device:
        oxygen = f" (O2{device})" if device else " (på O2)"
    else:
        oxygen = ""
    return f"{s.value} %{oxygen}"


def render_medication(m: MedicationAdministration) -> str:
    name = m.drug
    if sound_key(m.drug_as_said) != sound_key(m.drug):  # matched fuzzily: never replaced
        name = f"hørt «{m.drug_as_said}» — mente du {m.drug}?"
    unit = m.unit or ""
    if m.dose is not None and m.dose != 1:
        unit = PLURALS.get(unit, unit)
    dose = f" {number(m.dose)} {unit}".rstrip() if m.dose is not None else ""
    if m.count is not None:
        dose += f" x {m.count}"
    route = f" {ROUTES[m.route]}" if m.route else ""
    line = f"- {name}{dose}{route}{_at(m.time)}"
    line += f": {STATUSES[m.status]}" if m.status else ": status ikke oppgitt"
    if m.reason and m.status in ("not_given", "refused"):
        line += f", årsak: {m.reason.text}"
    elif m.reason:
        line += f", for {m.reason.text}"
    if m.effect:
        line += f". Effekt: {m.effect.text}"
    return line


def render_message(msg: IsbarMessage) -> list[str]:
    to = f"Beskjed til {msg.recipient}" if msg.recipient else "Beskjed"
    if msg.heading:
        to = msg.heading[:1].upper() + msg.heading[1:]
    to += " (ISBAR):"
    lines = [to]
    for part in IsbarMessage.PARTS:
        if statements := getattr(msg, part):
            lines.append(f"  {ISBAR_TITLES[part]}: {_prose(statements)}")
    return lines


def render_text(note: JournalNote, *, review: bool = True) -> str:
    """The note as plain text for the EPJ. What no section claimed is always shown, under
    «Ikke plassert – les og plasser», so that nothing said vanishes. ``review`` adds the
    reviewer's aids (coverage, uncertain words, warnings), which a form that shows them by
    itself leaves out so they are not pasted into the journal."""
    lines = [EMPTY_NOTE] if note.is_empty else []
    if note.situation:
        lines.append(f"Situasjon: {_prose(note.situation)}")
    if line := render_vitals(note.vital_signs):
        lines.append(f"Vitale parametere: {line}")
    if line := render_measurements(note.vital_signs):
        lines.append(f"Målinger: {line}")
    if line := render_fluids(note.vital_signs):
        lines.append(f"Væske: {line}")
    if note.medications:
        lines += ["Legemidler:", *map(render_medication, note.medications)]
    for area, title in AREA_TITLES.items():
        found = [o for o in note.observations if o.area == area]
        if found:
            lines.append(f"{title}: {_observations(found)}")
    for title, statements in (("Tiltak", note.measures), ("Evaluering", note.evaluation),
                              ("Plan", note.plan)):
        if statements:
            lines.append(f"{title}: {_prose(statements)}")
    if note.message is not None and not note.message.is_empty:
        lines += render_message(note.message)
    if note.deviations:
        lines.append("Avvik:")
        for d in note.deviations:
            kind = DEVIATION_KINDS[d.kind]
            lines.append(f"- {kind + ': ' if kind else ''}{_prose([d])}")
    if note.unclassified:
        lines.append(f"{UNPLACED_TITLE}:")
        lines += [f"- {_prose([st])}" for st in note.unclassified]
    if review and note.coverage is not None and note.coverage.unplaced:
        c = note.coverage
        lines.append(f"Dekning: {round(c.placed_share * 100)} % av ordene plassert, "
                     f"{c.unplaced} ord ikke plassert (vist over)")
    if review and note.drug_checks:
        lines.append("Kontroller legemiddelnavn: "
                     + "; ".join(check_line(c) for c in note.drug_checks))
    if review and note.uncertain_words:
        words = ", ".join(
            f"«{w.word}»" + (f" (legemiddel? {w.suggestion})" if w.suggestion else "")
            + f" {round(w.probability * 100)} %"
            for w in note.uncertain_words
        )
        lines.append(f"Usikre ord (kontroller): {words}")
    if review:
        lines += [f"Merknad: {w}" for w in note.warnings]
    return "\n".join(lines) + "\n"


def render(note: JournalNote, fmt: NoteFormat = "text", *, review: bool = True) -> str:
    if fmt == "json":
        return note.model_dump_json(indent=2) + "\n"
    if fmt == "text":
        return render_text(note, review=review)
    raise ValueError(f"unknown note format {fmt!r}; choose from {', '.join(FORMATS)}")
