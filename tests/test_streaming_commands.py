"""Voice commands applied to committed words (pure logic; the real-model path is in
test_cli_dictate.py)."""

from __future__ import annotations

import pytest

from diktat.errors import InputError
from diktat.stt.streaming.commands import (
    DEFAULT_COMMANDS,
    CommandApplier,
    format_commands,
    load_commands,
    parse_commands,
)
from diktat.types import Word


def words(text: str, start: float = 0.0, probability: float = 0.9) -> list[Word]:
    """Whisper-style words (leading space) half a second apart."""
    return [
        Word(start=start + i * 0.5, end=start + i * 0.5 + 0.4, text=" " + w,
             probability=probability)
        for i, w in enumerate(text.split())
    ]


def dictate(*batches: str) -> CommandApplier:
    applier = CommandApplier()
    t = 0.0
    for batch in batches:
        applier.feed(words(batch, start=t))
        t += 10
    applier.flush()
    return applier


def test_punctuation_replaces_the_spoken_word_and_capitalises_the_next_sentence():
    applier = dictate("pasienten sov godt punktum hun spiste frokost komma og drakk kaffe punktum")
    assert applier.text == "Pasienten sov godt. Hun spiste frokost, og drakk kaffe."


def test_question_and_exclamation_marks():
    applier = dictate("har hun vondt spørsmålstegn nei utropstegn")
    assert applier.text == "Har hun vondt? Nei!"


def test_line_break_and_paragraph():
    applier = dictate("blodtrykk målt ny linje puls målt nytt avsnitt plan punktum")
    assert applier.text == "Blodtrykk målt\nPuls målt\n\nPlan."


def test_commands_are_found_however_whisper_splits_or_punctuates_them():
    # Seen from Whisper base on espeak speech: "Ny, linje." "Nytt av snitt." "Stopp, viktat!"
    applier = dictate("Hun sover. Ny, linje. Hun spiser. Nytt av snitt. Han går. Stopp, viktat! x")
    assert applier.text == "Hun sover.\nHun spiser.\n\nHan går."
    assert applier.stopped


def test_whispers_own_punctuation_is_replaced_by_the_command():
    applier = dictate("Hun sover. Komma. og drømmer.")
    assert applier.text == "Hun sover, og drømmer."


def test_short_commands_need_an_exact_match():
    applier = dictate("hun kommer hjem i morgen")
    assert applier.text == "Hun kommer hjem i morgen"


def test_delete_last_sentence_and_angre():
    assert dictate("hun sover punktum han spiser punktum slett siste setning").text == "Hun sover."
    assert dictate("hun sover punktum han spiser angre").text == "Hun sover."
    assert dictate("Hun sover. Han spiser. angre").text == "Hun sover."
    assert dictate("hun sover punktum ny linje han spiser angre").text == "Hun sover.\n"
    assert dictate("hun sover angre").text == ""
    assert dictate("angre hun sover").text == "Hun sover"


def test_delete_last_word():
    assert dictate("hun fikk paracet slett siste ord paracetamol").text == "Hun fikk paracetamol"


def test_stop_ends_the_dictation_and_drops_what_follows():
    applier = CommandApplier()
    applier.feed(words("hun sover punktum stopp diktat dette skal ikke med"))
    assert applier.stopped
    assert applier.text == "Hun sover."
    applier.feed(words("heller ikke dette"))
    assert applier.text == "Hun sover."


def test_a_command_split_across_commits_is_held_back_until_it_is_complete():
    applier = CommandApplier()
    applier.feed(words("hun sover ny"))
    assert applier.text == "Hun sover"
    assert applier.pending_text == "ny"
    applier.feed(words("linje hun spiser", start=5))
    assert applier.text == "Hun sover\nHun spiser"
    applier.feed(words("slett siste", start=10))
    assert applier.pending_text == "slett siste"
    applier.feed(words("setning", start=12))
    assert applier.text == "Hun sover\n"


def test_flush_releases_held_words_as_text():
    applier = CommandApplier()
    applier.feed(words("hun fikk ny"))
    applier.flush()
    assert applier.text == "Hun fikk ny"
    assert applier.pending_text == ""


def test_komma_between_numbers_is_a_decimal_comma_kept_for_the_normaliser():
    assert dictate("temperatur trettisju komma fem").text == "Temperatur trettisju komma fem"
    assert dictate("temperatur 37 komma 5").text == "Temperatur 37 komma 5"
    assert dictate("hun fikk to komma og sovnet").text == "Hun fikk to, og sovnet"
    applier = CommandApplier()
    applier.feed(words("temperatur trettisju komma"))
    assert applier.pending_text == "komma"  # the next word decides
    applier.feed(words("fem", start=3))
    assert applier.text == "Temperatur trettisju komma fem"


def test_segments_are_sentences_whose_words_keep_time_and_probability():
    applier = CommandApplier()
    applier.feed(words("hun sover punktum han spiser", probability=0.3))
    applier.flush()
    segments = applier.segments()
    assert [s.text for s in segments] == ["Hun sover.", "Han spiser"]
    assert [w.text for w in segments[0].words] == [" Hun", " sover."]
    assert segments[1].words[0].start == pytest.approx(1.5)
    assert all(w.probability == 0.3 for s in segments for w in s.words)


def test_the_command_list_is_configurable(tmp_path):
    path = tmp_path / "kommandoer.txt"
    path.write_text("# egne kommandoer\nstrek = –\nlinjeskift = newline\nferdig = stop\n",
                    encoding="utf-8")
    commands = load_commands(path)
    applier = CommandApplier(commands)
    applier.feed(words("hun sover strek godt linjeskift punktum ferdig mer"))
    applier.flush()
    assert applier.text == "Hun sover– godt\nPunktum"
    assert applier.stopped


def test_the_default_list_round_trips_through_the_file_format():
    assert parse_commands(format_commands(DEFAULT_COMMANDS)) == DEFAULT_COMMANDS
    assert load_commands(None) == DEFAULT_COMMANDS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("punktum", "expected 'phrase = action'"),
        ("punktum = hopp", "unknown action 'hopp'"),
        ("... = .", "no letters"),
        ("# bare kommentar\n", "no voice commands"),
    ],
)
def test_bad_command_files_are_clear_errors(text, message):
    with pytest.raises(InputError, match=message):
        parse_commands(text, source="kommandoer.txt")


def test_a_missing_command_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_commands(tmp_path / "finnes-ikke.txt")
