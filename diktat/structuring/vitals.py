"""Vital signs in one sentence: a label, a value in the label's own clause, and a time.

The value must follow its label within the same clause, with no other vital-sign label, no
negation and no clause boundary between ("Temp ikke målt, puls 72" gives no temperature). A
time belongs to a measurement when it is said in its clause, or before the first label of a
coordination that the measurement is part of ("Klokka 14 BT 150/90 og puls 88": both at 14:00;
"BT 140/80, puls 72 kl 8": only the pulse). Relations between heads and values are those of
``clauses.Relations``, with drug names as heads too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from diktat.structuring import cues, measurements, news2
from diktat.structuring.clauses import Clause, Relations, clause_at

_CLAUSE_WORD = re.compile(r"(?<!\w)(?:og|men|mens|fordi|som|eller|samt)(?!\w)|[;]",
                          re.IGNORECASE)


@dataclass
class VitalRead:
    kind: str
    values: dict
    start: int
    end: int
    clock: re.Match[str] | None = None
    parts: list[tuple[int, int]] = field(default_factory=list)
    hit: tuple[int, int] | None = None  # what it takes from its clause (default start:end)

    @property
    def span(self) -> tuple[int, int]:
        if self.clock is None:
            return self.start, self.end
        return min(self.start, self.clock.start()), max(self.end, self.clock.end())


def read_vitals(text: str, start: int, end: int, clauses: list[Clause],
                other_heads: list[tuple[int, int]]) -> list[VitalRead]:
    """The measurements said in the sentence ``text[start:end]``."""
    found: list[VitalRead] = []
    for kind, pattern in news2.VITAL_PATTERNS.items():
        for m in _matches(pattern, text, start, end):
            gap = m.group("gap") or ""
            if (cues.NEGATION.search(gap) or _CLAUSE_WORD.search(gap)
                    or any(m.start("gap") <= a < m.end("gap") for a, _ in other_heads)):
                continue
            stop, values = m.end(), {}
            if kind in measurements.MEASUREMENT_KINDS:
                clause = clauses[clause_at(clauses, m.start())] if clauses else None
                c0, c1 = (clause.start, clause.end) if clause else (start, end)
                if measurements.NOT_MEASURED.search(text, c0, m.start("v")):
                    continue  # a target or an order, not a value measured
                read = measurements.values_of(kind, m, text, c1)
                if read is None:
                    continue
                found.append(VitalRead(kind, read, m.start(), m.end(), parts=[m.span()],
                                       hit=measurements.hit_span(kind, m)))
                continue
            if kind == "blood_pressure":
                values = {"systolic": int(m.group("v")), "diastolic": int(m.group("d"))}
                if not news2.plausible_blood_pressure(**values):
                    continue
            else:
                value = float(m.group("v").replace(",", "."))
                low, high = news2.VITAL_RANGES[kind]
                if not low <= value <= high or (kind != "temperature" and not value.is_integer()):
                    continue
                values = {"value": value if kind == "temperature" else int(value)}
            if kind == "spo2":
                on, flow, device, stop = _oxygen(text, stop, end)
                values |= {"on_oxygen": on, "oxygen_l_min": flow, "oxygen_device": device}
            label = news2.VITAL_LABEL.match(text, m.start())
            found.append(VitalRead(kind, values, m.start(), stop,
                                   parts=[(m.start(), label.end() if label else m.start()),
                                          (m.end() - len(m.group().split()[-1]), stop)]))
    found += _coordinated_pressures(text, start, end, clauses, found, other_heads)
    for level, pattern in news2.ACVPU_CUES.items():
        for m in pattern.finditer(text, start, end):
            found.append(VitalRead("consciousness", {"level": level}, m.start(), m.end(),
                                   parts=[m.span()]))
    found = _no_overlaps(found)
    if not found:
        return found
    heads = sorted({(v.start, v.start + 1) for v in found} | set(other_heads))
    rel = Relations(clauses, heads)
    index = {h: k for k, h in enumerate(rel.heads)}
    clocks = list(cues.CLOCK.finditer(text, start, end))
    for v in found:
        k = index[(v.start, v.start + 1)]
        mine = [c for c in clocks if k in rel.owners(c.start(), "shared")
                and not v.start <= c.start() < v.end]
        before = [c for c in mine if c.start() < v.start]
        after = [c for c in mine if c.start() >= v.end]
        # the time said closest before, else the first after (in the measurement's clause)
        v.clock = before[-1] if before else (after[0] if after else None)
        if v.clock is not None:
            v.parts.append(v.clock.span())
    return found


def _matches(pattern: re.Pattern[str], text: str, start: int, end: int):
    """Label–value matches whose gap holds no other label ("feber, temp 38,9": the value
    belongs to "temp", the label nearest it)."""
    pos = start
    while (m := pattern.search(text, pos, end)) is not None:
        if news2.VITAL_LABEL.search(m.group("gap") or ""):
            pos = m.start() + 1
            continue
        yield m
        pos = m.end()


def _no_overlaps(found: list[VitalRead]) -> list[VitalRead]:
    """One reading per value: where two kinds read the same number ("smerter" and "NRS" in
    "smerter NRS 6"), the one whose label is nearest the value wins."""
    out: list[VitalRead] = []
    for v in sorted(found, key=lambda v: -v.start):
        if any(o.end == v.end and o.kind == v.kind for o in out):
            continue
        out.append(v)
    return sorted(out, key=lambda v: v.start)


_PRESSURE = re.compile(r"(?<![\d/,])(?P<v>\d{2,3})/(?P<d>\d{2,3})(?![\d,/])(?: mmHg)?")


def _coordinated_pressures(text: str, start: int, end: int, clauses: list[Clause],
                           found: list[VitalRead], other_heads: list[tuple[int, int]]
                           ) -> list[VitalRead]:
    """ "BT 140/80 kl 8 og 150/90 kl 14": a second pressure coordinated with the first, its
    label not repeated (its evidence reaches back to the label)."""
    out: list[VitalRead] = []
    pressures = [v for v in found if v.kind == "blood_pressure"]
    if not pressures:
        return out
    for m in _PRESSURE.finditer(text, start, end):
        if any(v.start <= m.start() < v.end for v in found):
            continue
        prev = [v for v in found + out if v.end <= m.start()]
        if not prev or prev[-1].kind != "blood_pressure":
            continue
        label = prev[-1]
        between = (label.end, m.start())
        if (news2.VITAL_LABEL.search(text, *between) or cues.NEGATION.search(text, *between)
                or any(between[0] <= a < between[1] for a, _ in other_heads)
                or re.search(r"(?<!\w)(?:men|mens|fordi|som)(?!\w)", text[slice(*between)])):
            continue
        values = {"systolic": int(m.group("v")), "diastolic": int(m.group("d"))}
        if news2.plausible_blood_pressure(**values):
            out.append(VitalRead("blood_pressure", values, label.start, m.end(),
                                 parts=[m.span()]))
    return out


def _oxygen(text: str, pos: int, end: int
            ) -> tuple[bool | None, float | None, str | None, int]:
    """Oxygen said after an SpO2 value, up to the next vital sign in the sentence: on oxygen
    or air, the flow, and the device ("på 2 l O2 på nesebrille", "på maske")."""
    nxt = news2.VITAL_LABEL.search(text, pos, end)
    stop = nxt.start() if nxt else end
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
