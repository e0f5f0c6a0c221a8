"""Drug names a nurse must check: unknown drug-like words, close matches, look-alike pairs.

- **Unknown drug-like words**: a word the lexicon does not know that ends like a drug
  substance (-olol, -pril, -sartan, -statin, -prazol, -parin, -mab, -azepam, -oksacin,
  -cillin, -mycin, -tidin, -dipin, -gliptin, -flozin, ...) is still read as a drug (its dose
  and status are kept, under the name as said) and flagged as unknown.
- **Close matches**: a name matched by edit distance, not by sound ("Stesolit" ~ Stesolid), is
  shown as «hørt X — mente du Y?»; the note never states Y without that question.
- **Look-alike / sound-alike pairs** (``data/drug_lookalikes_nb.txt``: digoksin/digitoksin,
  Humalog/Humulin, NovoRapid/NovoMix, ...): always flagged, even when matched exactly.

``drug_checks(text, lexicon)`` lists them for a transcript, one per name said (first place).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from diktat.structuring.note import DrugNameCheck, Evidence

if TYPE_CHECKING:
    from diktat.structuring.lexicon import Lexicon

_SUFFIXES = (
    "olol", "alol", "pril", "sartan", "statin", "prazol", "parin", "mab", "azepam", "zepam",
    "zolam", "oksacin", "oxacin", "floxacin", "floksacin", "cillin", "cilin", "sillin", "mycin",
    "mysin", "micin", "tidin", "dipin", "gliptin", "flozin", "flosin", "gliflozin", "glutid",
    "lutid", "xaban", "ksaban", "gatran", "triptan", "setron", "tiazid", "profen", "fenak",
    "koksib", "coxib", "tropium", "prazin", "peridol", "triptylin", "oksetin", "oxetin", "alopram",
    "tiapin", "zapin", "sapin", "piprazol", "peridon", "dronat", "dronsyre", "kalsiferol",
    "lakton", "kortison", "metason", "nisolon", "nison", "sonid", "terol", "kodon", "morfon",
    "fentanil", "gabalin", "racetam", "trigin", "zepin", "sepin", "navir", "ciklovir",
    "kiklovir", "konazol", "nidazol", "fungin", "cyklin", "syklin", "tinib", "mycin",
)
DRUG_SUFFIX = re.compile(
    r"^[^\W\d_]{3,}(?:" + "|".join(sorted(set(_SUFFIXES), key=len, reverse=True)) + r")$",
    re.IGNORECASE)
# Ordinary words with a drug's ending.
_NOT_DRUGS = frozenset(["kolesterol", "kolesterolet", "kontroll", "kontrollen", "protokoll",
                        "alkohol", "glyserol", "sterol", "april"])


def drug_like(word: str) -> bool:
    """``word`` looks like a drug substance by its ending ("propranolol", "fondaparinuks"
    has none: it is in the built-in list)."""
    w = word.casefold()
    return (len(w) >= 6 and w not in _NOT_DRUGS and not w.endswith(("kolesterol", "kodon"))
            and DRUG_SUFFIX.match(w) is not None)


@lru_cache(maxsize=1)
def lookalikes() -> dict[str, tuple[str, ...]]:
    """A name's sound key (``lexicon.sound_key``) → the names it is easily confused with."""
    from diktat.structuring.lexicon import sound_key

    text = resources.files("diktat").joinpath("data/drug_lookalikes_nb.txt").read_text(
        encoding="utf-8")
    pairs: dict[str, list[str]] = defaultdict(list)
    for line in text.splitlines():
        names = [n.strip() for n in line.split("#", 1)[0].split("|") if n.strip()]
        for a in names:
            key = sound_key(a)
            pairs[key] += [b for b in names if b != a and b not in pairs[key]]
    return {k: tuple(v) for k, v in pairs.items()}


def drug_checks(text: str, lexicon: Lexicon) -> tuple[DrugNameCheck, ...]:
    """The drug names in ``text`` a nurse must check, in order, once per name."""
    from diktat.structuring.lexicon import sound_key

    out: list[DrugNameCheck] = []
    seen: set[tuple[str, str]] = set()
    confused = lookalikes()
    for d in lexicon.find(text):
        others = confused.get(sound_key(d.text)) or confused.get(sound_key(d.name), ())
        ev = Evidence(start=d.start, end=d.end, quote=d.text)
        if d.kind == "unknown":
            check = DrugNameCheck(kind="unknown", said=d.text, evidence=ev)
        elif d.kind == "close":
            check = DrugNameCheck(kind="close", said=d.text, suggestion=d.name,
                                  lookalikes=confused.get(sound_key(d.name), ()), evidence=ev)
        elif others:
            check = DrugNameCheck(kind="lookalike", said=d.text, suggestion=d.name,
                                  lookalikes=others, evidence=ev)
        else:
            continue
        key = (check.kind, sound_key(d.text) if others else d.name.casefold())
        if key not in seen:
            seen.add(key)
            out.append(check)
    return tuple(out)


def check_line(check: DrugNameCheck) -> str:
    """The check as the nurse reads it (bokmål)."""
    also = (f"; forveksles lett med {', '.join(check.lookalikes)}" if check.lookalikes else "")
    if check.kind == "unknown":
        return f"«{check.said}» ligner et legemiddel, men er ikke i legemiddellisten – kontroller"
    if check.kind == "close":
        return f"hørt «{check.said}» — mente du {check.suggestion}?{also}"
    return f"{check.suggestion}: forveksles lett med {', '.join(check.lookalikes)} – kontroller"
