"""NEWS2 (Royal College of Physicians, 2017) in plain code, and how its parameters are said.

SpO2 is scored on scale 1: scale 2 is only for patients with confirmed hypercapnic respiratory
failure, which a dictation does not establish. The score is computed only when every parameter
is known, "air or oxygen" included.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diktat.structuring import measurements

ACVPU = Literal["A", "C", "V", "P", "U"]
Risk = Literal["low", "low-medium", "medium", "high"]
RISK_TITLES: dict[str, str] = {
    "low": "lav", "low-medium": "lav–middels", "medium": "middels", "high": "høy",
}


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


# Vital signs: label, a short gap of words, the value ("blodtrykket ble målt til 140/80").
NEWS2_KINDS = ("blood_pressure", "pulse", "temperature", "spo2", "respiratory_rate",
               "consciousness")
# Every measurement a note holds: NEWS2's parameters, then the others (``measurements``).
VITAL_KINDS = NEWS2_KINDS + measurements.MEASUREMENT_KINDS
_LABELS = {
    "blood_pressure": r"BT|blodtrykk\w*|bltr|trykket|trykk",
    "pulse": r"puls\w*|hjertefrekvens\w*|HF|hjerterytm\w*",
    "temperature": r"temp|tempen|temperatur\w*|feber|febril",
    "spo2": r"SpO2|SpO₂|SaO2|\w*metning\w*|saturasjon\w*|sat|sats",
    "respiratory_rate": r"RF|resp|respirasjon\w*|pustefrekvens\w*|åndedrett\w*",
}
_GAP, _NOT_DURATION = measurements.GAP, measurements.NOT_DURATION
VITAL_PATTERNS = {
    kind: re.compile(rf"(?<!\w)(?:{label}){_GAP}{value}{_NOT_DURATION}", re.IGNORECASE)
    for kind, label, value in (
        ("blood_pressure", _LABELS["blood_pressure"],
         r"(?P<v>\d{2,3})/(?P<d>\d{2,3})(?!\d|,\d)(?: mmHg)?"),
        ("pulse", _LABELS["pulse"], r"(?P<v>\d{2,3})(?!\d|[,:/]\d)(?:/min| slag)?"),
        ("temperature", _LABELS["temperature"], r"(?P<v>\d{2}(?:,\d{1,2})?)(?!\d|[,:/]\d)(?: °C)?"),
        ("spo2", _LABELS["spo2"], r"(?P<v>\d{2,3})(?!\d|[,:/]\d)(?: ?%)?"),
        ("respiratory_rate", _LABELS["respiratory_rate"],
         r"(?P<v>\d{1,2})(?!\d|[,:/]\d)(?:/min)?"),
    )
} | measurements.PATTERNS
_ALL_LABELS = _LABELS | measurements.LABELS
# "8 åndedrag/min" names its rate after the value (grounding reads a label anywhere in a quote).
# So does "Ho pustar 30 gonger i minuttet" (normalised "pustar 30/min") with its verb.
_BREATH_NOUN = r"(?:pust|åndedrag|andedrag|respirasjoner|innpust)(?=/min)"
BREATH_VERB = r"pust(?:er|ar|et|a)(?=\s+(?:[^\W\d]+\s+){0,3}?\d{1,2}/min)"
_RATE_NOUN = re.compile(r"(?<=\d )" + _BREATH_NOUN + r"|(?<!\w)" + BREATH_VERB, re.IGNORECASE)
# And a volume of urine said before its noun: "hatt 600 ml urin i posen", "750 ml klar urin".
URINE_AFTER_VOLUME = re.compile(r"(?<![\d,])(?P<v>\d+(?:,\d+)?) ?(?P<u>ml|dl|l|liter) "
                                r"(?:[^\W\d]+ ){0,2}?(?P<h>urin)(?!\w)", re.IGNORECASE)
# Labels that are other words too, or one letter ("P 96", "T 36,4", "pust 22", "liggende
# 150/85"): a value only right after them, never across a gap.
_NOT_A_RATE = r"(?![\d,:/]|\s?(?:drag|l|liter|mg|g|ml|ganger|gonger|%|dager|timer|min\w*)(?!\w))"
TIGHT_LABELS = {
    "pulse": r"(?-i:P)(?=\s\d{2,3}(?![\d,:/]))",
    "temperature": r"(?-i:T)(?=\s\d{2}(?:,\d{1,2})?(?![\d:/]))",
    "respiratory_rate": r"pust(?:en)?(?=\s(?:er\s|på\s)?\d{1,2}" + _NOT_A_RATE + ")",
    "blood_pressure": r"(?:liggende|stående|sittende)(?=\s(?:\w+\s){0,4}?\d{2,3}/\d{2,3})",
}
TIGHT = {kind: re.compile(r"(?<!\w)" + rx, re.IGNORECASE) for kind, rx in TIGHT_LABELS.items()}
_AFTER_VALUE = {"respiratory_rate": "|" + _BREATH_NOUN + "|" + BREATH_VERB}
LABEL_PATTERNS = {kind: _rx(label + _AFTER_VALUE.get(kind, "")
                      + (f"|{TIGHT_LABELS[kind]}" if kind in TIGHT_LABELS else ""))
                  for kind, label in _ALL_LABELS.items()}
# Oxygen is said inside an SpO2's reading too ("91 % på oksygen"): not a label that ends one.
VITAL_LABEL = re.compile(
    rf"(?<!\w)(?:{'|'.join(v for k, v in _ALL_LABELS.items() if k != 'oxygen')})(?!\w)",
    re.IGNORECASE)


def measured_labels(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the vital-sign labels in ``text[start:end]`` that a value follows ("puls 72",
    not "blodtrykket var lavt"): the heads a measurement hangs on."""
    end = len(text) if end is None else end
    return sorted([m.span() for m in VITAL_LABEL.finditer(text, start, end)
                   if any(p.match(text, m.start(), end) for p in VITAL_PATTERNS.values())]
                  + [m.span() for m in _RATE_NOUN.finditer(text, start, end)]
                  + [m.span("h") for m in URINE_AFTER_VOLUME.finditer(text, start, end)]
                  + [m.span() for rx in TIGHT.values() for m in rx.finditer(text, start, end)]
                  + measurements.pain_change_labels(text, start, end))


VITAL_RANGES = {"pulse": (20, 250), "temperature": (30, 45), "spo2": (50, 100),
                "respiratory_rate": (3, 70)}


# "126/74 i blodtrykk", "150/90 på BT": the pressure said before its label.
PRESSURE_BEFORE_LABEL = re.compile(r"(?<![\d/,])(?P<v>\d{2,3})/(?P<d>\d{2,3})\s+(?:i|på)\s+"
                                   r"(?:blodtrykk\w*|BT)(?!\w)", re.IGNORECASE)


def plausible_blood_pressure(systolic: int, diastolic: int) -> bool:
    """The same limits as the spoken-number normaliser's "S over D"."""
    return 50 <= systolic <= 300 and 20 <= diastolic <= 200 and systolic > diastolic


OXYGEN_FLOW = re.compile(
    r"(?:på|med|får|fikk|fekk) (?P<a>\d+(?:,\d+)?) ?(?:l|liter)(?!\w)(?:/min)?"
    r"(?: (?:O2|oksygen|surstoff))?|(?P<b>\d+(?:,\d+)?) ?(?:l|liter)(?:/min)? "
    r"(?:O2|oksygen|surstoff)(?!\w)",
    re.IGNORECASE,
)
# A flow changed, said without oxygen's name ("Jeg økte til 2 l/min", "satte ned til 1 liter").
FLOW_CHANGED = re.compile(
    r"(?<!\w)(?:økte|økt|auka|øker|satte ned|skrudde (?:opp|ned)|reduserte|redusert|senket|"
    r"justerte)(?: (?:oksygenet|oksygen|O2|flowen|den|det))? (?:til|på) "
    r"(?P<v>\d{1,2}(?:,\d{1,2})?) ?(?:l|liter)(?P<min>/min)?(?!\w)", re.IGNORECASE)
ON_AIR = _rx(r"ut[ae]n (?:ekstra |tilført )?(?:oksygen|O2|surstoff)", r"(?:på |i )?rom ?luft")
ON_OXYGEN = _rx(r"(?:på|med|får|fikk|fekk) (?:oksygen\w*|O2|surstoff)", "oksygenbehandling",
                "oksygentilførsel")
OXYGEN_DEVICE = measurements.OXYGEN_DEVICE
PARAMETER_TITLES = {  # how the text output names NEWS2's parameters
    "respiratory_rate": "RF", "spo2": "SpO2", "oxygen": "O2 eller romluft",
    "blood_pressure": "BT", "systolic": "BT", "pulse": "puls", "consciousness": "ACVPU",
    "temperature": "temp",
}
ACVPU_CUES = {
    "A": _rx(r"v[åa]ken(?:,| og) (?:klar|orientert|adekvat|kontaktbar)", "klar og orientert",
             # "våken, men urolig": awake; restless or tired is not confusion
             r"v[åa]ken,? men (?:urolig|uroleg|trøtt|trøytt|sliten|slapp|stille|engstelig)",
             r"A?C?VPU:? A"),
    "C": _rx(r"(?:ny|nyoppstått|nytilkommen|akutt) forvirr\w*", r"A?C?VPU:? C",
             # "våken men forvirret" (not "forvirret som vanlig"): alert, but confused
             r"v[åa]ken,? men (?:forvirr\w*|desorientert|ukonsentrert)"
             r"(?![^.;]{0,25}(?:som vanlig|som før|som kjent|kjent|vanleg))",
             r"forvirr\w*[^.;]{0,30}?(?:det er nytt|som er nytt|nytt for (?:henne|ham|han|ho))"),
    "V": _rx(r"(?:reagerer|responderer|svarer) (?:kun |bare )?på (?:tiltale|stemme|tilsnakk)",
             r"svarer (?:kun |bare )?når (?:vi|man|en|jeg|eg|me) snakker til (?:ham|han|henne|ho)",
             r"åpne[rt] øynene (?:kun |bare )?når (?:vi|jeg|eg|me) (?:ropte|roper|snakket|snakker)",
             r"A?C?VPU:? V"),
    "P": _rx(r"(?:reagerer|responderer) (?:kun |bare )?på smerte\w*", r"A?C?VPU:? P"),
    "U": _rx(r"reagerer (?:ikke|ikkje) på (?:tiltale|smerte\w*|stimuli)",
             "bevisstløs", r"A?C?VPU:? U"),
}


class News2(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    total: int = Field(ge=0, le=20, title="NEWS2")
    parts: dict[str, int] = Field(title="Delpoeng", description="Score per parameter")
    risk: Risk = Field(title="Klinisk risiko")


def _band(value: float, bands: tuple[tuple[float, int], ...], above: int) -> int:
    """The score of the first band whose upper limit ``value`` does not exceed."""
    for upper, score in bands:
        if value <= upper:
            return score
    return above


def score_respiratory_rate(rate: float) -> int:
    return _band(rate, ((8, 3), (11, 1), (20, 0), (24, 2)), 3)


def score_spo2_scale1(spo2: float) -> int:
    return _band(spo2, ((91, 3), (93, 2), (95, 1)), 0)


def score_systolic(systolic: float) -> int:
    return _band(systolic, ((90, 3), (100, 2), (110, 1), (219, 0)), 3)


def score_pulse(pulse: float) -> int:
    return _band(pulse, ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2)), 3)


def score_temperature(celsius: float) -> int:
    return _band(celsius, ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1)), 2)


def news2_score(
    *,
    respiratory_rate: float,
    spo2: float,
    on_oxygen: bool,
    systolic: float,
    pulse: float,
    consciousness: ACVPU,
    temperature: float,
) -> News2:
    parts = {
        "respiratory_rate": score_respiratory_rate(respiratory_rate),
        "spo2": score_spo2_scale1(spo2),
        "oxygen": 2 if on_oxygen else 0,
        "systolic": score_systolic(systolic),
        "pulse": score_pulse(pulse),
        "consciousness": 0 if consciousness == "A" else 3,
        "temperature": score_temperature(temperature),
    }
    total = sum(parts.values())
    if total >= 7:
        risk: Risk = "high"
    elif total >= 5:
        risk = "medium"
    elif 3 in parts.values():
        risk = "low-medium"
    else:
        risk = "low"
    return News2(total=total, parts=parts, risk=risk)
