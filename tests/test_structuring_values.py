"""Issue 16: values said in the short forms nurses use, read without guessing.

A pain score said as a bare number right after a pain word ("smerte tre", "smertene er på
fem"), and urine said without its unit where only millilitres fit ("tisset ca fire hundre",
"urinmengde 350"). Each case has its counterpart that must stay empty: a missing value is
better than a wrong one.
"""

from __future__ import annotations

import pytest

from tests.structuring_helpers import note, values


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("Hun sa det hadde roet seg, smerte to.", "pain_score", [2]),
    ("Smertene er på fem nå.", "pain_score", [5]),
    ("Han oppgir smerten er fire.", "pain_score", [4]),
    ("Vondt i kneet, smerter sju, fikk ligge med beinet høyt.", "pain_score", [7]),
    # the reassessment after it ("tre etter en halvtime") is not read yet: missing, not wrong
    ("Smerte åtte før Oxynorm, tre etter en halvtime.", "pain_score", [8]),
    ("Han har tisset ca fire hundre siden morgenen.", "urine_output", [400]),
    ("Urinmengde tre hundre og femti i løpet av natta.", "urine_output", [350]),
    ("Diurese omtrent tolv hundre siste døgn.", "urine_output", [1200]),
])
def test_short_forms_are_read(text, kind, expected):
    assert values(note(text), kind) == expected


@pytest.mark.parametrize(("text", "kind"), [
    ("Fikk Paracet mot smerter to.", "pain_score"),  # a count of tablets, not a score
    ("Smerter tre i venstre kne.", "pain_score"),  # a place follows: not said as a score
    ("Smerter i tre dager.", "pain_score"),  # a duration
    ("Smertene er på tolv.", "pain_score"),  # out of range
    ("Smerte kl 3 i natt.", "pain_score"),  # a time
    ("Smerter to ganger i natt.", "pain_score"),  # a count
    ("Hun har tisset tre ganger i natt.", "urine_output"),  # a count
    ("Tisset 2 i natt.", "urine_output"),  # no unit fits for sure
    ("Urinmengde 1,5 siste døgn.", "urine_output"),  # litres or not: not said
    ("Tømt fire hundre fra stomiposen.", "urine_output"),  # not urine
    ("Urin leukocytter fem hundre.", "urine_output"),  # a test result, not a volume
])
def test_short_forms_invent_nothing(text, kind):
    assert values(note(text), kind) == []


def test_urine_volume_is_millilitres():
    n = note("Hun har drukket åtte hundre milliliter og tisset ca fire hundre.")
    assert [(u.value, u.unit) for u in n.vital_signs.urine_output] == [(400, "ml")]
    assert [(f.value, f.unit) for f in n.vital_signs.fluid_intake] == [(800, "ml")]
