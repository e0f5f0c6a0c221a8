"""Nothing said may vanish: account for every word of the transcript in the note.

After grounding, each word of the transcript is either *placed* — shown by an item of a section
(a statement's text, or a part of a measurement or a dose: its label, drug name, number, unit,
time, status, route or oxygen words) — or it is added to ``unclassified``, the note's «Ikke
plassert – les og plasser» block, which every output shows. The rest of a sentence after a value
was taken ("puls 92, uregelmessig") thus stays in front of the nurse, and so does whatever the
grounding validator removed. Runs made only of small joining words ("og", "hun", "ble", "kl")
between placed words need no block of their own: they count as placed.

``account`` returns the note with those fragments and a ``Coverage`` count; ``hidden`` is 0 by
construction and tests hold it there.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from functools import lru_cache

from diktat.norsk.normalize import normalize_spoken
from diktat.structuring import cues, news2
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import (
    Coverage,
    Evidence,
    JournalNote,
    Statement,
)

__all__ = ["GLUE", "account", "words"]

_WORDS = re.compile(r"[^\W_]+(?:[.,:/'-][^\W_]+)*")
_NUMBERISH = re.compile(r"\d+(?:[.,:/]\d+)*(?: ?(?:%|°C?|[^\W\d_]{1,12}(?:/\w+)?))?")
_FORMS = re.compile(r"(?<!\w)(?:tab|tabl|tbl|tablett\w*|kaps\w*|mikstur|miksturen|injeksjon\w*|"
                    r"depot|retard|spray|smeltetablett\w*|brusetablett\w*)(?!\w)", re.IGNORECASE)
# Words of a measurement its rendering shows by itself ("pluss 300 ml", "6 av 10", "mmol/l").
_MEASURE_WORDS = re.compile(r"(?<!\w)(?:pluss|minus|positiv|negativ|av 10|mmol(?:/l)?|kilo)"
                            r"(?!\w)", re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?](?=\s|$)|[;\n]")
# Joining words that say nothing by themselves between placed words.
GLUE = cues.wordset("""
og men samt eller så da då at som hun han ho hen pasienten pas bruker brukeren beboer det den
de dei vi me jeg eg er var ble blei vart har hadde hatt blitt i på til med ved kl klokka klokken
klokke ca cirka rundt av for en ei et ein eit målt måling målte måles dag morges morgon kveld
natt vitale parametere parametre målinger også òg nå no ja eh ehm hm mm altså liksom seg sin
sitt sine hennes hans etter før ga gav å fordi ettersom pga grunnet grunna
""")


def words(text: str) -> Iterator[re.Match[str]]:
    """The words of ``text`` (numbers like "37,5" and "s.c" are one word each)."""
    return _WORDS.finditer(text)


@lru_cache(maxsize=4096)
def _norm(quote: str):
    return normalize_spoken(quote, four_digit=True)


def _text_span(text: str, ev: Evidence) -> tuple[int, int]:
    """The source span of ``text`` (a statement's shown text) inside its evidence."""
    norm = _norm(ev.quote)
    at = norm.text.casefold().rfind(text.casefold().strip(" .,;:!?"))
    if at < 0:
        return ev.start, ev.end
    a, b = norm.to_source_span(at, at + len(text.strip(" .,;:!?")))
    return ev.start + a, ev.start + b


def _parts(ev: Evidence, lexicon: Lexicon, drug_as_said: str | None = None
           ) -> Iterator[tuple[int, int]]:
    """The source spans in a measurement's or a dose's evidence that its rendering shows."""
    norm = _norm(ev.quote)
    text = norm.text
    patterns = [news2.VITAL_LABEL, _NUMBERISH, cues.CLOCK, news2.OXYGEN_FLOW, news2.ON_AIR,
                news2.ON_OXYGEN, news2.OXYGEN_DEVICE, _MEASURE_WORDS, *news2.ACVPU_CUES.values(),
                *news2.LABEL_PATTERNS.values(), cues.SAME_TIME,
                *cues.STATUS_CUES.values(),
                *cues.ROUTE_CUES.values(), cues.EFFECT, cues.REASON, cues.COUNT_AFTER, _FORMS]
    spans = [m.span() for rx in patterns for m in rx.finditer(text)]
    spans += [(d.start, d.end) for d in lexicon.find(text)]
    if drug_as_said and (at := text.casefold().find(drug_as_said.casefold())) >= 0:
        spans.append((at, at + len(drug_as_said)))
    for a, b in spans:
        if b > a:
            x, y = norm.to_source_span(a, b)
            yield ev.start + x, ev.start + y


def _statements(note: JournalNote) -> Iterable[Statement]:
    yield from (*note.situation, *note.observations, *note.measures, *note.evaluation,
                *note.plan, *note.deviations)
    if note.message is not None:
        for part in note.message.PARTS:
            yield from getattr(note.message, part)
    for m in note.medications:
        yield from (s for s in (m.reason, m.effect) if s is not None)


def _placed_spans(note: JournalNote, lexicon: Lexicon) -> list[tuple[int, int]]:
    spans = [_text_span(st.text, st.evidence) for st in _statements(note)]
    vs = note.vital_signs
    for kind in news2.VITAL_KINDS:
        for v in getattr(vs, kind):
            spans += _parts(v.evidence, lexicon)
    for m in note.medications:
        spans += _parts(m.evidence, lexicon, m.drug_as_said)
        for st in (m.reason, m.effect):  # "Paracet ga god effekt", said later
            if st is not None:
                spans += _parts(st.evidence, lexicon)
    return spans


def _mask(size: int, spans: Iterable[tuple[int, int]]) -> bytearray:
    mask = bytearray(size)
    for a, b in spans:
        a, b = max(0, a), min(size, b)
        if b > a:
            mask[a:b] = b"\x01" * (b - a)
    return mask


def account(note: JournalNote, text: str, lexicon: Lexicon | None = None) -> JournalNote:
    """``note`` with every word of ``text`` it does not show added to ``unclassified`` (as the
    fragments of their sentences), and its ``coverage``."""
    lexicon = lexicon or Lexicon.builtin()
    placed = _mask(len(text), _placed_spans(note, lexicon))
    shown = _mask(len(text), ((st.evidence.start, st.evidence.end) for st in note.unclassified))
    ends = [m.end() for m in _SENTENCE.finditer(text)]
    n_placed = n_unplaced = 0
    run: list[re.Match[str]] = []
    fragments: list[Statement] = []

    def flush() -> None:
        nonlocal n_placed, n_unplaced
        if not run:
            return
        said = [w.group().casefold() for w in run]
        if all(w in GLUE for w in said) or " ".join(said) in cues.HEADINGS:
            n_placed += len(run)  # joining words, or a spoken heading that placed what follows
        else:
            while run and run[0].group().casefold() in ("og", "men", "samt", "eller", "så"):
                n_placed += 1
                run.pop(0)
            n_unplaced += len(run)
            a, b = run[0].start(), run[-1].end()
            said = normalize_spoken(text[a:b], four_digit=True).text
            fragments.append(Statement(text=said, evidence=Evidence(start=a, end=b,
                                                                     quote=text[a:b])))
        run.clear()

    total = 0
    for w in words(text):
        total += 1
        if run and bisect_right(ends, run[-1].end()) != bisect_right(ends, w.start()):
            flush()  # a sentence ended between them
        mid = (w.start() + w.end()) // 2
        if shown[mid]:
            flush()
            n_unplaced += 1
        elif placed[mid]:
            flush()
            n_placed += 1
        else:
            run.append(w)
    flush()
    unclassified = tuple(sorted((*note.unclassified, *fragments),
                                key=lambda s: (s.evidence.start, s.evidence.end)))
    coverage = Coverage(words=total, placed=n_placed, unplaced=n_unplaced,
                        hidden=max(0, total - n_placed - n_unplaced))
    return note.model_copy(update={"unclassified": unclassified, "coverage": coverage})
