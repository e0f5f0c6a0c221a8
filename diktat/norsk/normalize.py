"""Norwegian spoken forms of numbers, units and times → canonical written forms, with offsets.

``normalize_spoken("metning nittito prosent")`` gives ``NormalizedText(text="metning 92 %")``, and
``to_source_span`` maps any span of the new text back to the smallest span of the original that
covers it (a replacement maps as a whole), so journal-note evidence can point at the transcript.

The text is split into tokens that keep their offsets; a left-to-right scan tries, at each token,
an idiom guard, a clock time and a quantity (number or decimal, then blood pressure, unit, per
minute, dose noun or nothing). The vocabulary is the tables below and in ``numbers``.

Decisions on ambiguous forms (tested in tests/test_normalize.py):
- "en/ett/et/ein/eitt/ei" become 1 only inside a number ("en og tjue", "ett hundre"), before a
  unit or a dose noun ("en tablett" → "1 tablett"), before "komma"/"og en halv", at the start
  of a range ("en til to ganger" → "1 til 2 ganger"), or as a clock hour ("halv ett"); "en
  pasient", "et par", "ei stund", "en gang", "en til" (one more) stay as written. "én" is 1.
- Every other cardinal becomes digits ("fire ganger" → "4 ganger", "fire" as a verb included).
  Old counting wins over a list: "fem og tjue" → 25, but "to og tre" → "2 og 3".
- Ordinals ("første", "andre", "tredje", ...) and "halvparten", "annen" are left as words.
- Clock times drop the "klokka/klokken/kl." word and are written HH:MM ("klokka halv åtte" →
  "07:30"). The hour is kept as said; "halv ett"/"kvart på ett" → 12:30/12:45. Only right next
  to "i kveld" / "ettermiddag", or in a text that speaks of the evening and of no other part of
  the day ("i kveld", "kveldsvakt",
  "ettermiddag"; no "morgen", "natt", "frokost", "dagvakt", ...) is an hour 4–11 said in words
  or as a bare number an evening hour ("klokka fem" → 17:00); "kl 05.00" stays 05:00. In a
  daytime text (an afternoon time in digits, "besøk klokka 14", the afternoon, a day shift, a
  home visit, lunch or dinner named) an hour 1–5 said so is the afternoon's ("kvart over to" →
  14:15), unless the night is the text's time; if the text names the morning or the night too,
  it is left as written (either could be meant). In a text said in the
  night (a night shift named, no day shift) "halv ett"/"kvart på eitt" are 00:30/00:45.
  "klokka ti og et kvarter" → 10:15.
  "halv H", "kvart over/på H" and "M over/på halv H" are times anywhere; "M over/på H" only after
  "klokka" or right after a dose ("40 mg ti på åtte"), and so is "H og M" in words with M a
  multiple of 5 ("klokka to og ti" → 02:10; "klokka 8 og 10" stays two numbers); "14.30" is a
  time unless a unit follows (then it is the decimal 14,30). A dot right after ("17.5.",
  "12.05.") makes it a date, left alone, except after "klokka" ("kl 08.30." ends a sentence);
  so is "1.500" (thousands?).
- "S over D" and "S/D" are blood pressure when 50 ≤ S ≤ 300, 20 ≤ D ≤ 200 and S > D.
- "grader" after a number is °C when the number looks like a body temperature (34–43 or has a
  decimal), otherwise plain degrees ("hevet tretti grader" → "30°"). "grader celsius" is °C.
- "tusen takk" is an idiom, not 1000.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from diktat.norsk.clock import (
    CLOCK_WORDS,
    ClockReader,
    names_early,
    of_the_afternoon,
    of_the_evening,
    of_the_night,
)
from diktat.norsk.clock import Match as _Match
from diktat.norsk.numbers import (
    NumberMatch,
    Quantity,
    parse_number_words,
    parse_quantity,
    spoken_number_to_int,
    spoken_number_to_text,
)

__all__ = [
    "CLOCK_WORDS",
    "NormalizedText",
    "Piece",
    "Token",
    "normalize_spoken",
    "parse_number_words",
    "parse_quantity",
    "spoken_number_to_int",
    "spoken_number_to_text",
    "tokenize",
]

# --- tables -----------------------------------------------------------------------------------
_DEGREES = "<degrees>"  # resolved to "°C" or "°" by the number in front
UNITS: dict[tuple[str, ...], str] = {
    **dict.fromkeys([("milligram",), ("milligrammer",), ("mg",)], "mg"),
    **dict.fromkeys([("mikrogram",), ("mikrogrammer",), ("mikrog",), ("µg",), ("μg",),
                     ("mcg",)], "mikrog"),
    **dict.fromkeys([("gram",), ("g",)], "g"),
    **dict.fromkeys([("kilogram",), ("kilo",), ("kg",)], "kg"),
    **dict.fromkeys([("milliliter",), ("ml",)], "ml"),
    **dict.fromkeys([("desiliter",), ("dl",)], "dl"),
    **dict.fromkeys([("liter",), ("l",)], "l"),
    **dict.fromkeys([("prosent",), ("%",)], "%"),
    **dict.fromkeys([("internasjonale", "enheter"), ("internasjonale", "einingar"),
                     ("enheter",), ("enhet",), ("einingar",), ("eining",), ("ie",)], "IE"),
    **dict.fromkeys([("grader", "celsius"), ("grad", "celsius"), ("°", "c"), ("celsius",)],
                    "°C"),
    **dict.fromkeys([("grader",), ("grad",), ("°",)], _DEGREES),
    **dict.fromkeys([("millimol", c, d) for c in ("per", "pr", "/") for d in ("liter", "l")]
                    + [("mmol", c, d) for c in ("per", "pr", "/") for d in ("liter", "l")],
                    "mmol/l"),
    **dict.fromkeys([("millimol",), ("mmol",)], "mmol"),
    **dict.fromkeys([("millimeter", "kvikksølv"), ("mmhg",), ("mm", "hg")], "mmHg"),
    **dict.fromkeys([("millimeter",), ("mm",)], "mm"),
    **dict.fromkeys([("centimeter",), ("cm",)], "cm"),
}  # fmt: skip
_UNIT_MAX = max(map(len, UNITS))
# After "per", "pr", "pr." or "/": the denominator of a rate.
PER: dict[str, str] = {
    "minutt": "min", "minuttet": "min", "min": "min", "time": "t", "timen": "t", "t": "t",
    "døgn": "døgn", "døgnet": "døgn", "kilo": "kg", "kg": "kg", "kilogram": "kg",
    "liter": "l", "l": "l",
}  # fmt: skip
# After "i": only the definite forms ("slag i minuttet", "ml i timen", "i døgnet").
PER_DEFINITE: dict[str, str] = {"minuttet": "min", "timen": "t", "døgnet": "døgn"}
PER_WORDS = frozenset({"per", "pr", "/"})
BREATH_NOUNS = frozenset({"pust", "åndedrag", "andedrag", "respirasjoner", "innpust"})
RATE_NOUNS = BREATH_NOUNS | {"slag", "ganger", "gonger", "gongar"}
# Count nouns that make a lone "en/ei/ett" a quantity; the noun itself is kept as said.
DOSE_NOUNS = frozenset({
    "tablett", "tabletter", "tbl", "kapsel", "kapsler", "kapslar", "dose", "doser", "dosar",
    "ampulle", "ampuller", "ampullar", "stikkpille", "stikkpiller", "dråpe", "dråper",
    "dropar", "puff", "inhalasjon", "inhalasjoner", "inhalasjonar", "sprøyte", "sprøyter",
    "plaster", "pose", "poser", "posar", "brusetablett",
})  # fmt: skip
RANGE_WORDS = frozenset({"til", "eller", "-", "–"})
_DOSE_UNITS = frozenset(w[-1] for w, u in UNITS.items() if u in ("mg", "mikrog", "g", "ml", "IE"))
IDIOMS: tuple[tuple[str, ...], ...] = (("tusen", "takk"),)
TEMPERATURE_WORDS = frozenset({"temp", "tempen", "temperatur", "temperaturen", "feber", "febril",
                               "feberen"})
_BODY_TEMPERATURE = (34.0, 43.0)
_BP_SYSTOLIC, _BP_DIASTOLIC = (50, 300), (20, 200)

# --- tokens -----------------------------------------------------------------------------------
_TOKEN_RE = re.compile(r"(?P<num>[0-9]+(?:[.,:][0-9]+)*)|(?P<word>[^\W\d_][^\W_]*)|(?P<sym>\S)")
_DIGITS_RE = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    kind: str  # "num", "word" or "sym"

    @property
    def is_int(self) -> bool:
        return self.kind == "num" and _DIGITS_RE.fullmatch(self.text) is not None


def tokenize(text: str) -> list[Token]:
    """Numbers ("37,5", "14.30"), words ("SpO2", "µg") and single symbols, with offsets."""
    return [
        Token(m.group(), m.start(), m.end(), m.lastgroup or "sym") for m in _TOKEN_RE.finditer(text)
    ]


# --- result with offsets ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the normalised text and the source stretch it came from."""

    start: int
    end: int
    source_start: int
    source_end: int
    replaced: bool  # False: copied verbatim, maps character for character


@dataclass(frozen=True, slots=True)
class NormalizedText:
    text: str
    source: str
    pieces: tuple[Piece, ...]

    @property
    def replacements(self) -> tuple[Piece, ...]:
        return tuple(p for p in self.pieces if p.replaced)

    def to_source_span(self, start: int, end: int) -> tuple[int, int]:
        """The smallest source span covering normalised ``text[start:end]``."""
        return self._map(start, end, len(self.text), forward=False)

    def to_normalized_span(self, start: int, end: int) -> tuple[int, int]:
        """The smallest normalised span covering ``source[start:end]``."""
        return self._map(start, end, len(self.source), forward=True)

    def _map(self, start: int, end: int, size: int, *, forward: bool) -> tuple[int, int]:
        if not 0 <= start <= end <= size:
            raise ValueError(f"span {start}:{end} outside 0:{size}")
        lo: int | None = None
        hi: int | None = None
        for p in self.pieces:
            a, b, x, y = (
                (p.source_start, p.source_end, p.start, p.end)
                if forward
                else (p.start, p.end, p.source_start, p.source_end)
            )
            inside = a <= start < b if start == end else a < end and b > start
            if not inside:
                continue
            if p.replaced:
                s, e = x, y
            else:
                s, e = x + max(start, a) - a, x + min(end, b) - a
            if start == end and not p.replaced:
                e = s
            lo = s if lo is None else min(lo, s)
            hi = e if hi is None else max(hi, e)
        if lo is None or hi is None:  # an empty span at the very end
            other = len(self.source) if not forward else len(self.text)
            return other, other
        return lo, hi


def _fuses(left: str, right: str) -> bool:
    """Would a token run across the seam of ``left + right``?"""
    if not left or not right:
        return False
    seam = len(left)
    return any(t.start < seam < t.end for t in tokenize(left + right))


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.pieces: list[Piece] = []
        self.src = 0  # source consumed so far
        self.out = 0  # length of the output so far

    def _emit(self, text: str, src_end: int, replaced: bool) -> None:
        if text or src_end > self.src:
            self.pieces.append(Piece(self.out, self.out + len(text), self.src, src_end, replaced))
            self.parts.append(text)
            self.out += len(text)
            self.src = src_end

    def replace(self, start: int, end: int, text: str) -> bool:
        """Replace ``source[start:end]``; False (and nothing done) where it would fuse with its
        neighbours ("fem.fire" must not become the decimal "5.4")."""
        if self.source[start:end] == text:
            return True  # already canonical: stays part of the verbatim stretch
        pending = self.source[max(self.src, start - 4) : start]
        left = ("".join(part[-4:] for part in self.parts[-2:]) + pending)[-4:]
        if _fuses(left, text) or _fuses(text, self.source[end : end + 4]):
            return False
        self._emit(self.source[self.src : start], start, replaced=False)
        self._emit(text, end, replaced=True)
        return True

    def finish(self) -> NormalizedText:
        self._emit(self.source[self.src :], len(self.source), replaced=False)
        return NormalizedText("".join(self.parts), self.source, tuple(self.pieces))


# --- matchers ---------------------------------------------------------------------------------
def speaks_of_evening(text: str) -> bool:
    """``text`` speaks of the evening and of no other part of the day (see the module doc)."""
    return of_the_evening([t.text.lower() for t in tokenize(text)])


def speaks_of_afternoon(text: str) -> bool:
    """``text`` says an afternoon time in digits and no morning or night (see ``clock``)."""
    return of_the_afternoon([t.text.lower() for t in tokenize(text)])


def speaks_of_night(text: str) -> bool:
    """``text`` is said in the night: a night shift or "i natt" first, no day shift (``clock``)."""
    return of_the_night([t.text.lower() for t in tokenize(text)])


def speaks_of_early(text: str) -> bool:
    """``text`` names the morning or the night (``clock.names_early``)."""
    return names_early([t.text.lower() for t in tokenize(text)])


class _Scanner(ClockReader):
    """The left-to-right scan: idioms, clock times (``ClockReader``) and quantities."""

    def __init__(self, tokens: Sequence[Token], evening: bool | None = None,
                 four_digit: bool = False, afternoon: bool | None = None,
                 night: bool | None = None, early: bool | None = None) -> None:
        self.tokens = tokens
        self.lows = [t.text.lower() for t in tokens]
        self.evening = of_the_evening(self.lows) if evening is None else evening
        self.afternoon = of_the_afternoon(self.lows) if afternoon is None else afternoon
        self.night = of_the_night(self.lows) if night is None else night
        self.early = names_early(self.lows) if early is None else early
        self.four_digit = four_digit
        self.last_clock = None

    def low(self, i: int) -> str:
        return self.lows[i] if 0 <= i < len(self.lows) else ""

    def number(self, i: int, max_tokens: int | None = None) -> NumberMatch | None:
        if i >= len(self.tokens):
            return None
        return parse_number_words(self.lows, i, max_tokens=max_tokens)

    def match(self, i: int) -> _Match | None:
        for idiom in IDIOMS:
            if tuple(self.lows[i : i + len(idiom)]) == idiom:
                return _Match(i + len(idiom), None)
        return self.clock(i) or self.quantity(i)

    # -- units -------------------------------------------------------------------------------
    def unit(self, i: int) -> tuple[str, int] | None:
        for size in range(_UNIT_MAX, 0, -1):
            key = tuple(self.lows[i : i + size])
            if len(key) == size and key in UNITS:
                return UNITS[key], i + size
        return None

    def per(self, i: int) -> tuple[str, int] | None:
        """A rate denominator: "per minutt", "pr. time", "/min", "i minuttet" → ("min", end)."""
        word = self.low(i)
        if word == "i" and self.low(i + 1) in PER_DEFINITE:
            return PER_DEFINITE[self.low(i + 1)], i + 2
        if word in PER_WORDS:
            j = i + 2 if word == "pr" and self.low(i + 1) == "." else i + 1
            if self.low(j) in PER:
                return PER[self.low(j)], j + 1
        return None

    def per_minute(self, i: int) -> int | None:
        """End of "slag i minuttet", "i minuttet", "per minutt", "/min" at ``i``."""
        j = i + 1 if self.low(i) in RATE_NOUNS else i
        rate = self.per(j)
        return rate[1] if rate is not None and rate[0] == "min" else None

    def after_dose(self, i: int) -> bool:
        return self.low(i - 1) in _DOSE_UNITS or self.low(i - 1) in DOSE_NOUNS

    def unit_follows(self, i: int) -> bool:
        return (
            self.unit(i) is not None or self.low(i) in DOSE_NOUNS or self.per_minute(i) is not None
        )

    # -- numbers -----------------------------------------------------------------------------
    def parse_quantity(self, i: int) -> tuple[Quantity, int] | None:
        """A number at ``i`` and the index after it."""
        q = parse_quantity(self.lows, i)
        return None if q is None else (q, i + q.length)

    def date_like(self, i: int) -> bool:
        """ "17.5." or "12.05." (a dot right after "N.N"): a date, neither decimal nor time."""
        tokens = self.tokens
        return (
            "." in tokens[i].text
            and i + 1 < len(tokens)
            and tokens[i + 1].text == "."
            and tokens[i + 1].start == tokens[i].end
        )

    def quantity(self, i: int) -> _Match | None:
        found = None if self.date_like(i) else self.parse_quantity(i)
        if found is None:
            return None
        q, j = found
        if (tenth := self.spoken_tenth(q, i, j)) is not None:
            return tenth
        if (bp := self.blood_pressure(q, j)) is not None:
            return bp
        if (unit := self.unit(j)) is not None:
            symbol, k = unit
            if symbol == _DEGREES:
                low, high = _BODY_TEMPERATURE
                symbol = "°C" if not q.integer or low <= q.value <= high else "°"
            if symbol == "°":
                return _Match(k, f"{q.text}°")
            if (rate := self.per(k)) is not None and symbol not in ("%", "°C", "mmol/l"):
                return _Match(rate[1], f"{q.text} {symbol}/{rate[0]}")
            return _Match(k, f"{q.text} {symbol}")
        if (k := self.per_minute(j)) is not None:
            # a breath noun stays, or "ca 8 åndedrag i minuttet" would read as any rate
            noun = self.tokens[j].text if self.low(j) in BREATH_NOUNS else ""
            return _Match(k, f"{q.text} {noun}/min" if noun else f"{q.text}/min")
        if q.article_only and not (self.low(j) in DOSE_NOUNS or self.range_follows(j)):
            return None  # "en pasient": an article, not a count
        return _Match(j, q.text)

    def spoken_tenth(self, q: Quantity, i: int, j: int) -> _Match | None:
        """ "feber på trettiåtte og fem" → 38,5: a body temperature said with "og" and one
        digit, only after a temperature word ("to og tre" elsewhere stays a list)."""
        low, high = _BODY_TEMPERATURE
        if not (q.integer and low <= q.value <= high and self.low(j) == "og"):
            return None
        if not any(self.low(k) in TEMPERATURE_WORDS for k in range(max(0, i - 4), i)):
            return None
        tenth = self.number(j + 1, max_tokens=1)
        if tenth is None or not 1 <= tenth.value <= 9 or tenth.article_only:
            return None
        unit = self.unit(j + 2)
        if unit is not None and unit[0] in ("°C", _DEGREES):
            return _Match(unit[1], f"{q.text},{tenth.value} °C")
        if self.unit_follows(j + 2):
            return None
        return _Match(j + 2, f"{q.text},{tenth.value}")

    def range_follows(self, j: int) -> bool:
        """ "en til to", "ei eller to", "en-to": the lone article starts a range of numbers."""
        if self.low(j) not in RANGE_WORDS:
            return False
        found = self.parse_quantity(j + 1)
        return found is not None and not found[0].article_only

    def blood_pressure(self, q: Quantity, j: int) -> _Match | None:
        if not q.integer or q.article_only or self.low(j) not in ("over", "/"):
            return None
        found = self.parse_quantity(j + 1)
        if found is None or not found[0].integer:
            return None
        d, end = found
        (s_lo, s_hi), (d_lo, d_hi) = _BP_SYSTOLIC, _BP_DIASTOLIC
        if not (s_lo <= q.value <= s_hi and d_lo <= d.value <= d_hi and q.value > d.value):
            return None
        unit = self.unit(end)
        if unit is not None and unit[0] == "mmHg":
            return _Match(unit[1], f"{q.text}/{d.text} mmHg")
        if unit is not None or self.per_minute(end) is not None:
            return None  # "hundre over åtti prosent" is not a blood pressure
        return _Match(end, f"{q.text}/{d.text}")

def normalize_spoken(text: str, *, evening: bool | None = None, four_digit: bool = False,
                     afternoon: bool | None = None, night: bool | None = None,
                     early: bool | None = None) -> NormalizedText:
    """Spoken Norwegian numbers, units and clock times → written forms, with an offset map.
    ``evening``: whether the whole of which ``text`` is a part speaks of the evening only
    (None: decided from ``text``); ``four_digit``: "kl 2100" is 21:00 (see ``clock``);
    ``afternoon``, ``night``, ``early``: likewise, whether it is said in the daytime or the
    night, or names the morning or the night (``speaks_of_afternoon``, ``speaks_of_night``,
    ``speaks_of_early``)."""
    tokens = tokenize(text)
    scanner = _Scanner(tokens, evening, four_digit, afternoon, night, early)
    builder = _Builder(text)
    i = 0
    while i < len(tokens):
        found = scanner.match(i)
        if found is None:
            i += 1
            continue
        if found.text is None or builder.replace(
            tokens[i].start, tokens[found.end - 1].end, found.text
        ):
            i = found.end
        else:
            i += 1
    return builder.finish()
