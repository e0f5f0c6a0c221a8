"""One measurement read from a sentence: what ``vitals`` and ``oxygen`` read and hand on to the
rules, with the spans its evidence and coverage are made from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class VitalRead:
    kind: str
    values: dict
    start: int
    end: int
    clock: re.Match[str] | None = None
    parts: list[tuple[int, int]] = field(default_factory=list)
    hit: tuple[int, int] | None = None  # what it takes from its clause (default start:end)
    lead: int | None = None  # where its evidence starts when before its label (merged oxygen)
    timed: bool = False  # its clock was said with its value (a series item): not looked for

    @property
    def span(self) -> tuple[int, int]:
        start = self.start if self.lead is None else min(self.start, self.lead)
        if self.clock is None:
            return start, self.end
        return min(start, self.clock.start()), max(self.end, self.clock.end())
