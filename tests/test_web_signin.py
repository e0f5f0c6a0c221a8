"""Signing in on the page of `diktat serve`, in real headless Chromium through a real OpenID
provider (oidc-provider on loopback, `tests/oidc_fixtures.py`): two nurses each see only their
own drafts, the operator sees no journal content, a session that ends while the nurse edits is
renewed in a second window without losing a keystroke, and signing out leaves «Logg inn».

The session cookie is `Secure`: Chromium keeps it over http://127.0.0.1 (loopback is a secure
context), so nothing is weakened for the test.
"""

from __future__ import annotations

import contextlib
import re
import time

import pytest

from diktat.config import Settings
from diktat.store.names import NoteId
from diktat.store.retention import inventory
from tests.oidc_fixtures import oidc_provider
from tests.server_helpers import free_port, running_server
from tests.web_fixtures import CHROMIUM, SHOTS

pytestmark = [pytest.mark.slow]

NOTE_TEXT = "BT 130/80, puls 72. Fikk Paracet 1 g kl 08."
SHORT_SESSION_MIN = 0.2  # 12 s: it ends while the nurse edits
PASSWORD = "hva-som-helst"  # the provider's development login takes any


@pytest.fixture(scope="module")
def ports() -> tuple[int, int]:
    return free_port(), free_port()  # the server, and one with short sessions


@pytest.fixture(scope="module")
def provider(ports):
    with oidc_provider(*(f"http://127.0.0.1:{port}/auth/callback" for port in ports)) as running:
        yield running


def signin_settings(root, port: int, provider, **auth) -> Settings:
    return Settings(
        sessions_dir=root / "sessions",
        server={"host": "127.0.0.1", "port": port, "audit_log": root / "audit.log"},
        auth=provider.auth_settings(**auth),
    )


@pytest.fixture(scope="module")
def server(engine, provider, ports, tmp_path_factory):
    settings = signin_settings(tmp_path_factory.mktemp("signin"), ports[0], provider)
    with running_server(settings, engine) as running:
        yield running


@pytest.fixture(scope="module")
def chromium(playwright_session):
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = playwright_session.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield browser
    browser.close()


@contextlib.contextmanager
def browser_of(chromium, url: str):
    """A browser of its own (cookies and all), on the page; no JavaScript errors allowed and the
    page's Content-Security-Policy kept."""
    context = chromium.new_context(locale="nb-NO", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']")
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def through_provider(page, username: str, arrived) -> None:
    """Sign in on the provider's own pages (its login form, then its consent form — either is
    skipped when the provider remembers her) until `arrived()`."""
    deadline = time.monotonic() + 30
    while not arrived():
        assert time.monotonic() < deadline, f"stuck at {page.url}"
        if "/interaction/" not in page.url:
            page.wait_for_timeout(100)
            continue
        page.wait_for_load_state()
        login = page.locator("input[name='login']")
        if login.count():
            login.fill(username)
            page.locator("input[name='password']").fill(PASSWORD)
        url = page.url
        page.locator("button[type='submit']").first.click()
        for _ in range(100):  # the next page
            if page.is_closed() or page.url != url or arrived():
                break
            page.wait_for_timeout(100)


def sign_in(page, server_url: str, username: str) -> None:
    """From the page's «Logg inn» view through the provider and back to the app."""
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect(page.locator("#signed-out")).to_be_visible()
    assert page.locator("main").is_hidden()
    page.get_by_role("link", name="Logg inn").click()
    through_provider(page, username, lambda: page.url.rstrip("/") == server_url)
    page.wait_for_selector("body[data-ready='true']")
    name = username.capitalize()
    sync_api.expect(page.locator("#who")).to_contain_text(f"Innlogget som {name}")


def call(page, method: str, path: str, body: dict | None = None) -> dict:
    """The API through the page's own api.js (its session, its CSRF token)."""
    return page.evaluate(
        """async ([method, path, body]) => {
             const { api } = await import("/static/api.js");
             const { status, data } = await api(path, { method, json: body ?? undefined });
             return { status, data };
           }""", [method, path, body])["data"]


def status_of(page, method: str, path: str, body: dict | None = None) -> int:
    """What the server answers the page's browser (its cookie) for `path`, with the page's
    CSRF token on a change."""
    return page.evaluate(
        """async ([method, path, body]) => {
             const me = await (await fetch("/api/me")).json();
             const headers = { "Content-Type": "application/json", "X-CSRF-Token": me.csrf };
             const res = await fetch(path, { method, headers,
                                             body: body ? JSON.stringify(body) : undefined });
             return res.status;
           }""", [method, path, body])


def draft_of(page, note_id: str) -> dict:
    return call(page, "GET", f"/api/notes/{note_id}/draft")


def open_new_note(page) -> str:
    """A note made from text, with a draft, opened on the page (as after a reload)."""
    note = call(page, "POST", "/api/structure", {"text": NOTE_TEXT})
    call(page, "PUT", f"/api/notes/{note['note_id']}/draft",
         {"text": NOTE_TEXT, "note": note["note"], "epj": note["note_text"]})
    page.evaluate("(id) => localStorage.setItem('diktat.current-note.v2', id)", note["note_id"])
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("#result").get_attribute("data-note-id") == note["note_id"]
    assert page.locator("#epj-text").input_value() == note["note_text"]
    return note["note_id"]


def test_two_nurses_see_only_their_own_drafts_and_sign_out(chromium, server, sync_api):
    expect = sync_api.expect
    with browser_of(chromium, server.url) as kari, browser_of(chromium, server.url) as ola:
        sign_in(kari, server.url, "kari")
        sign_in(ola, server.url, "ola")
        cookies = kari.context.cookies()
        session = next(c for c in cookies if c["name"] == "diktat_session")
        assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Strict"
        assert "diktat_session" not in kari.evaluate("document.cookie")

        note_id = open_new_note(kari)
        kari.locator("#epj-text").fill("Karis notat, rettet.")
        expect(kari.locator("#draft-status")).to_contain_text("Utkast lagret")
        assert draft_of(kari, note_id)["epj"] == "Karis notat, rettet."
        kari.screenshot(path=str(SHOTS / "signin-01-kari.png"), full_page=True)

        # Ola's page lists nothing of hers, and her note is as if it did not exist.
        ola.reload()
        ola.wait_for_selector("body[data-ready='true']")
        assert ola.locator(f"#draft-list li[data-note-id='{note_id}']").count() == 0
        assert ola.locator("#drafts").is_hidden() and ola.locator("#result").is_hidden()
        assert call(ola, "GET", "/api/drafts") == []
        path = f"/api/notes/{note_id}/draft"
        assert status_of(ola, "GET", path) == 404
        assert status_of(ola, "PUT", path, {"epj": "Olas"}) == 404
        assert status_of(ola, "DELETE", path) == 404
        assert status_of(ola, "POST", f"/api/notes/{note_id}/approve",
                         {"note": {}, "text": "x"}) == 404
        # Her id in his browser's memory of the last note opens nothing either.
        ola.evaluate("(id) => localStorage.setItem('diktat.current-note.v2', id)", note_id)
        ola.reload()
        ola.wait_for_selector("body[data-ready='true']")
        assert ola.locator("#result").is_hidden()
        assert "Karis" not in ola.locator("body").inner_text()

        # A change without the session's CSRF token is refused.
        bare = kari.evaluate("""(path) => fetch(path, { method: "PUT",
            headers: { "Content-Type": "application/json" }, body: '{"epj": "x"}' })
            .then(async (r) => [r.status, (await r.json()).code])""", path)
        assert bare == [403, "csrf"]

        # Signing out ends the session: the page shows «Logg inn» again.
        kari.get_by_role("button", name="Logg ut").click()
        kari.wait_for_load_state()
        expect(kari.locator("#signed-out")).to_be_visible()
        expect(kari.get_by_role("link", name="Logg inn")).to_be_visible()
        assert kari.locator("main").is_hidden() and kari.locator("#who").is_hidden()
        assert status_of(kari, "GET", "/api/drafts") == 401
        kari.screenshot(path=str(SHOTS / "signin-02-signed-out.png"), full_page=True)


def test_the_operator_sees_no_journal_content(chromium, server, sync_api):
    from diktat.store.drafts import NoteDraft

    kept = NoteId.new_text()  # something in the store, a nurse's
    server.services.drafts.save(kept, NoteDraft(epj="Karis hemmelige notat."), owner="u-kari")
    with browser_of(chromium, server.url) as drift:
        sign_in(drift, server.url, "drift")
        sync_api.expect(drift.locator("#operator")).to_be_visible()
        assert "Driftsrollen viser ikke journalinnhold" in drift.locator("#operator").inner_text()
        assert drift.locator("main").is_hidden()
        assert not drift.get_by_role("button", name="Start diktat").is_visible()
        assert drift.locator("#epj-text").is_hidden()
        assert status_of(drift, "GET", "/api/drafts") == 403
        # the store's inventory, without content: ids, kinds, states, sizes
        sync_api.expect(drift.locator("#inventory-status")).to_contain_text("i lageret")
        listed = drift.locator("#inventory-rows tr").count()
        assert listed == len(inventory(server.settings, server.services.keys)) >= 1
        assert kept.value in drift.locator("#inventory-rows").inner_text()
        assert "Karis" not in drift.locator("#operator").inner_text()
        drift.screenshot(path=str(SHOTS / "signin-03-operator.png"), full_page=True)


def test_a_session_that_ends_mid_edit_keeps_every_word(chromium, engine, provider, ports,
                                                       tmp_path, sync_api):
    expect = sync_api.expect
    settings = signin_settings(tmp_path, ports[1], provider, session_minutes=SHORT_SESSION_MIN)
    with running_server(settings, engine) as server, browser_of(chromium, server.url) as kari:
        sign_in(kari, server.url, "kari")
        expires_at = kari.evaluate("fetch('/api/me').then((r) => r.json())")["expires_at"]
        note_id = open_new_note(kari)
        time.sleep(max(0.0, expires_at - time.time()) + 1)  # the session has ended

        epj = kari.locator("#epj-text")
        epj.fill("Pasienten sov godt.")
        epj.press("End")
        epj.press_sequentially(" Fikk Paracet 1 g kl 08.")
        banner = kari.locator("#session-banner")
        expect(banner).to_be_visible()
        assert ("Økten er utløpt. Logg inn igjen – det du skrev, er tatt vare på."
                in banner.inner_text())
        epj.press_sequentially(" Ingen smerter.")  # she goes on writing meanwhile
        typed = "Pasienten sov godt. Fikk Paracet 1 g kl 08. Ingen smerter."
        assert epj.input_value() == typed
        kari.screenshot(path=str(SHOTS / "signin-04-expired.png"), full_page=True)
        storage = kari.evaluate("JSON.stringify({...localStorage, ...sessionStorage})")
        assert "Paracet" not in storage and "smerter" not in storage

        with kari.context.expect_page() as opened:
            kari.get_by_role("button", name="Logg inn igjen").click()
        popup = opened.value
        through_provider(popup, "kari", lambda: popup.is_closed()
                         or popup.url.endswith("/auth/done"))
        expect(banner).to_be_hidden(timeout=10_000)
        expect(kari.locator("#draft-status")).to_contain_text("Utkast lagret", timeout=10_000)
        assert epj.input_value() == typed
        deadline = time.monotonic() + 10  # the older edit in flight lands first, then this
        stored = server.services.drafts  # read on the server: the renewed session is short too
        while ((saved := stored.load(NoteId.parse(note_id)).epj) != typed
               and time.monotonic() < deadline):
            time.sleep(0.2)
        assert saved == typed
        assert re.search(r"Innlogget som Kari", kari.locator("#who").inner_text())
