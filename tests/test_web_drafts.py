"""Drafts on the page of `diktat serve`, in real headless Chromium against the real server
(`tests/web_fixtures.py`): kept in the server's store across reloads, a late last save caught
up, a draft an older page kept in localStorage moved over, a newer draft from elsewhere never
overwritten, and a draft a new note moved aside reopened from the list.
"""

from __future__ import annotations

import pytest

from tests.store_helpers import sealed_json
from tests.web_fixtures import (
    EDITED_TRANSCRIPT,
    api_call,
    open_first_done_job,
    reopened_with_draft,
    shot,
)

pytestmark = [pytest.mark.slow, pytest.mark.speech]


def test_draft_survives_a_reload_in_the_server_store(page, server, clip, sync_api):
    page.set_input_files("#file-input", str(clip[0]))
    note_id = open_first_done_job(page)

    # Editing the transcript makes the evidence stale until the note is made again from it.
    page.get_by_role("button", name="Rediger transkripsjon").click()
    page.locator("#transcript-edit").fill(EDITED_TRANSCRIPT)
    assert page.locator("#transcript-stale").is_visible()
    assert page.locator("#note-form .evidence-link").first.is_disabled()
    page.get_by_role("button", name="Lag notat på nytt fra teksten").click()
    page.wait_for_selector("#transcript-stale", state="hidden")
    assert "Smerte: Hun har vondt i kneet." in page.locator("#epj-text").input_value()
    page.locator("#note-form .evidence-link[data-quote*='vondt']").click()
    assert page.locator("#transcript-view mark.evidence").inner_text() == "Hun har vondt i kneet"
    # Made again from the edited text, it is still the same note (one draft, one approval).
    assert page.locator("#result").get_attribute("data-note-id") == note_id

    field = page.locator("#note-form textarea[data-path$='.text']").first
    field_path = field.get_attribute("data-path")
    field.fill("Utkast: pasienten sov urolig.")
    # Mid-edit, nothing approved, and the page is reloaded at once: the last edit still reaches
    # the server (sent as the page is left).
    page.locator("#epj-text").fill("Utkast som ikke er ferdig")
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    notice = page.locator("#draft-notice")
    assert notice.is_visible() and "Utkast gjenopprettet" in notice.inner_text()
    # The last edit may land just after the new page read the draft: the page looks again.
    sync_api.expect(page.locator("#epj-text")).to_have_value("Utkast som ikke er ferdig",
                                                             timeout=8000)
    restored = page.locator(f"#note-form [data-path='{field_path}']")
    assert restored.input_value() == "Utkast: pasienten sov urolig."
    shot(page, "05-draft-restored")

    # The draft is journal material in the server's store (0600), not in the browser.
    stored = server["notes"] / note_id / "draft.json"
    draft = sealed_json(stored)
    assert draft["epj"] == "Utkast som ikke er ferdig" and draft["text"] == EDITED_TRANSCRIPT
    assert stored.stat().st_mode & 0o077 == 0
    browser_storage = page.evaluate("JSON.stringify({...localStorage})")
    assert note_id in browser_storage
    for text in ("Utkast", "vondt", "kneet", "sov"):
        assert text not in browser_storage

    # Opening another recording's note does not replace the unapproved draft: it is listed,
    # and opens again as it was left.
    page.set_input_files("#file-input", str(clip[0]))
    other_id = open_first_done_job(page)
    assert other_id != note_id
    listed = page.locator(f"#draft-list li[data-note-id='{note_id}']")
    listed.wait_for()
    assert "Pasienten har hatt en rolig natt" in listed.inner_text()
    assert "(slettes " in listed.inner_text()  # retention: when it goes unless approved
    shot(page, "06-draft-list")
    listed.get_by_role("button", name="Åpne").click()
    page.wait_for_function(
        f"document.getElementById('result').dataset.noteId === '{note_id}'"
    )
    assert page.locator("#epj-text").input_value() == "Utkast som ikke er ferdig"
    assert "Utkast åpnet" in page.locator("#draft-notice").inner_text()
    page.locator(f"#draft-list li[data-note-id='{other_id}']").wait_for()
    assert page.locator(f"#draft-list li[data-note-id='{note_id}']").count() == 0  # it is open

    # Discarding asks first, then deletes the draft on the server.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Forkast utkast").click()
    assert page.locator("#result").is_visible() and stored.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Forkast utkast").click()
    page.wait_for_selector("#result", state="hidden")
    assert not stored.exists()
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("#draft-notice").is_hidden()
    assert page.locator("#result").is_hidden()
    assert page.locator(f"#draft-list li[data-note-id='{note_id}']").count() == 0


def test_a_draft_an_older_page_kept_in_local_storage_moves_to_the_server(page, server):
    note = api_call(page, "POST", "/api/structure", {"text": EDITED_TRANSCRIPT})
    old = {"note_id": note["note_id"], "session_id": None, "note": note["note"],
           "text": EDITED_TRANSCRIPT, "uncertain": [], "epj": "Gammelt utkast", "stale": False}
    page.evaluate("(d) => localStorage.setItem('diktat.utkast.v1', JSON.stringify(d))", old)
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("#epj-text").input_value() == "Gammelt utkast"
    assert page.evaluate("localStorage.getItem('diktat.utkast.v1')") is None
    stored = server["notes"] / note["note_id"] / "draft.json"
    assert sealed_json(stored)["epj"] == "Gammelt utkast"

    # One that never got a note is shown, and leaves the browser once it is saved under one.
    page.evaluate("(d) => localStorage.setItem('diktat.utkast.v1', JSON.stringify(d))",
                  {**old, "note_id": None, "note": None, "epj": ""})
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert "eldre versjon" in page.locator("#draft-notice").inner_text()
    assert page.locator("#transcript-view").inner_text().strip() == EDITED_TRANSCRIPT
    assert page.evaluate("localStorage.getItem('diktat.utkast.v1')") is not None
    page.get_by_role("button", name="Lag notat på nytt fra teksten").click()
    page.wait_for_selector("#transcript-stale", state="hidden")
    new_id = page.locator("#result").get_attribute("data-note-id")
    assert new_id.startswith("t-") and new_id != note["note_id"]
    assert page.evaluate("localStorage.getItem('diktat.utkast.v1')") is None
    page.wait_for_function(f"fetch('/api/notes/{new_id}/draft').then((r) => r.ok)")


def test_a_last_edit_that_lands_after_the_reload_still_shows(page, sync_api):
    note, path = reopened_with_draft(page, "Før", 1000)
    # The previous page's last save arrives now, after this page read the draft.
    api_call(page, "PUT", path, {"text": EDITED_TRANSCRIPT, "note": note["note"],
                                 "epj": "Etter", "edited_at": 2000})
    sync_api.expect(page.locator("#epj-text")).to_have_value("Etter", timeout=8000)

    # Once the nurse types, a late save from elsewhere is never swapped in over her text.
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    page.locator("#epj-text").fill("Skrevet her")
    api_call(page, "PUT", path, {"epj": "Sent fra før", "edited_at": 5_000_000_000_000})
    page.wait_for_timeout(5500)  # longer than the page keeps looking
    assert page.locator("#epj-text").input_value() == "Skrevet her"
    api_call(page, "DELETE", path)


def test_a_newer_draft_saved_elsewhere_is_not_overwritten(page, server):
    _, path = reopened_with_draft(page, "Fra en annen maskin", 4_000_000_000_000)
    # This page's clock runs on from the draft it read: its edit is the newer one.
    page.locator("#epj-text").fill("Rettet her")
    page.wait_for_function("document.getElementById('draft-status').textContent.startsWith("
                           "'Utkast lagret')")
    assert api_call(page, "GET", path)["epj"] == "Rettet her"
    # A save from elsewhere with a later edit wins, and the page says its own was not kept.
    api_call(page, "PUT", path, {"epj": "Enda nyere", "edited_at": 5_000_000_000_000})
    page.locator("#epj-text").fill("Rettet her igjen")
    page.wait_for_function("document.getElementById('draft-status').textContent.includes("
                           "'et nyere utkast')")
    assert api_call(page, "GET", path)["epj"] == "Enda nyere"
    api_call(page, "DELETE", path)
