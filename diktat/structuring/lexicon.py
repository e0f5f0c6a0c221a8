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

The second half of this module is the clinical cue vocabulary (bokmål and nynorsk) that the
rules read notes with and that grounding checks values against: negation, dose units, routes,
administration status, reasons and effects, area keywords, spoken headings, ISBAR and deviation
cues. (Vital-sign words are in ``news2``.)
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
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

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

def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


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
skinne bypass protein
""")

_FOLDS = (
    ("ph", "f"), ("th", "t"), ("ch", "k"), ("ck", "k"), ("qu", "kv"), ("q", "k"), ("w", "v"),
    ("é", "e"), ("è", "e"), ("ü", "y"), ("ä", "æ"), ("ö", "ø"),
)
_C_SOFT = re.compile(r"c(?=[eiy])")
_NON_LETTER = re.compile(r"[^0-9a-zæøå]")
_DOUBLE = re.compile(r"(.)\1+")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W_]+)*")


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
    name: str  # canonical name
    start: int  # span of the match in the searched text
    end: int
    text: str  # the text as written there
    score: float  # 100 for the same sound key


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
                    continue
                found = self._lookup(sound_key(phrase), multi=size > 1)
                if found is not None and (best is None or found[1] >= best[1]):
                    best = (found[0], found[1], size)
            if best is None:
                i += 1
                continue
            name, score, size = best
            start, end = words[i].start(), words[i + size - 1].end()
            out.append(DrugMatch(name, start, end, text[start:end], score))
            i += size
        return out

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


# --- clinical cue words (bokmål and nynorsk) ----------------------------------------------------
# The rules read notes with these, and grounding checks an LLM's values against the same words.
def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


WORD = re.compile(r"[^\W\d_]+")
CLOCK = re.compile(r"(?<!\d)(?<!\d:)(?:[01]?\d|2[0-4]):[0-5]\d(?!\d|:\d)")
SENTENCE_END = re.compile(
    r"(?P<dot>[.!?])(?=\s|$)\s*|[;\n]\s*|\s*(?<!\w)(?:punktum|ny linje|nytt avsnitt)(?!\w)[.,]?\s*",
    re.IGNORECASE,
)
ABBREVIATION = re.compile(
    r"(?:^|[^\w.])(?:kl|ca|evt|bl\.a|f\.eks|dvs|osv|pr|nr|jf|stk|tbl|ev|[^\W\d_])\.$",
    re.IGNORECASE,
)
CLAUSE_SEP = re.compile(r",?\s+(?:og|men|mens|samt)\s+|,\s+", re.IGNORECASE)
_SUBCLAUSE = re.compile(r"[,;]|(?<!\w)(?:men|mens)(?!\w)", re.IGNORECASE)
NEGATION = _rx("ikke", "ikkje", "ingen", "inga", "intet", "ingenting", "inkje", "aldri",
               "verken", "benekter", "avkrefter")

# Medication: dose, route, status, reason, effect.
_UNITS = {
    "mg": "mg", "g": "g", "mikrog": "mikrog", "ml": "ml", "ie": "IE", "mmol": "mmol",
    **dict.fromkeys(["tablett", "tabletter", "tbl", "tablettar"], "tablett"),
    **dict.fromkeys(["brusetablett", "brusetabletter"], "brusetablett"),
    **dict.fromkeys(["kapsel", "kapsler", "kapslar"], "kapsel"),
    **dict.fromkeys(["dråpe", "dråper", "dropar"], "dråpe"),
    **dict.fromkeys(["stikkpille", "stikkpiller"], "stikkpille"),
    **dict.fromkeys(["ampulle", "ampuller", "ampullar"], "ampulle"),
    **dict.fromkeys(["pose", "poser", "posar"], "pose"),
    **dict.fromkeys(["dose", "doser", "dosar"], "dose"),
    "puff": "puff", "plaster": "plaster",
}  # fmt: skip
UNIT_FORMS: dict[str, tuple[str, ...]] = {}
for _form, _unit in _UNITS.items():
    UNIT_FORMS.setdefault(_unit, ())
    UNIT_FORMS[_unit] += (_form,)
DOSE = re.compile(
    r"(?<![\w,])(?P<n>\d+(?:,\d+)?) ?(?P<u>" + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)


def unit_of(said: str) -> str:
    return _UNITS[said.casefold()]


ROUTE_CUES = {
    "po": _rx("peroralt", "per os", r"p\.o\.?", "po", "oralt", "i munnen", "via munnen"),
    "sc": _rx("subkutant", "subcutant", r"s\.c\.?", "sc", "under huden"),
    "iv": _rx("intravenøst", r"i\.v\.?", "iv", "i venen", "i blodåra"),
    "im": _rx("intramuskulært", r"i\.m\.?", "im", "i muskelen"),
    "rectal": _rx("rektalt", "stikkpiller?", "i endetarmen", "klyster"),
    "sublingual": _rx("sublingualt", "under tunga", "under tungen", "resoriblett\\w*"),
    "inhaled": _rx("inhalert", r"inhalasjon\w*", "forstøver\\w*", "puff"),
    "transdermal": _rx("transdermalt", "plaster", "depotplaster"),
    "topical": _rx("på huden", "utvortes", "smurt", "påført"),
}


def _first_cue(cues: dict[str, re.Pattern[str]], text: str, start: int, end: int | None
               ) -> tuple[str, re.Match[str]] | None:
    for name, rx in cues.items():
        if (m := rx.search(text, start, len(text) if end is None else end)) is not None:
            return name, m
    return None


def find_route(text: str, start: int = 0, end: int | None = None
               ) -> tuple[str, re.Match[str]] | None:
    return _first_cue(ROUTE_CUES, text, start, end)


# "ga god effekt" and "fikk resept på" say nothing about a dose being given.
_EFFECT_WORDS = (r"(?! (?:god|bra|ingen|noe|lite|litt|dårlig|effekt|lindring|bedring|resept)"
                 r"(?!\w))")
STATUS_CUES = {  # checked in this order: a refusal or omission outranks "gitt" nearby
    "not_given": _rx(r"(?:ikke|ikkje) (?:blitt |vorte )?(?:gitt|gjeve|tatt|fått|gi)",
                     r"(?:ble|vart|blei) (?:ikke|ikkje) gitt", r"(?:fikk|fekk|ga|gav|tok) "
                     r"(?:ikke|ikkje)", "utelatt", "utelate", "holdt tilbake", "glemt"),
    "refused": _rx(r"nekt(?:et|a|er|ar)", r"ville (?:ikke|ikkje) ta", r"ønsket (?:ikke|ikkje)",
                   r"spytt(?:et|a) ut", "avslo", "avslått"),
    "prn": _rx("ved behov", r"v\.b\.?", "vb", "etter behov", r"behovsmedisin\w*",
               r"behovsdose\w*", "prn"),
    "given": _rx(rf"(?:gitt|gjeve|ga|gav|fikk|fekk|har fått|fått|tatt|tok){_EFFECT_WORDS}",
                 "inntatt", "administrert", r"satt(?= \w)", "injisert", r"påført",
                 r"lagt på", "svelget", r"delt ut", "utdelt"),
}


def find_status(text: str, start: int = 0, end: int | None = None
                ) -> tuple[str, re.Match[str]] | None:
    """The administration status said in ``text[start:end]`` and where, or None."""
    return _first_cue(STATUS_CUES, text, start, end)


NOT_ADMINISTERED = _rx("står på", "bruker", "brukar", r"fast(?:e)? medisin\w*", "ordinert",
                       "forordnet", r"resept\w*", r"seponer\w*", r"skal (?:ha|få|gis|starte|ta)",
                       r"kan (?:gis|få|ha)", "økes", "reduseres", r"trappes\w*", "planlagt")
REASON = re.compile(
    r"(?<!\w)(?:for|mot|pga\.?|på grunn av|grunna|grunnet) (?P<r>(?:sterke |kraftige |mye |"
    r"litt )?(?:smert\w*|vondt|uro|urolig\w*|angst\w*|kvalme|oppkast|søvnløshet|søvnvansker|"
    r"innsovning\w*|feber|tungpust\w*|dyspn\w*|obstipasjon|forstoppelse|diar\w*|kløe|hoste|"
    r"slim\w*|surkl\w*|anfall|kramper|hodepine|brystsmert\w*|magesmert\w*|ryggsmert\w*|"
    r"allergi\w*|pustebesvær|forvirring|agitasjon|infeksjon\w*|urinveisinfeksjon\w*|ødem\w*|"
    r"løs\w* (?:mage|avføring))"
    r"(?: i \w+)?)(?!\w)",
    re.IGNORECASE,
)
EFFECT = _rx(r"(?:god|bra|noe|litt|lite|ingen|dårlig|tilfredsstillende|delvis|full|fin) effekt"
             r"(?: etter [^,.;]{1,30}?(?=[,.;]|$))?", r"ut[ae]n effekt",
             r"effekt(?:en)? (?:var|er) \w+", r"hjalp (?:godt|bra|litt|noe|ikke|ikkje)",
             r"virket (?:godt|bra|ikke|ikkje)", r"smertelindr\w*")


# Areas: keyword stems per area (a sentence goes where its keywords are).
AREA_KEYWORDS = {area: _rx(*words) for area, words in {
    "respiration_circulation": (
        r"\w*pust\w*", r"dyspn\w*", r"host\w*", r"slim\w*", r"surkl\w*", r"pipe\w*", r"ødem\w*",
        "hoven", "hovne", "hovent", r"hevelse\w*", r"cyano\w*", "blek", r"klam\w*",
        r"kaldsvett\w*", r"hjertebank\w*", r"sirkulasjon\w*", "kalde hender", "kalde føtter",
        r"oksygen\w*", "kols"),
    "nutrition_fluids": (
        r"spis\w*", "åt", r"måltid\w*", r"frokost\w*", r"frukost\w*", r"middag\w*", r"lunsj\w*",
        r"kveldsmat\w*", "mat", "maten", r"matlyst\w*", r"appetitt\w*", r"drikk\w*", "drakk",
        r"drukke\w*", r"væske\w*", "vann", "kaffe", "saft", "juice", r"glass\w*",
        r"næring\w*", r"ernæring\w*", r"vekt\w*", "veid", r"kvalm\w*", r"oppkast\w*",
        r"kast(?:et|a) opp", r"svelg\w*", r"sonde\w*", r"brødskive\w*", "grøt", "suppe",
        r"tørst\w*", r"drakk\w*"),
    "elimination": (
        r"avføring\w*", r"urin\w*", r"vannlat\w*", r"tiss\w*", r"kateter\w*", r"bleie\w*",
        r"inkontinen\w*", r"obstip\w*", r"forstopp\w*", r"diar\w*", r"stomi\w*",
        r"toalett\w*", r"dobesøk\w*", "på do", "bekken", r"tarm\w*", r"blære\w*",
        "luft i magen", "løs mage"),
    "skin_wounds": (
        r"\w*sår(?:et|a|ene|ene|stell)?", r"hud\w*", r"rødme\w*", "rødhet", "rødt", "rød",
        r"bandasje\w*", r"forbinding\w*", r"kompress?\w*", r"eksem\w*", "kløe", "klør",
        r"utslett\w*", r"blåmerke\w*", r"hematom\w*", r"trykkpunkt\w*"),
    "activity_mobility": (
        r"mobilis\w*", r"rullator\w*", r"rullestol\w*", "gåstol", r"krykke\w*",
        r"gangfunksjon\w*", r"(?:går|gikk|gjekk|gått) (?:med|selv|sjølv|ute|rundt|tur|alene|"
        r"bort|til|fint|greit|dårlig|ustøtt)", "gange", r"forflytt?\w*", r"reis(?:e|te) seg",
        "oppegående", r"sengeliggende", r"fysioterap\w*", r"trening\w*", r"balanse\w*",
        r"personløfter\w*", "ustø", "ustødig", "støtte"),
    "sleep": (
        "sov", "sovet", r"sove\w*", r"søvn\w*", r"sovn(?:et|a)", r"innsovn\w*", "urolig natt",
        "lå våken", r"våken (?:i natt|om natta|om natten|store deler)", r"døgnrytme\w*",
        r"hvil(?:te|er|e)", r"kvil(?:te|er|e)"),
    "pain": (
        r"smert\w*", "vondt", r"vond\w*", r"verk(?:er|te|ing)?", r"øm\w*", "NRS", "VAS",
        "ubehag"),
    "cognition_mental": (
        r"forvirr\w*", r"desorient\w*", "orientert", "uro", r"urolig\w*", r"engstel\w*",
        r"angst\w*", "redd", r"trist\w*", "lei seg", r"humør\w*", "glad", "fornøyd",
        r"demen\w*", r"hukommelse\w*", r"glemsk\w*", "rolig", r"aggress\w*", r"utager\w*",
        r"vrangforestill\w*", r"hallusin\w*", r"delir\w*", r"rastløs\w*", "apatisk",
        "nedstemt", "deprimert", "sint", "irritabel", "klar og orientert", "roleg", r"uroleg\w*"),
    "communication": (
        "uttale", "forstår", r"hørsel\w*", r"høreapparat\w*", "hører dårlig", "briller",
        r"språk\w*", r"tolk\w*", r"kommunis\w*", r"afasi\w*", "utydelig tale",
        "gjør seg forstått", r"ordleting\w*"),
    "social_relatives": (
        r"datter\w*", r"dotter\w*", "dottera", "døtre", r"sønn\w*", "kona", "kone", "konen",
        r"ektemann\w*",
        "mannen hennes", r"ektefelle\w*", "pårørende", r"familie\w*", r"barnebarn\w*",
        r"venn\w*", r"venninne\w*", r"nabo\w*", r"søster\w*", r"bror\w*", "brødre",
        "besøk av", r"(?:fikk|fekk|hadde) besøk"),
}.items()}  # fmt: skip


def is_negated(clause: str, keywords: re.Pattern[str]) -> bool:
    """A negation before the area's first keyword, or right after it ("Smerter: ingen"), in the
    same part of the clause ("Ingen skader, men smerter i hofta" is not negated pain)."""
    first = keywords.search(clause)
    if first is None:
        return NEGATION.search(clause) is not None
    cuts = [m.end() for m in _SUBCLAUSE.finditer(clause, 0, first.start())]
    start = cuts[-1] if cuts else 0
    nxt = _SUBCLAUSE.search(clause, first.end())
    end = nxt.start() if nxt else len(clause)
    return any(m.start() < first.start() or m.start() - first.end() <= 12
               for m in NEGATION.finditer(clause, start, end))


# Sections: spoken headings, then cue words for sentences no area claims.
class Heading(NamedTuple):
    section: str | None = None  # outside a message
    part: str | None = None  # inside a message (ISBAR)
    area: str | None = None
    message: str | None = None  # starts a message to this recipient ("" = not named)


_MESSAGE_TO = ("lege", "legen", "fastlege", "fastlegen", "sykehjemslege", "sykehjemslegen",
               "tilsynslege", "tilsynslegen", "legevakt", "legevakten", "neste vakt",
               "kveldsvakt", "kveldsvakten", "nattevakt", "nattevakten", "dagvakt", "dagvakten")
def _indefinite(noun: str) -> str:
    """ "fastlegen" → "fastlege", "kveldsvakten" → "kveldsvakt"."""
    return noun[:-1] if noun.endswith("legen") else noun.removesuffix("en")


HEADINGS: dict[str, Heading] = {
    "tiltak": Heading("measures"), "utførte tiltak": Heading("measures"),
    "evaluering": Heading("evaluation"), "plan": Heading("plan"),
    "videre plan": Heading("plan"), "plan videre": Heading("plan"),
    "oppfølging": Heading("plan"), "avvik": Heading("deviation"),
    "hendelse": Heading("deviation"), "uønsket hendelse": Heading("deviation"),
    "situasjon": Heading("situation", "situation"), "årsak": Heading("situation"),
    "bakgrunn": Heading("situation", "background"),
    "vurdering": Heading("evaluation", "assessment"),
    "aktuell vurdering": Heading("evaluation", "assessment"),
    "råd": Heading("plan", "recommendation"), "anbefaling": Heading("plan", "recommendation"),
    "identifikasjon": Heading(part="identification", message=""),
    "identitet": Heading(part="identification", message=""),
    "isbar": Heading(message=""),
    **{f"{w} til {to}": Heading(message=_indefinite(to))
       for w in ("beskjed", "melding", "rapport") for to in _MESSAGE_TO},
    "vitale parametere": Heading(), "vitalia": Heading(), "målinger": Heading(),
    **{w: Heading(area=a) for a, ws in {
        "respiration_circulation": ("respirasjon", "sirkulasjon", "respirasjon og sirkulasjon"),
        "nutrition_fluids": ("ernæring", "væske", "ernæring og væske", "mat og drikke"),
        "elimination": ("eliminasjon",), "skin_wounds": ("hud", "sår", "hud og sår"),
        "activity_mobility": ("aktivitet", "mobilitet", "mobilisering"),
        "sleep": ("søvn", "søvn og hvile"), "pain": ("smerte", "smerter"),
        "cognition_mental": ("kognisjon", "psykisk", "psykisk helse"),
        "communication": ("kommunikasjon",), "social_relatives": ("sosialt", "pårørende"),
    }.items() for w in ws},
}  # fmt: skip
HEADING = re.compile(
    r"\s*(?P<h>" + "|".join(re.escape(h).replace(r"\ ", r"\s+")
                            for h in sorted(HEADINGS, key=len, reverse=True))
    + r")\s*(?:[:\-–,.]\s*|$)",
    re.IGNORECASE,
)
SECTION_CUES = {  # in this order
    "plan": _rx("skal", r"følg(?:es|e)? opp", r"oppfølging\w*", "plan", "videre", "neste vakt",
                r"i morgo?n", r"observeres", r"kontrolleres", r"ny (?:måling|kontroll|vurdering)",
                r"revurder\w*", "avtalt", "bestilt"),
    "evaluation": _rx(r"evaluer\w*", r"\w*effekt\w*", "bedring", "bedre", r"forverr\w*",
                      "uendret", "stabil", "som før", "virket", "lindret", "lindring"),
    "measures": _rx(r"hjalp\w*", "hjulpet", "hjelp til", "assistert", "assistanse", "stelt",
                    r"\w*stell\w*", r"dusj\w*", "vasket", "snudd", r"leir(?:et|a)",
                    "lagt om", "skiftet", "byttet", "tilkalt", "kontaktet", "ringte", "varslet",
                    "tilbudt", "smurt", "sjekket", "tømt", "dokumentert", "sendt"),
    "situation": _rx(r"\w*besøk", "tilsyn", "årsak", "grunnen", "henvendelse",
                     r"trygghetsalarm\w*", "alarm", "innkomst", "innlagt", "kom inn"),
}
ISBAR_CUES = {  # in this order
    "recommendation": _rx("ønsker", "ber om", "ber deg", "trenger", "foreslår", "forslag",
                          "kan du", "kan lege", "bør", "råd", r"anbefal\w*", "vil gjerne",
                          r"ordiner\w*", "skal vi", "kommer på tilsyn"),
    "assessment": _rx(r"vurder\w*", r"mistenk\w*", "tror", r"bekymr\w*", "virker", "inntrykk",
                      "usikker", "redd for", "kan være", "tyder på"),
    "background": _rx("bakgrunn", r"kjent med", r"diagnose\w*", "tidligere",
                      "bruker", "står på", r"operert", "historikk", "kjent"),
    "identification": _rx(r"ringer (?:fra|angående|om)", "heter", "født", "fødd",
                          r"fødselsdato", r"personnummer", r"rom \d+", "beboer",
                          r"jeg er sykepleier", "mitt navn", "gjelder"),
    "situation": _rx("ringer fordi", r"i dag", "i natt", "i kveld", "nå", "akutt", "plutselig",
                     "siden"),
}
DEVIATION = _rx("falt", "fallet", r"(?<!så )(?<!alle )(?<!hvert )fall", r"funnet på gulvet",
                r"lå på gulvet", "sklei", "skled", r"snubl(?:et|a)", r"veltet",
                r"feilmedisin\w*", "feil medisin", "feil dose", "feil legemiddel",
                r"glemt å gi", "dobbeltdose", "avvik", "avviksmelding", "uønsket hendelse")


def deviation_kind(text: str) -> str:
    if _rx("falt", "fallet", "fall", "gulvet", "sklei", "skled", r"snubl\w*").search(text):
        return "fall"
    if _rx(r"feilmedisin\w*", "feil medisin", "feil dose", "feil legemiddel", r"glemt å gi",
           "dobbeltdose", r"dosett\w*").search(text):
        return "medication"
    return "other"
