"""The EPJ text: Norwegian, in the nurse's order, only sections with content; and JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from diktat.structuring.note import JournalNote
from diktat.structuring.options import LlmOptions
from diktat.structuring.pipeline import load_transcript, structure
from diktat.structuring.render import EMPTY_NOTE, number, render

DICTATIONS = Path(__file__).parent / "data" / "dictations"


def _note(name: str) -> JournalNote:
    return structure(load_transcript(DICTATIONS / name))


def test_full_note_in_order():
    text = render(_note("01_morgenbesok_hjemmetjeneste.txt"))
    assert text.splitlines() == [
        "Situasjon: Morgenbesøk hos bruker i hjemmetjenesten.",
        "Vitale parametere: BT 140/80, puls 72, temp 37,5 °C, SpO2 94 % (2 l O2), RF 16, "
        "ACVPU A – NEWS2 3 (lav risiko; SpO2 1, O2 2)",
        "Legemidler:",
        "- Paracet 1 g p.o. kl. 08:00: gitt",
        "Ernæring og væske: Spiste en brødskive til frokost. Drakk 2 kopper kaffe.",
        "Smerte: Hun hadde vondt i hoften i morges.",
        "Tiltak: Fikk hjelp til morgenstell og påkledning.",
        "Plan: Ny måling av blodtrykk i morgen.",
    ]


def test_medication_lines_show_what_was_heard_status_reason_and_effect():
    lines = render(_note("03_whisper_feilstaving.txt")).splitlines()
    assert "- Paracet 2 tabletter kl. 14:00: gitt. Effekt: god effekt" in lines
    assert "- OxyNorm 5 mg p.o. kl. 22:00: gitt, for smerter i ryggen" in lines
    assert "- Laxoberal 10 dråper kl. 21:00: gitt" in lines
    negations = render(_note("04_negasjoner.txt")).splitlines()
    assert "- Furix 40 mg kl. 08:00: nektet" in negations
    assert "- Movicol: ikke gitt, årsak: løs mage" in negations
    fuzzy = render(structure("Ga Stesolit 5 mg rektalt."))
    assert "- hørt «Stesolit» — mente du Stesolid? 5 mg rektalt: gitt" in fuzzy


def test_isbar_and_deviations():
    isbar = render(_note("05_isbar_til_lege.txt")).splitlines()
    assert isbar[1] == "Beskjed til lege (ISBAR):"
    assert [line.split(":")[0].strip() for line in isbar[2:]] == [
        "I – Identifikasjon", "S – Situasjon", "B – Bakgrunn", "A – Aktuell vurdering",
        "R – Råd"]
    fall = render(_note("06_fall_avvik.txt"))
    assert ("Avvik:\n- fall: Pasienten ble funnet på gulvet på badet 03:00 i natt. Hun hadde falt "
            "da hun skulle på toalettet.\n") in fall


def test_empty_note_still_shows_what_was_said():
    chat = _note("07_pratprat.txt")
    lines = render(chat, review=False).splitlines()
    assert lines[:3] == [EMPTY_NOTE, "Ikke plassert – les og plasser:",
                         "- Ja, hei, da tester vi dette her."]
    assert len(lines) == 7
    assert render(JournalNote()) == EMPTY_NOTE + "\n"


def test_uncertain_words_and_warnings_are_listed(tmp_path):
    note = structure("Puls 72.", "auto",
                     llm=LlmOptions(models_dir=tmp_path, model=str(tmp_path / "missing.gguf")))
    assert render(note).splitlines()[-1].startswith("Merknad: Språkmodell-strukturering")
    # The EPJ text of a form that shows the warnings itself leaves them out.
    assert "Merknad" not in render(note, review=False)
    assert render(note, review=False).startswith("Vitale parametere:")


def test_json_and_bad_format():
    note = _note("02_nynorsk_sjukeheim.txt")
    assert JournalNote.model_validate_json(render(note, "json")) == note
    with pytest.raises(ValueError, match="unknown note format"):
        render(note, "pdf")  # type: ignore[arg-type]


def test_number():
    assert (number(37.5), number(1.0), number(0.25)) == ("37,5", "1", "0,25")
