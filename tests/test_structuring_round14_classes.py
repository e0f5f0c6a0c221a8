"""Classes of issue 16 found by the twelfth unseen audit set (rules backend), worded for this file.

An hour 1–5 said in twelve-hour speech ("klokka to", "halv tre") in a text said in the daytime
(a day shift, a home visit, lunch, dinner or the afternoon named) is the afternoon's; where the
text also names the morning or the night, either could be meant and no time is read (a dose
without a time is a gap the nurse sees, a wrong time is not); a night text keeps the night's hour.
"""

from __future__ import annotations

import pytest

from diktat.norsk.normalize import normalize_spoken
from tests.structuring_helpers import dose_rows


@pytest.mark.parametrize(("text", "time"), [
    ("Dagvakt. Hun fikk Paracet 1 g klokka to.", "14:00"),
    ("Hjemmebesøk hos Olav. Han fikk Paracet 1 g klokka halv tre.", "14:30"),
    ("Heimebesøk. Ho fekk Paracet 1 g klokka kvart over ett.", "13:15"),
    ("Etter lunsj fikk hun Paracet 1 g klokka tre.", "15:00"),
    ("Ettermiddagsvakt. Han fikk Paracet 1 g klokka fire.", "16:00"),
])
def test_an_early_hour_in_a_daytime_text_is_the_afternoons(text, time):
    assert dose_rows(text) == [("Paracet", 1.0, "g", time, "given")]


@pytest.mark.parametrize("text", [
    "Dagvakt. Hun sov dårlig i natt. Fikk Paracet 1 g klokka tre.",
    "Hjemmebesøk. Hun spiste lite frokost. Fikk Paracet 1 g klokka to.",
])
def test_an_early_hour_is_left_out_where_the_morning_or_the_night_is_named_too(text):
    assert dose_rows(text) == [("Paracet", 1.0, "g", None, "given")]
    assert "03:00" not in normalize_spoken(text).text
    assert "02:00" not in normalize_spoken(text).text


@pytest.mark.parametrize(("text", "time"), [
    ("Nattevakt. Hun fikk Paracet 1 g klokka tre.", "03:00"),  # the night's
    ("Dagvakt. Hun fikk Paracet 1 g klokka åtte.", "08:00"),  # not an hour 1–5
    ("Dagvakt. Hun fikk Paracet 1 g kl 14.", "14:00"),  # said in 24-hour digits
])
def test_other_hours_are_read_as_said(text, time):
    assert dose_rows(text) == [("Paracet", 1.0, "g", time, "given")]


def test_tomorrow_is_no_part_of_the_day():
    text = "Hjemmebesøk. Fikk Paracet 1 g klokka to. Vi ser på foten i morgen."
    assert dose_rows(text) == [("Paracet", 1.0, "g", "14:00", "given")]
