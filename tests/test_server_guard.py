"""The server's guard (`diktat.server.guard`) against a real `diktat serve` on loopback: a
foreign `Host` (DNS rebinding) and a foreign `Origin` (a request or WebSocket from another web
page) are refused before any route runs; with a token, a request without it is refused before
its body is read. The token is a program's key: it transcribes, structures and runs jobs, and
gets 403 `scope` anywhere else (drafts, approval, the WebSocket, `/openapi.json`); no
credential is taken from a URL. Clients that send no Origin (the `openai` client, curl) work as
before. The same attacks from real web pages in Chromium:
`tests/test_web_guard.py`. The options' pure logic is tested without a server at the top."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time

import httpx
import pytest

from tests.server_helpers import (
    NOT_AUDIO,
    NOTE_TEXT,
    ORIGINAL,
    audit_entries,
    first_ws_frame,
    free_port,
    nurse_draft,
    running_server,
    server_settings,
)
from tests.web_fixtures import NAMED_HOST

TOKEN = "vakt-hemmelig-123"



# --- the options, without a server -------------------------------------------------------------

def scope(headers: dict[str, str], *, method: str = "POST", path: str = "/api/structure",
          scheme: str = "http", port: int = 8765, kind: str = "http", query: str = "") -> dict:
    return {"type": kind, "method": method, "path": path, "scheme": scheme,
            "server": ("127.0.0.1", port), "query_string": query.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}


def test_hosts_allowed_are_loopback_the_bind_address_and_the_configured_names():
    from diktat.config import ServerSettings
    from diktat.server.guard import GuardOptions

    default = GuardOptions.from_settings(ServerSettings())
    assert default.names == {"127.0.0.1", "localhost", "[::1]"} and default.port == 8765
    assert not default.authorities
    bound = GuardOptions.from_settings(ServerSettings(host="10.1.2.3", token="t"))
    assert "10.1.2.3" in bound.names
    assert "[fd00::5]" in GuardOptions.from_settings(ServerSettings(host="fd00::5")).names
    for wildcard in ("0.0.0.0", "::"):  # not a name a client uses
        assert GuardOptions.from_settings(ServerSettings(host=wildcard)).names == default.names
    named = GuardOptions.from_settings(ServerSettings(
        allowed_hosts=["Diktat.Kommune.NO", "proxy.kommune.no:443", "[fd00::1]"]))
    assert {"diktat.kommune.no", "[fd00::1]"} <= named.names
    assert named.authorities == {("proxy.kommune.no", 443)}
    assert named.allows("diktat.kommune.no", 8765, None)
    assert not named.allows("diktat.kommune.no", 443, None)
    assert named.allows("proxy.kommune.no", 443, None)
    # Port 0 (any free port): the port the connection came in on.
    assert GuardOptions.from_settings(ServerSettings(port=0)).allows("localhost", 4321, 4321)
    # `diktat serve --host 0.0.0.0` says which names it answers to, until some are listed.
    from diktat.server.run import hosts_warning

    assert "allowed_hosts" in hosts_warning(ServerSettings(host="0.0.0.0", token="t"))
    assert hosts_warning(ServerSettings(host="::", token="t", allowed_hosts=["a.b"])) is None
    assert hosts_warning(ServerSettings(host="10.1.2.3", token="t")) is None


def test_allowed_hosts_are_names_not_patterns():
    from pydantic import ValidationError

    from diktat.config import ServerSettings
    from diktat.server.guard import split_authority

    for bad in ("http://diktat.test", "*.kommune.no", "diktat.test/sti", "bruker@diktat.test",
                "diktat.test:port", "fd00::1", ""):
        with pytest.raises(ValidationError, match="allowed_hosts"):
            ServerSettings(allowed_hosts=[bad])
    assert split_authority("[::1]:8765") == ("[::1]", 8765)
    assert split_authority("LocalHost") == ("localhost", None)
    for bad in ("localhost:", "localhost:0", "localhost:99999", "[::1", "[::1]x", "a b:1", ""):
        with pytest.raises(ValueError):
            split_authority(bad)


def test_guard_decisions_behind_a_tls_proxy_and_on_the_websocket():
    from diktat.config import Settings
    from diktat.server.guard import Guard, GuardOptions
    from diktat.server.identity import Identify

    settings = Settings(server={"host": "0.0.0.0", "token": "t",
                                "allowed_hosts": ["diktat.kommune.no:443"]})
    guard = Guard(None, GuardOptions.from_settings(settings.server), Identify(settings))
    auth = {"Authorization": "Bearer t"}
    # A TLS proxy in front (uvicorn takes the scheme from its X-Forwarded-Proto): the page's
    # origin is https on the default port.
    proxied = {"Host": "diktat.kommune.no", "Origin": "https://diktat.kommune.no", **auth}
    assert guard.refusal(scope(proxied, scheme="https")) is None
    assert guard.refusal(scope({**proxied, "Origin": "http://diktat.kommune.no"},
                               scheme="https"))[0] == 403
    assert guard.refusal(scope(proxied))[0] == 421  # plain http: port 80, not allowed
    assert guard.refusal(scope({"Host": "127.0.0.1:8765"}))[:2] == (401, "invalid_token")
    assert guard.refusal(scope({"Host": "127.0.0.1:8765", "Authorization": "Bearer x"}))[0] == 401
    assert guard.refusal(scope({"Host": "127.0.0.1:8765"}, method="GET", path="/health")) is None
    # The token is a program's key: only its scopes' paths, never a draft or an approval.
    for path in ("/api/drafts", "/api/notes/t-0123456789abcdef/approve", "/api/me", "/version",
                 "/openapi.json"):
        assert guard.refusal(scope({"Host": "127.0.0.1:8765", **auth}, path=path))[:2] == (
            403, "scope"), path
    for path in ("/v1/audio/transcriptions", "/api/jobs", "/api/structure"):
        assert guard.refusal(scope({"Host": "127.0.0.1:8765", **auth}, path=path)) is None
    # The WebSocket: Host and Origin are checked, and then who: not the token (as a bearer or
    # in its address), and nobody else on a server with a token and no sign-in.
    ws = {"Host": "127.0.0.1:8765", "Origin": "http://127.0.0.1:8765"}
    assert guard.refusal(scope(ws, kind="websocket", path="/ws/dictate"))[:2] == (
        401, "invalid_token")
    assert guard.refusal(scope(ws, kind="websocket", path="/ws/dictate",
                               query="token=t"))[:2] == (401, "invalid_token")
    assert guard.refusal(scope({**ws, **auth}, kind="websocket", path="/ws/dictate"))[:2] == (
        403, "scope")
    for foreign in ({"Origin": "null"}, {"Origin": "http://127.0.0.1:9999"},
                    {"Sec-Fetch-Site": "cross-site"}):
        decided = guard.refusal(scope({**ws, **auth, **foreign}, kind="websocket",
                                      path="/ws/dictate"))
        assert decided[:2] == (403, "foreign_origin"), foreign
    # A navigation from a link on another site (GET, Sec-Fetch-Site: cross-site) is fine; a
    # read of the API from another site's page (or another port: same-site) is not, even blind.
    for site in ("cross-site", "same-site"):
        assert guard.refusal(scope({"Host": "127.0.0.1:8765", "Sec-Fetch-Site": site},
                                   method="GET", path="/")) is None
        read = scope({"Host": "127.0.0.1:8765", **auth,
                      "Sec-Fetch-Site": site}, method="GET", path="/api/drafts")
        assert guard.refusal(read)[:2] == (403, "foreign_origin"), site
    assert guard.refusal(scope({}))[0] == 421  # no Host at all
    # On loopback without sign-in or token, the local user, WebSocket included.
    local = Guard(None, GuardOptions.from_settings(Settings().server), Identify(Settings()))
    assert local.refusal(scope(ws, kind="websocket", path="/ws/dictate")) is None
    assert local.refusal(scope({"Host": "127.0.0.1:8765"}, method="GET",
                               path="/api/drafts")) is None


# --- a real server -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def open_server(engine, tmp_path_factory):
    """What a nurse's workstation runs: loopback, no token."""
    settings = server_settings(tmp_path_factory.mktemp("guard-open"))
    with running_server(settings, engine) as running:
        yield running


@pytest.fixture(scope="module")
def token_server(engine, tmp_path_factory):
    """A server with a token, answering to a name of its own as one off loopback would."""
    settings = server_settings(tmp_path_factory.mktemp("guard-token"), token=TOKEN,
                               allowed_hosts=[NAMED_HOST])
    with running_server(settings, engine) as running:
        yield running


@pytest.fixture
def draft(open_server):
    with nurse_draft(open_server) as made:
        yield made


def state_changing(note_id: str) -> list[tuple[str, str, dict]]:
    """Every kind of request that changes something: JSON, uploads, delete."""
    return [
        ("POST", "/api/structure", {"json": {"text": NOTE_TEXT}}),
        ("PUT", f"/api/notes/{note_id}/draft", {"json": {"epj": "Angriperens tekst"}}),
        ("POST", f"/api/notes/{note_id}/approve",
         {"json": {"note": {}, "text": "Angriperens tekst"}}),
        ("DELETE", f"/api/notes/{note_id}/draft", {}),
        ("POST", "/api/jobs", {"files": {"file": ("a.wav", NOT_AUDIO, "audio/wav")}}),
        ("POST", "/v1/audio/transcriptions",
         {"files": {"file": ("a.wav", NOT_AUDIO)}, "data": {"model": "whisper-1"}}),
    ]


def error_code(response: httpx.Response) -> str:
    body = response.json()
    return body["error"]["code"] if "error" in body else body["code"]


def handshake(port: int, *, host: str | None = None, path: str = "/ws/dictate",
              **connect) -> str | int:
    """The WebSocket's first message type (or close code), or the HTTP status that refused the
    handshake. `host` is the name the client uses (the Host header); it connects to loopback."""
    import websockets

    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        return asyncio.run(first_ws_frame(f"ws://{host or f'127.0.0.1:{port}'}{path}",
                                          sock=sock, open_timeout=30, **connect))
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    finally:
        sock.close()


@pytest.mark.slow
def test_a_foreign_host_is_refused_before_any_route(open_server, draft):
    """DNS rebinding: a page under a name of its own resolving to 127.0.0.1 reaches the server
    with that name in Host; it must not read or change anything."""
    port = open_server.port
    note_id, path = draft
    with httpx.Client(base_url=open_server.url, timeout=60) as client:
        for host in (f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", "evil.example",
                     f"127.0.0.1:{free_port()}", f"localhost:{port}.evil.example"):
            for method, target, kwargs in [("GET", "/api/drafts", {}), ("GET", path, {}),
                                           ("GET", "/", {}), ("GET", "/health", {}),
                                           *state_changing(note_id)]:
                r = client.request(method, target, headers={"Host": host}, **kwargs)
                assert r.status_code == 421, (host, method, target, r.text)
                assert error_code(r) == "unknown_host" and ORIGINAL not in r.text
                assert "allowed_hosts" in r.text
        assert client.get(path).json()["epj"] == ORIGINAL
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}",
                     f"LOCALHOST:{port}"):
            r = client.get("/api/drafts", headers={"Host": host})
            assert r.status_code == 200 and note_id in r.text, host


@pytest.mark.slow
def test_a_foreign_host_is_refused_at_the_websocket_handshake(open_server):
    port = open_server.port
    assert handshake(port, host=f"evil.example:{port}") == 421
    assert handshake(port, host=f"127.0.0.1:{free_port()}") == 421
    assert handshake(port, host=f"localhost:{port}") == "ready"
    # The refused handshakes took no live slot; the accepted one gives its slot back once its
    # dictation has finished, a moment after the socket closed (CI saw it still held).
    deadline = time.monotonic() + 30
    while open_server.services.streams.active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert open_server.services.streams.active == 0


@pytest.mark.slow
def test_another_web_page_cannot_change_anything(open_server, draft):
    """Cross-site requests: a request with an Origin other than the server's own (or `null`, or
    marked cross-site by the browser) is refused, uploads included; nothing is changed."""
    port = open_server.port
    note_id, path = draft
    before = len(audit_entries(open_server))
    foreign = [{"Origin": f"http://127.0.0.1:{free_port()}"}, {"Origin": "http://evil.example"},
               {"Origin": f"http://evil.example:{port}"}, {"Origin": "null"},
               {"Origin": f"https://127.0.0.1:{port}"},  # not the scheme it serves
               {"Origin": f"http://127.0.0.1:{port}.evil.example"},
               {"Sec-Fetch-Site": "cross-site"},
               {"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "cross-site"}]
    with httpx.Client(base_url=open_server.url, timeout=60) as client:
        for headers in foreign:
            for method, target, kwargs in state_changing(note_id):
                r = client.request(method, target, headers=headers, **kwargs)
                assert r.status_code == 403, (headers, method, target, r.text)
                assert error_code(r) == "foreign_origin"
            # Reading from another origin is refused too (the browser would hide it anyway).
            if "Origin" in headers and "Sec-Fetch-Site" not in headers:
                assert client.get("/api/drafts", headers=headers).status_code == 403
        assert client.get(path).json()["epj"] == ORIGINAL
        folder = open_server.settings.notes_store_dir / note_id
        assert not (folder / "approved-note.txt").exists()
        # No approval, job, save or discard (the draft read just now is in the access log).
        after = [e["action"] for e in audit_entries(open_server)[before:]]
        assert after == ["draft.opened"], after
        assert not list(open_server.services.uploads_dir.iterdir())

        # The server's own page (under any of its names), and clients without an Origin.
        own = [{"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
               {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"},
               {"Origin": f"http://[::1]:{port}", "Host": f"[::1]:{port}"}, {}]
        for headers in own:
            r = client.put(path, json={"epj": ORIGINAL}, headers=headers)
            assert r.status_code == 200, (headers, r.text)
            r = client.post("/api/structure", json={"text": NOTE_TEXT}, headers=headers)
            assert r.status_code == 200, (headers, r.text)
        r = client.post("/v1/audio/transcriptions", headers=own[0],
                        files={"file": ("a.wav", NOT_AUDIO)})
        assert r.status_code in (400, 415)  # reached the route: the audio is refused, not it


@pytest.mark.slow
def test_another_web_page_cannot_open_the_websocket(open_server):
    """Cross-site WebSocket hijacking: refused at the handshake, before a slot is taken."""
    port = open_server.port
    for origin in (f"http://127.0.0.1:{free_port()}", "http://evil.example", "null",
                   f"https://127.0.0.1:{port}"):
        assert handshake(port, origin=origin) == 403, origin
    cross_site = {"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "cross-site"}
    assert handshake(port, additional_headers=cross_site) == 403
    assert open_server.services.streams.active == 0
    assert handshake(port, origin=f"http://127.0.0.1:{port}") == "ready"  # the page's own
    assert handshake(port) == "ready"  # a client without an Origin (not a browser)


def post_without_the_rest(port: int, path: str, headers: dict[str, str], declared: int,
                          first: bytes, timeout: float = 10) -> tuple[int, dict, bytes, float]:
    """Send a request's headers and only the start of its body, then read the answer."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest("POST", path)
        for name, value in {**headers, "Content-Length": str(declared)}.items():
            conn.putheader(name, value)
        conn.endheaders(first)
        response = conn.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read(), time.monotonic() - started)
    finally:
        conn.close()


@pytest.mark.slow
def test_without_the_token_no_body_is_read(token_server):
    """A 48 MB body (under the upload limit) without the token: 401 at once, while the rest of
    the body has not even been sent — it is neither waited for, read nor parsed. The same for
    the token where its scopes do not reach (approval): 403 at once."""
    declared = 48 * 1024 * 1024
    cases = [
        ("/api/structure", {"Content-Type": "application/json"}, b'{"text": "' + b"a" * 16_000),
        ("/api/notes/t-0123456789abcdef/approve", {"Content-Type": "application/json"},
         b'{"note": {}, "text": "' + b"a" * 16_000),
        ("/api/jobs", {"Content-Type": "multipart/form-data; boundary=b"},
         b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
         + b"\0" * 16_000),
        ("/v1/audio/transcriptions", {"Content-Type": "multipart/form-data; boundary=b"},
         b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
         + b"\0" * 16_000),
    ]
    for path, headers, first in cases:
        for auth in ({}, {"Authorization": "Bearer feil"}, {"Authorization": TOKEN}):
            status, got, body, took = post_without_the_rest(
                token_server.port, path, {**headers, **auth}, declared, first)
            assert status == 401, (path, auth, body)
            assert took < 5 and got["www-authenticate"] == "Bearer"
            assert got["connection"] == "close"
            error = json.loads(body)
            if path.startswith("/v1/"):
                assert error["error"]["type"] == "authentication_error"
            else:
                assert error["code"] == "invalid_token"
    path, headers, first = cases[1]  # approval: no scope of the token reaches it
    status, got, body, took = post_without_the_rest(
        token_server.port, path, {**headers, "Authorization": f"Bearer {TOKEN}"}, declared, first)
    assert status == 403 and json.loads(body)["code"] == "scope", body
    assert took < 5 and got["connection"] == "close"
    assert not list(token_server.services.uploads_dir.iterdir())
    with httpx.Client(base_url=token_server.url, timeout=60) as client:  # the token still works
        r = client.post("/api/structure", json={"text": NOTE_TEXT},
                        headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200


@pytest.mark.slow
def test_only_the_page_and_health_are_public_with_a_token(token_server, open_server):
    with httpx.Client(base_url=token_server.url, timeout=60) as client:
        for path in ("/", "/health", "/static/app.js", "/static/api.js"):
            assert client.get(path).status_code == 200, path
        # ?token= in an address is no credential: not for the page, not for the API.
        assert client.get(f"/?token={TOKEN}").status_code == 200
        for path in ("/openapi.json", "/version", "/api/me", "/api/drafts", "/api/jobs/x",
                     "/nope", "/docs", "/redoc", f"/api/drafts?token={TOKEN}"):
            r = client.get(path)
            assert r.status_code == 401 and error_code(r) == "invalid_token", path
        auth = {"Authorization": f"Bearer {TOKEN}"}
        # The token is a program's key: its scopes' paths, nothing else.
        for path in ("/openapi.json", "/version", "/api/me", "/api/drafts", "/nope", "/docs"):
            r = client.get(path, headers=auth)
            assert r.status_code == 403 and error_code(r) == "scope", path
        assert client.get("/api/jobs/x", headers=auth).status_code == 404  # reached the route
        # Under its configured name, with the token: as on loopback.
        named = {**auth, "Host": f"{NAMED_HOST}:{token_server.port}",
                 "Origin": f"http://{NAMED_HOST}:{token_server.port}"}
        made = client.post("/api/structure", json={"text": NOTE_TEXT}, headers=named)
        assert made.status_code == 200
        note_id = made.json()["note_id"]
        for method, path, kwargs in [
                ("GET", f"/api/notes/{note_id}/draft", {}),
                ("PUT", f"/api/notes/{note_id}/draft", {"json": {"epj": "Programmets tekst"}}),
                ("POST", f"/api/notes/{note_id}/approve", {"json": {"note": {}, "text": "x"}})]:
            r = client.request(method, path, headers=named, **kwargs)
            assert r.status_code == 403 and error_code(r) == "scope", (method, path)
        assert not (token_server.settings.notes_store_dir / note_id / "approved-note.txt").exists()
        assert client.get("/api/drafts", headers={**auth, "Host": "evil.example"}
                          ).status_code == 421
    port = token_server.port
    named_ws = {"host": f"{NAMED_HOST}:{port}", "origin": f"http://{NAMED_HOST}:{port}"}
    assert handshake(port, path=f"/ws/dictate?token={TOKEN}", **named_ws) == 401
    assert handshake(port, additional_headers={"Authorization": f"Bearer {TOKEN}"},
                     **named_ws) == 403
    assert handshake(port, path=f"/ws/dictate?token={TOKEN}", origin="http://evil.example") == 403
    assert handshake(port) == 401
    assert token_server.services.streams.active == 0
    # No documentation page (it would load a CDN's scripts); the schema is the local user's.
    with httpx.Client(base_url=open_server.url, timeout=60) as client:
        schema = client.get("/openapi.json")
        assert schema.status_code == 200 and "/v1/audio/transcriptions" in schema.json()["paths"]
        for path in ("/docs", "/redoc"):
            assert client.get(path).status_code == 404


@pytest.mark.slow
def test_the_openai_client_works_with_the_token_under_the_servers_names(token_server, npsc_dir):
    import openai
    from openai import OpenAI

    clip = npsc_dir / "norwegian-short-3s.16k.wav"
    port = token_server.port
    for host in (None, f"{NAMED_HOST}:{port}"):
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=TOKEN, max_retries=0,
                        timeout=120, default_headers={"Host": host} if host else None)
        with open(clip, "rb") as f:
            text = client.audio.transcriptions.create(model="whisper-1", file=f).text
        assert "møte" in text.lower() or "stortinget" in text.lower(), (host, text)
    wrong = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="feil", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="access token"):
        wrong.audio.transcriptions.create(model="whisper-1", file=("a.wav", b"RIFF"))
    rebound = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=TOKEN, max_retries=0,
                     default_headers={"Host": f"evil.example:{port}"})
    with pytest.raises(openai.APIStatusError, match="allowed_hosts") as refused:
        rebound.audio.transcriptions.create(model="whisper-1", file=("a.wav", b"RIFF"))
    assert refused.value.status_code == 421
