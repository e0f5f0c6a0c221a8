"""Nothing hidden (issue 16, item 3): every word of a dictation is visible in every output —
placed in a section, or listed under «Ikke plassert – les og plasser» — and the note reports
its coverage. Checked on varied home-care dictations, independently of how ``coverage`` counts:
each word said must appear in the rendered text, or be part of a measurement or a dose the text
shows in its own form ("blodtrykk hundre og førti over åtti" → "BT 140/80")."""

from __future__ import annotations

import json
import re

import pytest

from diktat.norsk.normalize import normalize_spoken
from diktat.structuring.coverage import GLUE
from diktat.structuring.grounding import canonical_tokens
from diktat.structuring.news2 import VITAL_KINDS
from diktat.structuring.note import (
    Evidence,
    JournalNote,
    MedicationAdministration,
    Observation,
)
from diktat.structuring.pipeline import structure
from diktat.structuring.render import UNPLACED_TITLE, render

DICTATIONS = [
    # morning visit, spoken numbers, a list of drugs with doses and times
    "Morgenbesøk. Blodtrykk hundre og tretti over åttifem, puls nittito, uregelmessig. Temp "
    "trettisju komma to. Fikk Selo-Zok femti milligram og Albyl-E sytti fem milligram klokka "
    "åtte, Paracet en gram klokka ni. Hun spiste en halv brødskive og drakk lite.",
    # INR and a value nobody has a field for yet
    "INR var to komma ni i dag. Marevan tre milligram ble gitt klokka atten etter avtale med "
    "lege. Ingen blødninger, ingen blåmerker.",
    # PRN with effect, said the way nurses talk
    "Hun var urolig i kveld og ba om noe for angsten. Fikk Sobril ti milligram ved behov "
    "klokka tjueen, det virket fint. Sov da jeg gikk.",
    # not given, self-administered, refused
    "Paracet ble ikke gitt, hun hadde tatt to selv klokka sju. Hun nektet å ta Furix førti "
    "milligram fordi hun skulle på butikken. Movicol ble ikke gitt på grunn av løs mage.",
    # insulin and blood sugar
    "Blodsukker tolv komma fire før middag. Insulatard ble ikke satt fordi hun ikke hadde "
    "spist. NovoRapid fire enheter subkutant satt klokka sytten.",
    # fall that did not happen, a question, negations
    "Har du falt noe i det siste? Nei, sier hun. Han har ikke falt siden sist. Ingen smerter, "
    "men feber på trettiåtte og fem. Ingen kvalme eller oppkast.",
    # a real fall and a deviation
    "Pasienten ble funnet på gulvet på soverommet klokka halv fire i natt. Hun hadde falt da "
    "hun skulle på toalettet. Ingen synlige skader, men hun klaget over smerter i høyre "
    "håndledd. Avviksmelding er skrevet og sønnen er varslet.",
    # wound care
    "Sår på venstre legg lagt om med Mepilex. Såret er rødt i kantene og væsker litt, ikke "
    "illeluktende. Hun sier det klør. Neste skift om to dager.",
    # palliative visit, lots of words no section takes
    "Palliativ pasient. Hun ligger mye nå og sover det meste av dagen. Munnstell utført, "
    "leppene tørre. Fikk Morfin fem milligram subkutant klokka fjorten for smerter, god "
    "effekt etter tjue minutter. Ektemannen sitter hos henne og er sliten, han gråt litt. Vi "
    "snakket om hvordan det blir fremover. Surkling i luftveiene, Robinul gitt klokka femten.",
    # COPD and a message to legevakt
    "Tungpustet ved minimal anstrengelse. Metning åttiåtte prosent uten oksygen, "
    "respirasjonsfrekvens tjuefire. Beskjed til legevakten: Jeg ringer fra hjemmetjenesten om "
    "Per Olsen. Han har kols og er mer tungpusten enn vanlig. Jeg ønsker at dere vurderer "
    "ham i dag.",
    # nynorsk
    "Ho har ikkje hatt vondt i natt, og sov godt. Fekk Paracet ein gram klokka åtte. Ho åt "
    "lite til frukost, men drakk godt. Dottera var innom og hadde med blomar. Ho er roleg og "
    "blid.",
    # Whisper-like misspellings and drug list in one breath
    "Kveldsvakt. Fikk Parasett to tabletter, Oksynorm fem milligram og Zopiklon sju komma fem "
    "milligram til natten. Albyl e sytti fem milligram ble gitt. Hun sa takk for i dag.",
    # inhaler, x 2 and a concentration
    "Ventoline to drag klokka ti, hun pustet lettere etterpå. Paracet en gram x 2 i dag. "
    "Morfin ti milligram per milliliter, ga null komma fem milliliter s.c.",
    # dialect and fillers
    "Eh, ja, hu var litt forvirra i dag, visste ikke helt hvilken dag det var. Spiste "
    "middagen, men ville ikke ha dessert. Tissa på seg en gang.",
    # nothing clinical at all
    "Ja hei, da tester vi. Det er fint vær i dag. Ha det bra.",
    # headings
    "Situasjon: Ekstra besøk etter alarm. Tiltak: Hjulpet opp i stolen, sjekket BT 150/90. "
    "Evaluering: Roligere etter hvert. Plan: Nytt besøk klokka tjueto.",
    # relatives, someone else, history
    "Mannen hennes har feber og hoste, så datteren ordner med handling. Hun har tidligere hatt "
    "lungebetennelse. Mulig hun er i ferd med å bli forkjølet.",
    # list sentence of findings
    "Hun er blek og klam, tungpustet, har vondt i brystet, ingen kvalme, og har ikke hatt "
    "avføring på tre dager. Puls hundre og tjue, BT nitti over seksti.",
    # a long shift report
    "Nattevakt. Urolig fra klokka to, ropte flere ganger. Fikk Haldol en milligram i.m. klokka "
    "halv tre, sov fra klokka fire. Kateterpose tømt, åtte hundre milliliter klar urin. Snudd "
    "hver tredje time. Ingen trykksår. Temperatur trettisju komma en klokka seks.",
    # numbers everywhere
    "Vekt sekstito komma fire kilo, ned to kilo på en uke. Drakk en komma fem liter. "
    "Blodtrykk hundre og førti over åtti klokka åtte og hundre og femti over nitti klokka "
    "fjorten.",
]


def _visible_words(text: str) -> set[str]:
    return {t.casefold() for t in canonical_tokens(text)}


def _said(text: str):
    """(token, source start) for each word of ``text`` after spoken-number normalisation."""
    norm = normalize_spoken(text)
    for m in re.finditer(r"\d+(?:[.,:/]\d+)*|[^\W\d_]+", norm.text):
        yield m.group().casefold(), norm.to_source_span(*m.span())[0]


def _shown(token: str, shown: set[str]) -> bool:
    """Said as shown, or as the heading's base form ("legevakten" → "Beskjed til legevakt")."""
    return token in shown or token in GLUE or any(
        len(s) >= 5 and token.startswith(s) for s in shown)


def _structured_spans(note: JournalNote) -> list[tuple[int, int]]:
    vs = note.vital_signs
    spans = [(v.evidence.start, v.evidence.end)
             for kind in VITAL_KINDS for v in getattr(vs, kind)]
    for m in note.medications:
        spans.append((m.evidence.start, m.evidence.end))
        spans += [(s.evidence.start, s.evidence.end) for s in (m.reason, m.effect) if s]
    return spans


@pytest.mark.parametrize("text", DICTATIONS, ids=lambda t: t[:30])
def test_every_word_said_is_visible_in_the_text(text):
    note = structure(text)
    rendered = render(note, review=False)
    shown = _visible_words(rendered)
    structured = _structured_spans(note)
    for token, at in _said(text):
        if any(a <= at < b for a, b in structured):
            continue  # part of a measurement or a dose, shown in its written form
        assert _shown(token, shown), (token, rendered)
    assert note.coverage is not None
    assert note.coverage.hidden == 0 and note.coverage.visible_share == 1.0
    assert note.coverage.words == len(re.findall(r"[^\W_]+(?:[.,:/'-][^\W_]+)*", text))
    for st in note.unclassified:  # the block is in the text, verbatim, and in the JSON
        assert st.text.rstrip(".").casefold() in rendered.casefold()
    data = json.loads(render(note, "json"))
    assert data["coverage"]["hidden"] == 0
    assert [s["text"] for s in data["unclassified"]] == [s.text for s in note.unclassified]


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("Puls nittito, uregelmessig.", "uregelmessig"),
        ("INR var to komma ni, litt høy.", "litt høy"),
        ("Fikk Paracet en gram klokka åtte, det virket fint.", None),  # its effect
        ("Blodtrykk hundre og førti over åtti, litt svimmel.", "litt svimmel"),
        ("Fikk Zopiklon til natten.", "til natten"),
    ],
)
def test_the_rest_of_a_sentence_after_a_value_is_never_dropped(text, left):
    note = structure(text)
    rendered = render(note, review=False)
    if left is None:
        assert note.unclassified == ()
        assert "det virket fint" in rendered
    else:
        assert f"{UNPLACED_TITLE}:" in rendered
        assert any(left in s.text for s in note.unclassified), note.unclassified
        assert left.casefold() in rendered.casefold()
    assert note.coverage.hidden == 0


def test_coverage_counts_placed_and_unplaced_words():
    note = structure("Puls 72, uregelmessig. Det er fint vær i dag.")
    c = note.coverage
    assert (c.words, c.unplaced, c.hidden) == (9, 7, 0)
    assert c.placed_share == round(2 / 9, 4) and c.visible_share == 1.0
    assert "Dekning: 22 % av ordene plassert, 7 ord ikke plassert" in render(note)
    assert "Dekning" not in render(note, review=False)  # not pasted into the journal
    assert JournalNote.model_validate_json(render(note, "json")) == note


def test_what_the_validator_removes_comes_back_as_unplaced_text():
    text = "Ingen smerter i natt. Fikk Paracet 1 g."

    class Wrong:
        name = "rules"

        def structure(self, transcript):
            ev = Evidence(start=0, end=20, quote=text[:20])
            bad = Observation(text="smerter i natt", area="pain", evidence=ev)  # negation lost
            med = MedicationAdministration(drug="Paracet", drug_as_said="Paracet", dose=1,
                                           unit="g", status="given", evidence=Evidence(
                                               start=22, end=38, quote=text[22:38]))
            return JournalNote(observations=(bad,), medications=(med,))

    note = structure(text, structurer=Wrong())
    assert note.observations == () and len(note.dropped) == 1
    assert [s.text for s in note.unclassified] == ["Ingen smerter i natt"]
    assert note.coverage.hidden == 0


def test_a_note_with_no_clinical_content_still_shows_every_word():
    note = structure("Ja hei, da tester vi. Det er fint vær i dag. Ha det bra.")
    assert note.is_empty
    assert note.coverage.placed == 0 and note.coverage.unplaced == note.coverage.words
    lines = render(note, review=False).splitlines()
    assert lines[1] == f"{UNPLACED_TITLE}:" and len(lines) == 5
