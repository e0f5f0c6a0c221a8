"""API keys for programs: a key reaches only its scopes, never a draft; a revoked key fails at
once in a running server; only an Argon2 hash is kept; no key lands in a log."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import wave

import numpy as np
import pytest

from diktat.config import Settings
from diktat.server.app import create_app
from diktat.server.services import Services
from tests.store_helpers import sealed_bytes
from tests.test_store_faults import FakeEngine


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes((np.sin(np.arange(16_000) / 5) * 8000).astype("<i2").tobytes())
    return out.getvalue()


@pytest.fixture
def server(tmp_path):
    from fastapi.testclient import TestClient

    settings = Settings(sessions_dir=tmp_path / "store" / "sessions",
                        server={"host": "127.0.0.1", "port": 8000,
                                "audit_log": tmp_path / "store" / "audit.log"})
    services = Services.build(settings, engine=FakeEngine())
    try:
        with TestClient(create_app(settings, services=services),
                        base_url="http://127.0.0.1:8000") as client:
            client.settings = settings
            yield client
    finally:
        services.close()


def keys_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DIKTAT_SERVER__AUDIT_LOG": str(settings.audit_log_path)}
    return subprocess.run([sys.executable, "-m", "diktat", "keys", *args, "--sessions-dir",
                           str(settings.session_store_dir)], capture_output=True, text=True,
                          timeout=60, env=env, stdin=subprocess.DEVNULL)


def test_a_key_reaches_its_scopes_only_and_a_revoked_key_fails_at_once(server):
    settings = server.settings
    made = keys_cli(settings, "create", "batch-opplasting", "--scope", "transcribe")
    assert made.returncode == 0, made.stderr
    key = next(line for line in made.stdout.split() if line.startswith("dk_"))
    key_id = key.split("_")[1]
    auth = {"Authorization": f"Bearer {key}"}
    heard = server.post("/v1/audio/transcriptions", headers=auth, data={"model": "whisper-1"},
                        files={"file": ("a.wav", wav(), "audio/wav")})
    assert heard.status_code == 200, heard.text
    for method, path in (("GET", "/api/drafts"), ("GET", "/api/notes/t-0123456789abcdef/draft"),
                         ("POST", "/api/jobs"), ("POST", "/api/structure")):
        refused = server.request(method, path, headers=auth)
        assert refused.status_code == 403 and refused.json()["code"] == "scope", path
    wrong = server.post("/v1/audio/transcriptions", data={"model": "whisper-1"},
                        headers={"Authorization": f"Bearer {key[:-2]}xx"},
                        files={"file": ("a.wav", wav(), "audio/wav")})
    assert wrong.status_code == 401

    listed = keys_cli(settings, "list", "--json")
    assert key_id in listed.stdout and key.split("_", 2)[2] not in listed.stdout
    assert keys_cli(settings, "revoke", key_id).returncode == 0
    gone = server.post("/v1/audio/transcriptions", headers=auth, data={"model": "whisper-1"},
                       files={"file": ("a.wav", wav(), "audio/wav")})
    assert gone.status_code == 401  # the running server saw the revocation at once

    actions = settings.audit_log_path.read_text(encoding="utf-8")
    assert f'"actor": "k-{key_id}"' in actions and '"key.revoked"' in actions
    assert key.split("_", 2)[2] not in actions
    kept = sealed_bytes(settings.users_dir / "api-keys.json").decode()
    assert "$argon2id$" in kept and key.split("_", 2)[2] not in kept


def test_a_jobs_key_sees_its_own_jobs(server):
    made = keys_cli(server.settings, "create", "integrasjon", "--scope", "jobs")
    key = next(line for line in made.stdout.split() if line.startswith("dk_"))
    auth = {"Authorization": f"Bearer {key}"}
    job = server.post("/api/jobs", headers=auth, files={"file": ("a.wav", wav(), "audio/wav")})
    assert job.status_code == 202, job.text
    assert server.get(f"/api/jobs/{job.json()['id']}", headers=auth).status_code == 200
    # the local user (no key) does not see a program's job
    assert server.get(f"/api/jobs/{job.json()['id']}").status_code == 404


def test_a_key_needs_a_known_scope_and_a_name(server):
    bad = keys_cli(server.settings, "create", "x", "--scope", "drafts")
    assert bad.returncode == 2 and "scopes are" in bad.stderr
