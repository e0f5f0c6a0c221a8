"""Batch transcription on Ray (`diktat/stt/ray_batch.py`) against a real local Ray cluster.

One cluster for the module: started on loopback with Ray's TLS on (a throwaway CA and a
certificate for 127.0.0.1 made here), usage statistics and dashboard off, two worker actors with
the real Whisper base model. The Ray run is compared with the local run (`run_batch`) of the same
folder on this machine, in the same test; a worker is killed mid-run; a run is interrupted and
resumed.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import shutil
import signal
from collections import Counter
from pathlib import Path

import pytest

from diktat.errors import ConfigError
from diktat.stt.batch import DONE_LOG_NAME, plan_jobs, run_batch

pytestmark = [pytest.mark.slow]
ray = pytest.importorskip("ray")
run_on_ray = pytest.importorskip("diktat.stt.ray_batch").run_on_ray


def _tls_files(folder: Path) -> dict[str, str]:
    """A throwaway CA and a server certificate (also the client's) for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    life = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1))
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "diktat test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(life[0]).not_valid_after(life[1])
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(life[0]).not_valid_after(life[1])
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (folder / "ca.crt").write_bytes(ca.public_bytes(pem))
    (folder / "node.crt").write_bytes(cert.public_bytes(pem))
    (folder / "node.key").write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return {"RAY_USE_TLS": "1", "RAY_TLS_SERVER_CERT": str(folder / "node.crt"),
            "RAY_TLS_SERVER_KEY": str(folder / "node.key"),
            "RAY_TLS_CA_CERT": str(folder / "ca.crt")}


@pytest.fixture(scope="module")
def settings(whisper_model):
    from diktat.config import load_settings

    # One thread per worker on both sides: the transcript records the threads it ran with.
    s = load_settings()
    return s.model_copy(update={"asr": s.asr.model_copy(update={"threads": 1})})


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A real Ray instance on loopback with TLS, for the module (stopped at its end)."""
    from diktat.stt.ray_pool import connect

    env = _tls_files(tmp_path_factory.mktemp("ray-tls"))
    saved = {k: os.environ.get(k) for k in (*env, "RAY_USAGE_STATS_ENABLED",
                                           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")}
    os.environ.update(env)
    try:
        # four logical CPUs: the module's pool of two, the CLI test's own worker and the server
        # test's (Ray frees an ended actor's CPU a moment later, so they do not share one)
        assert connect("local", num_cpus=4)
        yield ray
    finally:
        ray.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def pool(cluster, settings):
    from diktat.stt.ray_pool import RayPool

    with RayPool(settings, "local", workers=2) as p:
        yield p


@pytest.fixture(scope="module")
def folder(npsc_dir, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("ray-in")
    shutil.copy(npsc_dir / "norwegian-short-3s.16k.wav", d / "a_short.wav")
    shutil.copy(npsc_dir / "norwegian-medium-8s.mp3", d / "b_medium.mp3")
    shutil.copy(npsc_dir / "norwegian-medium-8s.16k.wav", d / "c_medium.wav")
    (d / "d_corrupt.wav").write_bytes(os.urandom(5000))
    (d / "e_empty.wav").touch()
    return d


def _finished(out: Path) -> list[dict]:
    return [e for e in map(json.loads, (out / DONE_LOG_NAME).read_text().splitlines())
            if "finished" in e]


def _comparable(out: Path, name: str) -> str | dict:
    text = (out / name).read_text()
    if not name.endswith(".json"):
        return text
    doc = json.loads(text)  # everything but the wall-clock figures
    doc.pop("real_time_factor")
    doc["transcript"].pop("timings")
    return doc


def test_a_ray_run_gives_the_local_run_s_outputs_log_and_errors(pool, settings, folder,
                                                                tmp_path):
    from diktat.stt.factory import decode_options, load_engine

    opts = decode_options(settings.asr)
    fmts = ("txt", "json", "srt", "vtt")
    local_out, ray_out = tmp_path / "local", tmp_path / "ray"
    jobs, _ = plan_jobs([folder], local_out)
    local = run_batch(jobs, load_engine(settings, many=True), opts, fmts, local_out)
    jobs, _ = plan_jobs([folder], ray_out)
    seen = []
    remote = run_on_ray(pool, jobs, opts, fmts, ray_out,
                        on_start=lambda j: seen.append(("start", j.source.name)),
                        on_finish=lambda j, r: seen.append(("finish", j.source.name)))

    assert sorted(os.listdir(ray_out)) == sorted(os.listdir(local_out))
    names = [n for n in os.listdir(local_out) if n != DONE_LOG_NAME]
    assert len(names) == 3 * 4
    for name in names:
        assert _comparable(ray_out, name) == _comparable(local_out, name), name
    assert "lovlig" in (ray_out / "a_short.txt").read_text().lower()

    def entries(out):  # the output folders differ, and the time of each entry
        return sorted(({k: v for k, v in e.items() if k not in ("output", "finished")}
                       for e in _finished(out)), key=lambda e: e["source"])

    assert entries(ray_out) == entries(local_out)
    errors = {r.source.name: r.error for r in remote.failed}
    assert errors == {r.source.name: r.error for r in local.failed}
    assert set(errors) == {"d_corrupt.wav", "e_empty.wav"}
    assert "empty file" in errors["e_empty.wav"]
    assert sorted(n for k, n in seen if k == "finish") == sorted(os.listdir(folder))
    assert Counter(k for k, _ in seen) == {"start": 5, "finish": 5}


def _many(folder: Path, dest: Path, n: int) -> Path:
    dest.mkdir()
    for i in range(n):
        src = "b_medium.mp3" if i % 2 else "a_short.wav"
        shutil.copy(folder / src, dest / f"f{i:02d}{Path(src).suffix}")
    return dest


def _exactly_once(out: Path, folder: Path) -> None:
    finished = Counter(Path(e["source"]).name for e in _finished(out))
    assert finished == Counter(os.listdir(folder))  # every file, each written once
    for name in os.listdir(folder):
        assert (out / f"{Path(name).stem}.txt").exists()


def test_a_killed_worker_s_files_are_redone_and_nothing_is_lost_or_duplicated(
        pool, settings, folder, tmp_path):
    from diktat.stt.factory import decode_options

    src = _many(folder, tmp_path / "in", 8)
    opts = decode_options(settings.asr).model_copy(update={"files_per_group": 1})
    replaced = pool.replaced
    killed = []

    def on_finish(job, result):
        if not killed:  # after the first file: kill a worker while it holds files
            victim = pool.infos[pool.actors[0]].pid
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    jobs, _ = plan_jobs([src], tmp_path / "out")
    summary = run_on_ray(pool, jobs, opts, ("txt",), tmp_path / "out", on_finish=on_finish)

    assert killed and pool.replaced == replaced + 1
    assert killed[0] not in {i.pid for i in pool.infos.values()}
    assert summary.counts == {"done": 8}
    assert Counter(r.source.name for r in summary.results) == Counter(os.listdir(src))
    _exactly_once(tmp_path / "out", src)


def test_an_interrupted_ray_run_resumes_and_skips_what_is_done(pool, settings, folder,
                                                              tmp_path):
    from diktat.stt.factory import decode_options

    src = _many(folder, tmp_path / "in", 6)
    opts = decode_options(settings.asr).model_copy(update={"files_per_group": 1})
    out = tmp_path / "out"
    jobs, _ = plan_jobs([src], out)
    finished = []

    def stop_after_two(job, result):
        finished.append(job.source.name)
        if len(finished) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_on_ray(pool, jobs, opts, ("txt",), out, on_finish=stop_after_two)
    first = {Path(e["source"]).name for e in _finished(out)}
    assert set(finished) <= first and len(first) < 6

    again = run_on_ray(pool, jobs, opts, ("txt",), out)
    assert {r.source.name for r in again.results if r.status == "skipped"} == first
    assert again.counts["done"] == 6 - len(first) and not again.failed
    _exactly_once(out, src)


def test_a_pool_the_cluster_has_no_room_for_is_refused_at_once(pool, settings):
    from diktat.stt.ray_pool import RayPool

    with pytest.raises(ConfigError, match="CPUs free"), RayPool(settings, "local", workers=5):
        pass
    assert len(pool.actors) == 2  # the pool already there is untouched


def test_the_cli_runs_a_folder_on_ray(pool, folder, tmp_path):
    from typer.testing import CliRunner

    from diktat.cli import app

    src = _many(folder, tmp_path / "in", 2)
    res = CliRunner().invoke(app, ["transcribe", str(src), "-o", str(tmp_path / "out"),
                                   "--ray", "local", "--ray-workers", "1", "--threads", "1"])
    assert res.exit_code == 0, res.output
    assert "1 Ray worker(s) on 1 node(s)" in res.output and "2 transcribed" in res.output
    _exactly_once(tmp_path / "out", src)


def test_a_cluster_is_named_and_encrypted_or_refused(monkeypatch):
    from diktat.stt.ray_pool import connect

    monkeypatch.delenv("RAY_USE_TLS", raising=False)
    with pytest.raises(ConfigError, match="discovery"):
        connect("auto")
    with pytest.raises(ConfigError, match="unencrypted"):
        connect("10.1.2.3:6379")


@pytest.fixture
def ray_job_server(cluster, settings, engine, tmp_path):
    """A real server whose upload jobs run on one Ray actor of the module's cluster."""
    from tests.server_helpers import running_server, server_settings

    base = server_settings(tmp_path, job_ray="local")
    ray_settings = base.model_copy(update={"asr": settings.asr, "ray": settings.ray.model_copy(
        update={"workers": 1})})
    with running_server(ray_settings, engine) as running:
        yield running


def test_the_server_s_upload_jobs_run_on_ray_and_survive_a_killed_worker(
        ray_job_server, settings, npsc_dir):
    import httpx

    from diktat.stt.audio import load_audio
    from diktat.stt.factory import decode_options, load_engine
    from tests.server_helpers import audit_entries, wait_for_job

    clip = npsc_dir / "norwegian-medium-8s.16k.wav"
    local = load_engine(settings).transcribe(load_audio(clip).samples,
                                             decode_options(settings.asr))
    segments = local.model_dump(mode="json")["segments"]
    jobs = ray_job_server.services.job_engine
    with httpx.Client(base_url=ray_job_server.url, timeout=120) as http:
        assert http.get("/version").json()["jobs"] == {"engine": "ray", "workers": 1,
                                                       "waiting": 0}

        def run_job() -> dict:
            r = http.post("/api/jobs", files={"file": (clip.name, clip.read_bytes(),
                                                       "audio/wav")})
            assert r.status_code == 202, r.text
            return wait_for_job(http, r.json()["id"])

        state = run_job()
        assert state["status"] == "done", state
        # the worker decodes as this machine does: the same words, times and probabilities
        assert state["transcript"]["segments"] == segments
        assert "tatt sete" in local.text  # a robust phrase: other words differ between CPUs
        assert state["note_text"]
        assert state["note_id"] in {d["note_id"] for d in http.get("/api/drafts").json()}

        # The actor dies before the next job reaches it: a fresh one takes it, nothing is lost.
        victim = jobs.worker_infos[0].pid
        os.kill(victim, signal.SIGKILL)
        again = run_job()
    assert again["status"] == "done", again
    assert again["transcript"]["segments"] == segments
    assert jobs.replaced == 1 and jobs.workers == 1
    assert victim not in {i.pid for i in jobs.worker_infos}
    done = [e for e in audit_entries(ray_job_server) if e["action"] == "job.done"]
    assert len(done) == 2 and all(e["asr_model"] == "whisper-base" for e in done)
