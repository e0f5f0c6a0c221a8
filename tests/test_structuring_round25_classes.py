"""Classes of issue 16 found by the twenty-fifth audit round (rules backend), worded for this file.

A capital after a dotted route starts a new sentence ("... 5 mg s.c. Kl. 04 ..." is a night's
timeline, each dose at the time said before it); a dose said before a vital sign's label ("5 mg
s.c. for smerter") is the drug's, corrected or not; a dialect verb ("e", "hoste") goes on with
the subject before it (a husband's cough).
"""

from __future__ import annotations

from tests.structuring_helpers import dose_rows, note


def test_a_timeline_of_doses_after_dotted_routes():
    assert dose_rows("Kl. 01 urolig, fikk Morfin 2,5 mg s.c. Kl. 04 fortsatt urolig, ga "
                     "Midazolam 1 mg s.c. Kl. 06 sov.") == [
        ("Morfin", 2.5, "mg", "01:00", "given"), ("Midazolam", 1.0, "mg", "04:00", "given")]
    # lower case "kl" after a route stays in the sentence
    assert dose_rows("Satte Insulatard 14 IE s.c. kl 8.") == [
        ("Insulatard", 14.0, "IE", "08:00", "given")]


def test_a_corrected_dose_said_before_a_pain_label_is_the_drugs():
    assert dose_rows("Fikk OxyNorm 10 mg, nei, 5 mg p.o. mot smerter, NRS 5.") == [
        ("OxyNorm", 5.0, "mg", None, "given")]


def test_a_dialect_verb_goes_on_with_the_relatives_subject():
    text = "Gunnar e trøtt. Kona hans e forkjøla og hoste om natta."
    assert [o.assertion.value for o in note(text).observations
            if "hoste" in o.text] == ["other_person"]
