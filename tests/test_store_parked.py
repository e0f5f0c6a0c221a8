"""The upload spool keeps accepted jobs across a restart (parked), and nothing else; a session
finished by recovery is listed among the drafts as recovered (issue 17, item 4)."""

from __future__ import annotations

import io

import numpy as np

from diktat.store.drafts import DraftStore, NoteDraft
from diktat.store.names import NoteId
from diktat.store.sessions import SessionStore
from diktat.store.uploads import ParkedJob, park, parked, purge, spool, unpark
from tests.store_helpers import sealed_bytes, sealed_text


def test_parked_jobs_survive_purge_and_everything_else_goes(tmp_path, store_keys):
    uploads = tmp_path / "uploads"
    kept = spool(io.BytesIO(b"RIFF kept"), ".wav", uploads, store_keys)
    loose = spool(io.BytesIO(b"RIFF loose"), ".wav", uploads, store_keys)
    gone = spool(io.BytesIO(b"RIFF gone"), ".wav", uploads, store_keys)
    park(ParkedJob("job-kept", kept, "audio/wav", 2.0), store_keys)
    park(ParkedJob("job-gone", gone, None, 1.0), store_keys)
    gone.unlink()  # e.g. deleted by retention: its description goes too

    purge(uploads, store_keys)
    assert kept.exists() and not loose.exists()
    assert parked(uploads, store_keys) == [ParkedJob("job-kept", kept, "audio/wav", 2.0)]
    assert "opptak" not in sealed_text(uploads / "jobs" / f"{kept.name}.json")
    assert sealed_bytes(kept) == b"RIFF kept"

    unpark(kept)
    assert parked(uploads, store_keys) == []
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_a_recovered_session_is_marked_in_the_drafts_list(tmp_path, store_keys):
    sessions = SessionStore(tmp_path / "sessions", store_keys)
    drafts = DraftStore(tmp_path / "sessions", tmp_path / "notes", store_keys)
    ids = []
    for state in ("finished", "recovered"):
        session = sessions.create(input_description="test")
        session.append_audio(np.zeros(160, dtype=np.float32))
        session.finish(transcript_json="{}", text="x\n", state=state)
        drafts.save(NoteId("session", session.id), NoteDraft(text=f"utkast {state}"))
        ids.append(session.id)
    marks = {d.note_id: d.recovered for d in drafts.summaries()}
    assert marks == {ids[0]: False, ids[1]: True}
