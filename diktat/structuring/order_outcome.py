"""An order as needed and, later, what became of it: "Legen har skrevet at hun kan få Sobril 10 mg
ved behov for uro ... Sobril ble ikke gitt i kveld" is one entry, Sobril 10 mg not given, not an
order "as needed" beside a second Sobril not given. Its evidence reaches from the order to the
sentence that says it was not given, so the grounding validator reads both."""

from __future__ import annotations

import re

from diktat.structuring.note import Evidence, MedicationAdministration, MedicationStatus

# a dose given as needed ("fikk Paracet 1 g ved behov"), not an order
_GIVEN = re.compile(r"(?<!\w)(?:fikk|fekk|ga|gav|gitt|gjeve|gjevne|satt|satte|tok)(?!\w)",
                    re.IGNORECASE)


def settled(medications: list[MedicationAdministration], text: str
            ) -> list[MedicationAdministration]:
    out: list[MedicationAdministration] = []
    for m in medications:
        order = next((i for i, e in enumerate(out) if e.drug == m.drug and e.time is None
                      and e.status == MedicationStatus.prn and not _GIVEN.search(e.evidence.quote)
                      and e.evidence.end <= m.evidence.start), None)
        if (order is None or m.status != MedicationStatus.not_given or m.dose is not None
                or m.time is not None):
            out.append(m)
            continue
        start, end = out[order].evidence.start, m.evidence.end
        out[order] = out[order].model_copy(update={
            "status": MedicationStatus.not_given,
            "evidence": Evidence(start=start, end=end, quote=text[start:end])})
    return out
