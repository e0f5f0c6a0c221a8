"""Assertion per finding (issue 16, item 2): one item per finding, each with its own assertion
— present, negated, possible, historical, about someone else, asked — with NegEx-style scope in
bokmål and nynorsk. A question or a fall that did not happen is never a deviation."""

from __future__ import annotations

import pytest

from diktat.structuring.assertion import assertion_at, is_question
from diktat.structuring.grounding import ground
from diktat.structuring.note import Assertion, Evidence, JournalNote, Observation
from diktat.structuring.pipeline import structure
from diktat.structuring.render import render


def _findings(text: str) -> list[tuple[str, str, str]]:
    note = structure(text)
    assert note.dropped == (), note.dropped  # the validator reads each assertion the same way
    for o in note.observations:
        assert o.negated == (o.assertion == "negated")
    return [(o.area.value, o.assertion.value, o.text) for o in note.observations]


@pytest.mark.parametrize(
    "text",
    ["Han har ikke falt siden sist.", "Ingen fall denne uka.", "Har du falt noe i det siste?",
     "Har du falt noe i det siste", "Hun har ikke falt i dag, men var ustø på beina.",
     "Ho har ikkje falle eller datt.", "Spurte om hun hadde falt.", "Ikke falt i natt.",
     "Hun har tidligere falt på badet.", "Mulig hun har falt, usikkert."],
)
def test_a_fall_that_did_not_happen_or_was_asked_about_is_no_deviation(text):
    note = structure(text)
    assert note.deviations == ()
    falls = [o for o in note.observations if "fal" in o.text or "datt" in o.text]
    assert falls and all(o.assertion != "present" for o in falls), falls


def test_a_fall_that_happened_is_a_deviation():
    # told in two sentences one after the other: one event, both sentences in it
    note = structure("Hun falt på badet i natt. Ho datt i gangen.")
    assert [(d.kind, d.text) for d in note.deviations] == [
        ("fall", "Hun falt på badet i natt. Ho datt i gangen")]
    # with something else said between: two events
    note = structure("Hun falt på badet i natt. Puls 80. Ho datt i gangen i morges.")
    assert [d.kind for d in note.deviations] == ["fall", "fall"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ingen smerter, men feber på trettiåtte og fem.", [("pain", "negated", "Ingen smerter")]),
        ("Ingen smerter, kvalme eller oppkast.",
         [("pain", "negated", "Ingen smerter"), ("nutrition_fluids", "negated", "kvalme"),
          ("nutrition_fluids", "negated", "oppkast")]),
        ("Ingen smerter og kvalme.",
         [("pain", "negated", "Ingen smerter"), ("nutrition_fluids", "negated", "kvalme")]),
        ("Ingen smerter, litt kvalme.",
         [("pain", "negated", "Ingen smerter"), ("nutrition_fluids", "present", "litt kvalme")]),
        ("Ikke kvalm, spiste godt til middag.",
         [("nutrition_fluids", "negated", "Ikke kvalm"),
          ("nutrition_fluids", "present", "spiste godt til middag")]),
        ("Ho har ikkje vondt, og inga kvalme i dag.",
         [("pain", "negated", "Ho har ikkje vondt"),
          ("nutrition_fluids", "negated", "inga kvalme i dag")]),
        ("Våken og uten smerter.", [("pain", "negated", "Våken og uten smerter")]),
        ("Sov godt, ingen uro i natt.",
         [("sleep", "present", "Sov godt"), ("cognition_mental", "negated", "ingen uro i natt")]),
        ("Ingen bedring i smertene.", [("pain", "present", "Ingen bedring i smertene")]),
        ("Ikke smerter ved hvile, men ved bevegelse.",
         [("pain", "negated", "Ikke smerter ved hvile"), ("pain", "present", "ved bevegelse")]),
        ("Ingen feber i dag, bare litt slapp.",
         [("respiration_circulation", "negated", "Ingen feber i dag"),
          ("respiration_circulation", "present", "bare litt slapp")]),
        ("Ingen smerter i magen, ryggen eller hofta.",
         [("pain", "negated", "Ingen smerter i magen, ryggen eller hofta")]),
        ("Ikke så vondt i dag.", [("pain", "present", "Ikke så vondt i dag")]),
        ("Smerter: ingen.", [("pain", "negated", "Smerter: ingen")]),
        ("Mulig hun har feber.", [("respiration_circulation", "possible",
                                   "Mulig hun har feber")]),
        ("Kanskje litt kvalm.", [("nutrition_fluids", "possible", "Kanskje litt kvalm")]),
        ("Hun har tidligere hatt trykksår på hælen.",
         [("skin_wounds", "historical", "Hun har tidligere hatt trykksår på hælen")]),
        ("Tidligere i dag var hun kvalm.",
         [("nutrition_fluids", "present", "Tidligere i dag var hun kvalm")]),
        ("Mannen hennes har feber og hoste.",
         [("respiration_circulation", "other_person", "Mannen hennes har feber"),
          ("respiration_circulation", "other_person", "hoste")]),
        ("Datteren forteller at hun har vondt i ryggen.",
         [("pain", "present", "Datteren forteller at hun har vondt i ryggen")]),
        ("Datteren var på besøk.", [("social_relatives", "present", "Datteren var på besøk")]),
        ("Har du vondt i dag?", [("pain", "asked", "Har du vondt i dag?")]),
        ("Spurte om hun hadde vondt eller kvalme.",
         [("pain", "asked", "Spurte om hun hadde vondt"), ("nutrition_fluids", "asked",
                                                         "kvalme")]),
    ],
)
def test_each_finding_has_its_own_assertion(text, expected):
    assert _findings(text) == expected


def test_a_negation_belongs_to_one_finding_and_the_fever_is_there():
    note = structure("Ingen smerter, men feber på trettiåtte og fem.")
    assert [t.value for t in note.vital_signs.temperature] == [38.5]
    assert not any(o.negated and "feber" in o.text for o in note.observations)


def test_a_list_sentence_gives_one_item_per_finding():
    text = ("Hun er blek og klam, tungpustet, har vondt i brystet, ingen kvalme, "
            "og har ikke hatt avføring i dag.")
    assert _findings(text) == [
        ("respiration_circulation", "present", "Hun er blek"),
        ("respiration_circulation", "present", "klam"),
        ("respiration_circulation", "present", "tungpustet"),
        ("pain", "present", "har vondt i brystet"),
        ("nutrition_fluids", "negated", "ingen kvalme"),
        ("elimination", "negated", "har ikke hatt avføring i dag"),
    ]


def test_questions_give_no_doses_measurements_or_deviations():
    note = structure("Har du tatt Paracet i dag? Fikk du Paracet 1 g klokka åtte? Har du "
                     "falt?")
    assert note.medications == () and note.deviations == ()
    assert is_question("Hvordan har du sovet") and not is_question("hvordan du spiser")
    assert not is_question("Har vondt i magen")


def test_rendered_text_shows_an_assertion_the_words_alone_do_not():
    lines = render(structure("Ingen smerter og kvalme. Mannen hennes har feber og hoste."),
                   review=False).splitlines()
    assert "Ernæring og væske: Kvalme (benektet)." in lines
    assert ("Respirasjon og sirkulasjon: Mannen hennes har feber. Hoste (gjelder en annen "
            "person).") in lines
    assert "Smerte: Ingen smerter." in lines  # the words say it: no marker


def _ev(text: str, quote: str) -> Evidence:
    at = text.index(quote)
    return Evidence(start=at, end=at + len(quote), quote=quote)


def test_the_validator_checks_each_findings_assertion():
    text = "Ingen smerter, men feber i natt. Ingen smerter og kvalme. Har du falt?"
    flipped = Observation(text="feber i natt", area="respiration_circulation", negated=True,
                          evidence=_ev(text, "Ingen smerter, men feber i natt"))
    carried = Observation(text="kvalme", area="nutrition_fluids", negated=True,
                          evidence=_ev(text, "Ingen smerter og kvalme"))
    lost = carried.model_copy(update={"negated": False, "assertion": Assertion.present})
    asked = Observation(text="Har du falt?", area="activity_mobility", evidence=_ev(
        text, "Har du falt?"))
    out = ground(JournalNote(observations=(flipped, carried, lost, asked)), text)
    assert [o.text for o in out.observations] == ["kvalme"]
    reasons = [d.reason for d in out.dropped]
    assert reasons == ["negated, but the text says no negation",
                       "the evidence negates what the text states",
                       "the evidence says 'asked', not 'present'"]


def test_old_notes_with_only_negated_still_load_and_both_must_agree():
    ev = Evidence(start=0, end=13, quote="Ingen smerter")
    old = Observation.model_validate({"text": "Ingen smerter", "area": "pain", "negated": True,
                                      "evidence": ev.model_dump()})
    assert old.assertion == "negated"
    assert Observation(text="x", area="pain", assertion="possible", evidence=ev).negated is False
    with pytest.raises(ValueError, match="negated must be true exactly"):
        Observation(text="x", area="pain", negated=True, assertion="present", evidence=ev)


def test_assertion_at_scope_stops_at_men_and_a_new_clause():
    text = "Ingen hoste, men surkling og slim"
    for word, expected in (("hoste", "negated"), ("surkling", "present"), ("slim", "present")):
        at = text.index(word)
        assert assertion_at(text, at, at + len(word))[0] == expected, word
