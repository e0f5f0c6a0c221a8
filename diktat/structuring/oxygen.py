"""Oxygen in a sentence: said with an SpO2 (on oxygen or air, flow, device), or on its own
("Startet oksygen 2 l på nesebrille", "fikk 2 l O2"), and oxygen said before an SpO2 that is what
that SpO2 was measured on. Read for ``vitals``, as ``VitalRead``s of kind "oxygen"."""

from __future__ import annotations

import re

from diktat.structuring import measurements, news2
from diktat.structuring.clauses import Clause, clause_at
from diktat.structuring.vital_read import VitalRead

# Oxygen said without its label first: "fikk 2 l O2", "2 liter oksygen på brille", a flow on its
# device ("hadde 4 l på maske"), or a device alone with oxygen named in its clause ("oksygen på
# nesebrille"); never negated or ordered.
_FLOW_BEFORE_LABEL = re.compile(
    r"(?<![\d,])(?P<v>\d{1,2}(?:,\d{1,2})?) ?(?:l|liter)(?:/min)? (?:(?:O2|oksygen|surstoff)(?!\w)"
    r"|(?:på|via|med) (?=" + measurements.OXYGEN_DEVICE.pattern + r"))", re.IGNORECASE)
# A flow changed is oxygen only where the unit is per minute or the sentence speaks of oxygen.
_OXYGEN_TALK = re.compile(r"(?<!\w)(?:O2|oksygen\w*|surstoff|\w*metning\w*|SpO2)(?!\w)",
                          re.IGNORECASE)
_OXYGEN_WORD = re.compile(r"(?<!\w)(?:O2|oksygen\w*|surstoff)(?!\w)", re.IGNORECASE)
_NOT_GIVEN = re.compile(r"(?<!\w)(?:ikke|ikkje|uten|utan|ingen|inga|avsluttet|seponert|"
                        r"skal|bør|ved behov|før|bedt om|trappe\w* ned|planlagt|ordinert)(?!\w)",
                        re.IGNORECASE)


def oxygen_without_label(text: str, start: int, end: int, clauses: list[Clause],
                          found: list[VitalRead]) -> list[VitalRead]:
    out: list[VitalRead] = []

    def taken(a: int) -> bool:
        return any(v.start <= a < max(v.end, v.start + 1) for v in found + out)

    for m in _FLOW_BEFORE_LABEL.finditer(text, start, end):
        clause = clauses[clause_at(clauses, m.start())] if clauses else None
        c0, c1 = (clause.start, clause.end) if clause else (start, end)
        if taken(m.start()) or _NOT_GIVEN.search(text, c0, m.start()):
            continue
        flow = float(m.group("v").replace(",", "."))
        device = measurements.device_at(text, m.end(), c1)
        stop = device[1].end() if device else m.end()
        out.append(VitalRead("oxygen", {"l_min": flow if 0 < flow <= 60 else None,
                                        "device": device[0] if device else None},
                             m.start(), stop, parts=[(m.start(), stop)], hit=(m.start(), stop)))
    for m in news2.FLOW_CHANGED.finditer(text, start, end):
        if taken(m.start("v")) or not (m.group("min") or _OXYGEN_TALK.search(text, start, end)
                                       or measurements.device_at(text, start, end)):
            continue
        flow = float(m.group("v").replace(",", "."))
        out.append(VitalRead("oxygen", {"l_min": flow, "device": None}, m.start(), m.end(),
                             parts=[m.span()], hit=m.span()))
    for clause in clauses or []:
        device = measurements.device_at(text, clause.start, clause.end)
        if device is None or taken(device[1].start()):
            continue
        name, dm = device
        word = _OXYGEN_WORD.search(text, clause.start, clause.end)
        if word is None or _NOT_GIVEN.search(text, clause.start, dm.start()) or taken(
                word.start()):
            continue
        a, b = min(word.start(), dm.start()), max(word.end(), dm.end())
        out.append(VitalRead("oxygen", {"l_min": None, "device": name}, a, b, parts=[(a, b)],
                             hit=(a, b)))
    return out


def oxygen_into_spo2(text: str, start: int, found: list[VitalRead]) -> list[VitalRead]:
    """Oxygen said before an SpO2 in its sentence, or inside its reading ("Hun får oksygen 4 l
    på maske, metning 91 %", "91 % på oksygen 4 l"), is the oxygen that SpO2 was measured on;
    said after it, or with "før" before the SpO2, it is oxygen on its own."""
    out = [v for v in found if v.kind != "oxygen"]
    for o in (v for v in found if v.kind == "oxygen"):
        if any(s.kind == "spo2" and s.values.get("oxygen_l_min") is not None
               and o.start < s.end and o.end > s.start for s in found):
            continue  # read with the SpO2 it was measured on ("92 % på 3 l oksygen")
        later = [v for v in found if v.kind == "spo2" and v.values.get("on_oxygen") is not False
                 and v.values.get("oxygen_l_min") is None and o.start < v.end
                 and not re.search(r"(?<!\w)før(?!\w)", text[start:v.start], re.IGNORECASE)]
        if not later:
            out.append(o)
            continue
        s = later[0]
        s.values |= {"on_oxygen": True, "oxygen_l_min": o.values["l_min"],
                     "oxygen_device": s.values.get("oxygen_device") or o.values["device"]}
        s.parts += o.parts
        s.lead = min(o.start, s.lead if s.lead is not None else s.start)
        s.end = max(s.end, o.end)
    return sorted(out, key=lambda v: v.start)


_NEW_ACTION = re.compile(
    r"(?:[,;]|\s(?:og|men|så|da|då))\s+(?:vi|jeg|eg|me|hun|han|ho|de|dei|startet|starta|"
    r"satte|sette|økte|økt|auka|ga|gav|fikk|fekk|byttet|bytta|la|begynte)(?!\w)",
    re.IGNORECASE)


def oxygen_after(text: str, pos: int, end: int
            ) -> tuple[bool | None, float | None, str | None, int]:
    """Oxygen said after an SpO2 value, up to the next vital sign in the sentence: on oxygen
    or air, the flow, and the device ("på 2 l O2 på nesebrille", "på maske")."""
    nxt = news2.VITAL_LABEL.search(text, pos, end)
    stop = nxt.start() if nxt else end
    if (act := _NEW_ACTION.search(text, pos, stop)) is not None:
        stop = act.start()  # "86 %, vi satte på 3 l": oxygen started after the measurement
    on: bool | None = None
    flow: float | None = None
    reach = pos
    if (m := news2.OXYGEN_FLOW.search(text, pos, stop)) is not None:
        said = float((m.group("a") or m.group("b")).replace(",", "."))
        on, flow, reach = True, said if 0 < said <= 60 else None, m.end()
    elif (m := news2.ON_AIR.search(text, pos, stop)) is not None:
        return False, None, None, m.end()
    elif (m := news2.ON_OXYGEN.search(text, pos, stop)) is not None:
        on, reach = True, m.end()
    # the device right after the SpO2 or its oxygen ("94 % på 2 l på nesekateter")
    window = text[pos:stop]
    cut = re.search(r"[,;]|(?<!\w)(?:og|men|mens|fordi)(?!\w)", text[reach:stop])
    device_end = reach + cut.start() if cut else stop
    device = measurements.device_at(text, pos, max(device_end, reach))
    if device is None or not window:
        return on, flow, None, reach
    name, dm = device
    if on is None and name in measurements.OXYGEN_GIVING:
        on = True
    return on, flow, name, max(reach, dm.end())
