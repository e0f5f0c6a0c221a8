"""A dose not given, said once for every drug before it: "Morfin 5 mg og Midazolam 2,5 mg kan gis
ved behov, men ingen av dem ble gitt i natt" — neither was given. The order ("kan gis ved
behov") is not a dose given as needed, and the "men" clause that says so names no drug, so the
clause rules alone would leave the first drug without a status and the second "prn"."""

from __future__ import annotations

import re

from diktat.structuring.medication import MedRead

ALL_NOT_GIVEN = re.compile(
    r"(?<!\w)(?:ingen|inga|ikke noe|ikkje noko) av (?:dem|dei|de|disse|desse|delene|dei to|"
    r"de to|dem begge|medisinene|medisinane|legemidlene)\s+(?:ble|blei|vart|er|var|har blitt|"
    r"har vorte|har vore|har vært)\s+(?:gitt|gjeve|gjevne|gjeven|givne|satt|brukt|tatt)(?!\w)",
    re.IGNORECASE)


def applied(reads: list[MedRead], text: str, start: int, end: int) -> list[MedRead]:
    """``reads`` with the drugs said before "ingen av dem ble gitt" not given (those with no
    status, or only as needed: a given, refused or self-taken dose keeps what was said)."""
    said = ALL_NOT_GIVEN.search(text, start, end)
    if said is None:
        return reads
    for r in reads:
        if r.effect_only or r.head[1] > said.start():
            continue
        if r.status is None or r.status[0] == "prn":
            r.status = ("not_given", said)
            r.spans.append(said.span())
    return reads
