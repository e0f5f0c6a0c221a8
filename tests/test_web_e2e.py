"""The web page of `diktat serve`, end to end in real headless Chromium against the real server
with the real model (`tests/web_fixtures.py`): dictation with a fake microphone, the note,
evidence, approval, uploads, no credential in any URL, push-to-talk, a full queue and the
page's Content-Security-Policy. Drafts: `tests/test_web_drafts.py`. The page runs as the local
user of a server on loopback without sign-in or token (a nurse's workstation); sign-in:
`tests/test_web_signin.py`; a server with only a program token: `tests/test_web_guard.py`.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.store_helpers import sealed_json, sealed_text
from tests.web_fixtures import (
    CLINICAL_WORDS,
    NPSC_WORDS,
    SHOTS,
    TIMEOUT_MS,
    shot,
    wait_status,
    words_of,
)

pytestmark = [pytest.mark.slow, pytest.mark.speech]


def test_dictation_live_text_note_evidence_edit_and_approve(page, server, clip):
    path, expected_words, duration = clip
    page.get_by_role("button", name="Start diktat").click()
    wait_status(page, "listening", timeout=30_000)
    assert page.locator("#status").inner_text() == "Lytter…"

    # Live text arrives while the clip is still being "spoken".
    page.wait_for_function(
        "document.getElementById('live').textContent.trim().length > 0", timeout=TIMEOUT_MS
    )
    assert page.locator("#live").inner_text().strip()
    assert page.locator("#result").is_hidden()  # no note yet: this is live text
    shot(page, "01-live-text")
    # Let the whole clip play once, then stop.
    page.wait_for_function(
        f"Number(document.getElementById('live').dataset.recordedS || 0) >= {duration + 0.5}",
        timeout=TIMEOUT_MS,
    )
    page.get_by_role("button", name="Stopp").click()
    page.wait_for_selector("#result:not([hidden])", timeout=TIMEOUT_MS)
    wait_status(page, "done")
    shot(page, "02-note")

    transcript = page.locator("#transcript-view").inner_text()
    heard = words_of(transcript) & expected_words
    assert len(heard) >= 3, f"too few Norwegian words of the clip in {transcript!r}"
    note_id = page.locator("#result").get_attribute("data-note-id")
    assert note_id

    # Uncertain words are marked in the transcript, with an explanation as title.
    marks = page.locator("#transcript-view mark.unc")
    if marks.count():
        assert "Usikker" in (marks.first.get_attribute("title") or "")

    # "vis belegg" highlights exactly the evidence span of that item.
    links = page.locator("#note-form .evidence-link")
    assert links.count() >= 1, page.locator("#note-form").inner_text()
    link = links.first
    start, end = int(link.get_attribute("data-start")), int(link.get_attribute("data-end"))
    quote = link.get_attribute("data-quote")
    link.click()
    page.wait_for_selector("#transcript-view mark.evidence")
    highlighted = page.evaluate(
        "[...document.querySelectorAll('#transcript-view mark.evidence')]"
        ".map((m) => m.textContent).join('')"
    )
    full = page.evaluate("document.getElementById('transcript-view').textContent")
    assert highlighted == quote == full[start:end]
    shot(page, "03-evidence")

    # Edit a field of the form and the EPJ text, then approve.
    field = page.locator("#note-form textarea[data-path$='.text']").first
    field_path = field.get_attribute("data-path")
    field.fill("Pasienten sov godt hele natten.")
    epj = page.locator("#epj-text")
    edited = epj.input_value().rstrip() + "\nKontrollert og rettet av sykepleier."
    epj.fill(edited)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Godkjenn og kopier").click()
    page.wait_for_function(
        "document.getElementById('approve-status').textContent.startsWith('Godkjent')"
    )
    assert "kopiert" in page.locator("#approve-status").inner_text()
    shot(page, "04-approved")

    download = download_info.value
    assert download.suggested_filename == f"notat-{note_id}.json"
    saved = SHOTS / download.suggested_filename
    download.save_as(str(saved))
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert doc["note_id"] == note_id and doc["text"] == edited
    assert json.dumps(doc["note"], ensure_ascii=False).count("Pasienten sov godt hele natten.") == 1

    assert page.evaluate("navigator.clipboard.readText()") == edited

    # The server stored the nurse's version in the dictation session.
    folder = server["sessions"] / note_id
    stored = sealed_json(folder / "approved-note.json")
    assert stored["approved_at"]
    item = stored["note"]
    for part in field_path.split("."):
        item = item[int(part)] if part.isdigit() else item[part]
    assert item == "Pasienten sov godt hele natten."
    assert sealed_text(folder / "approved-note.txt") == edited + "\n"


@pytest.mark.csp
def test_the_page_works_under_its_content_security_policy(page, clip):
    # The fixture fails the test on any "Content Security Policy" message in the console: the
    # WebSocket, the audio worklet, the note form, drafts, approval (clipboard and the JSON
    # download from a blob: address) and an uploaded recording all run under it.
    page.get_by_role("button", name="Start diktat").click()
    wait_status(page, "listening", timeout=30_000)
    page.wait_for_selector("#live-committed:not(:empty)", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Stopp").click()
    page.wait_for_selector("#result:not([hidden])", timeout=TIMEOUT_MS)
    page.wait_for_selector("#draft-status:not(:empty)")
    assert page.locator("#note-form .section").count() >= 1
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Godkjenn og kopier").click()
    page.wait_for_selector("#approve-status:has-text('Godkjent')")
    assert "kopiert" in page.locator("#approve-status").inner_text()
    assert download_info.value.suggested_filename.startswith("notat-")
    page.set_input_files("#file-input", str(clip[0]))
    page.wait_for_selector(".job[data-status='done']", timeout=TIMEOUT_MS)
    assert page.evaluate("1 + 1") == 2  # the test's own evaluate still works (not the page's)


def test_dropped_recordings_are_transcribed_with_progress_and_errors(page, clip, tmp_path):
    # Record every status text a job row shows, to see the progress between upload and done.
    page.evaluate("""() => {
        window.__statuses = [];
        new MutationObserver(() => {
            for (const s of document.querySelectorAll('.job-status'))
                window.__statuses.push(s.textContent);
        }).observe(document.getElementById('jobs'),
                   {subtree: true, childList: true, characterData: true});
    }""")
    files = [
        ("opptak.wav", clip[0].read_bytes(), "audio/wav"),
        ("ikke-lyd.wav", b"Dette er ikke lyd, bare tekst." * 20, "audio/wav"),
    ]
    transfer = page.evaluate_handle(
        """(files) => {
            const dt = new DataTransfer();
            for (const [name, b64, type] of files) {
                const bin = atob(b64);
                const bytes = new Uint8Array(bin.length);
                for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                dt.items.add(new File([bytes], name, { type }));
            }
            return dt;
        }""",
        [[name, base64.b64encode(data).decode(), kind] for name, data, kind in files],
    )
    page.dispatch_event("#dropzone", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    good = page.locator(".job", has_text="opptak.wav")
    bad = page.locator(".job", has_text="ikke-lyd.wav")
    good.locator("progress").wait_for()
    page.wait_for_selector(".job[data-status='failed']", timeout=TIMEOUT_MS)
    page.wait_for_selector(".job[data-status='done']", timeout=TIMEOUT_MS)
    shot(page, "07-jobs")

    assert bad.locator(".job-status").inner_text() == (
        "Kunne ikke transkribere «ikke-lyd.wav». "
        "Filen er ikke en lydfil (bruk wav, mp3, m4a, ogg, flac eller webm)."
    )
    assert good.locator("progress").evaluate("(p) => p.value") == 1
    seen = page.evaluate("window.__statuses")
    assert any(s.startswith(("I kø", "Transkriberer")) for s in seen), seen
    text = good.locator(".job-text").inner_text()
    assert len(words_of(text) & (CLINICAL_WORDS | NPSC_WORDS)) >= 3, text


def test_no_request_of_the_page_carries_a_credential(page, server):
    # The fixture checks every test's requests for a credential in the URL; here a dictation
    # (its WebSocket), an upload and the page's API calls are looked at one by one.
    seen: list[tuple[str, str, dict]] = []
    page.on("request", lambda r: seen.append((r.method, r.url, r.headers)))
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    page.get_by_role("button", name="Start diktat").click()
    wait_status(page, "listening", timeout=30_000)
    page.get_by_role("button", name="Stopp").click()
    page.wait_for_selector("#result:not([hidden])", timeout=TIMEOUT_MS)
    ws_base = server["url"].replace("http://", "ws://")
    assert sockets == [f"{ws_base}/ws/dictate"]  # no query at all
    paths = {url.removeprefix(server["url"]).split("?")[0] for _, url, _ in seen}
    assert {"/api/me", "/api/drafts"} <= paths, paths
    for method, url, headers in seen:
        assert "token=" not in url and "dk_" not in url, url
        assert "authorization" not in headers, (method, url)
    # The local user of a loopback server needs no credential at all.
    assert page.evaluate("fetch('/api/me').then((r) => r.json())")["kind"] == "local"


def test_push_to_talk_with_the_space_key(page):
    page.locator("h1").click()  # focus on the page, not on a button or a text field
    page.keyboard.down("Space")
    wait_status(page, "listening", timeout=30_000)
    page.wait_for_function(
        "Number(document.getElementById('live').dataset.recordedS || 0) >= 1.5",
        timeout=TIMEOUT_MS,
    )
    page.keyboard.up("Space")
    wait_status(page, "paused")
    assert page.locator("#status").inner_text() == "Pause"
    page.wait_for_selector("#status[data-server='paused']", timeout=TIMEOUT_MS)
    page.keyboard.down("Space")  # talk again
    wait_status(page, "listening")
    page.keyboard.up("Space")
    page.get_by_role("button", name="Stopp").click()
    page.wait_for_selector("#result:not([hidden])", timeout=TIMEOUT_MS)
    shot(page, "08-push-to-talk")


def test_a_full_queue_says_busy_in_norwegian(page, clip):
    # Four uploads at once: at most one runs and two wait (job_queue=2), the rest get 503.
    page.set_input_files("#file-input", [str(clip[0])] * 4)
    page.wait_for_function(
        "document.querySelectorAll('.job[data-job-id], .job[data-status=\"failed\"]').length == 4",
        timeout=TIMEOUT_MS,
    )
    busy = page.locator(".job[data-status='failed']")
    assert 1 <= busy.count() <= 2
    assert busy.first.locator(".job-status").inner_text() == (
        f"Kunne ikke transkribere «{clip[0].name}». Tjeneren er opptatt, prøv igjen om litt."
    )
    assert busy.first.get_by_role("button", name=re.compile("Prøv igjen")).is_visible()
    shot(page, "09-busy")
    # The accepted jobs finish before the next test: the session's server is shared, and a
    # queue left full would turn the next test's upload into a 503.
    page.wait_for_function(
        "[...document.querySelectorAll('.job[data-job-id]')]"
        ".every((j) => ['done', 'failed'].includes(j.dataset.status))",
        timeout=TIMEOUT_MS * 2,
    )
