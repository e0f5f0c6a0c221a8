"""What the browser tests of `diktat serve`'s page share: real headless Chromium (Debian's
`chromium`, driven by Playwright) against the real server on loopback with the real Whisper
model, one of each for the whole test session.

Chromium's fake microphone plays a Norwegian WAV (`--use-file-for-fake-audio-capture`, looped),
so getUserMedia → AudioWorklet → WebSocket → streaming recognition → note runs exactly as with a
nurse's microphone. Screenshots of every stage are written to test-artifacts/e2e/.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import soundfile as sf

from tests.conftest import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ARTIFACTS / "e2e"
# Said by espeak-ng (Norwegian voice). Measured through the live path with Whisper base it comes
# out as "Passienten har hatt en rolig hatt og så gladt. Hun har vundt i kleret og fikt par akke
# samol." — recognisable Norwegian, a note item, and plenty of low-confidence words to mark.
CLINICAL_TEXT = (
    "Pasienten har hatt en rolig natt og sov godt. Hun har vondt i kneet og fikk paracetamol."
)
CLINICAL_WORDS = {"pasienten", "passienten", "har", "hatt", "rolig", "natt", "sov", "godt", "hun",
                  "vondt", "kneet", "fikk", "paracetamol"}
# Fallback when espeak-ng is missing: the real NPSC clip (Stortinget, 8 s).
NPSC_CLIP = "norwegian-medium-8s.16k.wav"
NPSC_WORDS = {"representantene", "representanten", "fredrik", "frederik", "holen", "bjørdal",
              "trond", "giske", "permitterte", "igjen", "tatt", "sete", "setet", "har", "som"}
TIMEOUT_MS = 90_000
EDITED_TRANSCRIPT = "Pasienten har hatt en rolig natt og sov godt. Hun har vondt i kneet."
# A credential in a URL (a key `dk_...`, the server token as `?token=`) ends up in browser
# history, proxy and server logs: no request the page makes may carry one.
CREDENTIAL_IN_URL = ("token=", "dk_")
# Names Chromium resolves to 127.0.0.1 (--host-resolver-rules): a foreign site's name made to
# point at loopback (DNS rebinding), and a name a server off loopback is set up to answer to.
REBIND_HOST = "evil.example"
NAMED_HOST = "diktat.test"

@pytest.fixture(scope="session")
def sync_api():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; `make test` installs it)")
    return pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )


@pytest.fixture(scope="session")
def clip(request, synth_dir) -> tuple[Path, set[str], float]:
    """A Norwegian WAV for the fake microphone, the words it should yield, its duration."""
    if shutil.which("espeak-ng"):
        from diktat.eval.synth import synthesize

        path = synthesize(CLINICAL_TEXT, synth_dir / "e2e_clinical.wav").path
        words = CLINICAL_WORDS
    else:
        path = request.getfixturevalue("npsc_dir") / NPSC_CLIP
        words = NPSC_WORDS
    return path, words, sf.info(str(path)).duration


@contextlib.contextmanager
def serve(engine, root: Path, **settings):
    """The real app (`create_app`) on a free loopback port with `engine`, its store under
    `root` and `settings` (Settings fields) beside the defaults: no sign-in and no token, so
    the page is the one local user (a nurse's workstation)."""
    uvicorn = pytest.importorskip("uvicorn", reason="the [server] extra is not installed")
    from diktat.config import ServerSettings, Settings
    from diktat.server.app import create_app
    from diktat.server.run import uvicorn_config
    from diktat.server.services import Services

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(
        sessions_dir=root / "sessions",
        # job_queue=2: two uploads at once always fit; four at once never do (503).
        server=ServerSettings(host="127.0.0.1", port=port, audit_log=root / "audit.log",
                              job_queue=2),
        **settings,
    )
    services = Services.build(settings, engine=engine)
    srv = uvicorn.Server(uvicorn_config(create_app(settings, services=services), settings.server))
    thread = threading.Thread(target=srv.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "sessions": settings.session_store_dir,
               "notes": settings.session_store_dir.parent / "notes"}
    finally:
        srv.should_exit = True
        thread.join(timeout=15)
        services.close()


@pytest.fixture(scope="session")
def server(engine, tmp_path_factory):
    """The real app on a free loopback port, sharing the session's model (`serve`)."""
    with serve(engine, tmp_path_factory.mktemp("serve")) as running:
        yield running


@pytest.fixture(scope="session")
def playwright_session(sync_api):
    """Playwright, started once for the session (it cannot run twice at once in one thread):
    each browser fixture launches its own Chromium from it."""
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session, clip):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in [*SHOTS.glob("*.png"), *SHOTS.glob("notat-*.json")]:
        old.unlink()
    chromium = launch_chromium(playwright_session, clip[0])
    yield chromium
    chromium.close()


def launch_chromium(playwright, wav: Path):
    """Headless Chromium whose fake microphone plays `wav` (looped)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            f"--host-resolver-rules=MAP {REBIND_HOST} 127.0.0.1, MAP {NAMED_HOST} 127.0.0.1",
        ],
    )


@pytest.fixture
def page(request, browser, server):
    # Playwright's wait_for_function evaluates strings, which the page's Content-Security-Policy
    # forbids; tests marked `csp` keep the policy (and use only selectors and clicks).
    context = browser.new_context(
        permissions=["microphone", "clipboard-read", "clipboard-write"],
        accept_downloads=True,
        locale="nb-NO",
        viewport={"width": 1200, "height": 900},
        bypass_csp=request.node.get_closest_marker("csp") is None,
    )
    pg = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []  # the page must work offline: nothing but the server itself
    missing: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # The page's Content-Security-Policy must not have to block anything the page does.
    pg.on("console", lambda m: errors.append(m.text)
          if "Content Security Policy" in m.text else None)
    urls: list[str] = []  # every request the page makes, WebSocket included
    pg.on("request", lambda r: urls.append(r.url))
    pg.on("websocket", lambda ws: urls.append(ws.url))
    pg.on("request", lambda r: None if r.url.startswith((server["url"], "data:", "blob:"))
          else foreign.append(r.url))
    pg.on("response", lambda r: missing.append(f"{r.status} {r.url}")
          if r.status >= 400 and "/api/" not in r.url else None)
    response = pg.goto(f"{server['url']}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    pg.wait_for_selector("body[data-ready='true']")
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not foreign, f"requests that leave the server: {foreign}"
    assert not missing, f"page assets that failed to load: {missing}"
    assert urls, "no request of the page was seen"
    carrying = [u for u in urls if any(mark in u for mark in CREDENTIAL_IN_URL)]
    assert not carrying, f"requests with a credential in their URL: {carrying}"


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def words_of(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[^\W\d_]+", text)}


def wait_status(page, key: str, timeout: int = TIMEOUT_MS) -> None:
    page.wait_for_selector(f"#status[data-status='{key}']", timeout=timeout)


def api_call(page, method: str, path: str, body: dict | None = None) -> dict:
    """The API as the page's browser context calls it (same server, the same local user)."""
    base = page.url.split("/?")[0].rstrip("/")
    response = page.request.fetch(base + path, method=method, data=body)
    assert response.ok, response.text()
    return response.json() if response.status != 204 else {}


def open_first_done_job(page) -> str:
    page.wait_for_selector(".job[data-status='done']", timeout=TIMEOUT_MS)
    page.locator(".job[data-status='done']").last.get_by_role(
        "button", name=re.compile("Åpne transkripsjonen")).click()
    page.wait_for_selector("#result:not([hidden])")
    note_id = page.locator("#result").get_attribute("data-note-id")
    assert note_id
    return note_id


def reopened_with_draft(page, epj: str, edited_at: int) -> tuple[dict, str]:
    """A note whose draft (saved elsewhere) this browser was working on, after a reload."""
    note = api_call(page, "POST", "/api/structure", {"text": EDITED_TRANSCRIPT})
    path = f"/api/notes/{note['note_id']}/draft"
    api_call(page, "PUT", path, {"text": EDITED_TRANSCRIPT, "note": note["note"],
                                 "epj": epj, "edited_at": edited_at})
    page.evaluate(f"localStorage.setItem('diktat.current-note.v2', '{note['note_id']}')")
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("#epj-text").input_value() == epj
    return note, path
