"""A JournalNote as EPJ-ready plain text (bokmål, sections in the order a nurse pastes them into
Gerica, Visma Profil or CosDoc), or as JSON. Only sections with content are written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from diktat.structuring import cues
from diktat.structuring.assertion import finding_assertion
from diktat.structuring.lexicon import sound_key
from diktat.structuring.news2 import RISK_TITLES
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
DEVIATION_KINDS = {"fall": "fall", "medication": "legemiddel", "other": ""}


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


def render_vitals(vs: VitalSigns) -> str:
    parts: list[str] = []

    def series(label: str, items, fmt) -> None:
        if items:
            parts.append(f"{label} " + ", ".join(fmt(x) + _at(x.time) for x in items))

    series("BT", vs.blood_pressure, lambda b: f"{b.systolic}/{b.diastolic}")
    series("puls", vs.pulse, lambda p: str(p.value))
    series("temp", vs.temperature, lambda t: f"{number(t.value)} °C")
    series("SpO2", vs.spo2, _spo2)
    series("RF", vs.respiratory_rate, lambda r: str(r.value))
    series("ACVPU", vs.consciousness, lambda c: c.level)
    line = ", ".join(parts)
    if vs.news2 is not None:
        line += f" – NEWS2 {vs.news2.total} ({RISK_TITLES[vs.news2.risk]} risiko)"
    return line


def _spo2(s) -> str:
    if s.on_oxygen is False:
        oxygen = " (uten O2)"
    elif s.oxygen_l_min is not None:
        oxygen = f" ({number(s.oxygen_l_min)} l O2)"
    elif s.on_oxygen:
        oxygen = " (på O2)"
    else:
        oxygen = ""
    return f"{s.value} %{oxygen}"


def render_medication(m: MedicationAdministration) -> str:
    name = m.drug
    if sound_key(m.drug_as_said) != sound_key(m.drug):  # matched fuzzily: show what was heard
        name += f" (hørt: «{m.drug_as_said}»)"
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
    to = f"Beskjed til {msg.recipient} (ISBAR):" if msg.recipient else "Beskjed (ISBAR):"
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
    if not note.vital_signs.is_empty:
        lines.append(f"Vitale parametere: {render_vitals(note.vital_signs)}")
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
