"""Store operations write their audit entry first: a draft is not discarded, and an upload job's
note is not kept, without its entry (issue 17: "no deletion unlogged", "nothing kept without
its entry")."""

from __future__ import annotations

import time

from diktat.store.names import DRAFT_JSON
from tests.store_helpers import sealed_json
from tests.test_store_faults import _wav, leftovers, made_note_with_draft, server


def break_audit_log(srv) -> None:
    log = srv.settings.audit_log_path
    log.unlink()
    log.mkdir()  # opening it for appending now fails (EISDIR)


def test_discard_is_audited_before_the_draft_goes(tmp_path):
    with server(tmp_path / "store") as srv:
        note_id, _ = made_note_with_draft(srv)
        answer = srv.client.delete(f"/api/notes/{note_id}/draft")
        assert answer.status_code == 204, answer.text
        assert DRAFT_JSON not in leftovers(srv.note_folder(note_id))
        assert srv.audit_actions().count("draft.discarded") == 1
        again = srv.client.delete(f"/api/notes/{note_id}/draft")  # nothing left: not audited
        assert again.status_code == 204
        assert srv.audit_actions().count("draft.discarded") == 1


def test_a_discard_that_cannot_be_audited_keeps_the_draft(tmp_path):
    with server(tmp_path / "store") as srv:
        note_id, _ = made_note_with_draft(srv)
        break_audit_log(srv)
        answer = srv.client.delete(f"/api/notes/{note_id}/draft")
        assert answer.status_code == 503, answer.text
        assert "ikke slettet" in answer.json()["detail"]
        assert sealed_json(srv.note_folder(note_id) / DRAFT_JSON)["epj"] == "Mitt utkast."
        # opening it is an access that must be logged too: refused while the log is broken
        assert srv.client.get(f"/api/notes/{note_id}/draft").status_code == 503


def test_a_job_whose_entry_cannot_be_written_keeps_no_draft(tmp_path):
    with server(tmp_path / "store") as srv:
        break_audit_log(srv)
        accepted = srv.client.post("/api/jobs", files={"file": ("opptak.wav", _wav(),
                                                                "audio/wav")})
        assert accepted.status_code == 202, accepted.text
        deadline = time.monotonic() + 30
        while (state := srv.client.get(f"/api/jobs/{accepted.json()['id']}").json())[
                "status"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state["status"] == "failed", state
        notes = srv.settings.notes_store_dir
        assert not notes.exists() or list(notes.glob(f"*/{DRAFT_JSON}")) == []
        # listing drafts is an access that must be logged: refused while the log is broken
        assert srv.client.get("/api/drafts").status_code == 503


def test_a_draft_save_that_cannot_be_audited_writes_nothing(tmp_path):
    with server(tmp_path / "store") as srv:
        note_id, _ = made_note_with_draft(srv)
        break_audit_log(srv)
        answer = srv.client.put(f"/api/notes/{note_id}/draft", json={"epj": "Endret."})
        assert answer.status_code == 503, answer.text
        assert sealed_json(srv.note_folder(note_id) / DRAFT_JSON)["epj"] == "Mitt utkast."
