"""`diktat transcribe` end to end: the real CLI, real model, real files, bad inputs, resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from diktat.cli import app
from diktat.stt.batch import DONE_LOG_NAME
from tests.conftest import REPO, write_wav

pytestmark = [pytest.mark.slow, pytest.mark.speech]
runner = CliRunner()


@pytest.fixture(scope="module")
def clips(npsc_dir, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("clips")
    shutil.copy(npsc_dir / "norwegian-short-3s.16k.wav", d / "a_short.wav")
    shutil.copy(npsc_dir / "norwegian-medium-8s.mp3", d / "b_medium.mp3")
    return d


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_files_and_formats(clips, tmp_path):
    res = _cli("transcribe", clips, "-o", tmp_path, "-f", "txt,json,srt,vtt")
    assert res.exit_code == 0, res.output
    for stem in ("a_short", "b_medium"):
        for ext in ("txt", "json", "srt", "vtt"):
            assert (tmp_path / f"{stem}.{ext}").stat().st_size > 0
    doc = json.loads((tmp_path / "a_short.json").read_text())
    assert "lovlig" in doc["text"].lower()
    assert doc["transcript"]["model_id"] == "whisper-base"
    assert len(doc["transcript"]["model_sha256"]) == 64
    assert doc["source"]["name"] == "a_short.wav" and len(doc["source"]["sha256"]) == 64
    assert doc["real_time_factor"] > 0
    seg = doc["transcript"]["segments"][0]
    assert seg["words"] and "probability" in seg["words"][0]
    assert (tmp_path / "a_short.vtt").read_text().startswith("WEBVTT")
    assert "2 transcribed" in res.output


def test_single_file_prints_transcript(clips, tmp_path):
    res = _cli("transcribe", clips / "a_short.wav", "-o", tmp_path, "-f", "txt")
    assert res.exit_code == 0, res.output
    assert "lovlig" in res.output.lower()


def test_bad_files_do_not_stop_the_batch(clips, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(clips / "a_short.wav", src / "good.wav")
    (src / "empty.wav").touch()
    (src / "text.mp3").write_text("ikke lyd\n" * 100)
    (src / "corrupt.wav").write_bytes(os.urandom(5000))
    write_wav(src / "silence.wav", np.zeros(16_000))
    out = tmp_path / "out"
    res = _cli("transcribe", src, tmp_path / "missing.wav", "-o", out, "-f", "txt,json")
    assert res.exit_code == 1
    assert "good.txt" in os.listdir(out) and "silence.txt" in os.listdir(out)
    assert (out / "silence.txt").read_text() == ""
    assert "lovlig" in (out / "good.txt").read_text().lower()
    for name in ("empty", "text", "corrupt"):
        assert not (out / f"{name}.txt").exists()
    flat = " ".join(res.output.split())
    assert "empty file" in flat
    assert "missing.wav: no such file" in flat
    assert "3 failed" in flat or "4 failed" in flat
    assert "2 transcribed" in flat


def test_rerun_skips_up_to_date_and_force_redoes(clips, tmp_path):
    assert _cli("transcribe", clips, "-o", tmp_path, "-f", "txt").exit_code == 0
    res = _cli("transcribe", clips, "-o", tmp_path, "-f", "txt")
    assert res.exit_code == 0 and "2 up to date" in res.output
    res = _cli("transcribe", clips, "-o", tmp_path, "-f", "txt,json")  # new format → redo
    assert "2 transcribed" in res.output
    res = _cli("transcribe", clips, "-o", tmp_path, "-f", "txt", "--beam-size", "2")
    assert "2 transcribed" in res.output  # other settings → redo
    res = _cli("transcribe", clips, "-o", tmp_path, "-f", "txt", "--beam-size", "2", "--force")
    assert "2 transcribed" in res.output


@pytest.mark.parametrize(
    ("model", "needle"),
    [("/nonexistent/whisper-dir", "/nonexistent/whisper-dir"), ("no-such-model", "whisper-base")],
)
def test_missing_model_is_a_clear_error(clips, tmp_path, model, needle):
    res = _cli("transcribe", clips / "a_short.wav", "-o", tmp_path, "--model", model)
    assert res.exit_code == 3, res.output
    assert needle in " ".join(res.output.split())
    assert "Traceback" not in res.output


def test_unsupported_paths(tmp_path):
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    (empty_dir / "notes.txt").write_text("x")
    res = _cli("transcribe", empty_dir, tmp_path / "nope.wav", "-o", tmp_path / "o")
    assert res.exit_code == 1
    flat = " ".join(res.output.split())
    assert "no audio files" in flat and "no such file or folder" in flat
    res = _cli("transcribe", "/dev/null", "-o", tmp_path / "o")
    assert res.exit_code == 1 and "not a regular file" in " ".join(res.output.split())
    res = _cli("transcribe", tmp_path, "-f", "pdf")
    assert res.exit_code == 2 and "unknown output format" in res.output


def test_interrupted_batch_resumes(clips, tmp_path):
    """SIGKILL a running batch after its first file, run again: nothing lost, nothing redone."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        shutil.copy(clips / "a_short.wav", src / f"clip{i}.wav")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "diktat", "transcribe", str(src), "-o", str(out), "-f", "txt,json"]
    # file by file, so that the kill lands between files (a group's files are written one
    # right after another; its resume is tested in tests/test_batch_decode.py)
    env = dict(os.environ, PYTHONPATH=str(REPO), DIKTAT_ASR__FILES_PER_GROUP="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / "clip0.json").exists():
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / "clip0.json").exists(), "first file never finished"
    finished_first = {p.name for p in out.glob("*.json")}
    assert len(finished_first) < 5, "batch finished before it could be interrupted"

    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"{len(finished_first)} up to date" in res.stderr
    assert sorted(p.name for p in out.glob("*.json")) == [f"clip{i}.json" for i in range(5)]
    for p in out.glob("*.json"):
        assert "lovlig" in json.loads(p.read_text())["text"].lower()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    log_lines = (out / DONE_LOG_NAME).read_text().splitlines()
    assert len(log_lines) >= 5


def test_file_that_killed_the_process_twice_is_skipped_until_forced(clips, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    started = json.dumps({"output": str(out / "a_short"), "started": "2026-01-01T00:00:00"})
    (out / DONE_LOG_NAME).write_text(f"{started}\n{started}\n")
    res = _cli("transcribe", clips / "a_short.wav", "-o", out, "-f", "txt")
    assert res.exit_code == 1
    assert "died on this file 2 times" in " ".join(res.output.split())
    assert not (out / "a_short.txt").exists()
    res = _cli("transcribe", clips / "a_short.wav", "-o", out, "-f", "txt", "--force")
    assert res.exit_code == 0 and (out / "a_short.txt").exists()


def test_demo_transcribes_and_structures_the_bundled_sample():
    res = _cli("demo")
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split()).lower()
    assert "tabletter" in flat and "i morgen" in flat  # words whisper base gets on this clip
    assert "strukturert notat" in flat


def test_transcribe_with_structure_writes_a_grounded_note(tmp_path):
    from diktat.structuring.note import JournalNote
    from diktat.stt.audio import bundled_sample as sample_path

    res = _cli("transcribe", sample_path(), "-o", tmp_path, "-f", "txt", "--structure")
    assert res.exit_code == 0, res.output
    note = JournalNote.model_validate_json((tmp_path / "demo_nb.note.json").read_text())
    text = (tmp_path / "demo_nb.txt").read_text()
    for obs in note.observations:
        assert obs.evidence.quote in text.replace("\n", " ")
    assert (tmp_path / "demo_nb.note.txt").read_text().strip()
    res = _cli("transcribe", sample_path(), "-o", tmp_path, "-f", "txt", "--structure")
    assert "1 up to date" in res.output
    res = _cli("transcribe", sample_path(), "-o", tmp_path, "-f", "txt")
    assert "1 up to date" in res.output  # the note is extra; the transcript is still current
