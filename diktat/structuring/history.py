"""Whether a finding is said of an earlier time than the note's: historical.

A cue in the finding's clause: "tidligere" (not "tidligere i dag"), "kjent med", "fra før",
"i fjor", "for 2 år siden", anamnesis words; or a past period ("i helga", "forrige uke", "i
forgårs", "for tre dager siden") in a clause that says nothing of now ("Han hadde feber i
helga" is historical; "hadde feber i helga og har det fortsatt", "vondt siden i helga" are not).
"I går" is not a cue: a report often covers yesterday's evening. A month or season is one only
with the clause's verb in the past ("hadde urinveisinfeksjon i januar", not "skal opereres i
januar").
"""

from __future__ import annotations

from collections.abc import Sequence

from diktat.structuring.clauses import Clause
from diktat.structuring.cues import word_rx as _rx

HISTORICAL = _rx(
    r"tidligere(?! i (?:dag|kveld|natt|morges|formiddag|ettermiddag|dag)| på (?:dagen|kvelden|"
    r"natta|natten|vakta|vakten))",
    r"tidlegare(?! i (?:dag|kveld|natt))", "kjent med", "fra før", "frå før", "i fjor",
    r"for \d+ (?:år|måneder|månader|uker|veker) siden", r"for \d+ (?:år|månader|veker) sidan",
    r"anamnes\w*", "sykehistorie", "sjukehistorie", "har en historie med",
)
_COUNT = r"(?:\d+|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|et par|eit par|ein par|noen|nokre)"
PAST_PERIOD = _rx(
    r"(?<!siden )(?<!sidan )(?<!fra )(?<!frå )(?<!etter )"
    r"(?:i helga|i helgen|i helgå|(?:i )?forrige uke|(?:i )?forrige veke|(?:i )?førre veke|"
    r"i forgårs|i førgårs|" + rf"for {_COUNT} (?:dager|dagar|døgn|uker|veker) (?:siden|sidan))",
)
# "hadde urinveisinfeksjon i januar": a month or season, with the clause's verb in the past
_MONTH = _rx(r"i (?:januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|"
             r"desember|sommer|vinter|høst|haust|vår|påsken|påska|jula|julen)")
_PAST_VERB = _rx("hadde", "hadd", "var", "va", "fikk", "fekk", "ble", "blei", "vart", "hatt")
_AND = _rx("og")
NOW = _rx("nå", "no", "i dag", "fortsatt", "fremdeles", "framleis", "enda", "ennå", "stadig",
          "igjen")


def historical_at(text: str, start: int, end: int) -> int | None:
    """Where the historical cue in ``text[start:end]`` starts, if one is said."""
    if (m := HISTORICAL.search(text, start, end)) is not None:
        return m.start()
    return None


def past_period_at(text: str, clauses: Sequence[Clause], ci: int) -> int | None:
    """Where a past period in clause ``ci`` starts, when neither it nor the clause that goes
    on from it with "og" says anything of now. Weaker than the other cues: "Datteren har hatt
    omgangssyke i helga" is hers."""
    clause = clauses[ci]
    m = PAST_PERIOD.search(text, clause.start, clause.end)
    if m is None and _PAST_VERB.search(text, clause.start, clause.end) is not None:
        m = _MONTH.search(text, clause.start, clause.end)
    if m is None or NOW.search(text, clause.start, clause.end) is not None:
        return None
    if ci + 1 < len(clauses) and _AND.search(text, clause.end, clauses[ci + 1].start + 3) \
            and NOW.search(text, clauses[ci + 1].start, clauses[ci + 1].end) is not None:
        return None  # "vondt i helga og har det fortsatt"
    return m.start()
