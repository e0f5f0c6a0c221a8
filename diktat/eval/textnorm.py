"""Norwegian text normalisation for WER and CER, and references with orthographic alternatives.

A reference and a transcript are compared only after both have passed through the same steps, so
that a written "37,5" and a spoken "trettisju komma fem", or "kl. 07.30" and "klokka halv åtte",
count as the same words. The steps, in order (each a small named jiwer transform):

1. ``DetachFinalDots`` — a full stop that ends a sentence right after a number is split off
   ("Temp 37.5. Puls" → "Temp 37.5 . Puls"; likewise at the end of the text), so the number is
   read as a decimal or a time, not as a date ("17.5." stays a date only inside a sentence).
2. ``SpokenForms`` — :func:`diktat.norsk.normalize.normalize_spoken`, bokmål and nynorsk:
   spoken numbers become digits ("hundre og førti" → "140", "tjuge" → "20"), decimals get the
   decimal comma ("trettisju komma fem", "37.5" → "37,5"), blood pressure "S over D" → "S/D",
   units after a number get one symbol ("fem milligram" → "5 mg", "nittito prosent", "92%" →
   "92 %", "37,5 grader" → "37,5 °C", "åttifire slag i minuttet" → "84/min"), and clock times
   become HH:MM with "kl."/"klokka"/"klokken" dropped ("klokka halv åtte", "kl. 7.30", "07.30",
   "7:30" → "07:30"). Ordinals, "en pasient", "tusen takk" and dates stay as written.
3. ``ToLowerCase`` — lower case (after step 2, which writes "mmHg", "IE", "°C").
4. ``NumberRanges`` — a dash between two numbers is the word "til" ("1-2 tabletter" →
   "1 til 2 tabletter", as "en til to tabletter" becomes in step 2).
5. ``RemovePunctuation`` — every punctuation mark and symbol becomes a space, except: "," "."
   ":" "/" between two digits (37,5 · 07:30 · 140/80 · 17.05.2024), "/" before a rate
   denominator ("84/min", "mmol/l", "mg/kg"), and the unit symbols "%" and "°". Letters (æ ø å
   included) and digits are kept; "1. Paracet" → "1 paracet", "Albyl-E" → "albyl e".
6. ``RemoveMultipleSpaces`` and ``Strip`` — whitespace collapsed to single spaces.
7. ``UnitWords`` — a unit word standing alone gets its symbol too ("milligram" → "mg",
   "prosent" → "%"); "grader" and "enheter" (also ordinary words) are left.

``NORWEGIAN`` ends with jiwer's ``ReduceToListOfListOfWords`` and ``NORWEGIAN_CHARS`` with
``ReduceToListOfListOfChars`` (spaces count as characters, as in jiwer), so both can be passed as
``reference_transform``/``hypothesis_transform`` to ``jiwer.process_words`` /
``jiwer.process_characters``; :func:`normalize` returns the normalised string.

Alternatives. A reference may mark spellings that are all correct, in the syntax of the
``altwer`` package: ``[matta|matten]``, several words ``[i dag|idag]``, or an optional word
``[eh|]``. :func:`parse_reference` normalises each variant on its own (so write a whole
expression inside a group: ``[halv åtte|07:30]``, not ``klokka [halv|...]``), and
:meth:`Reference.resolve` picks, for a given hypothesis, the variants with the fewest word
errors — the minimum over all combinations, computed exactly by one edit-distance pass over the
reference as a lattice rather than by expanding the combinations.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import jiwer

from diktat.norsk.normalize import PER, UNITS, normalize_spoken

__all__ = [
    "NORWEGIAN",
    "NORWEGIAN_CHARS",
    "NORWEGIAN_TEXT",
    "DetachFinalDots",
    "NumberRanges",
    "Reference",
    "RemovePunctuation",
    "Slot",
    "SpokenForms",
    "UnitWords",
    "normalize",
    "parse_reference",
]

_FINAL_DOT = re.compile(r"(?<=\d)\.(?=\s+[A-ZÆØÅ]|\s*$)")
_RANGE_DASH = re.compile(r"(?<=\d)\s*[-–]\s*(?=\d)")
_KEPT_MARK = re.compile(
    r"(?<=\d)[,.:/](?=\d)|(?<=\w)/(?=(?:" + "|".join(sorted(set(PER.values()))) + r")\b)"
)
_KEPT_SYMBOLS = frozenset("%°")
# Unit words that never mean anything else; their symbols as step 2 writes them after a number.
_STANDALONE_UNITS = frozenset({"mg", "mikrog", "g", "kg", "ml", "dl", "l", "%", "mmol", "mm", "cm"})
_UNIT_SYMBOL = {
    key[0]: symbol for key, symbol in UNITS.items() if len(key) == 1 and symbol in _STANDALONE_UNITS
}


class DetachFinalDots(jiwer.AbstractTransform):
    """ "Temp 37.5." → "Temp 37.5 .": a sentence's full stop is not part of the number."""

    def process_string(self, s: str) -> str:
        return _FINAL_DOT.sub(" .", s)


class SpokenForms(jiwer.AbstractTransform):
    """Spoken numbers, units and clock times → digits and symbols (``normalize_spoken``)."""

    def process_string(self, s: str) -> str:
        return normalize_spoken(s).text


class NumberRanges(jiwer.AbstractTransform):
    """ "1-2" → "1 til 2"."""

    def process_string(self, s: str) -> str:
        return _RANGE_DASH.sub(" til ", s)


class RemovePunctuation(jiwer.AbstractTransform):
    """Punctuation and symbols → spaces, except inside numbers, in rate units, and % and °."""

    def process_string(self, s: str) -> str:
        return "".join(
            " " if _is_punctuation(ch) and not _KEPT_MARK.match(s, i) else ch
            for i, ch in enumerate(s)
        )


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS" and ch not in _KEPT_SYMBOLS


class UnitWords(jiwer.AbstractTransform):
    """A lone unit word → its symbol ("milligram" → "mg"), as after a number."""

    def process_string(self, s: str) -> str:
        return " ".join(_UNIT_SYMBOL.get(word, word) for word in s.split(" "))


_STEPS: list[jiwer.AbstractTransform] = [
    DetachFinalDots(),
    SpokenForms(),
    jiwer.ToLowerCase(),
    NumberRanges(),
    RemovePunctuation(),
    jiwer.RemoveMultipleSpaces(),
    jiwer.Strip(),
    UnitWords(),
]
NORWEGIAN_TEXT = jiwer.Compose(_STEPS)
"""String → normalised string (steps 1–7)."""
NORWEGIAN = jiwer.Compose([*_STEPS, jiwer.ReduceToListOfListOfWords()])
"""String(s) → lists of words: a ``reference_transform``/``hypothesis_transform`` for WER."""
NORWEGIAN_CHARS = jiwer.Compose([*_STEPS, jiwer.ReduceToListOfListOfChars()])
"""String(s) → lists of characters: the same steps, for CER."""


def normalize(text: str) -> str:
    """``text`` after steps 1–7: "Klokka halv åtte fikk hun fem milligram." → "07:30 fikk hun
    5 mg"."""
    return NORWEGIAN_TEXT(text)


# --- references with alternatives --------------------------------------------------------------
Slot = tuple[tuple[str, ...], ...]
"""What one reference position accepts: one or more normalised word sequences (maybe empty)."""

_GROUP = re.compile(r"\[([^\[\]]*)\]")
_PLACEHOLDER = 0xE000  # private-use characters: each survives every step as a word of its own


@dataclass(frozen=True, slots=True)
class Reference:
    """A normalised reference: one slot per plain word or per group of alternatives."""

    slots: tuple[Slot, ...]

    @property
    def has_alternatives(self) -> bool:
        return any(len(slot) > 1 or len(slot[0]) != 1 for slot in self.slots)

    def resolve(self, hypothesis: Sequence[str]) -> tuple[str, ...]:
        """The reference words, choosing in each group the variant that leaves the fewest word
        errors against ``hypothesis`` (normalised words); the first such variant on a tie."""
        if not self.has_alternatives:
            return tuple(slot[0][0] for slot in self.slots)
        return _best_choice(self.slots, hypothesis)


def parse_reference(text: str) -> Reference:
    """``text`` with ``[a|b]`` groups → a :class:`Reference` with every variant normalised."""
    groups: list[Slot] = []

    def hold(match: re.Match[str]) -> str:
        variants = (tuple(normalize(v).split()) for v in match[1].split("|"))
        groups.append(tuple(dict.fromkeys(variants)))
        return f" {chr(_PLACEHOLDER + len(groups) - 1)} "

    words = normalize(_GROUP.sub(hold, text)).split()
    return Reference(tuple(_slot(word, groups) for word in words))


def _slot(word: str, groups: Sequence[Slot]) -> Slot:
    index = ord(word) - _PLACEHOLDER if len(word) == 1 else -1
    return groups[index] if 0 <= index < len(groups) else ((word,),)


# Edit distance against a lattice: a row holds, for every hypothesis prefix, the fewest errors
# up to a point of the reference. A slot's output row is the minimum of its variants' last rows
# (a minimum of valid rows is one), so the pass costs one row per reference word of any variant.
def _best_choice(slots: Sequence[Slot], hyp: Sequence[str]) -> tuple[str, ...]:
    row = list(range(len(hyp) + 1))
    trace: list[list[list[list[int]]]] = []  # per slot, per variant: its rows, entry row first
    for slot in slots:
        variant_rows = [_rows(row, variant, hyp) for variant in slot]
        trace.append(variant_rows)
        row = [min(column) for column in zip(*(rows[-1] for rows in variant_rows), strict=True)]
    chosen: list[tuple[str, ...]] = []
    j = len(hyp)
    for slot, variant_rows in zip(reversed(slots), reversed(trace), strict=True):
        best = min(rows[-1][j] for rows in variant_rows)
        k = next(k for k, rows in enumerate(variant_rows) if rows[-1][j] == best)
        chosen.append(slot[k])
        j = _entry_column(variant_rows[k], slot[k], hyp, j)
    return tuple(word for variant in reversed(chosen) for word in variant)


def _rows(entry: list[int], words: Sequence[str], hyp: Sequence[str]) -> list[list[int]]:
    rows = [entry]
    for word in words:
        prev = rows[-1]
        new = [prev[0] + 1]
        for j, h in enumerate(hyp, 1):
            new.append(min(prev[j] + 1, prev[j - 1] + (word != h), new[j - 1] + 1))
        rows.append(new)
    return rows


def _entry_column(
    rows: Sequence[list[int]], words: Sequence[str], hyp: Sequence[str], j: int
) -> int:
    """Walk an optimal path back through one variant's rows from column ``j`` to its entry."""
    k = len(words)
    while k > 0:
        cur, prev = rows[k], rows[k - 1]
        if j > 0 and cur[j] == prev[j - 1] + (words[k - 1] != hyp[j - 1]):
            k, j = k - 1, j - 1  # hit or substitution
        elif cur[j] == prev[j] + 1:
            k -= 1  # deletion
        else:
            j -= 1  # insertion
    return j
