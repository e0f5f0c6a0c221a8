"""`diktat dictate`: the dictation loop from real audio files through the audio-source interface
with the real model; voice commands, the session folder, SIGKILL + recovery, pause and stop."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from diktat.cli import app
from diktat.store.keys import STORE_LOCK
from diktat.store.sealed import extent
from diktat.store.sessions import SessionStore
from diktat.stt.audio import load_audio
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.dictation import PUSH_TO_TALK_HOLD_S, Controls, dictate
from diktat.stt.streaming.sources import FileSource
from diktat.types import Transcript, read_transcript_json
from tests.conftest import norwegian_wer, write_wav
from tests.store_helpers import sealed_json, sealed_pcm, sealed_text, sealed_wav

DIKTAT = [sys.executable, "-m", "diktat"]
# Whisper base hears espeak's commands reliably only in flowing speech; measured on this text
# it commits "Hun har feber\n\nPassehenden er ugolig\n\nHun fikk. Mat," and stops on
# "stopp diktat" (the isolated forms came out as "Kommer", "I linja", "Big tatt").
COMMAND_TEXT = (
    "Hun har feber nytt avsnitt pasienten er urolig nytt avsnitt hun fikk mat "
    "stopp diktat hun sover"
)
LONG_TEXT = (
    "Pasienten har hatt en rolig natt og sov godt. Hun fikk frokost klokka åtte og spiste "
    "alt. Blodtrykket var hundre og tretti over åtti og pulsen sytti. Hun klaget over smerter "
    "i venstre kne og fikk paracetamol. Sårstell er utført og bandasjen er skiftet. "
    "Datteren kommer på besøk i ettermiddag."
)


@pytest.fixture(scope="module")
def command_clip(espeak, synth_dir) -> Path:
    from diktat.eval.synth import synthesize

    return synthesize(COMMAND_TEXT, synth_dir / "dictate_commands.wav").path


@pytest.fixture(scope="module")
def long_clip(espeak, synth_dir) -> Path:
    from diktat.eval.synth import synthesize

    return synthesize(LONG_TEXT, synth_dir / "dictate_long.wav").path


def only_session(root: Path) -> Path:
    [folder] = [p for p in root.iterdir() if p.is_dir()]
    return folder


@pytest.mark.slow
@pytest.mark.speech
def test_dictate_from_a_file_applies_voice_commands_and_writes_the_session(
    whisper_model, command_clip, tmp_path, record_property
):
    root = tmp_path / "sessions"
    run = subprocess.run(
        [*DIKTAT, "dictate", "--input", str(command_clip), "--sessions-dir", str(root)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    folder = only_session(root)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".lock", "audio.wav", "note.json", "note.txt", "preview.txt", "session.json",
        "text.txt", "transcript.json",
    ]
    text = sealed_text(folder / "text.txt")
    paragraphs = text.strip().split("\n\n")
    assert len(paragraphs) == 3, text  # two «nytt avsnitt»
    # One word of the three may come out otherwise on another CPU ("Høn har feber" with oneDNN
    # capped at SSE4.1 and with MKL; exact elsewhere): the paragraph break is what this checks.
    first = norwegian_wer("Hun har feber", paragraphs[0])
    record_property("wer", first)
    assert first <= 0.34, text
    lowered = text.lower()
    for spoken in ("avsnitt", "stopp", "diktat", "sover"):  # commands, and what followed stop
        assert spoken not in lowered, text
    assert run.stdout.strip() == text.strip()

    doc = sealed_json(folder / "transcript.json")
    transcript = read_transcript_json(json.dumps(doc))
    assert doc["source"]["state"] == "finished"
    assert transcript.options["pipeline"] == "document"  # the note from the batch decode
    assert transcript.model_id == "whisper-base"
    assert "avsnitt" not in transcript.text.lower()
    assert all(0 <= w.probability <= 1 for w in transcript.words)
    clip = load_audio(command_clip).samples
    audio, rate = sealed_wav(folder / "audio.wav")
    assert rate == 16_000
    np.testing.assert_array_equal(audio, clip[: len(audio)])
    assert len(audio) >= len(clip) - 16_000  # stop may end capture just before the file does
    note = sealed_json(folder / "note.json")
    assert note["metadata"]["asr_model_id"] == "whisper-base"
    assert sealed_text(folder / "note.txt").strip()
    meta = sealed_json(folder / "session.json")
    assert meta["state"] == "finished"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "note.txt").stat().st_mode) == 0o600
    # the command line audits what it finished, as the server does (ids, never text)
    log = (tmp_path / "audit.log").read_text(encoding="utf-8")
    [entry] = [json.loads(line) for line in log.splitlines()
               if json.loads(line)["action"] == "dictation.finished"]
    assert entry["session_id"] == folder.name and entry["actor"] == "cli"
    assert entry["asr_model"] == "whisper-base" and entry["audio_s"] > 1
    assert "feber" not in log.lower()


@pytest.mark.slow
@pytest.mark.speech
@pytest.mark.timing
def test_sigkill_mid_dictation_loses_no_audio_and_recover_completes_the_transcript(
    whisper_model, long_clip, tmp_path, store_keys
):
    root = tmp_path / "sessions"
    proc = subprocess.Popen(
        [*DIKTAT, "dictate", "--input", str(long_clip), "--realtime", "--sessions-dir",
         str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        folder = _wait_for_words_and_audio(root, min_audio_s=8.0, timeout_s=240)
    finally:
        killed_at = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    meta = sealed_json(folder / "session.json")
    assert meta["state"] == "active"
    captured = extent(folder / "audio.pcm").plain_bytes // 2
    clip = load_audio(long_clip).samples
    # Everything the process had captured is on disk: capture kept pace with the clock ...
    assert captured / 16_000 == pytest.approx(killed_at - meta["capture_started"], abs=0.6)
    # ... and the file holds exactly the clip up to there, sample for sample.
    on_disk = sealed_pcm(folder / "audio.pcm").astype(np.float32) / 32768
    np.testing.assert_array_equal(on_disk, clip[:captured])
    autosaved = [  # words as committed (Whisper's bare "..." is dropped from the text)
        w for u in sealed_json(folder / "autosave.json")["utterances"] for w in u
        if any(ch.isalnum() for ch in w["text"])
    ]
    assert autosaved

    assert [m.id for m in SessionStore(root, store_keys).recoverable()] == [folder.name]
    run = subprocess.run(
        [*DIKTAT, "dictate", "--recover", "--sessions-dir", str(root)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "Gjenopprettet" in run.stderr
    assert SessionStore(root, store_keys).recoverable() == []
    meta = sealed_json(folder / "session.json")
    assert meta["state"] == "recovered"
    audio, _ = sealed_wav(folder / "audio.wav")
    np.testing.assert_array_equal(audio, clip[:captured])
    transcript = read_transcript_json(sealed_text(folder / "transcript.json"))
    words = transcript.words
    # The autosaved words come first, unchanged in time; the audio after them is transcribed.
    assert [w.start for w in words[: len(autosaved)]] == [w["start"] for w in autosaved]
    assert len(words) > len(autosaved)
    assert words[-1].end > autosaved[-1]["end"] + 1.0
    assert words[-1].end <= captured / 16_000 + 0.5
    assert sealed_text(folder / "note.txt").strip() and sealed_text(folder / "text.txt").strip()


def _wait_for_words_and_audio(root: Path, *, min_audio_s: float, timeout_s: float,
                              words: bool = True) -> Path:
    """The session folder once `min_audio_s` of audio (and, with `words`, some recognised
    words) are saved."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(0.2)
        folders = [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else []
        if not folders:
            continue
        folder = folders[0]
        try:
            audio_s = extent(folder / "audio.pcm").plain_bytes / 32_000
            saved = (sealed_json(folder / "autosave.json")
                     if words else {"utterances": [True]})
        except (OSError, ValueError):
            continue
        if any(saved["utterances"]) and audio_s >= min_audio_s:
            return folder
    raise AssertionError("the dictation saved no words within the time limit")


@pytest.mark.slow
@pytest.mark.speech
@pytest.mark.timing
def test_ctrl_c_finishes_and_saves_the_session(whisper_model, long_clip, tmp_path):
    root = tmp_path / "sessions"
    proc = subprocess.Popen(
        [*DIKTAT, "dictate", "--input", str(long_clip), "--realtime", "--sessions-dir",
         str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As in a terminal: a test run started in the background by a shell without job control
        # inherits SIGINT ignored, and Python then never turns it into KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Ctrl-C once 4 s of audio is kept, whether or not words were recognised yet: on a loaded
    # machine the first words can come after the whole clip was captured (CI saw that).
    folder = _wait_for_words_and_audio(root, min_audio_s=4.0, timeout_s=240, words=False)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "Lagret økt" in stderr
    meta = sealed_json(folder / "session.json")
    assert meta["state"] == "finished"
    assert sealed_text(folder / "text.txt").strip()
    audio, _ = sealed_wav(folder / "audio.wav")
    assert 4.0 <= len(audio) / 16_000 < load_audio(long_clip).duration


class SilentDecoder:
    """A decoder that hears nothing: the pause/stop logic needs no words."""

    model_id = "silent"
    model_sha256 = None
    workers = 1

    def decode_window(self, samples, opts, *, max_new_tokens=None):
        return []

    def transcribe(self, samples, opts) -> Transcript:
        return Transcript(language="no", duration=len(samples) / 16_000, model_id=self.model_id)


@pytest.mark.timing
def test_audio_heard_while_paused_is_neither_stored_nor_transcribed(tmp_path, store_keys):
    clip = np.random.default_rng(0).uniform(-0.5, 0.5, 16_000 * 6).astype(np.float32)
    clip = np.round(clip * 32768) / 32768
    path = write_wav(tmp_path / "noise.wav", clip)
    controls = Controls("toggle")
    timers = [threading.Timer(1.0, controls.talk_key), threading.Timer(2.0, controls.talk_key),
              threading.Timer(3.0, controls.stop)]
    views = []

    def on_view(view) -> None:
        if not views:  # the clock starts with the dictation, not with the test (slow starts)
            for t in timers:
                t.start()
        views.append(view)

    result = dictate(FileSource(path, realtime=True), SilentDecoder(),
                     SessionStore(tmp_path / "s", store_keys), decode=DecodeOptions(),
                     controls=controls, on_view=on_view)
    assert result.stopped_by == "user" and result.state == "finished"
    audio, _ = sealed_wav(result.folder / "audio.wav")
    assert len(audio) / 16_000 == pytest.approx(2.0, abs=0.3)  # 0–1 s and 2–3 s
    # What was stored is the clip with the paused stretch cut out, chunk for chunk.
    cut = next(i for i in range(0, len(audio), 1600) if audio[i] != clip[i])
    resumed = next(j for j in range(cut, len(clip), 1600) if clip[j] == audio[cut])
    np.testing.assert_array_equal(audio[:cut], clip[:cut])
    np.testing.assert_array_equal(audio[cut:], clip[resumed : resumed + len(audio) - cut])
    assert (resumed - cut) / 16_000 == pytest.approx(1.0, abs=0.3)
    statuses = [v.status for v in views]
    assert "paused" in statuses and statuses[-2:] == ["finishing", "done"]


def test_push_to_talk_listens_while_key_events_keep_coming(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    controls = Controls("push-to-talk")
    assert not controls.listening
    controls.talk_key()
    assert controls.listening
    now[0] += PUSH_TO_TALK_HOLD_S / 2
    controls.talk_key()  # the key repeats while held
    now[0] += PUSH_TO_TALK_HOLD_S * 0.9
    assert controls.listening
    now[0] += PUSH_TO_TALK_HOLD_S
    assert not controls.listening  # released


def test_toggle_starts_listening_and_the_talk_key_pauses():
    controls = Controls("toggle")
    assert controls.listening
    controls.talk_key()
    assert not controls.listening
    controls.talk_key()
    assert controls.listening


runner = CliRunner()


def test_list_commands_prints_the_command_file_format():
    result = runner.invoke(app, ["dictate", "--list-commands"])
    assert result.exit_code == 0
    assert "punktum = .\n" in result.stdout and "stopp diktat = stop\n" in result.stdout


def test_a_bad_command_file_is_exit_2(tmp_path):
    bad = tmp_path / "kommandoer.txt"
    bad.write_text("punktum = hopp\n", encoding="utf-8")
    result = runner.invoke(app, ["dictate", "--commands", str(bad), "--list-commands"])
    assert result.exit_code == 2
    assert "unknown action 'hopp'" in result.stderr


def test_a_missing_input_file_is_exit_2_and_leaves_no_session(tmp_path):
    root = tmp_path / "sessions"
    result = runner.invoke(
        app, ["dictate", "--input", str(tmp_path / "borte.wav"), "--sessions-dir", str(root)]
    )
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    # Nothing but the store's own lock file (`diktat.store.keys.STORE_LOCK`).
    assert not root.exists() or [p.name for p in root.iterdir() if p.name != STORE_LOCK] == []


@pytest.mark.slow
def test_discard_deletes_a_session_and_recover_with_nothing_to_do(tmp_path, whisper_model,
                                                                  store_keys):
    store = SessionStore(tmp_path, store_keys)
    session = store.create(input_description="test")
    session.close()
    result = runner.invoke(app, ["dictate", "--discard", session.id, "--sessions-dir",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert store.sessions() == []
    result = runner.invoke(app, ["dictate", "--recover", "--sessions-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "Ingen uavsluttede diktater" in result.stderr


@pytest.mark.slow
@pytest.mark.speech
def test_an_unfinished_session_is_pointed_out_at_the_next_start(tmp_path, whisper_model,
                                                                store_keys):
    store = SessionStore(tmp_path / "sessions", store_keys)
    left = store.create(input_description="test")
    left.append_audio(np.zeros(1600, np.float32))
    left.close()  # as a crash leaves it
    # The input outside the store: a plain file in the store is refused as unencrypted.
    clip = write_wav(tmp_path / "stille.wav", np.zeros(8000, np.float32))
    result = runner.invoke(app, ["dictate", "--input", str(clip), "--sessions-dir",
                                 str(store.root)])
    assert result.exit_code == 0, result.stderr
    assert "uavsluttet diktat" in result.stderr and "--recover" in result.stderr
    assert [m.id for m in store.recoverable()] == [left.id]


@pytest.mark.slow
@pytest.mark.speech
def test_the_terminal_view_shows_state_and_obeys_the_keys(whisper_model, long_clip, tmp_path):
    """The full-screen view in a real pseudo-terminal: listening, space pauses, q saves."""
    import pty
    import select

    root = tmp_path / "sessions"
    pid, fd = pty.fork()
    if pid == 0:  # the child: diktat on the terminal
        os.execvpe(sys.executable, [*DIKTAT, "dictate", "--input", str(long_clip), "--realtime",
                                    "--sessions-dir", str(root)],
                   {**os.environ, "COLUMNS": "100", "LINES": "30", "TERM": "xterm"})
    screen = b""

    def read_until(marker: bytes, timeout_s: float) -> None:
        nonlocal screen
        deadline = time.monotonic() + timeout_s
        while marker not in screen:
            assert time.monotonic() < deadline, f"{marker!r} never shown"
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    screen += os.read(fd, 65536)
                except OSError:  # the child closed the terminal
                    break

    try:
        read_until("● LYTTER".encode(), 120)
        os.write(fd, b" ")
        read_until("‖ PAUSE".encode(), 30)
        os.write(fd, b" ")
        time.sleep(1.0)
        os.write(fd, b"q")
        read_until("Lagret økt".encode(), 300)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    text = screen.decode(errors="replace")
    for label in ("nivå", "dBFS", "opptak", "gjenkjent", "mellomrom: pause/fortsett"):
        assert label in text
    folder = only_session(root)
    assert sealed_json(folder / "session.json")["state"] == "finished"


def test_low_confidence_words_are_marked_and_tentative_text_dimmed():
    from diktat.cli.dictate_view import dictated_text
    from diktat.stt.streaming.commands import Piece
    from diktat.stt.streaming.dictation import DictationView
    from diktat.types import Word

    def piece(text, p):
        return Piece("word", text, Word(start=0, end=1, text=" " + text, probability=p))

    view = DictationView(
        status="speech", mode="toggle", session_id="x", input="fil", level_dbfs=-20,
        pieces=(piece("Hun", 0.9), piece("fikk", 0.9), piece("Paracet", 0.2), Piece("mark", "."),
                Piece("break", "\n"), piece("Hun", 0.9)),
        pending="ny", tentative="sover godt", recorded_s=3, recognised_s=2, elapsed_s=4,
    )
    text = dictated_text(view, low_confidence=0.5)
    assert text.plain == "Hun fikk Paracet.\nHun ny sover godt"
    styles = {text.plain[s.start : s.end]: str(s.style) for s in text.spans}
    assert "underline" in styles["Paracet"]
    assert "Hun" not in styles and "fikk" not in styles
    assert styles["ny"] == "dim" and "italic" in styles["sover godt"]


def test_the_terminal_says_when_the_note_waits_for_the_better_text():
    from rich.console import Console

    from diktat.cli.dictate_view import render_view
    from diktat.stt.streaming.dictation import DictationView
    from diktat.stt.streaming.document import Backlog

    def screen(status, backlog):
        view = DictationView(
            status=status, mode="toggle", session_id="x", input="mikrofon", level_dbfs=-20,
            pieces=(), pending="", tentative="", recorded_s=40, recognised_s=39, elapsed_s=41,
            document_on=True, document_backlog=backlog)
        console = Console(width=120, record=True)
        console.print(render_view(view, low_confidence=0.5, height=30, width=120))
        return console.export_text()

    waiting = "notatet venter på bedre tekst: 21 s lyd igjen"
    assert waiting in screen("speech", Backlog(21.0, 12.0))  # deferred by a busy machine
    assert waiting not in screen("speech", Backlog(21.0, 2.0))  # decoding as usual
    assert "notatet venter på bedre tekst: 6 s lyd igjen" in screen("finishing", Backlog(6.0, 0.5))
    assert "venter" not in screen("finishing", Backlog(0.0, 0.0))


def test_clipboard_copy_uses_xclip_and_says_so_when_there_is_none(tmp_path, monkeypatch):
    from diktat.cli.dictate_view import copy_to_clipboard

    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    assert "Kunne ikke kopiere" in copy_to_clipboard("Notat")
    # A stand-in xclip that keeps what it is given, to see what diktat hands over.
    fake = tmp_path / "xclip"
    fake.write_text(f"#!/bin/sh\ncat > {tmp_path / 'utklipp.txt'}\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    assert "kopiert" in copy_to_clipboard("Hun har feber.\n")
    assert (tmp_path / "utklipp.txt").read_text(encoding="utf-8") == "Hun har feber.\n"


def test_dictate_settings_from_environment_and_the_session_store_default(monkeypatch, tmp_path):
    from diktat.config import load_settings

    monkeypatch.setenv("DIKTAT_MODELS_DIR", str(tmp_path / "data" / "models"))
    assert load_settings().session_store_dir == tmp_path / "data" / "sessions"
    monkeypatch.setenv("DIKTAT_SESSIONS_DIR", str(tmp_path / "økter"))
    monkeypatch.setenv("DIKTAT_DICTATE__MODE", "push-to-talk")
    settings = load_settings()
    assert settings.session_store_dir == tmp_path / "økter"
    assert settings.dictate.mode == "push-to-talk" and settings.dictate.pause_s == 0.6


def test_an_unknown_mode_is_exit_2():
    result = runner.invoke(app, ["dictate", "--mode", "hviske", "--list-commands"])
    assert result.exit_code == 2
    assert "mode" in result.stderr
