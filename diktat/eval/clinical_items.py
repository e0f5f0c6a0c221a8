"""The clinically scored items of a note and of a gold note, in one plain shape each.

:mod:`diktat.eval.clinical` compares them; this module only reads. Both sides become

- ``Value``: a measurement of one *kind* (the NEWS2 vital signs; blood glucose, INR, weight,
  pain score, fluid intake, urine output, fluid balance; the oxygen flow and device said with
  an SpO2) with its value and unit (volumes in ml, devices as codes such as "nasal_catheter",
  a pain score's scale as its unit), and for SpO2 whether it was on oxygen;
- ``Dose``: a medication administration's drug, dose (with count), unit, time and status;
- ``Finding``: an observation's text and assertion, and in gold the *key* words that find it in
  a note;
- deviations by kind.

Measurements a note does not have yet are read from its JSON by name wherever a structurer may
put them (``vital_signs.<kind>``, ``measurements.<kind>`` or ``<kind>`` at the top, with the
aliases in ``KIND_ALIASES``; each a list of objects with ``value`` and ``unit``), so a gold
expectation of such a kind scores as *missing* until the structurer provides it, and as right
or wrong as soon as it does, without a change here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from diktat.errors import InputError
from diktat.structuring.grounding import canonical_tokens
from diktat.structuring.news2 import VITAL_KINDS
from diktat.structuring.note import JournalNote

__all__ = [
    "DEFAULT_UNITS",
    "EXTRA_KINDS",
    "KIND_ALIASES",
    "VALUE_KINDS",
    "Dose",
    "Finding",
    "Value",
    "canonical_unit",
    "gold_doses",
    "gold_findings",
    "gold_values",
    "note_doses",
    "note_findings",
    "note_values",
]

# Measurements a gold note may expect, beyond the NEWS2 vital signs; a note that lacks a kind
# scores its gold values as missing.
EXTRA_KINDS: tuple[str, ...] = (
    "blood_glucose", "inr", "weight", "pain_score", "fluid_intake", "urine_output",
    "fluid_balance", "oxygen_flow", "oxygen_device",
)
# Oxygen given apart from an SpO2 (``vital_signs.oxygen``) scores as its flow and device.
VALUE_KINDS: tuple[str, ...] = tuple(dict.fromkeys(
    k for k in (*VITAL_KINDS, *EXTRA_KINDS) if k != "oxygen"))
KIND_ALIASES: dict[str, tuple[str, ...]] = {
    "blood_glucose": ("blood_glucose", "glucose"),
    "pain_score": ("pain_score", "pain_scores"),
    "urine_output": ("urine_output", "diuresis"),
    "oxygen_flow": ("oxygen_flow",),
    "oxygen_device": ("oxygen_device", "oxygen_devices"),
}
GOLD_ALIASES = {"diuresis": "urine_output"}  # a gold may say either
DEFAULT_UNITS: dict[str, str | None] = {
    "blood_pressure": "mmHg", "pulse": "/min", "temperature": "°C", "spo2": "%",
    "respiratory_rate": "/min", "consciousness": None, "oxygen_flow": "l/min",
    "oxygen_device": None, "blood_glucose": "mmol/l", "inr": None, "weight": "kg",
    "pain_score": "NRS", "fluid_intake": "ml", "urine_output": "ml", "fluid_balance": "ml",
}
VOLUME_KINDS = frozenset({"fluid_intake", "urine_output", "fluid_balance"})
_TO_ML = {"ml": 1.0, "dl": 100.0, "l": 1000.0, "liter": 1000.0, "milliliter": 1.0}
OXYGEN_DEVICES: dict[str, tuple[str, ...]] = {
    "nasal_catheter": ("nasal_catheter", "nesekateter", "kateter", "o2-kateter"),
    "nasal_cannula": ("nasal_cannula", "nesebrille", "brille", "o2-brille", "nesebriller"),
    "mask": ("mask", "maske", "oksygenmaske"),
    "venturi_mask": ("venturi_mask", "venturimaske", "venturi"),
    "reservoir_mask": ("reservoir_mask", "reservoarmaske", "maske med reservoar"),
    "high_flow": ("high_flow", "high flow", "highflow"),
    "cpap": ("cpap",),
}
_DEVICES = {form: code for code, forms in OXYGEN_DEVICES.items() for form in forms}
_UNIT_FORMS: dict[str, tuple[str, ...]] = {
    "mg": ("mg", "milligram", "milligrams"),
    "g": ("g", "gram", "grams"),
    "mikrog": ("mikrog", "mikrogram", "µg", "mcg", "ug"),
    "mikrog/t": ("mikrog/t", "mikrogram/time", "mikrogram per time", "µg/t", "µg/h", "mcg/h",
                 "mcg/t", "ug/h"),
    "ml": ("ml", "milliliter", "millilitre"),
    "IE": ("ie", "e", "enheter", "enhet", "eining", "einingar", "iu", "u"),
    "tablett": ("tablett", "tabletter", "tab", "tabl", "tbl", "tablettar"),
    "kapsel": ("kapsel", "kapsler", "kaps"),
    "drag": ("drag", "inhalasjon", "inhalasjoner", "puff", "pust"),
    "dose": ("dose", "doser"),
    "pose": ("pose", "poser", "dosepose", "doseposer"),
    "dråpe": ("dråpe", "dråper", "dråpar"),
    "stikkpille": ("stikkpille", "stikkpiller"),
    "plaster": ("plaster",),
    "mmol/l": ("mmol/l", "mmol", "millimol"),
    "kg": ("kg", "kilo", "kilogram"),
    "l/min": ("l/min", "liter/min", "liter/minutt", "lpm"),
    "/min": ("/min", "per minutt", "slag/min"),
    "NRS": ("nrs",),
    "VAS": ("vas",),
}
_UNITS = {form: unit for unit, forms in _UNIT_FORMS.items() for form in forms}
_STATUSES = frozenset({"given", "not_given", "refused", "prn", "self_administered"})
_ASSERTIONS = frozenset({"present", "negated", "possible", "historical", "other_person",
                         "asked"})


def canonical_unit(unit: Any, kind: str | None = None) -> str | None:
    """One spelling per unit ("tabletter" → "tablett", "E" → "IE"); None → the kind's default."""
    if unit is None or str(unit).strip() == "":
        return DEFAULT_UNITS.get(kind) if kind else None
    text = " ".join(str(unit).split())
    return _UNITS.get(text.casefold(), text)


@dataclass(frozen=True)
class Value:
    kind: str
    value: str  # "140/80", "38.5", "A", "nesekateter"
    unit: str | None
    on_oxygen: bool | None = None  # SpO2 only: True on oxygen, False on room air
    quote: str = ""


@dataclass(frozen=True)
class Dose:
    drug: str
    as_said: str
    dose: str | None  # "1", "500 x 2"
    unit: str | None
    time: str | None
    status: str | None
    quote: str = ""


@dataclass(frozen=True)
class Finding:
    text: str
    assertion: str
    key: tuple[str, ...] = ()  # canonical tokens that find it (gold only)
    area: str | None = None
    quote: str = ""


def _num(x: Any) -> str:
    return f"{float(x):g}"


def _scalar(kind: str, item: Mapping[str, Any]) -> str:
    if kind == "blood_pressure":
        return f"{int(item['systolic'])}/{int(item['diastolic'])}"
    if kind == "consciousness":
        return str(item.get("level", item.get("value"))).upper()  # ACVPU; "value" read too
    for name in ("value", "score", "device", "volume_ml", "ml"):
        if item.get(name) is not None:
            raw = item[name]
            if isinstance(raw, bool):
                break
            if isinstance(raw, int | float):
                return _num(raw)
            text = str(raw).strip()
            try:
                return _num(text.replace(",", "."))
            except ValueError:
                return text.casefold()
    raise KeyError("value")


def _value(kind: str, item: Mapping[str, Any], quote: str = "") -> Value:
    on_oxygen = item.get("on_oxygen") if kind == "spo2" else None
    value = _scalar(kind, item)
    unit = (item.get("scale") or item.get("unit")) if kind == "pain_score" else item.get("unit")
    if kind in VOLUME_KINDS:  # volumes compare in ml whatever unit was said
        factor = _TO_ML.get(str(unit or "ml").casefold())
        if factor is not None:
            value, unit = _num(float(value) * factor), "ml"
    elif kind == "oxygen_device":
        value = _DEVICES.get(value, value)
    return Value(kind=kind, value=value, unit=canonical_unit(unit, kind),
                 on_oxygen=on_oxygen, quote=quote)


def _oxygen(items: Iterable[Mapping[str, Any]], quotes: Iterable[str]) -> list[Value]:
    """The oxygen flow and device said with each SpO2, as values of their own kinds."""
    out = []
    for i, q in zip(items, quotes, strict=True):
        if i.get("oxygen_l_min") is not None:
            out.append(Value(kind="oxygen_flow", value=_num(i["oxygen_l_min"]), unit="l/min",
                             quote=q))
        if i.get("oxygen_device") is not None:
            out.append(_value("oxygen_device", {"value": i["oxygen_device"]}, q))
    return out


# --- gold -----------------------------------------------------------------------------------------
def _guard(field: str, fn, *args):
    try:
        return fn(*args)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"gold note: field {field!r} is malformed "
                         f"({type(exc).__name__}: {exc})") from None


def gold_values(gold: Mapping[str, Any]) -> list[Value]:
    """The measurements of a gold note (``vital_signs``, extra kinds included)."""
    vitals = {GOLD_ALIASES.get(k, k): v for k, v in (gold.get("vital_signs") or {}).items()}

    def read() -> list[Value]:
        out: list[Value] = []
        for kind in VALUE_KINDS:
            items = vitals.get(kind) or []
            out += [_value(kind, item) for item in items]
            if kind == "spo2":
                out += _oxygen(items, [""] * len(items))
        for given in vitals.get("oxygen") or []:
            out += _oxygen([{"oxygen_l_min": given.get("l_min"),
                             "oxygen_device": given.get("device")}], [""])
        return out

    return _guard("vital_signs", read)


def _dose_text(m: Mapping[str, Any]) -> str | None:
    if m.get("dose") is None:
        return None
    return _num(m["dose"]) + (f" x {int(m['count'])}" if m.get("count") else "")


def _dose(m: Mapping[str, Any], quote: str = "") -> Dose:
    status = m.get("status")
    if status is not None and status not in _STATUSES:
        raise ValueError(f"status must be one of {sorted(_STATUSES)}")
    return Dose(drug=str(m["drug"]), as_said=str(m.get("drug_as_said") or m["drug"]),
                dose=_dose_text(m), unit=canonical_unit(m.get("unit")),
                time=m.get("time"), status=status, quote=quote)


def gold_doses(gold: Mapping[str, Any]) -> list[Dose]:
    return _guard("medications", lambda: [_dose(m) for m in gold.get("medications") or []])


def _finding(o: Mapping[str, Any]) -> Finding:
    assertion = o.get("assertion") or ("negated" if o.get("negated") else "present")
    if assertion not in _ASSERTIONS:
        raise ValueError(f"assertion must be one of {sorted(_ASSERTIONS)}")
    key = canonical_tokens(str(o.get("key") or o["text"]))
    if not key:
        raise ValueError("a finding needs a key or text with words")
    return Finding(text=str(o["text"]), assertion=assertion, key=key, area=o.get("area"))


def gold_findings(gold: Mapping[str, Any]) -> list[Finding]:
    return _guard("observations",
                  lambda: [_finding(o) for o in gold.get("observations") or []])


# --- note -----------------------------------------------------------------------------------------
def _found(dump: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    """Items of an extra measurement kind wherever the note's JSON has them."""
    places = (dump.get("vital_signs") or {}, dump.get("measurements") or {}, dump)
    for place in places:
        if not isinstance(place, Mapping):
            continue
        for name in KIND_ALIASES.get(kind, (kind,)):
            got = place.get(name)
            if isinstance(got, Mapping):
                return [got]
            if isinstance(got, list | tuple) and got and all(isinstance(x, Mapping)
                                                             for x in got):
                return list(got)
    return []


def _quote(item: Mapping[str, Any]) -> str:
    evidence = item.get("evidence")
    return evidence.get("quote", "") if isinstance(evidence, Mapping) else ""


def note_values(note: JournalNote) -> list[Value]:
    """The measurements of a structured note."""
    dump = note.model_dump(mode="json")
    out: list[Value] = []
    for kind in VALUE_KINDS:
        items = _found(dump, kind)
        for item in items:
            try:
                out.append(_value(kind, item, _quote(item)))
            except (KeyError, TypeError, ValueError):
                continue  # a shape this reader does not know: counts as not provided
        if kind == "spo2":
            out += _oxygen(items, [_quote(i) for i in items])
    for given in dump["vital_signs"].get("oxygen") or []:
        out += _oxygen([{"oxygen_l_min": given.get("l_min"),
                         "oxygen_device": given.get("device")}], [_quote(given)])
    return out


def note_doses(note: JournalNote) -> list[Dose]:
    return [_dose({"drug": m.drug, "drug_as_said": m.drug_as_said, "dose": m.dose,
                   "count": m.count, "unit": m.unit, "time": m.time,
                   "status": m.status and m.status.value}, m.evidence.quote)
            for m in note.medications]


def note_findings(note: JournalNote) -> list[Finding]:
    return [Finding(text=o.text, assertion=o.assertion.value, key=canonical_tokens(o.text),
                    area=o.area.value, quote=o.evidence.quote)
            for o in note.observations]
