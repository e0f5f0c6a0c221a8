"""Whose a pronoun or a kinship word is: the gender of a relative named ("sønnen", "dottera")
and the one gender a dictation calls its patient by. Used by `assertion` to tell a relative's
state from the patient's, and by the grounding validator to read a quote as the rules did."""

from __future__ import annotations

import re

from diktat.structuring.cues import word_rx

MALE = word_rx(r"sønn\w*", "son", "sonen", "mannen", r"ektemann\w*", r"bror\w*", "faren",
               "far", r"svigersønn\w*", r"svigerson\w*", r"onkel\w*", r"fetter\w*", "vennen")
FEMALE = word_rx(r"datter\w*", "datra", r"dotter\w*", "kona", "konen", r"søster\w*",
                 r"syster\w*", "mora", "moren", "mor", r"svigerdatter\w*", r"tante\w*",
                 r"kusine\w*", r"venninne\w*")
# Someone who lives with the patient: what they tell of "hun" may be their own ("Romkameraten
# ... sa at hun hadde vondt i magen"), unlike a relative's report of the patient.
CO_RESIDENT = re.compile(r"\s*(?:og |men |så )?(?:romkamerat|medbeboar|medbeboer|medpasient|"
                         r"sidemann|sidekvinn|bordnabo|bordkamerat)", re.IGNORECASE)
HE = word_rx("han", "ham", "hans")
SHE = word_rx("hun", "ho", "hu", "henne", "hennes", "hennar")


def gender_of(relative: str) -> str | None:
    words = relative.split()
    noun = next((w for w in words if w.casefold() not in
                 {"hennes", "hans", "hennar", "pasientens", "brukerens", "beboerens"}), "")
    return "han" if MALE.fullmatch(noun) else "hun" if FEMALE.fullmatch(noun) else None


def patient_pronoun(text: str, start: int, end: int) -> str | None:
    """ "han" or "hun": the one gender the dictation calls its subject outside
    ``text[start:end]`` (the sentence at hand), or None where it says both or neither."""
    outside = text[:start] + " " + text[end:]
    males, females = len(HE.findall(outside)), len(SHE.findall(outside))
    return "han" if males and not females else "hun" if females and not males else None
