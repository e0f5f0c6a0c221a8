"""A vital sign said value first: "Åttiåtte i metning uten oksygen", "han hadde 96 i puls",
"38,2 i temp". Read only as "N i <label>" (the label right after "i"), the value plausible for
the sign and no other reading of the same words; an SpO2's oxygen is read after its label as
with the label first ("88 i metning på romluft", "91 i metning på 2 l")."""

from __future__ import annotations

import re

from diktat.structuring import news2
from diktat.structuring.oxygen import oxygen_after
from diktat.structuring.vital_read import VitalRead

_VALUE_FIRST = re.compile(
    r"(?<![\d,/.:])(?P<v>\d{2,3}(?:,\d)?)(?: ?%)? i (?:(?P<spo2>metning(?:en|a)?|saturasjon(?:en)?|"
    r"SpO2)|(?P<pulse>puls(?:en)?)|(?P<temperature>temp(?:en|eratur|eraturen)?))(?!\w)",
    re.IGNORECASE)


def values_before_label(text: str, start: int, end: int, found: list[VitalRead]
                        ) -> list[VitalRead]:
    out: list[VitalRead] = []
    for m in _VALUE_FIRST.finditer(text, start, end):
        if any(v.start <= m.start("v") < max(v.end, v.start + 1) for v in found):
            continue
        kind = next(k for k in ("spo2", "pulse", "temperature") if m.group(k))
        value = float(m.group("v").replace(",", "."))
        low, high = news2.VITAL_RANGES[kind]
        if not low <= value <= high or (kind != "temperature" and not value.is_integer()):
            continue
        values: dict = {"value": value if kind == "temperature" else int(value)}
        stop = m.end()
        if kind == "spo2":
            on, flow, device, stop = oxygen_after(text, stop, end)
            if news2.ON_AIR.match(text, m.end() + 1):
                on, flow, device = False, None, None
            values |= {"on_oxygen": on, "oxygen_l_min": flow, "oxygen_device": device}
        out.append(VitalRead(kind, values, m.start(), stop, parts=[(m.start(), stop)]))
    return out
