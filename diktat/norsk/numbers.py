"""Norwegian number words (bokmål and nynorsk) → integers.

The vocabulary is data (the tables below); the grammar is a small recursive-descent parser over
*atoms*. A token becomes atoms either directly ("tre", "hundre", "og", "140") or by splitting a
compound into known morphemes ("trettisju" → tretti + sju, "enogtjue" → en + og + tjue,
"tohundreogfemti" → to + hundre + og + femti). A compound counts as a number word only when its
morphemes parse as one whole number, so ordinary words that merely start with a number stem
("tiltak", "totalt", "tidligere", "femtiåring", "tiende") are never touched.

Grammar (both counting systems, words separate or compounded):

    below100  := UNIT [og TENS]        # old counting: "to og tjue" = 22, "syvogtretti" = 37
               | TEEN
               | TENS [UNIT]           # new counting: "tjueto", "tretti sju"
    below1000 := [below100] hundre [[og] below100]        # "hundre og førti", "femten hundre"
               | below100
    number    := [below1000] tusen [[og] below1000]       # "to tusen og tjue", "tusen fem hundre"
               | below1000 | null | DIGITS [hundre|tusen ...]

Pure digit tokens take part too, so Whisper's mixed output ("2 tusen", "hundre og 40") parses.
The indefinite articles "en/ett/et/ein/eitt/ei" are also the numeral 1; the parser reports a lone
article as ``article_only`` and leaves the decision (article or quantity) to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

__all__ = [
    "ARTICLES",
    "NumberMatch",
    "Quantity",
    "is_number_word",
    "parse_number_words",
    "parse_quantity",
    "spoken_number_to_int",
    "spoken_number_to_text",
]


class Kind(Enum):
    ZERO = "zero"
    UNIT = "unit"
    TEEN = "teen"
    TENS = "tens"
    HUNDRED = "hundred"
    THOUSAND = "thousand"
    AND = "and"
    DIGITS = "digits"


# --- vocabulary: bokmål and nynorsk spellings, both counting systems -------------------------
UNITS: dict[str, int] = {
    "en": 1, "én": 1, "ett": 1, "et": 1, "ein": 1, "éin": 1, "eitt": 1, "ei": 1,
    "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9,
}  # fmt: skip
TEENS: dict[str, int] = {
    "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "sjutten": 17, "atten": 18, "nitten": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "tjue": 20, "tyve": 20, "tjuge": 20, "tretti": 30, "tredve": 30, "førti": 40, "førr": 40,
    "fyrti": 40, "femti": 50, "seksti": 60, "sytti": 70, "sjuti": 70, "sjutti": 70,
    "søtti": 70, "åtti": 80, "nitti": 90,
}  # fmt: skip
MULTIPLIERS: dict[str, tuple[Kind, int]] = {
    "hundre": (Kind.HUNDRED, 100),
    "tusen": (Kind.THOUSAND, 1000),
}
ZERO_WORDS = frozenset({"null"})
AND_WORDS = frozenset({"og"})
# Words that are both the numeral 1 and an indefinite article (the stressed "én"/"éin" are not).
ARTICLES = frozenset({"en", "ett", "et", "ein", "eitt", "ei"})

_MORPHEMES: dict[str, tuple[Kind, int]] = {
    **{w: (Kind.UNIT, v) for w, v in UNITS.items()},
    **{w: (Kind.TEEN, v) for w, v in TEENS.items()},
    **{w: (Kind.TENS, v) for w, v in TENS.items()},
    **MULTIPLIERS,
}
# Morphemes allowed inside a compound word ("og" joins; "null" never compounds).
_COMPOUND_PARTS: dict[str, tuple[Kind, int]] = {**_MORPHEMES, "og": (Kind.AND, 0)}
_LONGEST_PART = max(map(len, _COMPOUND_PARTS))
HALF_WORDS = frozenset({"halvannen", "halvanna", "halvannan"})  # 1,5
_DIGITS_RE = re.compile(r"[0-9]+")
_DECIMAL_RE = re.compile(r"([0-9]+)([.,])([0-9]+)")


@dataclass(frozen=True, slots=True)
class NumberMatch:
    """A number found at the start of a token sequence."""

    value: int
    length: int  # tokens consumed
    article_only: bool = False  # a lone "en/ett/ei/..." that may just be an article


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number in its canonical written form, found at the start of a token sequence."""

    text: str  # "140", "37,5", "0,05" (Norwegian decimal comma)
    value: float
    length: int  # tokens consumed
    integer: bool
    article_only: bool = False  # see NumberMatch


@dataclass(frozen=True, slots=True)
class _Atom:
    kind: Kind
    value: int
    token: int  # index of the token it came from
    article: bool = False


class _Grammar:
    """Recursive descent over atoms; every rule returns (value, next_index) or None."""

    def __init__(self, atoms: Sequence[_Atom]) -> None:
        self.atoms = atoms

    def kind(self, i: int) -> Kind | None:
        return self.atoms[i].kind if i < len(self.atoms) else None

    def number(self, i: int) -> tuple[int, int] | None:
        kind = self.kind(i)
        if kind is None or kind is Kind.AND:
            return None
        if kind is Kind.ZERO:
            return 0, i + 1
        if kind is Kind.DIGITS:
            return self._digits(i)
        part = self.below1000(i)
        if part is not None and self.kind(part[1]) is Kind.THOUSAND:
            multiplier, j = part[0], part[1] + 1
        elif kind is Kind.THOUSAND:
            multiplier, j = 1, i + 1
        else:
            return part
        return self._tail(multiplier * 1000, j, self.below1000, 1000)

    def below1000(self, i: int) -> tuple[int, int] | None:
        part = self.below100(i)
        if part is not None and self.kind(part[1]) is Kind.HUNDRED:
            multiplier, j = part[0], part[1] + 1
        elif self.kind(i) is Kind.HUNDRED:
            multiplier, j = 1, i + 1
        else:
            return part
        return self._tail(multiplier * 100, j, self.below100, 100)

    def below100(self, i: int) -> tuple[int, int] | None:
        kind = self.kind(i)
        if kind is None:
            return None
        value = self.atoms[i].value
        if kind is Kind.UNIT:
            if self.kind(i + 1) is Kind.AND and self.kind(i + 2) is Kind.TENS:
                return value + self.atoms[i + 2].value, i + 3
            return value, i + 1
        if kind is Kind.TEEN:
            return value, i + 1
        if kind is Kind.TENS:
            if self.kind(i + 1) is Kind.UNIT:
                return value + self.atoms[i + 1].value, i + 2
            return value, i + 1
        return None

    def _digits(self, i: int) -> tuple[int, int]:
        value = self.atoms[i].value
        nxt = self.kind(i + 1)
        if nxt is Kind.THOUSAND and 0 < value < 1000:
            return self._tail(value * 1000, i + 2, self.below1000, 1000)
        if nxt is Kind.HUNDRED and 0 < value < 100:
            return self._tail(value * 100, i + 2, self.below100, 100)
        return value, i + 1

    def _tail(self, total: int, j: int, rule, cap: int) -> tuple[int, int]:
        """Add an optional "[og] <smaller number>" after hundre/tusen."""
        k = j + 1 if self.kind(j) is Kind.AND else j
        if self.kind(k) is Kind.DIGITS and self.atoms[k].value < cap:
            return total + self.atoms[k].value, k + 1
        rest = rule(k)
        if rest is None:
            return total, j
        return total + rest[0], rest[1]


@lru_cache(maxsize=4096)
def _segment(word: str) -> tuple[tuple[Kind, int], ...] | None:
    """Split one lower-case word into number morphemes, or None if it is not a number word."""
    if word in _MORPHEMES:
        return (_MORPHEMES[word],)
    for parts in _splits(word):
        atoms = [_Atom(kind, value, 0) for kind, value in parts]
        parsed = _Grammar(atoms).number(0)
        if parsed is not None and parsed[1] == len(atoms):
            return parts
    return None


def _splits(word: str):
    """All ways to write ``word`` as compound parts, longest first part first."""
    if not word:
        yield ()
        return
    for size in range(min(len(word), _LONGEST_PART), 0, -1):
        head = _COMPOUND_PARTS.get(word[:size])
        if head is not None:
            for rest in _splits(word[size:]):
                yield (head, *rest)


def is_number_word(word: str) -> bool:
    """True for a single token that is (part of) a spoken number: "tre", "trettisju", "hundre"."""
    low = word.lower()
    return low in ZERO_WORDS or _segment(low) is not None


def _atoms(tokens: Sequence[str], start: int, stop: int) -> list[_Atom]:
    atoms: list[_Atom] = []
    for k in range(start, stop):
        low = tokens[k].lower()
        if _DIGITS_RE.fullmatch(low):
            atoms.append(_Atom(Kind.DIGITS, int(low), k))
        elif low in AND_WORDS:
            atoms.append(_Atom(Kind.AND, 0, k))
        elif low in ZERO_WORDS:
            atoms.append(_Atom(Kind.ZERO, 0, k))
        elif (parts := _segment(low)) is not None:
            atoms.extend(_Atom(kind, v, k, low in ARTICLES) for kind, v in parts)
        else:
            break
    return atoms


def parse_number_words(
    tokens: Sequence[str], start: int = 0, *, max_tokens: int | None = None
) -> NumberMatch | None:
    """The longest number that starts at ``tokens[start]``, or None.

    ``tokens`` are words (any case) or pure digit strings, e.g. ``"hundre og førti over".split()``
    → ``NumberMatch(value=140, length=3)``. A match never ends inside a compound token.
    """
    stop = len(tokens) if max_tokens is None else min(len(tokens), start + max_tokens)
    atoms = _atoms(tokens, start, stop)
    limit = len(atoms)
    while limit > 0:
        parsed = _Grammar(atoms[:limit]).number(0)
        if parsed is None:
            return None
        value, end = parsed
        last = atoms[end - 1].token
        if end == len(atoms) or atoms[end].token != last:
            lone_article = end == 1 and atoms[0].article
            return NumberMatch(value, last - start + 1, lone_article)
        # The parse stopped inside a compound token: retry without that token.
        limit = next(k for k, atom in enumerate(atoms) if atom.token == last)
    return None


def spoken_number_to_int(text: str) -> int:
    """A whole spoken number as an int: "hundre og førti" → 140, "tjueen" → 21, "37" → 37.

    Raises ValueError unless all of ``text`` is one number (decimals are not integers).
    """
    tokens = text.replace("-", " ").split()
    match = parse_number_words(tokens) if tokens else None
    if match is None or match.length != len(tokens):
        raise ValueError(f"not a spoken Norwegian integer: {text!r}")
    return match.value


def parse_quantity(tokens: Sequence[str], start: int = 0) -> Quantity | None:
    """A whole or decimal number at ``tokens[start]`` in written form.

    "trettisju komma fem" → "37,5"; "37 komma 5", "37.5", "37,5" → "37,5"; "null komma null fem"
    → "0,05"; "to og en halv" → "2,5"; "halvannen" → "1,5"; "en halv" → "0,5" (article_only, since
    "en halv time" is a phrase). "1.500" (thousands or decimal?) and "14:30" are not quantities.
    """
    if start >= len(tokens):
        return None
    word = tokens[start]
    low = word.lower()
    if low in HALF_WORDS:
        return Quantity("1,5", 1.5, 1, integer=False)
    if (m := _DECIMAL_RE.fullmatch(word)) is not None:
        if m[2] == "." and len(m[3]) == 3:
            return None
        return Quantity(f"{m[1]},{m[3]}", float(f"{m[1]}.{m[3]}"), 1, integer=False)
    lows = [t.lower() for t in tokens[start : start + 64]]

    def at(k: int) -> str:
        return lows[k] if k < len(lows) else ""

    if low in ARTICLES and at(1) == "halv":
        return Quantity("0,5", 0.5, 2, integer=False, article_only=True)
    found = parse_number_words(lows)
    if found is None:
        return None
    j = found.length
    text = word if j == 1 and _DIGITS_RE.fullmatch(word) else str(found.value)
    if at(j) == "komma" and (fraction := _fraction(lows, j + 1)) is not None:
        digits, end = fraction
        return Quantity(f"{text},{digits}", float(f"{found.value}.{digits}"), end, integer=False)
    if at(j) == "og" and at(j + 1) in ARTICLES and at(j + 2) == "halv":
        return Quantity(f"{text},5", found.value + 0.5, j + 3, integer=False)
    return Quantity(text, found.value, j, integer=True, article_only=found.article_only)


def _fraction(lows: Sequence[str], i: int) -> tuple[str, int] | None:
    """The digits after "komma": "fem" → "5", "null fem" → "05", "tjuefem" → "25", "05" → "05"."""
    digits = ""
    while i < len(lows) and lows[i] == "null":
        digits, i = digits + "0", i + 1
    if i < len(lows) and _DIGITS_RE.fullmatch(lows[i]):
        digits, i = digits + lows[i], i + 1
    elif (found := parse_number_words(lows, i)) is not None and found.value > 0:
        digits, i = digits + str(found.value), i + found.length
        # said digit by digit: "tre komma sju fem" → 3,75
        while (found.length == 1 and found.value < 10 and len(digits) < 3 and i < len(lows)
               and (lows[i] in UNITS or lows[i] == "null")
               and not (i + 1 < len(lows) and lows[i + 1] in _COUNTED)):
            digits, i = digits + str(UNITS.get(lows[i], 0)), i + 1
    return (digits, i) if digits else None


# A digit word followed by these counts them ("to komma fem to ganger"): not a decimal digit.
_COUNTED = frozenset({"ganger", "gonger", "gongar", "gang", "gong", "dager", "dagar", "timer",
                      "timar", "uker", "veker", "tabletter", "tablettar", "stk",
                      # "seks komma to en halvtime senere" → 6,2
                      "dag", "døgn", "time", "halvtime", "halvtimen", "kvarter", "minutt",
                      "minutter", "minuttar", "uke", "veke", "tablett", "kopp", "glass",
                      "skive"})


def spoken_number_to_text(text: str) -> str:
    """A whole spoken number in written form: "trettisju komma fem" → "37,5", "tjue" → "20".

    Raises ValueError unless all of ``text`` is one number.
    """
    tokens = text.replace("-", " ").split()
    found = parse_quantity(tokens)
    if found is None or found.length != len(tokens):
        raise ValueError(f"not a spoken Norwegian number: {text!r}")
    return found.text
