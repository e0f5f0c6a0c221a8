"""Named users through a real OpenID provider (oidc-provider on loopback): each nurse sees,
opens, changes and approves only her own notes; the operator reads no content; a handover is
explicit and audited; every read and write is in the access log under her pseudonym; no
session, code or token lands in a URL or a log line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from diktat.config import Settings
from diktat.server.app import create_app
from diktat.server.services import Services
from tests.oidc_fixtures import oidc_provider, sign_in
from tests.test_store_faults import FakeEngine

NOTE_TEXT = "BT 130/80, puls 72. Fikk Paracet 1 g kl 08."
PORT = 8000  # the TestClient's address, as registered with the provider


@pytest.fixture(scope="module")
def provider():
    with oidc_provider(f"http://127.0.0.1:{PORT}/auth/callback") as running:
        yield running


@pytest.fixture
def server(provider, tmp_path):
    from fastapi.testclient import TestClient

    settings = Settings(
        sessions_dir=tmp_path / "store" / "sessions",
        server={"host": "127.0.0.1", "port": PORT, "audit_log": tmp_path / "store" / "audit.log"},
        auth=provider.auth_settings(),
    )
    services = Services.build(settings, engine=FakeEngine())
    try:
        with TestClient(create_app(settings, services=services),
                        base_url=f"http://127.0.0.1:{PORT}") as client:
            client.settings = settings
            yield client
    finally:
        services.close()


def audit(client) -> list[dict]:
    lines = client.settings.audit_log_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def made_draft(client, nurse) -> str:
    made = client.post("/api/structure", json={"text": NOTE_TEXT},
                       headers=nurse.headers(changes=True))
    assert made.status_code == 200, made.text
    note_id = made.json()["note_id"]
    saved = client.put(f"/api/notes/{note_id}/draft", json={"epj": "Karis utkast."},
                       headers=nurse.headers(changes=True))
    assert saved.status_code == 200, saved.text
    return note_id


def test_each_nurse_sees_and_changes_only_her_own_notes(server):
    kari, ola = sign_in(server, "kari"), sign_in(server, "ola")
    note_id = made_draft(server, kari)
    path = f"/api/notes/{note_id}/draft"
    # every route, tried by the other nurse: as if the note did not exist
    assert server.get(path, headers=ola.headers()).status_code == 404
    assert server.put(path, json={"epj": "Olas"}, headers=ola.headers(changes=True)
                      ).status_code == 404
    assert server.delete(path, headers=ola.headers(changes=True)).status_code == 404
    assert server.post(f"/api/notes/{note_id}/approve", json={"note": {}, "text": "x"},
                       headers=ola.headers(changes=True)).status_code == 404
    assert server.post("/api/structure", json={"text": "x", "note_id": note_id},
                       headers=ola.headers(changes=True)).status_code == 404
    assert [d["note_id"] for d in server.get("/api/drafts", headers=ola.headers()).json()] == []
    # her own: listed, opened, approved
    assert [d["note_id"] for d in server.get("/api/drafts", headers=kari.headers()).json()] == [
        note_id]
    assert server.get(path, headers=kari.headers()).json()["epj"] == "Karis utkast."
    approved = server.post(f"/api/notes/{note_id}/approve",
                           json={"note": {}, "text": "Karis notat.\n"},
                           headers=kari.headers(changes=True))
    assert approved.status_code == 200, approved.text

    entries = audit(server)
    kari_id = next(e["actor"] for e in entries if e["action"] == "user.signed_in")
    assert kari_id.startswith("u-") and len(kari_id) == 18
    mine = [(e["action"], e.get("note_id")) for e in entries if e["actor"] == kari_id]
    for action in ("draft.saved", "drafts.listed", "draft.opened", "note.approved"):
        assert action in {a for a, _ in mine}, mine
    assert ("draft.opened", note_id) in mine
    assert all(e.get("role") in ("nurse", None) for e in entries if e["actor"] == kari_id)
    text = server.settings.audit_log_path.read_text(encoding="utf-8")
    for secret in (kari.cookie.split("=", 1)[1], kari.csrf, "kari", "Karis", "Paracet"):
        assert secret not in text


def test_the_operator_keeps_the_store_and_reads_no_content(server):
    kari, drift = sign_in(server, "kari"), sign_in(server, "drift")
    note_id = made_draft(server, kari)
    assert server.get("/api/me", headers=drift.headers()).json()["role"] == "operator"
    for method, path in (("GET", "/api/drafts"), ("GET", f"/api/notes/{note_id}/draft"),
                         ("POST", "/api/structure")):
        answer = server.request(method, path, headers=drift.headers(changes=True),
                                json={"text": "x"} if method == "POST" else None)
        assert answer.status_code == 403, (path, answer.text)
        assert "Driftsrollen" in answer.json()["detail"]


def test_a_handover_to_a_named_colleague_is_explicit_and_audited(server):
    kari, ola = sign_in(server, "kari"), sign_in(server, "ola")
    note_id = made_draft(server, kari)
    refused = server.post(f"/api/notes/{note_id}/share", json={"user": "ola"},
                          headers=ola.headers(changes=True))
    assert refused.status_code == 404  # only the owner hands over
    unknown = server.post(f"/api/notes/{note_id}/share", json={"user": "ukjent"},
                          headers=kari.headers(changes=True))
    assert unknown.status_code == 404 and "kollega" in unknown.json()["detail"]
    shared = server.post(f"/api/notes/{note_id}/share", json={"user": "ola"},
                         headers=kari.headers(changes=True))
    assert shared.status_code == 200, shared.text
    listed = server.get("/api/drafts", headers=ola.headers()).json()
    assert [(d["note_id"], d["shared"]) for d in listed] == [(note_id, True)]
    assert server.get(f"/api/notes/{note_id}/draft", headers=ola.headers()
                      ).json()["epj"] == "Karis utkast."
    entries = audit(server)
    [share] = [e for e in entries if e["action"] == "note.shared"]
    opened_by = {e["actor"] for e in entries if e["action"] == "draft.opened"}
    assert share["note_id"] == note_id and share["user"] in opened_by  # ola opened it


def test_changes_need_the_sessions_csrf_token_and_a_live_session(server):
    kari = sign_in(server, "kari")
    note_id = made_draft(server, kari)
    path = f"/api/notes/{note_id}/draft"
    no_csrf = server.put(path, json={"epj": "x"}, headers=kari.headers())
    assert no_csrf.status_code == 403 and no_csrf.json()["code"] == "csrf"
    wrong = server.put(path, json={"epj": "x"},
                       headers={"Cookie": kari.cookie, "X-CSRF-Token": "feil"})
    assert wrong.status_code == 403
    assert server.get(path).json()["code"] == "signed_out"  # no cookie
    assert server.post("/auth/logout", headers=kari.headers(changes=True)).status_code == 204
    gone = server.get(path, headers=kari.headers())
    assert gone.status_code == 401 and "logg inn" in gone.json()["detail"]
    assert [e["action"] for e in audit(server)].count("user.signed_out") == 1


def test_a_callback_from_elsewhere_or_replayed_is_refused(server, provider):
    from tests.oidc_fixtures import provider_login

    started = server.get("/auth/login", follow_redirects=False)
    location = started.headers["location"]
    assert location.startswith(provider.issuer) and "code_challenge=" in location
    assert "diktat_session" not in location
    back = provider_login(location, "kari", f"{str(server.base_url).rstrip('/')}/auth/")
    relative = back.removeprefix(str(server.base_url).rstrip("/"))
    # without the login cookie this browser got (another browser, a forged link): refused
    assert server.get(relative, follow_redirects=False).status_code == 400
    # and the login it named is used up
    cookie = started.headers["set-cookie"].split(";")[0]
    again = server.get(relative, headers={"Cookie": cookie}, follow_redirects=False)
    assert again.status_code == 400 and "diktat_session" not in again.headers.get(
        "set-cookie", "")


def test_the_session_cookie_is_httponly_secure_and_strict(server, provider):
    from tests.oidc_fixtures import provider_login

    started = server.get("/auth/login", follow_redirects=False)
    back = provider_login(started.headers["location"], "kari",
                          f"{str(server.base_url).rstrip('/')}/auth/")
    done = server.get(back.removeprefix(str(server.base_url).rstrip("/")),
                      headers={"Cookie": started.headers["set-cookie"].split(";")[0]},
                      follow_redirects=False)
    cookie = next(c for c in done.headers.get_list("set-cookie")
                  if c.startswith("diktat_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    assert 'http-equiv="refresh"' in done.text  # moves on by a same-site navigation


def test_access_log_answers_who_looked_at_a_note(server):
    kari, ola = sign_in(server, "kari"), sign_in(server, "ola")
    note_id = made_draft(server, kari)
    server.post(f"/api/notes/{note_id}/share", json={"user": "ola"},
                headers=kari.headers(changes=True))
    assert server.get(f"/api/notes/{note_id}/draft", headers=ola.headers()).status_code == 200
    settings = server.settings
    run = subprocess.run(
        [sys.executable, "-m", "diktat", "store", "access-log", "--item", note_id, "--json",
         "--sessions-dir", str(settings.session_store_dir)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ,
             "DIKTAT_SERVER__AUDIT_LOG": str(settings.audit_log_path)})
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    seen = {(r["user"], r["action"]) for r in rows}
    assert ("kari", "draft.saved") in seen and ("kari", "note.shared") in seen
    assert ("ola", "draft.opened") in seen
    assert all(r["role"] in ("nurse", None) for r in rows)


def test_sign_in_off_loopback_needs_tls_or_a_stated_proxy():
    from diktat.errors import ConfigError
    from diktat.server.run import check_bind, check_sign_in

    auth = {"issuer": "https://login.kommune.no/realms/helse"}
    off = Settings(server={"host": "10.0.0.5"}, auth=auth)
    check_bind(off.server, sign_in=True)  # sign-in replaces the token off loopback ...
    with pytest.raises(ConfigError, match="without TLS"):
        check_sign_in(off)  # ... but only over TLS
    check_sign_in(Settings(server={"host": "10.0.0.5"}, auth={**auth, "tls_proxy": True}))
    check_sign_in(Settings(auth=auth))  # loopback


def test_a_provider_that_cannot_be_reached_is_a_clear_page_not_a_crash(tmp_path):
    from fastapi.testclient import TestClient

    from tests.server_helpers import free_port

    settings = Settings(
        sessions_dir=tmp_path / "sessions",
        server={"host": "127.0.0.1", "port": PORT, "audit_log": tmp_path / "audit.log"},
        auth={"issuer": f"http://127.0.0.1:{free_port()}", "client_id": "x"},
    )
    services = Services.build(settings, engine=FakeEngine())
    try:
        with TestClient(create_app(settings, services=services),
                        base_url=f"http://127.0.0.1:{PORT}") as client:
            answer = client.get("/auth/login", follow_redirects=False)
            assert answer.status_code == 503 and "Innloggingen" in answer.text
            assert client.get("/api/drafts").status_code == 401
    finally:
        services.close()


def test_the_operator_sees_the_inventory_without_content(server):
    kari, drift = sign_in(server, "kari"), sign_in(server, "drift")
    note_id = made_draft(server, kari)
    assert server.get("/api/store/inventory", headers=kari.headers()).status_code == 403
    listed = server.get("/api/store/inventory", headers=drift.headers())
    assert listed.status_code == 200, listed.text
    [item] = [i for i in listed.json() if i["id"] == note_id]
    assert item["kind"] == "note" and item["size_bytes"] > 0 and item["rule"] == "unapproved"
    assert "Karis" not in listed.text and "owner" not in listed.text
    assert [e["action"] for e in audit(server)].count("store.listed") == 1


def test_the_owner_downloads_her_own_note_and_it_is_in_the_access_log(server):
    import io
    import zipfile

    kari, ola = sign_in(server, "kari"), sign_in(server, "ola")
    note_id = made_draft(server, kari)
    assert server.get(f"/api/notes/{note_id}/export", headers=ola.headers()).status_code == 404
    got = server.get(f"/api/notes/{note_id}/export", headers=kari.headers())
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        draft = json.loads(archive.read(f"{note_id}/draft.json"))
    assert draft["epj"] == "Karis utkast."
    [entry] = [e for e in audit(server) if e["action"] == "store.exported"]
    assert entry["reason"] == "owner" and entry["note_id"] == note_id and entry["role"] == "nurse"
