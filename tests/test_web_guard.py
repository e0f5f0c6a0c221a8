"""Other web pages against `diktat serve`, in real headless Chromium (`tests/web_fixtures.py`).

A page on another origin (a tiny http.server on another loopback port) and a page reached under
a foreign name that resolves to 127.0.0.1 (DNS rebinding; Chromium's host resolver rules map
the name) try to read the drafts, approve a note, upload a recording and open the dictation
WebSocket of a server on loopback without a token — what a nurse's workstation runs — and
fail: nothing is read, the draft is unchanged, no job is made. The same code on the server's
own page succeeds, on loopback and under a configured name. A server with only the program
token (`[server] token`, no sign-in) gives the page nothing, `?token=` in its address or not:
it says so in Norwegian. HTTP-level tests of the same checks: `tests/test_server_guard.py`.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.server_helpers import (
    NOT_AUDIO,
    ORIGINAL,
    audit_entries,
    nurse_draft,
    running_server,
    server_settings,
    wait_for_job,
)
from tests.store_helpers import sealed_text
from tests.web_fixtures import NAMED_HOST, REBIND_HOST, TIMEOUT_MS, shot

pytestmark = pytest.mark.slow

TOKEN = "web-vakt-hemmelig"  # the server's program token (`[server] token`)

# What a hostile page does: read the drafts, approve the nurse's note with its own text, upload
# a recording, open the dictation socket. `noCors`: from another origin, where only "simple"
# requests (no preflight) reach a server; the answers are then hidden from it.
ATTACK = """async ({ base, noteId, token, noCors }) => {
  const auth = token ? { Authorization: `Bearer ${token}` } : {};
  const mode = noCors ? "no-cors" : "cors";
  const out = {};
  const attempt = async (name, run) => {
    try { out[name] = await run(); } catch (e) { out[name] = `blocked (${e.name})`; }
  };
  await attempt("read", async () => {
    const r = await fetch(`${base}/api/drafts`, { headers: auth });
    return `${r.status} ${await r.text()}`;
  });
  await attempt("approve", async () => {
    const r = await fetch(`${base}/api/notes/${noteId}/approve`, {
      method: "POST", mode, headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ note: {}, text: "Angriperens tekst" }),
    });
    return `${r.type} ${r.status}`;
  });
  await attempt("upload", async () => {
    const form = new FormData();
    form.append("file", new Blob(["ikke lyd"], { type: "audio/wav" }), "opptak.wav");
    const r = await fetch(`${base}/api/jobs`, { method: "POST", mode, headers: auth, body: form });
    return `${r.type} ${r.status}`;
  });
  await attempt("websocket", () => new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/ws/dictate`);
    const timer = setTimeout(() => { resolve("no answer"); ws.close(); }, 15000);
    ws.onmessage = (e) => { clearTimeout(timer); resolve(`open ${e.data}`); ws.close(); };
    ws.onerror = () => { clearTimeout(timer); resolve("blocked"); };
  }));
  return out;
}"""

HOSTILE_PAGE = b"<!doctype html><meta charset=utf-8><title>Annen side</title><p>Ikke diktat.</p>"


@pytest.fixture(scope="module")
def open_server(engine, tmp_path_factory):
    """Loopback, no token: the nurse's workstation."""
    settings = server_settings(tmp_path_factory.mktemp("web-guard-open"))
    with running_server(settings, engine) as running:
        yield running


@pytest.fixture(scope="module")
def foreign_site():
    """Another web site on another loopback port (another origin), serving a harmless page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the handler's required name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(HOSTILE_PAGE)))
            self.end_headers()
            self.wfile.write(HOSTILE_PAGE)

        def log_message(self, *args) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.serve_forever, name="foreign-site", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site.server_port}"
    site.shutdown()
    site.server_close()
    thread.join(timeout=10)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(locale="nb-NO", viewport={"width": 1200, "height": 900})
    yield ctx
    ctx.close()


def assert_nothing_changed(server, note_id: str, path: str, audit_mark: int) -> None:
    """The draft is the nurse's, the note unapproved, and no job came from the attack: a job of
    ours, sent after it, is the only one the (single, in-order) job worker ran."""
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.get(path).json()["epj"] == ORIGINAL
        ours = client.post("/api/jobs", files={"file": ("kontroll.wav", NOT_AUDIO)}).json()
        assert wait_for_job(client, ours["id"])["status"] == "failed"
    assert not (server.settings.notes_store_dir / note_id / "approved-note.txt").exists()
    jobs = [e for e in audit_entries(server)[audit_mark:] if e["action"].startswith("job.")]
    assert [e["job_id"] for e in jobs] == [ours["id"]]
    assert server.services.streams.active == 0


def assert_refused(result: dict, note_id: str) -> None:
    assert ORIGINAL not in result["read"] and note_id not in result["read"], result
    assert not result["approve"].endswith(" 200"), result
    assert not result["upload"].endswith(" 202"), result
    assert result["websocket"] == "blocked", result


def test_a_page_on_another_origin_can_neither_read_nor_change_anything(
    open_server, foreign_site, context
):
    with nurse_draft(open_server) as (note_id, path):
        mark = len(audit_entries(open_server))
        page = context.new_page()
        page.goto(f"{foreign_site}/")
        result = page.evaluate(ATTACK, {"base": open_server.url, "noteId": note_id,
                                        "token": None, "noCors": True})
        shot(page, "guard-01-other-origin")
        assert_refused(result, note_id)
        assert_nothing_changed(open_server, note_id, path, mark)


def test_a_page_under_a_rebinding_name_can_neither_read_nor_change_anything(
    open_server, context
):
    # The hostile page's own name now resolves to 127.0.0.1: to the browser, the server is
    # the page's own origin (same-origin reads, JSON posts and all).
    rebound = f"http://{REBIND_HOST}:{open_server.port}"
    with nurse_draft(open_server) as (note_id, path):
        mark = len(audit_entries(open_server))
        page = context.new_page()
        response = page.goto(f"{rebound}/")
        result = page.evaluate(ATTACK, {"base": rebound, "noteId": note_id, "token": None,
                                        "noCors": False})
        shot(page, "guard-02-rebinding")
        assert_refused(result, note_id)
        assert result["read"].startswith("421 "), result
        assert response.status == 421 and "allowed_hosts" in response.text()
        assert_nothing_changed(open_server, note_id, path, mark)


def test_the_same_requests_from_the_servers_own_page_work(open_server, context):
    with nurse_draft(open_server) as (note_id, _):
        page = context.new_page()
        page.goto(f"{open_server.url}/")
        page.wait_for_selector("body[data-ready='true']")
        result = page.evaluate(ATTACK, {"base": open_server.url, "noteId": note_id,
                                        "token": None, "noCors": False})
        assert result["read"].startswith("200 ") and ORIGINAL in result["read"], result
        assert result["approve"] == "basic 200", result
        assert result["upload"] == "basic 202", result
        assert result["websocket"].startswith("open ") and '"ready"' in result["websocket"]
        approved = open_server.settings.notes_store_dir / note_id / "approved-note.txt"
        assert sealed_text(approved) == "Angriperens tekst\n"
        # Were the page itself ever refused (a name or proxy not set up), it says so in Norwegian
        # rather than blaming a sign-in or key.
        said = page.evaluate("async () => (await import('/static/api.js'))"
                             ".errorText(403, '', 'foreign_origin')")
        assert said.startswith("Avvist av tjeneren") and "allowed_hosts" in said


@pytest.fixture(scope="module")
def named_server(engine, tmp_path_factory):
    """Answering to a name of its own as well as to loopback (no sign-in, no token: the local
    user)."""
    settings = server_settings(tmp_path_factory.mktemp("web-guard-named"),
                               allowed_hosts=[NAMED_HOST])
    with running_server(settings, engine) as running:
        yield running


def test_the_page_works_under_a_configured_name(named_server, context, clip):
    base = f"http://{NAMED_HOST}:{named_server.port}"
    with nurse_draft(named_server) as (note_id, _):
        page = context.new_page()
        page.goto(f"{base}/")
        page.wait_for_selector("body[data-ready='true']")
        page.set_input_files("#file-input", str(clip[0]))  # the page's own upload
        page.wait_for_selector(".job[data-status='done']", timeout=TIMEOUT_MS)
        result = page.evaluate(ATTACK, {"base": base, "noteId": note_id, "token": None,
                                        "noCors": False})
        shot(page, "guard-03-named-host")
        assert result["read"].startswith("200 ") and ORIGINAL in result["read"], result
        assert result["approve"] == "basic 200" and result["upload"] == "basic 202", result
        assert result["websocket"].startswith("open ") and '"ready"' in result["websocket"]


@pytest.fixture(scope="module")
def token_server(engine, tmp_path_factory):
    """Only the program token, no sign-in, under a name of its own: a server for programs."""
    settings = server_settings(tmp_path_factory.mktemp("web-guard-token"), token=TOKEN,
                               allowed_hosts=[NAMED_HOST])
    with running_server(settings, engine) as running:
        yield running


def test_the_token_in_the_page_address_gives_the_page_nothing(token_server, context):
    """`?token=` in the page's address is not read: the page says the server is for programs,
    and sends nothing with a credential; the token itself, as a bearer, transcribes and runs
    jobs but opens no draft, approves nothing and opens no dictation."""
    base = f"http://{NAMED_HOST}:{token_server.port}"
    with httpx.Client(base_url=token_server.url, timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as program:
        made = program.post("/api/structure", json={"text": "BT 130/80."})
        assert made.status_code == 200, made.text
        note_id = made.json()["note_id"]
    for address in (f"{base}/?token={TOKEN}", f"{base}/"):
        page = context.new_page()
        urls: list[str] = []
        page.on("request", lambda r, urls=urls: urls.append(r.url))
        page.on("websocket", lambda ws, urls=urls: urls.append(ws.url))
        page.goto(address)
        page.wait_for_selector("body[data-ready='true']")
        gate = page.locator("#programs-only")
        assert gate.is_visible() and page.locator("main").is_hidden()
        assert "satt opp for programmer (nøkkel), ikke for nettsiden" in gate.inner_text()
        assert "innlogging" in gate.inner_text()
        assert page.locator("#signed-out").is_hidden()
        shot(page, "guard-04-programs-only")
        # The page asked who she is (401) and nothing more; the address was sent as typed,
        # but no request of the page's own carries the token.
        assert [u for u in urls[1:] if TOKEN in u or "token=" in u] == []
        status = page.evaluate("fetch('/api/me').then((r) => r.status)")
        assert status == 401
        page.close()
    # What a program holding the token reaches from a page that sends it as a bearer.
    page = context.new_page()
    page.goto(f"{base}/")
    result = page.evaluate(ATTACK, {"base": base, "noteId": note_id, "token": TOKEN,
                                    "noCors": False})
    assert result["read"].startswith("403 ") and '"scope"' in result["read"], result
    assert result["approve"] == "basic 403", result
    assert result["upload"] == "basic 202", result  # scope `jobs`: a program's upload
    assert result["websocket"] == "blocked", result
    assert not (token_server.settings.notes_store_dir / note_id / "approved-note.txt").exists()
    assert token_server.services.streams.active == 0
