"""Another dose of the same drug, said without its name: "fikk Zopiklon 7,5 mg klokka 22 av
kveldsvakta, og så fikk han 7,5 mg til av meg klokka 23.30" is two doses — 22:00 and 23:30 —
not one dose at the time said last (a double dose is exactly what the note must show).

The second dose is a giving verb, a dose and "til"/"ekstra"/"attåt" ("ga henne 1 g til"), after
the drug and before any other drug is named. The first dose keeps the time said before that,
the second the time said after it (after the last self-correction: "klokka 23, nei jeg mener
halv tolv").
"""

from __future__ import annotations

import re
from dataclasses import replace

from diktat.structuring import cues
from diktat.structuring.medication import MedRead

_GIVEN_AGAIN = re.compile(
    r"(?<!\w)(?P<verb>fikk|fekk|ga|gav|gjev|gitt|satte|sette|satt)\s+(?:(?:jeg|eg|æ|vi|han|hun|"
    r"ho|hu|henne|ham|honom|pasienten)\s+){0,2}(?:en |ein |ei |et |eitt )?(?=\d)",
    re.IGNORECASE)
_AGAIN = re.compile(r"\s+(?:til|ekstra|attåt|attpå|til i tillegg)(?!\w)", re.IGNORECASE)


def with_extra_doses(reads: list[MedRead], text: str, start: int, end: int) -> list[MedRead]:
    """``reads`` with each given dose that is followed by "... N mg til" split in two."""
    out: list[MedRead] = []
    heads = sorted(r.head[0] for r in reads)
    for r in reads:
        out.append(r)
        if r.effect_only or r.dose is None or not r.status or r.status[0] != "given":
            continue
        following = min((h for h in heads if h > r.head[1]), default=end)
        extra = _extra_dose(text, r.dose.end(), following)
        if extra is None:
            continue
        verb, dose = extra
        before = list(cues.CLOCK.finditer(text, r.head[1], verb.start()))
        after = list(cues.CLOCK.finditer(text, dose.end(), following))
        marks = [m.end() for m in cues.CORRECTION.finditer(text, dose.end(), following)]
        after = [c for c in after if not marks or c.start() >= marks[-1]] or after
        first_clock = before[0] if before else (r.clock if r.clock and r.clock.start() <
                                                 r.head[0] else None)
        out[-1] = replace(r, clock=first_clock, spans=[
            s for s in r.spans if s[0] < verb.start()] + ([first_clock.span()]
                                                          if first_clock else []))
        second = MedRead(r.drug, r.drug_as_said, r.head, dose=dose, unit=r.unit,
                         route=r.route, clock=after[-1] if after else None,
                         status=("given", verb))
        second.spans = [r.head, verb.span(), dose.span()] + ([second.clock.span()] if second.clock
                                                      else [])
        out.append(second)
    return out


def _extra_dose(text: str, start: int, end: int) -> tuple[re.Match[str], re.Match[str]] | None:
    for verb in _GIVEN_AGAIN.finditer(text, start, end):
        dose = cues.DOSE.match(text, verb.end(), end)
        if dose is not None and _AGAIN.match(text, dose.end(), end):
            return verb, dose
    return None
