"""The drug lexicon: canonical names, Whisper-tolerant matching, and the NorMedTerm importer.

Matching compares *sound keys*: lower case without spaces or hyphens, with the spellings Whisper
mixes up folded together (c/k/s, x/ks, z/s, qu/kv, ph/f, th/t, w/v, double letters), so
"Parasett", "paracett" and "Paracet" share the key "paraset", "Oksynorm" and "OxyNorm"
"oksynorm", "albyl e" and "Albyl-E" "albyle". Keys that differ a little more are compared by
edit distance (rapidfuzz), only between keys that start with the same letter: a five-letter key
may gain or lose one letter, a key of six to nine letters may also swap one letter for a
sound-alike (a vowel for a vowel, d/t, b/p, g/k, f/v, m/n), and from ten letters on two edits of
any kind pass ("Stesolit" → Stesolid, "Mirtazepin" → Mirtazapin). That keeps ordinary words out
("bruken" is not Brufen, "morgen" not Morfin); the few that still come close are listed in
``COMMON_WORDS`` (tests/test_structuring_lexicon.py runs the matcher over two real corpora).
Only the curated built-in list is matched fuzzily: imported names (NorMedTerm's FEST substances:
thousands, among them "Ginger", "Xtandi", "HUSK") match by sound key only, because fuzzy
matching against them turns ordinary words ("ganger", "stand") into drugs.

Lexicon files hold one drug per line, canonical name first, variants after "|"; "#" comments.

The clinical cue words the rules and grounding read notes with are in ``cues`` (vital-sign words
in ``news2``).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from diktat.structuring.cues import wordset
from diktat.structuring.drugnames import drug_like

__all__ = [
    "COMMON_WORDS",
    "DrugMatch",
    "ImportResult",
    "Lexicon",
    "import_normedterm",
    "sound_key",
    "write_lexicon",
]

FUZZY_MIN_LEN = 5
_SOUND_ALIKE = tuple(frozenset(c) for c in ("aeiouyæøå", "dt", "bp", "gk", "fv", "mn"))
MAX_WINDOW = 3  # words in a multi-word name ("Paralgin forte", "Selo Zok", "Albyl E")

# Ordinary words (bokmål and nynorsk) that are never a drug name, whatever their spelling says.
# Function words keep matching fast; the rest are words close to a drug name's sound key.
COMMON_WORDS = wordset("""
alle allerede altså andre at av bare begge blir ble blei da dag dagen de dei deg dem den denne
der deres det dette din du eg ei ein eit eller en enn er et etter fikk fekk for fordi fra frå
først ga gav god godt grunn gjennom går ha hadde han hans har hatt hele henne hennes her hjelp
ho hun hvis hvordan i igjen ikke ikkje inn ingen jeg kan kl klokka kom kunne kveld lenge litt
litt lite med meg men mer mindre mot morgen morgenen må natt nå når noe noen noko nokre og også
om opp oss over på på rundt samme seg selv sin sine skal slik som så til tid ut uten utan var
vart ved vi vil ville være vært
laktose parasitt parasitten flagell vesicae tablett tabletter medisin medisinen medisiner
smerter smerte husk balanse balansen ganger stand simplex omega jern fosfor kinin honning
glukose sukker salt kaffe melk vann oksygen luft alkohol absolutt antibiotika vitamin vitaminer
skinne bypass protein glukagonom paritet
""")

_FOLDS = (
    ("ph", "f"), ("th", "t"), ("ch", "k"), ("ck", "k"), ("qu", "kv"), ("q", "k"), ("w", "v"),
    ("é", "e"), ("è", "e"), ("ü", "y"), ("ä", "æ"), ("ö", "ø"),
)
_C_SOFT = re.compile(r"c(?=[eiy])")
_NON_LETTER = re.compile(r"[^0-9a-zæøå]")
_DOUBLE = re.compile(r"(.)\1+")
_WORD = re.compile(r"[^\W\d_]+\d*(?:-[^\W_]+)*")
# "Norspan-plasteret", "B12-injeksjon": a name joined to its form by a hyphen.
_FORM_AFTER = re.compile(r"-(?:plaster\w*|injeksjon\w*|sprøyte\w*|sprøyta|tablett\w*|"
                         r"dråpe\w*|dråper|drops|mikstur\w*|inhalator\w*|spray\w*)$",
                         re.IGNORECASE)


@lru_cache(maxsize=65536)
def sound_key(text: str) -> str:
    """How a name sounds, in letters: "Paracet" → "paraset", "OxyNorm" → "oksynorm"."""
    s = text.casefold()
    for a, b in _FOLDS:
        s = s.replace(a, b)
    s = _NON_LETTER.sub("", s)
    if s.startswith("x"):
        s = "s" + s[1:]
    s = _C_SOFT.sub("s", s).replace("c", "k").replace("x", "ks").replace("z", "s")
    return _DOUBLE.sub(r"\1", s)


@dataclass(frozen=True, slots=True)
class DrugMatch:
    name: str  # canonical name (for an unknown drug-like word: the word, capitalised)
    start: int  # span of the match in the searched text
    end: int
    text: str  # the text as written there
    score: float  # 100 for the same sound key, 0 for an unknown drug-like word

    @property
    def kind(self) -> str:
        """``exact`` (same sound key), ``close`` (edit distance) or ``unknown`` (not in the
        lexicon, but drug-like by its ending: ``drugnames.drug_like``)."""
        return "exact" if self.score >= 100 else "unknown" if self.score <= 0 else "close"


class Lexicon:
    """Canonical drug names and the variants that map to them, with fuzzy lookup."""

    def __init__(
        self, entries: Iterable[Sequence[str]], extra: Iterable[Sequence[str]] = ()
    ) -> None:
        """``entries`` match fuzzily as well as by sound; ``extra`` (imported) by sound only."""
        self._names: dict[str, str] = {}  # canonical casefold → canonical
        self._exact: dict[str, str] = {}  # sound key → canonical name
        self._multi: set[str] = set()  # keys of names said in more than one word
        self._buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for fuzzy, group in ((True, entries), (False, extra)):
            for names in group:
                self._add(names, fuzzy=fuzzy)

    def _add(self, names: Sequence[str], *, fuzzy: bool) -> None:
        canonical = names[0].strip()
        self._names.setdefault(canonical.casefold(), canonical)
        for name in names:
            key = sound_key(name)
            if len(key) < 3 or key in self._exact:
                continue
            self._exact[key] = canonical
            if len(name.replace("-", " ").split()) > 1:
                self._multi.add(key)
            elif fuzzy:
                self._buckets[key[0], len(key)].append(key)

    def __len__(self) -> int:
        return len(self._names)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._names.values(), key=str.casefold))

    @classmethod
    def builtin(cls) -> Lexicon:
        return _builtin()

    @classmethod
    def load(cls, *paths: Path, include_builtin: bool = True) -> Lexicon:
        """The built-in list plus the files that exist among ``paths`` (missing ones skipped)."""
        extra: list[tuple[str, ...]] = []
        for path in paths:
            if path.is_file():
                extra.extend(parse_lexicon(path.read_text(encoding="utf-8")))
        return cls(_builtin_entries() if include_builtin else (), extra)

    def match(self, text: str) -> DrugMatch | None:
        """``text`` (a word or a short phrase) as a whole read as a drug name, or None."""
        multi = len(text.replace("-", " ").split()) > 1
        if not multi and re.fullmatch(r"[^\W\d_]+\d+", text) and sound_key(text) in self._exact:
            return DrugMatch(self._exact[sound_key(text)], 0, len(text), text, 100.0)  # "B12"
        if not multi and (len(text) < 4 or text.casefold() in COMMON_WORDS):
            return None
        found = self._lookup(sound_key(text), multi=multi)
        if found is None:
            return None
        return DrugMatch(found[0], 0, len(text), text, found[1])

    def find(self, text: str) -> list[DrugMatch]:
        """Every drug name in running text, longest names first where they overlap."""
        words = list(_WORD.finditer(text))
        out: list[DrugMatch] = []
        i = 0
        while i < len(words):
            best: tuple[str, float, int] | None = None
            for size in range(1, MAX_WINDOW + 1):
                if i + size > len(words):
                    break
                if size > 1 and text[words[i + size - 2].end() : words[i + size - 1].start()
                                      ].strip(" -"):
                    break  # a name does not run across punctuation
                phrase = text[words[i].start() : words[i + size - 1].end()]
                if size == 1 and (len(phrase) < 4 or phrase.casefold() in COMMON_WORDS):
                    if re.fullmatch(r"[^\W\d_]+\d+", phrase) and sound_key(phrase) in self._exact:
                        best = (self._exact[sound_key(phrase)], 100.0, 1)  # "B12"
                    continue
                found = self._lookup(sound_key(phrase), multi=size > 1)
                if found is not None and (best is None or found[1] >= best[1]):
                    best = (found[0], found[1], size)
            if best is None:
                word = words[i].group()
                if (form := _FORM_AFTER.search(word)) is not None and (
                        part := self._part(word[: form.start()])) is not None:
                    start = words[i].start()
                    out.append(DrugMatch(part[0], start, start + form.start(),
                                         word[: form.start()], part[1]))
                    i += 1
                    continue
                if drug_like(word):  # "propranolol": a drug, though not in the list
                    name = word[:1].upper() + word[1:]
                    out.append(DrugMatch(name, words[i].start(), words[i].end(), word, 0.0))
                i += 1
                continue
            name, score, size = best
            start, end = words[i].start(), words[i + size - 1].end()
            out.append(DrugMatch(name, start, end, text[start:end], score))
            i += size
        return out

    def _part(self, said: str) -> tuple[str, float] | None:
        """The name before a hyphenated form word ("Norspan" of "Norspan-plaster")."""
        if (len(said) < 4 and not re.search(r"\d", said)) or said.casefold() in COMMON_WORDS:
            return None
        multi = len(said.replace("-", " ").split()) > 1
        return self._lookup(sound_key(said), multi=multi)

    def _lookup(self, key: str, *, multi: bool) -> tuple[str, float] | None:
        if key in self._exact:
            return self._exact[key], 100.0
        return None if multi else _fuzzy(self, key)


def _fuzzy(lex: Lexicon, key: str) -> tuple[str, float] | None:
    n = len(key)
    if n < FUZZY_MIN_LEN:
        return None
    candidates = [
        k
        for size in range(max(FUZZY_MIN_LEN, n - 2), n + 3)
        for k in lex._buckets.get((key[0], size), ())
    ]
    found = process.extract(
        key, candidates, scorer=Levenshtein.distance, score_cutoff=2, limit=None
    )
    best: tuple[str, float] | None = None
    for other, dist, _ in sorted(found, key=lambda f: f[1]):
        if _close_enough(key, other, int(dist)):
            score = 100.0 * (1 - dist / max(n, len(other)))
            if best is None or score > best[1]:
                best = (lex._exact[other], score)
    return best


def _close_enough(a: str, b: str, dist: int) -> bool:
    longest = max(len(a), len(b))
    if longest >= 10:
        return dist <= 2
    if dist != 1:
        return False
    if longest == FUZZY_MIN_LEN:
        return len(a) != len(b)
    ops = Levenshtein.editops(a, b)
    if ops[0].tag != "replace":
        return True
    x, y = a[ops[0].src_pos], b[ops[0].dest_pos]
    return any(x in group and y in group for group in _SOUND_ALIKE)


def parse_lexicon(text: str) -> list[tuple[str, ...]]:
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        names = tuple(n.strip() for n in line.split("|") if n.strip())
        if names:
            entries.append(names)
    return entries


@lru_cache(maxsize=1)
def _builtin_entries() -> tuple[tuple[str, ...], ...]:
    text = resources.files("diktat").joinpath("data/drugs_nb.txt").read_text(encoding="utf-8")
    return tuple(parse_lexicon(text))


@lru_cache(maxsize=1)
def _builtin() -> Lexicon:
    return Lexicon(_builtin_entries())


# --- NorMedTerm import --------------------------------------------------------------------------
# Dosage-form words in FEST product names: "Paracet Tab 500 mg" → "Paracet".
_FORM_WORDS = re.compile(
    r"\s+(?:tab|kaps|inj|inf|mikst|stikkpille|brusetab|smeltetab|depot\w*|enterotab|gel|pulv|"
    r"øyedr|øredr|nesespray|krem|salve|gran|plaster|spray|dråper|sirup|inhal\w*|liniment|"
    r"vagitorie|resoribl|sugetab|tyggetab|dosepose|oppl|konsentrat|depotplaster|munnhulespray|"
    r"pastill|liposomal|suspensjon|emulsjon|pasta|lotion|shampo|sjampo|smeltefilm|"
    r"rektalvæske|rektalsusp|infusjonsvæske)\b.*$",
    re.IGNORECASE,
)
_NAME_OK = re.compile(r"[^\W\d_]+(?:[ -][^\W\d_]+)?", re.UNICODE)
# FEST is the prescribing registry; MO (a medical dictionary) adds many non-drug words
# ("skinne", "bypass", "postnatal") and LABV laboratory analyses.
IMPORT_SOURCES = ("FEST",)


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: Path
    read: int  # SUBSTANCE rows from the chosen sources
    added: int  # new names written
    total: int  # names in the user lexicon now


def clean_substance(term: str) -> str | None:
    """A NorMedTerm SUBSTANCE term as a drug name a nurse might say, or None."""
    name = _FORM_WORDS.sub("", term.strip())
    name = re.split(r"\s+\d", name, maxsplit=1)[0].strip()
    if not _NAME_OK.fullmatch(name) or len(sound_key(name)) < 4:
        return None
    if name.casefold() in COMMON_WORDS:
        return None
    return name


def import_normedterm(
    csv_path: Path, dest: Path, sources: Sequence[str] = IMPORT_SOURCES
) -> ImportResult:
    """Add NorMedTerm's SUBSTANCE terms (tab-separated: term, category, source, ...) to ``dest``.

    Names already in the built-in list or in ``dest`` are skipped; ``dest`` is rewritten
    atomically. Raises ValueError on a file that is not NorMedTerm's format.
    """
    wanted = {s.upper() for s in sources}
    existing = parse_lexicon(dest.read_text(encoding="utf-8")) if dest.is_file() else []
    known = {sound_key(n) for names in (*_builtin_entries(), *existing) for n in names}
    new: dict[str, str] = {}
    read = 0
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row_no, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or not row[0].strip():
                continue
            if len(row) < 3:
                raise ValueError(
                    f"line {row_no}: expected tab-separated columns term, category, source"
                )
            if row[1].strip().upper() != "SUBSTANCE" or row[2].strip().upper() not in wanted:
                continue
            read += 1
            name = clean_substance(row[0])
            if name is not None and (key := sound_key(name)) not in known:
                new.setdefault(key, name)
    entries = [*existing, *((n,) for n in sorted(new.values(), key=str.casefold))]
    write_lexicon(dest, entries, header=f"Imported from {csv_path.name} ({', '.join(sources)})")
    return ImportResult(dest, read, len(new), len(entries))


def write_lexicon(dest: Path, entries: Iterable[Sequence[str]], header: str = "") -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {header}"] if header else []
    lines += [" | ".join(names) for names in entries]
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(dest)
