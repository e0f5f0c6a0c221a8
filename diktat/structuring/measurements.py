"""Measurements a municipal nursing note needs beside the NEWS2 vital signs, and how they are said.

Blood glucose (mmol/l), INR, weight (kg), a pain score (NRS/VAS 0–10), fluid intake ("drakk
1200 ml", "væskeinntak 1,5 l"), urine output ("diurese 900 ml", "urinmengde 600 ml", "tømt 400
ml fra kateterposen") and fluid balance ("væskebalanse pluss 300 ml"); and the oxygen device
said with an SpO2 ("på 2 l O2 på nesebrille", "på maske").

Each kind is a label, a short gap of words and a value, read on ``normalize_spoken`` text like
the vital signs in ``news2`` (which merges these patterns into its own, so that rules, grounding
and coverage read every measurement the same way). A value is taken only where it cannot be a
dose or something else: a volume needs its unit (ml, dl, l), except urine said as a whole
number of 50–5000 right after "tisset", "diurese" or "urinmengde" ("tisset ca 400": only ml
fits); a pain score needs NRS, VAS or "smertescore", or "av 10" / "/10" after the number
("smerter i hofta 6 av 10"), or a bare number right after the pain word that ends its clause
("smerte 3.", "smertene er på 5 nå"), never after "for"/"mot", so "Paracet for smerter 1 g"
never gives a score; a weight is 20–300 kg; a glucose 0,5–45 mmol/l. Anything else
stays in the text, where coverage shows it.
"""

from __future__ import annotations

import re
from typing import Any

MEASUREMENT_KINDS = ("blood_glucose", "inr", "weight", "pain_score", "fluid_intake",
                     "urine_output", "fluid_balance", "oxygen")

_VOLUME = r"(?P<u>ml|dl|l|liter)(?!\w)"
LABELS = {
    "blood_glucose": r"blodsukker\w*|blodglukose\w*|b-glukose|BS|glukoseverdi\w*|sukkeret",
    "inr": r"INR(?:-?(?:verdi|kontroll|prøve|måling)\w*)?",
    "weight": r"vekt|vekta|vekten|kroppsvekt\w*|morgenvekt\w*|kveldsvekt\w*|dagsvekt\w*|veiing|"
              r"veid|veide|veier|vog|vegen|vege|vegd",
    "pain_score": r"NRS|VAS|smertescore\w*|smerteskår\w*|smerteintensitet\w*|"
                  r"smerteregistrering\w*|smertekartlegging\w*|smerte|smerter|"
                  r"smerten|smertene|smerta|smertane|vondt",
    "fluid_intake": r"(?:væske)?inntak\w*|drakk|drukket|drukke|drikkemengde\w*|drikkeliste\w*|"
                    r"fikk i seg|"
                    r"fekk i seg",
    "urine_output": r"diurese\w*|timediurese\w*|urinmengde\w*|urinproduksjon\w*|urin|"
                    r"kateterpose\w*|urinpose\w*|tømt|tømte|tømde|tisset|tissa",
    "fluid_balance": r"væskebalanse\w*",
    "oxygen": r"oksygen|oksygenet|O2|surstoff|oksygentilførsel\w*|oksygenbehandling\w*",
}
# A number said with a unit of time or a count ("etter 15 minutter", "for 3 dager siden", "2
# ganger") is never the value: the gap may pass over it, and a value may not be one.
_DURATION = (r"(?:sek\w*|min|minutt\w*|minutter|time|timer|timar|timen|døgn|døgnet|dag|dager|"
             r"dagar|uke|uker|veke|veker|måned\w*|månad\w*|år|ganger|gonger|gang|gong)(?!\w)")
NOT_DURATION = r"(?!\s?" + _DURATION + r")"
# A clock time may stand between a label and its value ("Kateterpose tømt 06:00, 750 ml").
_GAP_WORD = r"[\s:=,]+(?:[^\W\d]+\.?|\d+ " + _DURATION + r"|\d{2}:\d{2})"  # "ca."
# Or a longer gap that names the value again: "INR tatt i dag kl 09, den var 3,6".
GAP = (r"(?P<gap>(?:" + _GAP_WORD + r"){0,4}?[\s:=,]+|(?:" + _GAP_WORD + r"){0,5}?[\s:=,]+"
       r"(?:(?:den|det) (?:var|er|ble|blei|vart|viste)|(?:var|er|ble) (?:den|det))\s+)")
_OF_TEN = r"\s?(?:av|/)\s?10(?!\d)"
# Where a value said without its scale or unit must end: at the clause's end.
# ("smerten er 8 når hun står": the situation said after the score)
_BARE_END = r"\s*(?:[.,;!?]|$)|\s(?:og|men|før|etter|nå|no|når)(?!\w)"
_VALUES = {
    "blood_glucose": r"(?P<v>\d{1,2}(?:,\d{1,2})?)(?!\d|[,:/]\d)(?: ?mmol(?:/l)?)?(?!\s?(?:mg|g|"
                     r"ml|IE|E|enheter|%)(?!\w))",
    "inr": r"(?P<v>\d(?:,\d{1,2})?)(?!\d|[,:/]\d)(?!\s?(?:mg|g|ml|IE|%)(?!\w))",
    "weight": r"(?P<v>\d{2,3}(?:,\d{1,2})?)(?!\d|[,:/]\d)(?: ?kg)?(?!\s?(?:%|g|mg|ml|l|cm)(?!\w))",
    # a scale word (NRS, VAS, smertescore) or "av 10" after the number: never a bare number
    # or a bare number that ends its clause ("smerte 3.", "smertene er på 5 nå"), checked in
    # ``values_of``
    "pain_score": r"(?P<v>\d{1,3})(?!\d|[,:]\d)(?(s)(?:" + _OF_TEN + r")?|(?:" + _OF_TEN
                  + r"|(?=" + _BARE_END + r")))(?!\s?(?:mg|g|ml|IE|tablett\w*|%)(?!\w))",
    "fluid_intake": r"(?P<v>\d+(?:,\d+)?) ?" + _VOLUME,
    # urine said without its unit ("tisset ca 400"): checked in ``values_of``
    "urine_output": r"(?P<v>\d+(?:,\d+)?)(?: ?" + _VOLUME + r"|(?![\d,:/])(?=" + _BARE_END
                    + r"|\s(?:i|siden|sidan|siste|sist|fra|frå|etter|på)(?!\w)))",
    "fluid_balance": r"(?P<sign>\+|-|−|pluss|minus|positiv|negativ)? ?(?P<v>\d+(?:,\d+)?) ?"
                     + _VOLUME,
    "oxygen": r"(?P<v>\d{1,2}(?:,\d{1,2})?) ?(?:l|liter)(?!\w)(?:/min)?",
}
_PAIN_LABEL = (r"(?:(?P<s>NRS|VAS|smertescore\w*|smerteskår\w*|smerteintensitet\w*|"
               r"smerteregistrering\w*|smertekartlegging\w*)|smerte|"
               r"smerter|smerten|smertene|smerta|smertane|vondt)")
PATTERNS = {
    kind: re.compile(
        rf"(?<!\w)(?:{_PAIN_LABEL if kind == 'pain_score' else LABELS[kind]}){GAP}"
        rf"{_VALUES[kind]}{NOT_DURATION}", re.IGNORECASE)
    for kind in MEASUREMENT_KINDS
}
# "tømt 400 ml" is urine only when the clause says so ("fra kateterposen", "urin").
_URINE_CONTEXT = re.compile(r"(?<!\w)(?:urin\w*|kateter\w*|diurese\w*|tiss\w*)", re.IGNORECASE)
_EMPTIED = re.compile(r"(?:tømt|tømte|tømde)(?!\w)", re.IGNORECASE)
RANGES = {"blood_glucose": (0.5, 45), "inr": (0.5, 10), "weight": (20, 300),
          "pain_score": (0, 10), "oxygen": (0.1, 60)}
# Labels that are other words too (nynorsk "vegen" is also "the road"): a value needs its unit.
_UNIT_REQUIRED = re.compile(r"(?:vegen|vege|vegd|vog)$", re.IGNORECASE)
VOLUME_RANGES = {"ml": (10, 10000), "dl": (0.5, 100), "l": (0.05, 10)}
VOLUME_UNITS = {"ml": "ml", "dl": "dl", "l": "l", "liter": "l"}
_NEGATIVE = {"-", "−", "minus", "negativ"}
# A target, an order or a plan is not a measurement ("blodsukker skal holdes mellom 5 og 10",
# "væskeinntak minst 1,5 l").
NOT_MEASURED = re.compile(
    r"(?<!\w)(?:skal|skulle|bør|mål|målet|målsetting|minst|maks|maksimalt|ønsket|ønskeleg|"
    r"anbefalt|anbefales|må|mellom|under|over|opptil|inntil|ikke over|ikkje over)(?!\w)",
    re.IGNORECASE)

OXYGEN_DEVICES = {
    "nasal_catheter": r"nesekateter\w*|o2-kateter\w*|oksygenkateter\w*",
    "nasal_cannula": r"nesebrille\w*|o2-brille\w*|oksygenbrille\w*|(?<=på )brille|"
                     r"(?<=med )brille|nasal ?kanyle\w*",
    "venturi_mask": r"venturimaske\w*|venturi",
    "reservoir_mask": r"reservoarmaske\w*|maske med reservoar|non-rebreather\w*",
    "high_flow": r"high ?flow|høyflow|høy ?flow|optiflow|airvo",
    "mask": r"oksygenmaske\w*|o2-maske\w*|maske|masken",
    "cpap": r"cpap|bipap|niv|ikke-invasiv ventilasjon",
}
DEVICE_PATTERNS = {name: re.compile(rf"(?<!\w)(?:{rx})(?!\w)", re.IGNORECASE)
                   for name, rx in OXYGEN_DEVICES.items()}
OXYGEN_DEVICE = re.compile(
    r"(?<!\w)(?:" + "|".join(OXYGEN_DEVICES.values()) + r")(?!\w)", re.IGNORECASE)
# Devices that give oxygen (CPAP may run on air).
OXYGEN_GIVING = frozenset(OXYGEN_DEVICES) - {"cpap"}


def device_at(text: str, start: int, end: int) -> tuple[str, re.Match[str]] | None:
    """The oxygen device said in ``text[start:end]`` (the first one), or None."""
    found = [(m.start(), name, m) for name, rx in DEVICE_PATTERNS.items()
             for m in rx.finditer(text, start, end)]
    if not found:
        return None
    _, name, m = min(found, key=lambda f: f[0])
    return name, m


def values_of(kind: str, m: re.Match[str], text: str, clause_start: int, clause_end: int
              ) -> dict[str, Any] | None:
    """The model values of a measurement match, or None when it is not one after all
    (``clause_start:clause_end``: the clauses of its label and its value)."""
    value = float(m.group("v").replace(",", "."))
    if kind == "urine_output" and m.group("u") is None:
        return _bare_urine(m, value)
    if kind in ("fluid_intake", "urine_output", "fluid_balance"):
        unit = VOLUME_UNITS[m.group("u").casefold()]
        low, high = VOLUME_RANGES[unit]
        if not low <= value <= high:
            return None
        if kind == "urine_output" and _EMPTIED.match(text, m.start()) and not (
                _URINE_CONTEXT.search(text, clause_start, clause_end)):
            return None  # "tømt 200 ml" from a stoma bag is not urine
        if kind == "fluid_balance":
            sign = (m.group("sign") or "").casefold()
            if not sign:
                return None  # a balance needs its sign said
            value = -value if sign in _NEGATIVE else value
        return {"value": value, "unit": unit}
    low, high = VAS_RANGE if kind == "pain_score" and _on_vas(m) else RANGES[kind]
    if not low <= value <= high:
        return None
    label = m.group()[: m.start("gap") - m.start()]
    if _UNIT_REQUIRED.match(label) and not m.group().endswith("kg"):
        return None
    if kind == "oxygen":  # the device before the flow or after it ("på maske, 5 l/min")
        device = device_at(text, m.start(), clause_end)
        return {"l_min": value, "device": device[0] if device else None}
    if kind == "pain_score":
        if not value.is_integer():
            return None
        if not (m.group("s") or _OF_TEN_END.search(m.group())) and not _bare_pain(m, text):
            return None
        scale = (m.group("s") or "").upper()
        gap = (m.group("gap") or "").upper()
        if scale not in ("NRS", "VAS"):
            scale = "NRS" if "NRS" in gap.split() else "VAS" if "VAS" in gap.split() else ""
        return {"value": int(value), "scale": scale or None}
    return {"value": value}


VAS_RANGE = (0, 100)  # the visual analogue scale in millimetres


def _on_vas(m: re.Match[str]) -> bool:
    """The score is said with VAS as its label or in its gap ("VAS 40", "smerte på VAS 40")."""
    return (m.group("s") or "").upper() == "VAS" or "VAS" in (m.group("gap") or "").upper().split()


# A bare number is a value only right after its label, or with these words between ("smertene
# er på 5", "tisset ca 400"); a pain word after "for"/"mot" is an indication ("Paracet mot
# smerter 2": two tablets).
_BARE_GAP = frozenset({"er", "var", "på", "nå", "no", "ca", "cirka", "omtrent", "rundt", "om",
                       "lag", "nede", "oppe",
                       # "smerten var en fire": a score said as the number's noun ("en firer")
                       "en", "ein"})
_OF_TEN_END = re.compile(_OF_TEN + r"$")
_INDICATION_BEFORE = re.compile(r"(?<!\w)(?:for|mot|ved|pga\.?|grunnet)\s+$", re.IGNORECASE)
# Urine said without a unit: only the labels that name a volume of urine, and only a whole
# number that can be nothing but millilitres.
_BARE_URINE_LABEL = re.compile(r"(?:tisset|tissa|diurese\w*|timediurese\w*|urinmengde\w*|"
                               r"urinproduksjon\w*)$", re.IGNORECASE)
_BARE_ML = (50, 5000)


def _bare_gap(m: re.Match[str]) -> bool:
    """Only the words of ``_BARE_GAP``, or where it is ("Smerter i kneet 3.")."""
    words = re.findall(r"[^\W\d]+|\d+", (m.group("gap") or "").casefold())
    if words[:1] in (["i"], ["ved"]) and 2 <= len(words) <= 3 and not any(
            w.isdigit() for w in words):
        return True
    return all(w in _BARE_GAP for w in words)


def _bare_pain(m: re.Match[str], text: str) -> bool:
    return _bare_gap(m) and not _INDICATION_BEFORE.search(text, max(0, m.start() - 12),
                                                          m.start())


def _bare_urine(m: re.Match[str], value: float) -> dict[str, Any] | None:
    label = m.group()[: m.start("gap") - m.start()]
    if not (_BARE_URINE_LABEL.match(label) and _bare_gap(m) and value.is_integer()
            and _BARE_ML[0] <= value <= _BARE_ML[1]):
        return None
    return {"value": value, "unit": "ml"}


# Labels that are also finding words: the clause stays a finding too ("Smerter i hofta 6 av 10",
# "Hun har drukket 1 l i løpet av dagen", "Vekt 62 kg, ned 2 kg"), so nothing said around the
# value is left unplaced.
_KEEPS_FINDING = frozenset({"pain_score", "fluid_intake", "urine_output", "weight"})


_SCORE = r"(?P<{0}>\d{{1,2}})(?!\d|[,:]\d)(?:" + _OF_TEN + r")?"
# "smerter fra 7 til 2", "frå 7 til 2": two scores said in order, before and after.
_PAIN_FROM_TO = re.compile(
    rf"(?<!\w)(?P<l>{_PAIN_LABEL})(?P<gap>(?:\s+[^\W\d]+){{0,3}}?)\s+(?:fra|frå|ifra)\s+"
    + _SCORE.format("a") + r"\s+(?:til|ned til|opp til)\s+" + _SCORE.format("b")
    + NOT_DURATION + r"(?=" + _BARE_END + r"|\s)", re.IGNORECASE)
# "smerte før 6, etter en time 3": before, then after (a duration may stand between).
_PAIN_BEFORE_AFTER = re.compile(
    rf"(?<!\w)(?P<l>{_PAIN_LABEL})(?P<gap>(?:\s+[^\W\d]+){{0,3}}?)\s+før\s+"
    + _SCORE.format("a") + NOT_DURATION + r"\s*,?\s*(?:og\s+|men\s+)?(?:etter|etterpå)"
    r"(?:\s+(?:[^\W\d]+|\d+\s+" + _DURATION + r")){0,4}?\s+" + _SCORE.format("b")
    + NOT_DURATION + r"(?=" + _BARE_END + r")", re.IGNORECASE)


def pain_change_labels(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The pain labels of ``pain_changes``: heads their scores hang on."""
    return [m.span("l") for m, _, _ in pain_changes(text, start, end)]


def pain_changes(text: str, start: int, end: int) -> list[tuple[re.Match[str], int, int]]:
    """Pain said as a change ("smerter fra 7 til 2", "før 6, etter en time 3"): the match and
    both scores, in the order said; none where a number is out of 0–10 or the words between
    label and numbers negate or plan."""
    out = []
    for rx in (_PAIN_FROM_TO, _PAIN_BEFORE_AFTER):
        for m in rx.finditer(text, start, end):
            a, b = int(m.group("a")), int(m.group("b"))
            if not (0 <= a <= 10 and 0 <= b <= 10) or NOT_MEASURED.search(m.group("gap")):
                continue
            out.append((m, a, b))
    return out


def hit_span(kind: str, m: re.Match[str]) -> tuple[int, int]:
    """What a measurement takes from its clause: the number only where its label is a finding
    word as well; else label and value."""
    if kind in _KEEPS_FINDING and not (kind == "pain_score" and m.group("s")):
        return m.start("v"), m.end()
    return m.span()
