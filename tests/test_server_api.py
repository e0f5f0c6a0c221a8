"""`diktat serve` HTTP API against a real server on loopback with the real model: the official
`openai` client on the OpenAI-compatible endpoint, bad uploads, jobs, notes, audit, and the
token rule for non-loopback binds (a real `diktat serve` subprocess; the token is a program's
key: it structures, and opens no draft or live dictation)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import ssl
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.conftest import write_wav
from tests.server_helpers import (
    NOTE_TEXT,
    audit_entries,
    first_ws_frame,
    free_port,
    running_server,
    server_settings,
    wait_for_job,
)
from tests.store_helpers import sealed_json, sealed_text, write_sealed

pytestmark = [pytest.mark.slow, pytest.mark.speech]

MAX_UPLOAD_MB = 1.0
MAX_DURATION_S = 20.0



@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    root = tmp_path_factory.mktemp("server-api")
    settings = server_settings(root, max_upload_mb=MAX_UPLOAD_MB, max_duration_s=MAX_DURATION_S,
                               job_queue=1)
    with running_server(settings, engine) as running:
        yield running


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def short_clip(npsc_dir) -> Path:
    return npsc_dir / "norwegian-short-3s.16k.wav"


@pytest.fixture(scope="module")
def openai_client(server):
    from openai import OpenAI

    return OpenAI(base_url=f"{server.url}/v1", api_key="ikke-brukt", max_retries=0, timeout=120)


def test_health_and_version(http, engine):
    assert http.get("/health").json() == {"status": "ok"}
    version = http.get("/version").json()
    assert version["asr_model"] == engine.model_id
    assert version["asr_model_sha256"] == engine.model_sha256
    assert version["structurer"] == "rules"
    assert "server" not in {k.lower() for k in http.get("/health").headers}


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt", "verbose_json"])
def test_openai_client_gets_every_response_format(openai_client, short_clip, fmt):
    with open(short_clip, "rb") as f:
        result = openai_client.audio.transcriptions.create(
            model="whisper-1", file=f, response_format=fmt, language="no"
        )
    if fmt == "json":
        text = result.text
    elif fmt == "verbose_json":
        assert result.language == "norwegian"
        assert result.duration == pytest.approx(3.35, abs=0.1)
        assert result.segments and result.segments[0].end > result.segments[0].start
        text = result.text
    else:
        assert isinstance(result, str)
        text = result
        if fmt == "srt":
            assert "-->" in result and result.startswith("1\n")
        if fmt == "vtt":
            assert result.startswith("WEBVTT")
    assert "møte" in text.lower() or "stortinget" in text.lower()


def test_openai_verbose_json_with_word_timestamps(openai_client, short_clip):
    with open(short_clip, "rb") as f:
        result = openai_client.audio.transcriptions.create(
            model="whisper-1", file=f, response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
        )
    words = result.words
    assert len(words) >= 3
    assert all(w.end >= w.start for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_bad_uploads_get_clear_4xx_and_the_server_keeps_serving(
    http, openai_client, short_clip, tmp_path
):
    import openai

    cases = {
        "oversize": ("big.wav", os.urandom(int(1.5 * MAX_UPLOAD_MB * 1024 * 1024)), 413,
                     "larger than"),
        "empty": ("empty.wav", b"", 400, "empty"),
        "corrupt": ("corrupt.wav", b"RIFF\x10\x00\x00\x00WAVE" + os.urandom(20_000), 400,
                    "could not be decoded"),
        "text": ("notes.txt", b"Dette er ikke lyd.\n" * 50, 415, "not an audio file"),
    }
    quiet = np.random.default_rng(0).normal(0, 0.01, int(30 * 8000)).astype(np.float32)
    long_wav = write_wav(tmp_path / "long.wav", quiet, rate=8000)
    cases["too long"] = ("long.wav", long_wav.read_bytes(), 413, "at most 20 s")
    for name, (filename, data, status, words) in cases.items():
        r = http.post("/v1/audio/transcriptions", files={"file": (filename, data)},
                      data={"model": "whisper-1"})
        assert r.status_code == status, (name, r.text)
        error = r.json()["error"]
        assert words in error["message"], (name, error)
        assert error["type"]
    r = http.post("/v1/audio/transcriptions", files={"file": ("a.wav", short_clip.read_bytes())},
                  data={"response_format": "xml"})
    assert r.status_code == 422 and "response_format" in r.json()["error"]["message"]
    r = http.post("/v1/audio/transcriptions", data={"model": "whisper-1"})
    assert r.status_code == 422 and "'file'" in r.json()["error"]["message"]
    # The official client surfaces the message too.
    with pytest.raises(openai.BadRequestError, match="empty"):
        openai_client.audio.transcriptions.create(model="whisper-1", file=("x.wav", b""))
    # ... and a good request still works afterwards.
    with open(short_clip, "rb") as f:
        assert openai_client.audio.transcriptions.create(model="whisper-1", file=f).text


def test_oversize_body_without_length_is_refused_while_it_arrives(http):
    """A chunked upload (no Content-Length) is counted as it streams in, not read whole."""

    def body():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
        for _ in range(96):
            yield os.urandom(16_384)  # 1.5 MB in all
        yield b"\r\n--b--\r\n"

    r = http.post("/v1/audio/transcriptions", content=body(),
                  headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413 and "max_upload_mb" in r.json()["error"]["message"]
    assert http.get("/health").status_code == 200


def test_job_goes_from_queued_to_done_with_transcript_and_note(http, npsc_dir):
    clip = npsc_dir / "norwegian-medium-8s.16k.wav"
    r = http.post("/api/jobs", files={"file": (clip.name, clip.read_bytes(), "audio/wav")})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["filename"] == clip.name
    state = wait_for_job(http, job["id"])
    assert state["status"] == "done", state
    assert state["progress"] == 1.0
    assert "representantene" in state["transcript"]["segments"][0]["text"].lower() or \
        "tatt sete" in " ".join(s["text"] for s in state["transcript"]["segments"])
    assert state["note"]["metadata"]["asr_model_id"] == "whisper-base"
    assert state["note_text"]
    assert http.get("/api/jobs/nope").status_code == 404
    # The finished recording is kept as an unapproved draft: a reload or restart loses nothing.
    draft = http.get(f"/api/notes/{state['note_id']}/draft").json()
    assert draft["epj"] == state["note_text"] and draft["note"] == state["note"]
    assert draft["text"] == " ".join(s["text"].strip() for s in state["transcript"]["segments"])
    assert state["note_id"] in {d["note_id"] for d in http.get("/api/drafts").json()}


def test_bad_audio_job_fails_with_a_reason(http):
    r = http.post("/api/jobs", files={"file": ("x.wav", b"not audio at all, just text")})
    assert r.status_code == 202
    state = wait_for_job(http, r.json()["id"])
    assert state["status"] == "failed" and "not an audio file" in state["error"]


def test_full_job_queue_answers_503_with_retry_after(server, http, short_clip):
    data = short_clip.read_bytes()
    slots = server.services.engine.slots
    with contextlib.ExitStack() as every_slot:  # the job worker blocks on the engine: jobs pile up
        for _ in range(slots.places):
            every_slot.enter_context(slots.held())
        first = http.post("/api/jobs", files={"file": ("a.wav", data)}).json()
        deadline = time.monotonic() + 30
        while http.get(f"/api/jobs/{first['id']}").json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        second = http.post("/api/jobs", files={"file": ("b.wav", data)})
        assert second.status_code == 202
        full = http.post("/api/jobs", files={"file": ("c.wav", data)})
        assert full.status_code == 503
        assert int(full.headers["retry-after"]) > 0
        assert "Køen er full" in full.json()["detail"] and "queue is full" in full.json()["detail"]
    assert wait_for_job(http, first["id"])["status"] == "done"
    assert wait_for_job(http, second.json()["id"])["status"] == "done"


def test_structure_then_approve_stores_the_note_privately(server, http):
    r = http.post("/api/structure", json={"text": NOTE_TEXT})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["note_id"].startswith("t-")
    assert body["note"]["vital_signs"]["pulse"][0]["value"] == 72
    assert "BT 130/80" in body["text"]
    edited = body["text"] + "Kontrollert av sykepleier.\n"
    r = http.post(f"/api/notes/{body['note_id']}/approve",
                  json={"note": body["note"], "text": edited, "user": "sykepleier1"})
    assert r.status_code == 200, r.text
    assert r.json()["note_id"] == body["note_id"] and r.json()["approved_at"]
    folder = server.settings.session_store_dir.parent / "notes" / body["note_id"]
    approved = folder / "approved-note.txt"
    assert sealed_text(approved).startswith(body["text"].rstrip("\n"))
    assert stat.S_IMODE(approved.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    r = http.post("/api/notes/../../etc/approve", json={"note": {}, "text": "x"})
    assert r.status_code == 404
    r = http.post("/api/notes/t-0123456789abcdef0/approve", json={"note": {}, "text": "x"})
    assert r.status_code == 404
    r = http.post("/api/structure", json={"txt": NOTE_TEXT})
    assert r.status_code == 422
    # Made again from edited text, a note from text keeps its id.
    r = http.post("/api/structure", json={"text": NOTE_TEXT + " Sover nå.",
                                          "note_id": body["note_id"]})
    assert r.status_code == 200 and r.json()["note_id"] == body["note_id"]
    r = http.post("/api/structure", json={"text": NOTE_TEXT, "note_id": "../etc"})
    assert r.status_code == 422


def test_drafts_are_kept_per_note_in_the_store_until_approved_or_discarded(server, http):
    notes_dir = server.settings.session_store_dir.parent / "notes"
    first = http.post("/api/structure", json={"text": NOTE_TEXT}).json()
    second = http.post("/api/structure", json={"text": "Pasienten sov godt i natt."}).json()
    for made in (first, second):
        draft = {"text": NOTE_TEXT, "note": made["note"], "epj": made["text"] + "Utkast.",
                 "uncertain": made["uncertain"], "stale": False}
        r = http.put(f"/api/notes/{made['note_id']}/draft", json=draft)
        assert r.status_code == 200, r.text
        assert r.json()["note_id"] == made["note_id"] and r.json()["saved_at"]
    # A second note's draft does not replace the first: both are listed, newest first.
    listed = http.get("/api/drafts").json()
    ids = [d["note_id"] for d in listed]
    assert ids.index(second["note_id"]) < ids.index(first["note_id"])
    summary = next(d for d in listed if d["note_id"] == first["note_id"])
    assert summary["preview"].startswith("Pasienten har hatt en rolig natt.")
    kept = datetime.fromisoformat(summary["deletes_at"]) - datetime.fromisoformat(
        summary["saved_at"])
    assert timedelta(days=6.99) < kept < timedelta(days=7.01)  # the default retention

    got = http.get(f"/api/notes/{first['note_id']}/draft").json()
    assert got["epj"] == first["text"] + "Utkast." and got["note"] == first["note"]
    # Two saves in flight as the page is left may arrive out of order: the later edit stays.
    late = f"/api/notes/{second['note_id']}/draft"
    assert not http.put(late, json={"epj": "ny", "edited_at": 2000}).json()["superseded"]
    assert http.put(late, json={"epj": "gammel", "edited_at": 1000}).json()["superseded"]
    assert http.get(late).json()["epj"] == "ny"
    stored = notes_dir / first["note_id"] / "draft.json"
    assert sealed_json(stored)["epj"] == first["text"] + "Utkast."
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700

    # Approval removes the draft, unless it was edited after the state approved (typed while the
    # approval was on its way); discarding deletes it (audited by id only).
    path = f"/api/notes/{first['note_id']}/draft"
    http.put(path, json={"epj": "skrevet under godkjenningen", "edited_at": 5000})
    r = http.post(f"/api/notes/{first['note_id']}/approve",
                  json={"note": first["note"], "text": first["text"], "edited_at": 4000})
    assert r.status_code == 200, r.text
    assert http.get(path).json()["epj"] == "skrevet under godkjenningen"
    r = http.post(f"/api/notes/{first['note_id']}/approve",
                  json={"note": first["note"], "text": first["text"], "edited_at": 5000})
    assert r.status_code == 200, r.text
    assert not stored.exists()
    assert http.get(f"/api/notes/{first['note_id']}/draft").status_code == 404
    assert http.delete(f"/api/notes/{second['note_id']}/draft").status_code == 204
    assert http.delete(f"/api/notes/{second['note_id']}/draft").status_code == 204  # idempotent
    remaining = {d["note_id"] for d in http.get("/api/drafts").json()}
    assert not remaining & {first["note_id"], second["note_id"]}
    discarded = [e for e in audit_entries(server) if e["action"] == "draft.discarded"]
    assert [e["note_id"] for e in discarded] == [second["note_id"]]

    # Ids the server did not make (a trailing newline included), sessions it lacks, bodies that
    # are not drafts.
    for bad in ("t-XYZ", "t-0123456789abcdef%0A", "20260101-120000-abcdef%0A", "%2E%2E"):
        r = http.put(f"/api/notes/{bad}/draft", json={})
        assert r.status_code == 404 and "not a note id made by this server" in r.json()["detail"]
    r = http.put("/api/notes/20260101-120000-abcdef/draft", json={})
    # a session this server does not have: answered as any note she may not open
    assert r.status_code == 404 and "of yours on this server" in r.json()["detail"]
    assert not [p.name for p in notes_dir.iterdir() if not p.name.startswith("t-")
                or len(p.name) != 18]
    assert http.put(f"/api/notes/{second['note_id']}/draft",
                    json={"txt": "feil felt"}).status_code == 422
    # A damaged draft file (sealed but not a draft, or not sealed at all) is reported, left in
    # place, and left out of the list.
    damaged = notes_dir / second["note_id"] / "draft.json"
    for plant in (write_sealed, lambda path, text: path.write_text(text, encoding="utf-8")):
        plant(damaged, "{ikke json")
        r = http.get(f"/api/notes/{second['note_id']}/draft")
        assert r.status_code == 500 and "damaged" in r.json()["detail"]
        assert damaged.exists()
        assert second["note_id"] not in {d["note_id"] for d in http.get("/api/drafts").json()}
    damaged.unlink()


def test_a_draft_that_cannot_be_written_is_refused_with_the_reason(server, http):
    made = http.post("/api/structure", json={"text": "Pasienten er i fin form."}).json()
    folder = server.settings.session_store_dir.parent / "notes" / made["note_id"]
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the note's folder should be", encoding="utf-8")
    try:
        r = http.put(f"/api/notes/{made['note_id']}/draft", json={"text": "Utkast"})
        assert r.status_code == 500 and "cannot create" in r.json()["detail"]
    finally:
        folder.unlink()
    # A full, over-quota or read-only disk is told apart (the API answers 507 for it).
    from diktat.store.notes import StoreFull, store_error

    for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENOTDIR, errno.EACCES):
        error = store_error("cannot write draft.json", OSError(code, os.strerror(code)))
        assert isinstance(error, StoreFull) == (code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS))
        assert str(error) == f"cannot write draft.json: {os.strerror(code)}"


def test_api_answers_carry_no_store(server, http):
    made = http.post("/api/structure", json={"text": NOTE_TEXT}).json()
    http.put(f"/api/notes/{made['note_id']}/draft", json={"text": NOTE_TEXT})
    for path in ("/api/drafts", f"/api/notes/{made['note_id']}/draft", "/api/jobs/nope"):
        assert http.get(path).headers["cache-control"] == "no-store", path
    assert http.get("/static/app.js").headers.get("cache-control") != "no-store"
    http.delete(f"/api/notes/{made['note_id']}/draft")


def test_audit_log_records_ids_and_models_but_no_text(server, http):
    http.post("/api/structure", json={"text": NOTE_TEXT})
    entries = audit_entries(server)
    actions = {e["action"] for e in entries}
    assert {"server.started", "transcription.done", "job.done", "note.structured",
            "note.approved", "draft.discarded"} <= actions
    for e in entries:
        assert e["actor"] == "local"
        assert e["time"].endswith("Z") or "+00:00" in e["time"]
    approved = next(e for e in entries if e["action"] == "note.approved")
    assert approved["asr_model"] == "whisper-base" and approved["asr_model_sha256"]
    raw = server.settings.audit_log_path.read_text(encoding="utf-8").lower()
    for word in ("pasienten", "blodtrykket", "paracet", "stortinget", "møte", "kontrollert",
                 "norwegian-short", ".wav"):
        assert word not in raw
    assert stat.S_IMODE(server.settings.audit_log_path.stat().st_mode) == 0o600


def test_non_loopback_bind_needs_a_token(tmp_path):
    import websockets

    cmd = [sys.executable, "-m", "diktat", "serve", "--host", "0.0.0.0",
           "--sessions-dir", str(tmp_path / "sessions")]
    env = {k: v for k, v in os.environ.items() if k != "DIKTAT_SERVER__TOKEN"}
    refused = subprocess.run([*cmd, "--port", str(free_port())], capture_output=True,
                             text=True, timeout=60, env=env)
    assert refused.returncode == 2
    assert "without an access token" in refused.stderr and "--token" in refused.stderr

    port = free_port()
    proc = subprocess.Popen([*cmd, "--port", str(port)], env=env | {
        "DIKTAT_SERVER__TOKEN": "hemmelig-token-123"}, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, proc)
        assert httpx.get(f"{url}/version").status_code == 401
        assert httpx.get(f"{url}/version",
                         headers={"Authorization": "Bearer feil"}).status_code == 401
        assert httpx.post(f"{url}/api/structure", json={"text": "x"}).status_code == 401
        r = httpx.post(f"{url}/v1/audio/transcriptions", files={"file": ("a.wav", b"")})
        assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
        auth = {"Authorization": "Bearer hemmelig-token-123"}
        # The token is a program's key: it structures (and transcribes, runs jobs) ...
        ok = httpx.post(f"{url}/api/structure", json={"text": NOTE_TEXT}, headers=auth)
        assert ok.status_code == 200
        # ... and opens no draft, no /version, no live dictation; nobody else gets in.
        for path in ("/version", "/api/drafts", f"/api/notes/{ok.json()['note_id']}/draft"):
            r = httpx.get(f"{url}{path}", headers=auth)
            assert r.status_code == 403 and r.json()["code"] == "scope", path
        for address in ("/ws/dictate", "/ws/dictate?token=hemmelig-token-123"):
            with pytest.raises(websockets.InvalidStatus) as refused:
                asyncio.run(first_ws_frame(f"ws://127.0.0.1:{port}{address}"))
            assert refused.value.response.status_code == 401, address
        with pytest.raises(websockets.InvalidStatus) as refused:
            asyncio.run(first_ws_frame(f"ws://127.0.0.1:{port}/ws/dictate",
                                       additional_headers=auth))
        assert refused.value.response.status_code == 403
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "hemmelig" not in err
    assert "without TLS" in err  # told that the token and text cross the network in clear
    audit = (tmp_path / "audit.log").read_text(encoding="utf-8")
    assert "hemmelig" not in audit and '"actor": "token:' in audit





def test_tls_serves_https_and_wss(engine, tmp_path):
    from diktat.config import ServerSettings
    from diktat.errors import ConfigError
    from diktat.server.run import check_tls

    def make_cert(name: str, *key_options: str) -> tuple[Path, Path]:
        cert, key = tmp_path / f"{name}-cert.pem", tmp_path / f"{name}-key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-days", "1",
                        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", *key_options],
                       check=True, capture_output=True)
        return cert, key

    cert, key = make_cert("server", "-nodes")
    trusted = ssl.create_default_context(cafile=str(cert))
    settings = server_settings(tmp_path, tls_certfile=cert, tls_keyfile=key)
    with running_server(settings, engine) as running:
        base = f"https://127.0.0.1:{running.port}"
        assert httpx.get(f"{base}/health", verify=trusted).status_code == 200
        r = httpx.post(f"{base}/api/structure", json={"text": NOTE_TEXT}, verify=trusted)
        assert r.status_code == 200 and r.json()["note_id"]
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not served beside it
            httpx.get(f"http://127.0.0.1:{running.port}/health")
        wss = f"wss://127.0.0.1:{running.port}/ws/dictate"
        assert asyncio.run(first_ws_frame(wss, ssl=trusted)) == "ready"

    # Refused before the models load, with the reason (exit 2), not a traceback or a prompt.
    with pytest.raises(ValueError, match="go together"):
        ServerSettings(tls_certfile=cert)
    assert not ServerSettings(tls_certfile="", tls_keyfile=" ").tls  # an empty variable: off
    with pytest.raises(ConfigError, match="not a readable file"):
        check_tls(ServerSettings(tls_certfile=tmp_path / "mangler.pem", tls_keyfile=key))
    _, other_key = make_cert("other", "-nodes")
    with pytest.raises(ConfigError, match="not a usable PEM certificate"):
        check_tls(ServerSettings(tls_certfile=cert, tls_keyfile=other_key))
    locked_cert, locked_key = make_cert("locked", "-passout", "pass:hemmelig")
    with pytest.raises(ConfigError, match="is encrypted"):
        check_tls(ServerSettings(tls_certfile=locked_cert, tls_keyfile=locked_key))
    check_tls(ServerSettings(tls_certfile=cert, tls_keyfile=key))


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {proc.stderr.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")
