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

from diktat.structuring import anaphora, cues, measurements, news2
from diktat.structuring.clauses import Clause, Relations, clause_at
from diktat.structuring.oxygen import oxygen_after, oxygen_into_spo2, oxygen_without_label
from diktat.structuring.value_first import values_before_label
from diktat.structuring.vital_read import VitalRead

_BUT = re.compile(r"(?<!\w)men(?!\w)", re.IGNORECASE)
_BOUND_BEFORE_VALUE = re.compile(
    r"(?<!\w)(?:under|over|mindre enn|lavere enn|høyere enn|større enn|meir enn|mer enn)\s*$",
    re.IGNORECASE)
_CLAUSE_WORD = re.compile(r"(?<!\w)(?:og|men|mens|fordi|som|eller|samt)(?!\w)|[;]",
                          re.IGNORECASE)


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
                if clauses:  # the value may be said in the clause after its label's
                    c1 = max(c1, clauses[clause_at(clauses, m.start("v"))].end)
                read = measurements.values_of(kind, m, text, c0, c1)
                if read is None:
                    continue
                stop = m.end()
                if kind == "oxygen" and read["device"] is not None:
                    device = measurements.device_at(text, m.start(), c1)
                    stop = max(stop, device[1].end())  # type: ignore[index]
                found.append(VitalRead(kind, read, m.start(), stop, parts=[(m.start(), stop)],
                                       hit=(m.start(), stop) if kind == "oxygen"
                                       else measurements.hit_span(kind, m)))
                continue
            if _BOUND_BEFORE_VALUE.search(gap):
                continue  # "om metninga fall under 90", "BT over 180": a bound, not a value
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
            if kind == "spo2" and news2.ON_AIR.search(gap):  # "metning på romluft var 86"
                values |= {"on_oxygen": False, "oxygen_l_min": None, "oxygen_device": None}
            elif kind == "spo2":
                on, flow, device, stop = oxygen_after(text, stop, end)
                if on is None and news2.ON_OXYGEN.search(gap):
                    on = True
                values |= {"on_oxygen": on, "oxygen_l_min": flow, "oxygen_device": device}
            label = news2.VITAL_LABEL.match(text, m.start())
            found.append(VitalRead(kind, values, m.start(), stop,
                                   parts=[(m.start(), label.end() if label else m.start()),
                                          (m.end() - len(m.group().split()[-1]), stop)]))
    found += _pain_changes(text, start, end, found)
    found += _coordinated_pressures(text, start, end, clauses, found, other_heads)
    found += _pressures_before_label(text, start, end, found)
    found += values_before_label(text, start, end, found)
    found += _tight_labels(text, start, end, found)
    found += _breaths_per_minute(text, start, end, found)
    found += _urine_after_volume(text, start, end, clauses, found)
    found += oxygen_without_label(text, start, end, clauses, found)
    found += _second_values(text, found, other_heads, end)
    found += _series(text, found, other_heads, end)
    found += _more_readings(text, found, other_heads, end)
    found = oxygen_into_spo2(text, start, found)
    found = _corrected(text, end, found)
    asked = text[start:end].rstrip().endswith("?")
    for level, pattern in news2.ACVPU_CUES.items():
        for m in pattern.finditer(text, start, end):
            c0 = clauses[clause_at(clauses, m.start())].start if clauses else start
            if asked or cues.NEGATION.search(text, c0, m.start()):
                continue  # "Hun var ikke bevisstløs", "Var hun bevisstløs?"
            # "våken men forvirret": what follows "men" stays a finding too (confusion)
            hit = (m.start(), m.start()) if _BUT.search(m.group()) else None
            found.append(VitalRead("consciousness", {"level": level}, m.start(), m.end(),
                                   parts=[m.span()], hit=hit))
    found = _no_overlaps(found)
    if not found:
        return found
    heads = sorted({(v.start, v.start + 1) for v in found} | set(other_heads))
    rel = Relations(clauses, heads)
    index = {h: k for k, h in enumerate(rel.heads)}
    clocks = list(cues.CLOCK.finditer(text, start, end))
    for v in found:
        if v.timed:
            continue
        m = news2.VITAL_PATTERNS[v.kind].match(text, v.start) if v.kind in news2.VITAL_PATTERNS \
            else None
        said = [c for c in clocks if m is not None and m.start("gap") <= c.start() < m.end("gap")]
        if said:  # "Blodsukker i dag kl 8 var det 6,8": the time said between label and value
            v.clock = said[-1]
            v.parts.append(v.clock.span())
            continue
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


def _pain_changes(text: str, start: int, end: int, found: list[VitalRead]) -> list[VitalRead]:
    """ "Smerter fra 7 til 2", "smerte før 6, etter en time 3": both scores, in the order said
    (a score already read at either number gives way: never two readings of one number)."""
    out: list[VitalRead] = []
    for m, a, b in measurements.pain_changes(text, start, end):
        if any(v.kind == "pain_score" and (v.start <= m.start("a") < v.end
                                           or v.start <= m.start("b") < v.end) for v in found):
            continue
        if cues.NEGATION.search(text, max(start, m.start() - 12), m.start("a")):
            continue
        for name, value in (("a", a), ("b", b)):
            out.append(VitalRead("pain_score", {"value": value, "scale": None}, m.start(),
                                 m.end(name), parts=[(m.start(), m.end("gap")), m.span(name)],
                                 hit=m.span(name), timed=True))
    return out


def _no_overlaps(found: list[VitalRead]) -> list[VitalRead]:
    """One reading per value: where two kinds read the same number ("smerter" and "NRS" in
    "smerter NRS 6"), the one whose label is nearest the value wins."""
    out: list[VitalRead] = []
    def said(v: VitalRead) -> tuple:
        return tuple(v.values.get(k) for k in ("value", "systolic", "diastolic", "level", "l_min"))

    for v in sorted(found, key=lambda v: -v.start):
        if any(o.end == v.end and o.kind == v.kind and said(o) == said(v) for o in out):
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


def _pressures_before_label(text: str, start: int, end: int, found: list[VitalRead]
                            ) -> list[VitalRead]:
    out = []
    for m in news2.PRESSURE_BEFORE_LABEL.finditer(text, start, end):
        values = {"systolic": int(m.group("v")), "diastolic": int(m.group("d"))}
        if any(v.start <= m.start() < v.end for v in found) \
                or not news2.plausible_blood_pressure(**values):
            continue
        out.append(VitalRead("blood_pressure", values, m.start(), m.end(), parts=[m.span()]))
    return out


# "ca 8 åndedrag/min" (the normaliser keeps the breath noun of "åtte åndedrag i minuttet")
_BREATHS = re.compile(r"(?<![\d,/])(?P<v>\d{1,2}) (?:pust|åndedrag|andedrag|respirasjoner|"
                      r"innpust)/min", re.IGNORECASE)
_BREATHING = re.compile(r"(?<!\w)(?=" + news2.BREATH_VERB + r")\w+\s+(?:[^\W\d]+\s+){0,3}?"
                        r"(?P<v>\d{1,2})/min", re.IGNORECASE)


def _breaths_per_minute(text: str, start: int, end: int, found: list[VitalRead]
                        ) -> list[VitalRead]:
    out = []
    low, high = news2.VITAL_RANGES["respiratory_rate"]
    for m in [*_BREATHS.finditer(text, start, end), *_BREATHING.finditer(text, start, end)]:
        if any(v.start <= m.start() < v.end for v in found) or not low <= int(m.group("v")) <= high:
            continue
        out.append(VitalRead("respiratory_rate", {"value": int(m.group("v"))}, m.start(),
                             m.end(), parts=[m.span()]))
    return out


_TIGHT_VALUE = re.compile(r"\s(?:[^\W\d]+\s){0,4}?(?P<v>\d{2,3})/(?P<d>\d{2,3})"
                          r"|\s(?:er\s|på\s)?(?P<n>\d{1,3}(?:,\d{1,2})?)", re.IGNORECASE)


def _tight_labels(text: str, start: int, end: int, found: list[VitalRead]) -> list[VitalRead]:
    """Values right after the labels of ``news2.TIGHT`` ("P 96", "pust 22", "liggende
    150/85")."""
    out = []
    for kind, rx in news2.TIGHT.items():
        for m in rx.finditer(text, start, end):
            if any(v.start <= m.start() < v.end for v in found + out):
                continue
            value = _TIGHT_VALUE.match(text, m.end(), end)
            if value is None:
                continue
            if kind == "blood_pressure":
                if value.group("v") is None:
                    continue
                values: dict = {"systolic": int(value.group("v")),
                                "diastolic": int(value.group("d"))}
                if not news2.plausible_blood_pressure(**values):
                    continue
            else:
                if value.group("n") is None:
                    continue
                number = float(value.group("n").replace(",", "."))
                low, high = news2.VITAL_RANGES[kind]
                if not low <= number <= high or (kind != "temperature"
                                                  and not number.is_integer()):
                    continue
                values = {"value": number if kind == "temperature" else int(number)}
            out.append(VitalRead(kind, values, m.start(), value.end(),
                                 parts=[(m.start(), value.end())]))
    return out


def _urine_after_volume(text: str, start: int, end: int, clauses: list[Clause],
                        found: list[VitalRead]) -> list[VitalRead]:
    out = []
    for m in news2.URINE_AFTER_VOLUME.finditer(text, start, end):
        clause = clauses[clause_at(clauses, m.start())] if clauses else None
        c0 = clause.start if clause else start
        if any(v.start <= m.start() < v.end or v.start <= m.start("h") < v.end for v in found) \
                or cues.NEGATION.search(text, c0, m.start()) \
                or measurements.NOT_MEASURED.search(text, c0, m.start()):
            continue
        unit = measurements.VOLUME_UNITS[m.group("u").casefold()]
        value = float(m.group("v").replace(",", "."))
        low, high = measurements.VOLUME_RANGES[unit]
        if low <= value <= high:
            out.append(VitalRead("urine_output", {"value": value, "unit": unit}, m.start("h"),
                                 m.end(), parts=[m.span()], lead=m.start(),
                                 hit=(m.start(), m.end("u"))))
    return out


# "BS 17,8, nei unnskyld, 7,8", "Puls 90, nei 88 mener jeg": the value said after a
# self-correction replaces the one before it; with none after it, the reading is taken back.
_CORRECTION = re.compile(cues.CORRECTION.pattern + r"|(?<!\w)nei(?=,?\s+\d)|(?<!\w)(?:mener "
                         r"jeg|meiner eg)(?!\w)", re.IGNORECASE)
_NEW_VALUE = re.compile(r"[\s,]*(?:(?:nei|jeg|eg|mener|meiner|det|var|er|så|altså)[\s,]+){0,3}"
                        r"(?P<v>\d{1,3}(?:,\d{1,2})?)(?:/(?P<d>\d{2,3}))?(?![\d:]|,\d)"
                        r"(?:\s+(?:mener jeg|meiner eg))?", re.IGNORECASE)


def _corrected(text: str, end: int, found: list[VitalRead]) -> list[VitalRead]:
    out = list(found)
    for c in _CORRECTION.finditer(text, found[0].start if found else end, end):
        before = [v for v in out if v.end <= c.start() and "value" in v.values
                  or v.end <= c.start() and v.kind == "blood_pressure"]
        if not before or any(before[-1].end <= v.start < c.start() for v in out):
            continue
        v = before[-1]
        gap = text[v.end : c.start()]
        if not re.fullmatch(r"[\s,]*(?:(?:nei|eh|æh|øh)[\s,]*)?", gap, re.IGNORECASE):
            continue  # the correction is of something else said between
        new = _NEW_VALUE.match(text, c.end(), end)
        values = _replaced(v, new) if new is not None else None
        out.remove(v)
        if values is not None:
            out.append(VitalRead(v.kind, values, v.start, new.end(), parts=[
                p for p in v.parts if p[1] <= v.start + 1 or p[0] < v.start + 1] + [
                (c.start(), new.end())], lead=v.lead))
    return sorted(out, key=lambda v: v.start)


def _replaced(v: VitalRead, new: re.Match[str]) -> dict | None:
    """``v``'s values with the corrected number, or None when it cannot be one."""
    if v.kind == "blood_pressure":
        if new.group("d") is None:
            return None
        values = {"systolic": int(new.group("v")), "diastolic": int(new.group("d"))}
        return values if news2.plausible_blood_pressure(**values) else None
    if new.group("d") is not None or "value" not in v.values:
        return None
    value = float(new.group("v").replace(",", "."))
    low, high = (measurements.RANGES | news2.VITAL_RANGES).get(v.kind, (None, None))
    if low is None or not low <= value <= high:
        return None
    if isinstance(v.values["value"], int):
        if not value.is_integer():
            return None
        return v.values | {"value": int(value)}
    return v.values | {"value": value}


# A second value of the same measurement: "metning fra 89 til 92 %", "smerte 6 før, 2 etter".
_TO_VALUE = re.compile(r"\s+til\s+(?P<v>\d{1,3}(?:,\d{1,2})?)(?P<u> ?%| ?°C|/min| ?mmol/l| ?kg)?"
                       r"(?![\d,:/])", re.IGNORECASE)
_THEN_VALUE = re.compile(r",?\s+(?:og\s+)?(?P<v>\d{1,3}(?:,\d{1,2})?)\s+(?:etter|etterpå)(?!\w)",
                         re.IGNORECASE)
_POSTURE = re.compile(r"(?<!\w)(?:liggende|stående|sittende)(?!\w)", re.IGNORECASE)
_POSTURE_NEXT = re.compile(r",?\s+(?:og\s+)?(?:liggende|stående|sittende)\s+(?:[^\W\d]+\s+){0,2}?"
                           r"(?P<v>\d{1,3})(?![\d,/:])", re.IGNORECASE)
_SECOND_KINDS = ("pulse", "temperature", "spo2", "respiratory_rate", "pain_score",
                 "blood_glucose", "weight")


# "..., vi satte på 3 l O2 og da kom hun opp i 93": a later value of the same measurement
_CHANGED_TO = re.compile(
    r"(?<!\w)(?:(?:(?:kom|gikk|var|er|va)(?: \w+)? )?(?:opp|ned|nede|oppe) (?:i|til|på)|steg til|"
    r"økte til|auka til|sank til|falt til|bedret seg til|betra seg til)\s+"
    r"(?P<v>\d{1,3}(?:,\d{1,2})?)(?P<u> ?%| ?°C|/min| ?mmol/l)?(?![\d,:/])", re.IGNORECASE)


_AND_WHEN = re.compile(r"(?:\s+[^\W\d]+){0,3}?\s+og\s+(?P<v>\d{1,2})(?:\s?av\s?10)?"
                       r"(?=\s+(?:når|ved|under|etter|på|i)(?!\w))", re.IGNORECASE)


# "Blodsukker i dag: kl 8 var det 6,8, ved tolvtiden 11,3 og kl 15:30 9,1": each time its value.
_SERIES_ITEM = re.compile(
    r"(?:,\s*|\s+og\s+|,\s*og\s+)(?:ved\s+\w+tiden|(?:(?:ved|rundt|i)\s+)?(?P<clock>\d{2}:\d{2}))\s+"
    r"(?:(?:var|er|ble)\s+(?:det|den)\s+|(?:det|den)\s+(?:var|er)\s+)?"
    r"(?P<v>\d{1,3}(?:,\d{1,2})?)(?![\d,:/])", re.IGNORECASE)
_SERIES_KINDS = ("blood_glucose", "temperature", "pulse", "spo2")


def _series(text: str, found: list[VitalRead], other_heads: list[tuple[int, int]],
            sentence_end: int) -> list[VitalRead]:
    out: list[VitalRead] = []
    for v in found:
        if v.kind not in _SERIES_KINDS or "value" not in v.values:
            continue
        pos = v.end
        label = news2.VITAL_LABEL.search(text, v.end, sentence_end)
        stop = label.start() if label else sentence_end
        while (m := _SERIES_ITEM.match(text, pos, stop)) is not None:
            if any(pos <= a < m.end() for a, _ in other_heads):
                break
            value = float(m.group("v").replace(",", "."))
            low, high = (measurements.RANGES | news2.VITAL_RANGES)[v.kind]
            if not low <= value <= high or (v.kind in ("pulse", "spo2")
                                            and not value.is_integer()):
                break
            values = dict(v.values) | {"value": value if v.kind in ("temperature",
                                                                     "blood_glucose")
                                       else int(value)}
            clock = cues.CLOCK.match(text, m.start("clock")) if m.group("clock") else None
            out.append(VitalRead(v.kind, values, v.start, m.end(), clock=clock, timed=True,
                                 parts=[(m.start("v"), m.end())]
                                 + ([clock.span()] if clock else [])))
            pos = m.end()
    return out


def _second_values(text: str, found: list[VitalRead], other_heads: list[tuple[int, int]],
                   sentence_end: int) -> list[VitalRead]:
    out = []
    for v in found:
        if v.kind not in _SECOND_KINDS or "value" not in v.values:
            continue
        m = news2.VITAL_PATTERNS[v.kind].match(text, v.start)
        if m is None:
            continue
        gap = (m.group("gap") or "").casefold().split()
        if gap[-1:] in (["fra"], ["frå"]):
            nxt = _TO_VALUE.match(text, m.end())
        elif re.match(r"\s+før(?!\w)", text[m.end():]):
            nxt = _THEN_VALUE.match(text, m.end() + len(re.match(r"\s+før", text[m.end():])[0]))
        elif _POSTURE.search(m.group("gap") or ""):  # "Puls liggende 72, stående 90"
            nxt = _POSTURE_NEXT.match(text, m.end())
        else:
            label = news2.VITAL_LABEL.search(text, m.end(), sentence_end)
            stop = label.start() if label else sentence_end
            nxt = _CHANGED_TO.search(text, m.end(), stop)
            if nxt is None and v.kind == "pain_score":  # "3 av 10 i hvile og 5 når hun går"
                nxt = _AND_WHEN.match(text, m.end(), stop)
            if nxt is not None and any(m.end() <= a < nxt.start() for a, _ in other_heads):
                continue  # a drug said between: its value, not this one's
        if nxt is None:
            continue
        if nxt is None or any(o is not v and o.start <= nxt.start("v") < o.end for o in found):
            continue
        value = float(nxt.group("v").replace(",", "."))
        low, high = (measurements.RANGES | news2.VITAL_RANGES)[v.kind]
        decimal = v.kind in ("temperature", "blood_glucose", "weight")
        if not low <= value <= high or (not decimal and not value.is_integer()):
            continue
        values = dict(v.values) | {"value": value if decimal else int(value)}
        stop = nxt.end()
        if v.kind == "spo2":  # "økte til 92 % på 3 l oksygen": the oxygen said after it
            on, flow, device, stop = oxygen_after(text, nxt.end(), sentence_end)
            values |= {"on_oxygen": on, "oxygen_l_min": flow, "oxygen_device": device}
        if v.kind == "weight":
            # "vekta har gått opp frå 78 til 81 kilo": the weight now; the earlier one stays in
            # the text (shown as a second weight it would read as today's)
            v.values, v.end, v.parts = values, stop, [(nxt.start("v"), stop)]
            continue
        out.append(VitalRead(v.kind, values, v.start, stop,
                             parts=[(nxt.start("v"), stop)]))
    return out


# Readings of one measurement said one after another the same day, the label not repeated:
# "Blodsukker 9,1, i morges 6,8", and after "først": "Metningen ble målt 2 ganger: først 94, og
# etter at hun hadde satt seg opp, 96". An earlier day's value ("i går 80,1") shown without its
# day would read as today's: left in the text.
_WHEN_READING = re.compile(
    r"\s*,\s*(?:og\s+)?(?:i dag|i morges|i morrest|i natt|i kveld|i ettermiddag)\s+"
    r"(?:(?:var|er)\s+(?:den|det)"
    r"\s+|(?:den|det)\s+var\s+)?(?P<v>\d{1,3}(?:,\d{1,2})?)(?![\d,:/])", re.IGNORECASE)
_THEN_READING = re.compile(
    r"\s*,\s*(?:og\s+)?(?:så|deretter|etterpå|seinare|senere|etter\s[^\d.;:]{0,60}?,)\s*"
    r"(?P<v>\d{1,3}(?:,\d{1,2})?)(?![\d,:/])", re.IGNORECASE)
_READING_UNIT = re.compile(r"(?: ?(?:kg|%|°C|mmol/l|/min))?" + measurements.NOT_DURATION
                           + r"(?!\s?(?:mg|g|ml|l|IE|E|enheter|tablett\w*|kg|%)(?!\w))",
                           re.IGNORECASE)
_READING_KINDS = ("pulse", "temperature", "spo2", "respiratory_rate", "blood_glucose", "weight",
                  "inr")


def _more_readings(text: str, found: list[VitalRead], other_heads: list[tuple[int, int]],
                   sentence_end: int) -> list[VitalRead]:
    out = []
    for v in found:
        m = news2.VITAL_PATTERNS[v.kind].match(text, v.start) if v.kind in _READING_KINDS \
            else None
        if m is None or "value" not in v.values:
            continue
        first = "først" in (m.group("gap") or "").casefold().split()
        nxt = _WHEN_READING.match(text, m.end(), sentence_end) or (
            _THEN_READING.match(text, m.end(), sentence_end) if first else None)
        if nxt is None or news2.VITAL_LABEL.search(text, m.end(), nxt.start("v")) \
                or any(m.end() <= a < nxt.end() for a, _ in other_heads) \
                or any(o.start <= nxt.start("v") < o.end for o in found) \
                or (unit := _READING_UNIT.match(text, nxt.end(), sentence_end)) is None \
                or (values := anaphora.plausible(v.kind, nxt.group("v"))) is None:
            continue
        stop = unit.end()
        if v.kind == "spo2":  # its own oxygen, not the first reading's
            on, flow, device, stop = oxygen_after(text, stop, sentence_end)
            values |= {"on_oxygen": on, "oxygen_l_min": flow, "oxygen_device": device}
        out.append(VitalRead(v.kind, dict(v.values) | values, v.start, stop,
                             parts=[(nxt.start("v"), stop)]))
    return out
