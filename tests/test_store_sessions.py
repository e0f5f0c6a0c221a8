"""The session store: crash-safe audio, autosave, locking, recovery listing, finish, privacy."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from diktat.errors import InputError
from diktat.store.sealed import extent
from diktat.store.sessions import Autosave, SessionStore
from diktat.types import Word
from tests.store_helpers import sealed_json, sealed_pcm, sealed_text, sealed_wav, write_sealed


def tone(n: int, start: int = 0) -> np.ndarray:
    """A deterministic test signal; sample i is the same whichever chunk it falls in."""
    t = np.arange(start, start + n) / 16_000
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def as_pcm16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32768), -32768, 32767).astype(np.float32) / 32768


def test_16_bit_audio_round_trips_bit_for_bit(tmp_path, store_keys):
    session = SessionStore(tmp_path, store_keys).create(input_description="test")
    pcm = np.array([-32768, -1, 0, 1, 12345, 32767], dtype=np.float32) / 32768
    session.append_audio(pcm)
    np.testing.assert_array_equal(session.read_audio(), pcm)
    session.close()


def test_audio_is_on_disk_as_soon_as_it_is_appended(tmp_path, store_keys):
    store = SessionStore(tmp_path / "sessions", store_keys)
    session = store.create(input_description="test")
    session.append_audio(tone(1600))
    session.append_audio(tone(800, start=1600))
    path = tmp_path / "sessions" / session.id / "audio.pcm"
    assert extent(path).plain_bytes == 2 * 2400
    np.testing.assert_array_equal(sealed_pcm(path).astype(np.float32) / 32768,
                                  as_pcm16(tone(2400)))
    np.testing.assert_array_equal(session.read_audio(), as_pcm16(tone(2400)))
    np.testing.assert_array_equal(session.read_audio(0.1), as_pcm16(tone(2400))[1600:])
    session.close()


def test_store_folders_and_files_are_private(tmp_path, store_keys):
    store = SessionStore(tmp_path / "sessions", store_keys)
    session = store.create(input_description="test")
    session.append_audio(tone(160))
    session.autosave(Autosave(text="x"))
    assert stat.S_IMODE((tmp_path / "sessions").stat().st_mode) == 0o700
    assert stat.S_IMODE(session.path.stat().st_mode) == 0o700
    for f in session.path.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
    session.close()


def test_a_session_in_use_is_not_recoverable_and_cannot_be_taken_over(tmp_path, store_keys):
    store = SessionStore(tmp_path, store_keys)
    session = store.create(input_description="test")
    assert store.recoverable() == []
    with pytest.raises(InputError, match="in use"):
        store.resume(session.id)
    with pytest.raises(InputError, match="being recorded"):
        store.delete(session.id)
    session.close()  # as if the process had died: the lock is released
    assert [m.id for m in store.recoverable()] == [session.id]


def test_taking_over_a_dead_session_removes_its_half_written_files(tmp_path, store_keys):
    store = SessionStore(tmp_path, store_keys)
    session = store.create(input_description="test")
    session.autosave(Autosave(utterances=((),), closed_utterances=0, transcribed_until=0.0,
                              text="Pasienten sov.", saved_at=0.0))
    session.close()  # the process died while writing the next autosave:
    leftover = session.path / ".autosave.json.k3x9.part"
    leftover.write_text('{"text": "Pasienten sov godt', encoding="utf-8")
    resumed = store.resume(session.id)
    assert not leftover.exists()
    assert resumed.load_autosave().text == "Pasienten sov."
    resumed.close()


def test_autosave_round_trip_and_a_damaged_autosave(tmp_path, store_keys):
    store = SessionStore(tmp_path, store_keys)
    session = store.create(input_description="test")
    assert session.load_autosave() == Autosave()
    word = Word(start=0.1, end=0.4, text=" hei", probability=0.8)
    state = Autosave(utterances=((word,),), closed_utterances=1, transcribed_until=0.6,
                     text="Hei")
    session.autosave(state)
    assert session.load_autosave() == state
    assert store.autosaved(session.id) == state  # readable without taking the session over
    write_sealed(session.path / "autosave.json", "{not json")  # sealed, but not JSON
    assert session.load_autosave() == Autosave()
    (session.path / "autosave.json").write_text("{not json", encoding="utf-8")  # not sealed
    assert session.load_autosave() == Autosave()
    session.close()


def test_finish_writes_outputs_and_drops_the_working_files(tmp_path, store_keys):
    store = SessionStore(tmp_path, store_keys)
    session = store.create(input_description="test", model_id="whisper-base")
    session.append_audio(tone(16_000))
    session.autosave(Autosave(text="Hei"))
    written = session.finish(transcript_json="{}\n", text="Hei\n")
    folder = tmp_path / session.id
    assert sorted(p.name for p in folder.iterdir()) == [
        ".lock", "audio.wav", "session.json", "text.txt", "transcript.json"
    ]
    assert folder / "audio.wav" in written.paths and written.note_text is None
    audio, rate = sealed_wav(folder / "audio.wav")
    assert rate == 16_000
    np.testing.assert_array_equal(audio, as_pcm16(tone(16_000)))
    assert sealed_text(folder / "text.txt") == "Hei\n"
    assert sealed_json(folder / "transcript.json") == {}
    assert sealed_json(folder / "session.json")["state"] == "finished"
    [meta] = store.sessions()
    assert meta.state == "finished" and meta.finished and meta.model_id == "whisper-base"
    assert store.recoverable() == []
    with pytest.raises(InputError, match="already finished"):
        store.resume(session.id)
    store.delete(session.id)
    assert store.sessions() == []


def test_a_write_cut_in_half_by_a_crash_loses_only_that_half_written_record(
    tmp_path, store_keys
):
    store = SessionStore(tmp_path, store_keys)
    session = store.create(input_description="test")
    session.append_audio(tone(100))
    session.close()
    pcm = session.path / "audio.pcm"
    whole = pcm.stat().st_size
    with open(pcm, "ab") as f:
        # The length of the next record (50 samples and its tag) and its first bytes, then
        # the crash.
        f.write((2 * 50 + 16).to_bytes(4, "big") + b"\x01" * 7)
    resumed = store.resume(session.id)
    assert resumed.samples_written == 100
    assert extent(pcm).plain_bytes == 200 and extent(pcm).end == whole
    np.testing.assert_array_equal(resumed.read_audio(), as_pcm16(tone(100)))
    resumed.append_audio(tone(50, start=100))  # the torn record is cut off, not built on
    assert pcm.stat().st_size > whole and extent(pcm).end == pcm.stat().st_size
    np.testing.assert_array_equal(sealed_pcm(pcm).astype(np.float32) / 32768,
                                  as_pcm16(tone(150)))
    resumed.close()


WRITER = textwrap.dedent(
    """
    import os
    import sys
    from pathlib import Path
    import numpy as np
    from diktat.store.keys import StoreRoots, open_keyring
    from diktat.store.sessions import SessionStore

    keys = open_keyring(Path(os.environ["DIKTAT_STORE__KEY_FILE"]), StoreRoots(()))
    session = SessionStore(sys.argv[1], keys).create(input_description="test")
    print(session.id, flush=True)
    start = 0
    while True:
        t = np.arange(start, start + 1600) / 16_000
        total = session.append_audio((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32))
        start += 1600
        print(total, flush=True)
    """
)


def test_sigkill_while_appending_loses_no_acknowledged_audio(tmp_path, store_keys):
    """A real process appends audio until it is killed with SIGKILL; everything it had appended
    is on disk, sample for sample, and the session is offered for recovery."""
    root = tmp_path / "sessions"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        session_id = proc.stdout.readline().strip()
        acknowledged = [int(proc.stdout.readline()) for _ in range(200)]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    store = SessionStore(root, store_keys)
    assert [m.id for m in store.recoverable()] == [session_id]
    session = store.resume(session_id)
    assert session.samples_written >= acknowledged[-1] == 200 * 1600
    audio = session.read_audio()
    np.testing.assert_array_equal(audio, as_pcm16(tone(len(audio))))
    session.close()
