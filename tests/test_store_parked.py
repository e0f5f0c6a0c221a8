"""The upload spool keeps accepted jobs across a restart (parked), and nothing else; a session
finished by recovery is listed among the drafts as recovered (issue 17, item 4)."""

from __future__ import annotations

import io

import numpy as np

from diktat.store.drafts import DraftStore, NoteDraft
from diktat.store.names import NoteId
from diktat.store.sessions import SessionStore
from diktat.store.uploads import ParkedJob, park, parked, purge, spool, unpark


def test_parked_jobs_survive_purge_and_everything_else_goes(tmp_path):
    uploads = tmp_path / "uploads"
    kept = spool(io.BytesIO(b"RIFF kept"), ".wav", uploads)
    loose = spool(io.BytesIO(b"RIFF loose"), ".wav", uploads)
    gone = spool(io.BytesIO(b"RIFF gone"), ".wav", uploads)
    park(ParkedJob("job-kept", kept, "audio/wav", 2.0))
    park(ParkedJob("job-gone", gone, None, 1.0))
    gone.unlink()  # e.g. deleted by retention: its description goes too

    purge(uploads)
    assert kept.exists() and not loose.exists()
    assert parked(uploads) == [ParkedJob("job-kept", kept, "audio/wav", 2.0)]
    assert "opptak" not in (uploads / "jobs" / f"{kept.name}.json").read_text()

    unpark(kept)
    assert parked(uploads) == []
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_a_recovered_session_is_marked_in_the_drafts_list(tmp_path):
    sessions = SessionStore(tmp_path / "sessions")
    drafts = DraftStore(tmp_path / "sessions", tmp_path / "notes")
    ids = []
    for state in ("finished", "recovered"):
        session = sessions.create(input_description="test")
        session.append_audio(np.zeros(160, dtype=np.float32))
        session.finish(transcript_json="{}", text="x\n", state=state)
        drafts.save(NoteId("session", session.id), NoteDraft(text=f"utkast {state}"))
        ids.append(session.id)
    marks = {d.note_id: d.recovered for d in drafts.summaries()}
    assert marks == {ids[0]: False, ids[1]: True}
