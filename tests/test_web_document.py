"""Issue 19 in the browser: the live text is the preview, and while the nurse dictates the page
replaces it, once per document span, with the document text (the batch decode of the recording
in spans cut at pauses); the transcript and the note she reviews are made from the document
text. Real headless Chromium (its fake microphone plays king.mp3's first 35 s) against the real
server with the real model (`tests/web_fixtures.py`), document spans of at least 10 s.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import SHARED
from tests.store_helpers import sealed_json, sealed_text
from tests.web_fixtures import SHOTS, TIMEOUT_MS, launch_chromium, serve, shot, wait_status

pytestmark = pytest.mark.slow

KING = SHARED / "data" / "speech" / "king" / "king.mp3"
CLIP_S = 35.0
MIN_SPAN_S = 10.0

# Every change of the live text, as the page shows it: the document part, its replacement count
# and highlight, the preview after it, how much audio was recorded and whether the note is up.
RECORD_CHANGES = """() => {
    const $ = (id) => document.getElementById(id);
    window.__live = [];
    const record = () => {
        const doc = $('live-document');
        const entry = {
            doc: doc.textContent, replacements: Number(doc.dataset.replacements || 0),
            replaced: doc.classList.contains('replaced'),
            preview: $('live-committed').textContent + $('live-pending').textContent
                + $('live-tentative').textContent,
            recorded_s: Number($('live').dataset.recordedS || 0),
            result: !$('result').hidden,
        };
        const last = window.__live[window.__live.length - 1];
        if (!last || JSON.stringify(last) !== JSON.stringify(entry)) window.__live.push(entry);
    };
    new MutationObserver(record).observe($('live'), {
        subtree: true, childList: true, characterData: true, attributes: true,
        attributeFilter: ['class', 'data-replacements'],
    });
}"""


@pytest.fixture(scope="module")
def king_wav(tmp_path_factory):
    """king.mp3's first 35 s as a 16 kHz WAV, for Chromium's fake microphone."""
    if not KING.exists():
        pytest.skip(f"real speech for the document decode (king.mp3) not available: {KING}")
    import soundfile as sf

    from diktat.stt.audio import SAMPLE_RATE, load_audio

    samples = load_audio(KING).samples[: round(CLIP_S * SAMPLE_RATE)]
    path = tmp_path_factory.mktemp("king") / "king-35s.16k.wav"
    sf.write(str(path), samples, SAMPLE_RATE, subtype="PCM_16")
    return path


@pytest.fixture(scope="module")
def document_server(engine, tmp_path_factory):
    with serve(engine, tmp_path_factory.mktemp("serve-document"),
               dictate={"document_min_span_s": MIN_SPAN_S}) as running:
        yield running


@pytest.fixture
def king_page(playwright_session, king_wav, document_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    chromium = launch_chromium(playwright_session, king_wav)
    context = chromium.new_context(permissions=["microphone"], locale="nb-NO",
                                   viewport={"width": 1200, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(f"{document_server['url']}/")
    pg.wait_for_selector("body[data-ready='true']")
    yield pg
    context.close()
    chromium.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_preview_replaced_once_per_span_and_the_note_from_the_document_text(
        king_page, document_server):
    page = king_page
    messages: list[dict] = []  # what the server sent on the dictation's socket

    def on_frame(payload) -> None:
        if isinstance(payload, str):
            messages.append(json.loads(payload))

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    page.evaluate(RECORD_CHANGES)
    started = time.monotonic()
    page.get_by_role("button", name="Start diktat").click()
    wait_status(page, "listening", timeout=30_000)
    listening = time.monotonic()

    # Dictate the clip (the fake microphone loops it: stop after one pass, by the clock, as the
    # server's count of recorded audio lags what was sent), sampling the document text shown;
    # wait on past the clip only if no span has been replaced yet.
    samples: list[str] = []
    replaced_at = None
    while True:
        state = page.evaluate("""() => ({
            doc: document.getElementById('live-document').textContent,
            replacements: Number(document.getElementById('live-document').dataset.replacements
                                 || 0),
            recorded_s: Number(document.getElementById('live').dataset.recordedS || 0)})""")
        if not samples or state["doc"] != samples[-1]:
            samples.append(state["doc"])
        if state["replacements"] and replaced_at is None:
            replaced_at = state["recorded_s"]
            shot(page, "20-document-replaced")
        if state["replacements"] and time.monotonic() - listening >= CLIP_S:
            break
        assert time.monotonic() - started < TIMEOUT_MS / 1000, (
            f"no document span replaced the preview after {state['recorded_s']} s of audio")
        page.wait_for_timeout(1000)
    replacements_while_dictating = state["replacements"]
    page.get_by_role("button", name="Stopp").click()
    page.wait_for_selector("#result:not([hidden])", timeout=TIMEOUT_MS)
    wait_status(page, "done")
    shot(page, "21-document-note")
    changes = page.evaluate("window.__live")

    # A preview during dictation: live text is shown before the first replacement.
    first_preview = next(i for i, c in enumerate(changes) if c["preview"].strip())
    first_replacement = next(i for i, c in enumerate(changes) if c["replacements"])
    assert first_preview < first_replacement, changes[: first_replacement + 1]
    assert not changes[first_replacement - 1]["doc"]

    # While dictating, the document text only grows, each growth one visible replacement
    # (marked "replaced"), and it is never taken back.
    dictating = [c for c in changes if not c["result"]]
    shown = [c["doc"] for c in dictating]
    for before, after in zip(shown, shown[1:], strict=False):
        assert after.startswith(before), (before, after)
    for before, after in zip(samples, samples[1:], strict=False):
        assert after.startswith(before), (before, after)
    grew = [c for before, c in zip(dictating, dictating[1:], strict=False)
            if len(c["doc"]) > len(before["doc"])]
    assert all(c["replaced"] for c in grew), grew
    assert [c["replacements"] for c in grew] == list(range(1, len(grew) + 1))
    replacements = page.locator("#live-document").get_attribute("data-replacements")
    assert int(replacements) == len(grew) >= replacements_while_dictating >= 1

    # The view messages said the same: "document_text" is the start of "text", and grows.
    views = [m for m in messages if m["type"] == "view"]
    documents = [m["document_text"] for m in views]
    assert all(m["text"].startswith(m["document_text"]) for m in views)
    for before, after in zip(documents, documents[1:], strict=False):
        assert after.startswith(before), (before, after)

    # The transcript and note are the document text's: one document span per replacement at
    # most, the last span decoded only after the stop.
    done = next(m for m in messages if m["type"] == "done")
    folder = document_server["sessions"] / done["session_id"]
    stored = sealed_json(folder / "transcript.json")
    options = stored["transcript"]["options"]
    assert options["pipeline"] == "document"
    assert done["transcript"]["options"] == options
    spans = options["document_spans"]
    assert len(spans) >= 2, spans
    assert spans[0][0] == 0 and all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    # cut at pauses after MIN_SPAN_S; at the stop the open span's draft may end one early
    assert all(end - start >= MIN_SPAN_S for start, end in spans[:-2]), spans
    assert replacements_while_dictating <= len(spans) - 1
    assert len(grew) <= len(spans)

    text = sealed_text(folder / "text.txt").strip()
    assert text and done["text"] == text
    assert text.startswith(shown[-1].strip()), (shown[-1], text)  # what she saw stays
    assert page.locator("#live").inner_text().strip() == text
    assert page.locator("#transcript-view").inner_text().strip() == stored["text"].strip()
    assert page.locator("#epj-text").input_value() == done["note_text"]
    assert sealed_json(folder / "note.json") == done["note"]
    preview = sealed_text(folder / "preview.txt").strip()  # the store keeps the preview too
    assert preview

    # The review view shows where the note's text differs from the preview she watched: the
    # text without the struck preview words is the note's text, without the new ones the
    # preview.
    box = page.locator("#preview-changes-box")
    assert box.is_visible()
    box.locator("summary").click()
    shot(page, "22-preview-changes")
    without = """(tag) => {
        const copy = document.getElementById('preview-changes').cloneNode(true);
        copy.querySelectorAll(tag).forEach((e) => e.remove());
        return copy.textContent;
    }"""
    assert page.evaluate(without, "del").split() == text.split()
    assert page.evaluate(without, "ins").split() == preview.split()
    changed = [r for r in done["preview_changes"] if not isinstance(r, str)]
    assert page.locator("#preview-changes-count").inner_text() == str(len(changed))
    assert changed, "the document text and the preview were the same"
    print(f"\nreplacements: {replacements_while_dictating} while dictating, {len(grew)} in all;"
          f" first after {replaced_at} s of audio; document spans: {spans}")
