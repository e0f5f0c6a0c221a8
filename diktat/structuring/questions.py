"""Whether a sentence asks rather than tells: a question is never a finding.

A sentence is a question when it ends with "?" or, without one (Whisper often drops it), when it
asks "du" ("Har du falt?", "Hvordan har du sovet"); a clause reports one when it says "spurte om"
/ "lurer på om". The answer said right after an indirect question ("..., og det hadde han ikke")
is what the finding is.
"""

from __future__ import annotations

import re

from diktat.structuring.cues import word_rx as _rx

_ASKING_VERB = (r"(?:har|hadde|er|var|føler|kjenner|får|fikk|fekk|vil|kan|skal|trenger|treng|"
                r"ønsker|tar|tok|går|sov|spiste|drakk|brukte|bruker|ble|blei|vart|husker|hugsar|"
                r"klarer|merker|merkar)")
_WH = r"(?:hvordan|hvorfor|hva|hvor|hvilke|hvilken|kva|korleis|kvifor|kor|kven|hvem)"
_YOU = r"(?:du|dere|dykk|deg)"
QUESTION_START = re.compile(
    rf"\s*(?:{_ASKING_VERB}\s+{_YOU}(?!\w)|{_WH}(?!\w)(?:\s+\S+){{1,3}}?\s+{_YOU}(?!\w))",
    re.IGNORECASE,
)
INDIRECT_QUESTION = _rx(r"(?:spurte|spør|spurt|spurde)(?: [^\W\d]+){0,2}? om",
                        r"lurer på om", r"lurte på om", r"undres på om")
# The answer said right after an indirect question ("Spurte Ola om han hadde hatt føling, og det
# hadde han ikke"): the finding is what the answer says.
ANSWER = re.compile(
    r"[\s,]*(?:og |men )?(?:(?P<no>nei\b|det (?:hadde|har|var|er|gjorde|gjør) (?:han|hun|ho|hen|"
    r"hu) (?:ikke|ikkje|itj)\b)|(?:ja\b|det (?:hadde|har|var|er|gjorde|gjør) (?:han|hun|ho|hen|hu)"
    r"(?! (?:ikke|ikkje|itj))\b))", re.IGNORECASE)


def is_question(text: str, start: int = 0, end: int | None = None) -> bool:
    """``text[start:end]`` (a sentence) asks rather than tells."""
    end = len(text) if end is None else end
    said = text[start:end].rstrip()
    return said.endswith("?") or QUESTION_START.match(said) is not None
