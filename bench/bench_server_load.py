"""Load test of `diktat serve`: N browser-like clients dictate at once over /ws/dictate.

    .venv/bin/python bench/bench_server_load.py                       # 8 clients, 60 s each
    .venv/bin/python bench/bench_server_load.py --clients 4 --seconds 20
    .venv/bin/python bench/bench_server_load.py --clients 16 --max-streams 16   # overload

The server runs as its own process on loopback (`python -m diktat serve`), with its real model
and an empty session store in a temporary folder. Each client replays a different real Norwegian
recording from ../shared/data/speech (king, erna, NRK excerpts) as 16-bit PCM in 100 ms frames
paced by the wall clock, as a microphone would, for `--seconds`, then sends stop and waits for
its `done` message. Before the load, each client's exact audio is transcribed offline with the
same model (the reference), so the check is: every client got a `done` whose text is closer
(WER) to its own reference than to every other client's — no dropped or mixed-up sessions.

Measured per client and over all clients:
- committed lag: from the end of a word in the audio (its timestamp in the final transcript,
  as the client sent it in real time) to the first view message whose committed text holds it;
- recognition lag: for every view while the client was talking, audio sent minus `recognised_s`;
- final latency: from the stop message to the `done` message.
- lag growth: the committed-lag p50 of the words said in the last 20 s of the audio minus that
  of the first 20 s (a server that falls further behind shows it here);
- refused: clients the server turned away at connect (WebSocket close 1013: over the live
  capacity it measured, `[server] max_commit_lag_s`); they are not counted in the checks
  above, and their clips may repeat the admitted ones';
- busy: views that told the client the server is busy.
The clients connect once the server has measured its live capacity (`/version` live.measuring),
or at once where it is fixed (DIKTAT_SERVER__LIVE_CAPACITY).
The whole run has a hard time limit (`--timeout`): the server is killed and the run reported.
Results are printed and written to bench/results/server-load-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from results_file import write_results

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO.parent / "shared" / "data" / "speech"
FRAME_S = 0.1
RATE = 16_000


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path
    offset_s: float = 0.0


@dataclass
class ClientRun:
    clip: Clip
    samples: np.ndarray
    reference: str = ""
    messages: list[dict] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    started: float = 0.0
    stop_sent: float = 0.0
    error: str | None = None
    refused: str | None = None  # the close reason when the server turned the client away
    audio_intact: bool | None = None  # the session's saved audio is exactly what was sent

    @property
    def done(self) -> dict | None:
        return next((m for m in self.messages if m.get("type") == "done"), None)


def candidate_clips() -> list[Clip]:
    """Speech-dominated recordings first (king, distinct parts of the two erna files), then
    the NRK excerpts. The NRK ones are TV excerpts with music and dialects on which Whisper
    base's text is close to noise (WER ~0.9 against its own offline transcription), which makes
    the text-identity check meaningless for them; the saved-audio check still holds."""
    erna = SPEECH / "unlabelled" / "erna.mp3"
    ub_erna = SPEECH / "unlabelled" / "ub_erna.mp3"
    clips = [Clip("king", SPEECH / "king" / "king.mp3"), Clip("erna@0s", erna),
             Clip("ub_erna@0s", ub_erna), Clip("erna@120s", erna, 120),
             Clip("ub_erna@100s", ub_erna, 100), Clip("erna@240s", erna, 240),
             Clip("erna@330s", erna, 330)]
    nrk = sorted((SPEECH / "unlabelled" / "nrk").glob("*.mp3"))
    clips += [Clip(f"nrk/{p.stem}", p) for p in nrk]
    return [c for c in clips if c.path.exists()]


def load_clients(n: int, seconds: float) -> list[ClientRun]:
    """`n` clients on distinct recordings while there are enough; beyond, the recordings again
    from the start (an overload run: most of those clients are refused)."""
    from diktat.stt.audio import load_audio

    runs: list[ClientRun] = []
    for clip in candidate_clips():
        samples = load_audio(clip.path).samples
        start = round(clip.offset_s * RATE)
        piece = samples[start : start + round(seconds * RATE)]
        if len(piece) >= 0.9 * seconds * RATE:
            runs.append(ClientRun(clip, piece))
        if len(runs) == n:
            return runs
    if not runs:
        raise SystemExit(f"no recording of {seconds:g} s found under {SPEECH}")
    distinct = len(runs)
    while len(runs) < n:
        base = runs[len(runs) % distinct]
        runs.append(ClientRun(Clip(f"{base.clip.name}#{len(runs) // distinct + 1}",
                                   base.clip.path, base.clip.offset_s), base.samples))
    return runs


def references(runs: list[ClientRun]) -> None:
    """Offline transcription of each client's exact audio with the server's model and options."""
    from diktat.config import load_settings
    from diktat.stt.factory import decode_options, load_engine

    settings = load_settings()
    engine = load_engine(settings)
    decode = decode_options(settings.asr)
    known: dict[int, str] = {}
    for run in runs:
        key = id(run.samples)
        if key not in known:
            known[key] = engine.transcribe(run.samples, decode).text
        run.reference = known[key]


def pcm16(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()


async def client(url: str, run: ClientRun) -> None:
    import websockets

    frame = round(FRAME_S * RATE)
    try:
        async with websockets.connect(url, max_size=2**24, open_timeout=60) as ws:

            async def receive() -> None:
                async for raw in ws:
                    run.messages.append(json.loads(raw))
                    run.arrivals.append(time.monotonic())

            first = await ws.recv()  # "ready", or a close 1013 when refused
            run.messages.append(json.loads(first))
            run.arrivals.append(time.monotonic())
            reader = asyncio.create_task(receive())
            run.started = time.monotonic()
            for i, start in enumerate(range(0, len(run.samples), frame)):
                await ws.send(pcm16(run.samples[start : start + frame]))
                await asyncio.sleep(max(0.0, run.started + (i + 1) * FRAME_S - time.monotonic()))
            run.stop_sent = time.monotonic()
            await ws.send(json.dumps({"type": "stop"}))
            await reader
    except websockets.ConnectionClosed as exc:
        if exc.rcvd is not None and exc.rcvd.code == 1013:
            run.refused = exc.rcvd.reason
        else:
            run.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - recorded as this client's failure
        run.error = f"{type(exc).__name__}: {exc}"
    if run.refused is None and run.messages and run.messages[0].get("type") != "ready":
        run.error = f"first message {run.messages[0]}"
    if run.done is None and run.error is None and run.refused is None:
        run.error = "the socket closed without a done message"


def check_saved_audio(runs: list[ClientRun], store: Path) -> None:
    """Each session folder must hold exactly the audio its own client sent (bit for bit); the
    store is encrypted, so the audio is read through the server's key."""
    import soundfile as sf

    from diktat.store.keys import StoreRoots, open_keyring
    from diktat.store.sealed import Reader

    keys = open_keyring(store / "store.key", StoreRoots(()))
    for run in runs:
        if run.done is None:
            continue
        with Reader(keys, store / "sessions" / run.done["session_id"] / "audio.wav") as wav:
            saved, _ = sf.read(wav, dtype="int16")
        sent = np.frombuffer(pcm16(run.samples), dtype="<i2")
        run.audio_intact = bool(len(saved) == len(sent) and np.array_equal(saved, sent))


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    from diktat.eval.textnorm import NORWEGIAN

    if not reference.strip():
        return 0.0 if not hypothesis.strip() else 1.0
    return jiwer.wer(reference, hypothesis or "-", reference_transform=NORWEGIAN,
                     hypothesis_transform=NORWEGIAN)


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "max": None, "n": 0}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 3),
            "p90": round(float(np.percentile(arr, 90)), 3),
            "max": round(float(arr.max()), 3), "n": len(values)}


def committed_lags(run: ClientRun) -> list[float]:
    """Per word: first view holding it as committed, minus the time its end was sent."""
    done = run.done
    if done is None:
        return []
    words = [w for s in done["transcript"]["segments"] for w in s["words"]]
    lags: list[float] = []
    shown = 0
    for message, at in zip(run.messages, run.arrivals, strict=True):
        if message.get("type") != "view":
            continue
        count = len(message["text"].split())
        while shown < min(count, len(words)):
            lags.append(at - (run.started + words[shown]["end"]))
            shown += 1
    return lags


def lag_growth(run: ClientRun, edge_s: float = 20.0) -> float | None:
    """Committed-lag p50 of the words ending in the last `edge_s` of the audio minus that of
    the words ending in the first `edge_s`."""
    done = run.done
    if done is None:
        return None
    words = [w for s in done["transcript"]["segments"] for w in s["words"]]
    lags = committed_lags(run)
    audio_s = len(run.samples) / RATE
    first = [lag for w, lag in zip(words, lags, strict=False) if w["end"] <= edge_s]
    last = [lag for w, lag in zip(words, lags, strict=False) if w["end"] >= audio_s - edge_s]
    if not first or not last:
        return None
    return round(float(np.median(last) - np.median(first)), 3)


def recognition_lags(run: ClientRun) -> list[float]:
    lags = []
    for message, at in zip(run.messages, run.arrivals, strict=True):
        if message.get("type") == "view" and at <= run.stop_sent:
            sent = min(at - run.started, len(run.samples) / RATE)
            lags.append(sent - message["recognised_s"])
    return lags


def summarise(every: list[ClientRun]) -> dict:
    runs = [r for r in every if r.refused is None]
    refused = [r for r in every if r.refused is not None]
    clients = []
    for i, run in enumerate(runs):
        done = run.done
        text = done["text"] if done else ""
        own = wer(run.reference, text)
        others = [wer(o.reference, text) for j, o in enumerate(runs) if j != i]
        clients.append({
            "clip": run.clip.name,
            "audio_s": round(len(run.samples) / RATE, 2),
            "session_id": done["session_id"] if done else None,
            "done": done is not None,
            "audio_intact": run.audio_intact,
            "own_text": bool(done) and all(own < o for o in others),
            "wer_own": round(own, 3),
            "wer_best_other": round(min(others), 3) if others else None,
            "words": len(text.split()),
            "messages": len(run.messages),
            "views": sum(m.get("type") == "view" for m in run.messages),
            "errors": [m["message"] for m in run.messages if m.get("type") == "error"]
            + ([run.error] if run.error else []),
            "committed_lag_s": percentiles(committed_lags(run)),
            "recognition_lag_s": percentiles(recognition_lags(run)),
            "final_latency_s": round(run.arrivals[run.messages.index(done)] - run.stop_sent, 3)
            if done else None,
            "lag_growth_s": lag_growth(run),
            "busy_views": sum(bool(m.get("busy")) for m in run.messages
                              if m.get("type") == "view"),
        })
    sessions = {c["session_id"] for c in clients if c["session_id"]}
    return {
        "clients": clients,
        "all_done": all(c["done"] for c in clients),
        "all_own_text": all(c["own_text"] for c in clients),
        "all_audio_intact": all(c["audio_intact"] for c in clients),
        "distinct_sessions": len(sessions) == len(clients),
        "committed_lag_s": percentiles([x for r in runs for x in committed_lags(r)]),
        "recognition_lag_s": percentiles([x for r in runs for x in recognition_lags(r)]),
        "final_latency_s": percentiles(
            [c["final_latency_s"] for c in clients if c["final_latency_s"] is not None]),
        "messages": sum(c["messages"] for c in clients),
        "errors": sum(len(c["errors"]) for c in clients),
        "admitted": len(runs),
        "refused": len(refused),
        "refused_reasons": sorted({r.refused for r in refused}),
        "lag_growth_s": [c["lag_growth_s"] for c in clients],
        "busy_views": sum(c["busy_views"] for c in clients),
        "max_client_committed_lag_p90_s": max(
            (c["committed_lag_s"]["p90"] for c in clients
             if c["committed_lag_s"]["p90"] is not None), default=None),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, max_streams: int, store: Path) -> subprocess.Popen:
    env = os.environ | {"DIKTAT_SERVER__MAX_STREAMS": str(max_streams),
                        "DIKTAT_STORE__KEY_FILE": str(store / "store.key")}
    env.pop("DIKTAT_SERVER__TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "diktat", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--sessions-dir", str(store / "sessions")],
        env=env, start_new_session=True,
    )
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            reply = httpx.get(f"http://127.0.0.1:{port}/version", timeout=2)
            if reply.status_code == 200 and not reply.json()["live"]["measuring"]:
                print(f"live load at start: {reply.json()['live']}")
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit("the server did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-streams", type=int, default=None,
                        help="[server] max_streams (default: --clients)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="hard limit for the load phase (default 60 s + 6 x --seconds)")
    args = parser.parse_args()
    if not SPEECH.is_dir():
        print(f"skipped: real speech not available ({SPEECH} is absent)")
        return 0
    limit = args.timeout or 60 + 6 * args.seconds
    runs = load_clients(args.clients, args.seconds)
    print(f"{len(runs)} clients × {args.seconds:g} s: " + ", ".join(r.clip.name for r in runs))
    tick = time.perf_counter()
    references(runs)
    print(f"offline references in {time.perf_counter() - tick:.0f} s; starting the server")

    store = Path(tempfile.mkdtemp(prefix="diktat-load-"))
    port = free_port()
    proc = start_server(port, args.max_streams or len(runs), store)
    watchdog = threading.Timer(limit + 60, lambda: (os.killpg(proc.pid, signal.SIGKILL),
                                                    os._exit(3)))
    watchdog.daemon = True
    watchdog.start()
    load = os.getloadavg()
    url = f"ws://127.0.0.1:{port}/ws/dictate"

    async def everyone() -> None:
        tasks = [asyncio.create_task(client(url, r)) for r in runs]
        done, pending = await asyncio.wait(tasks, timeout=limit)
        for task in pending:
            task.cancel()
        for run in runs:
            if run.done is None and run.error is None:
                run.error = f"no done message within the {limit:g} s limit"

    tick = time.monotonic()
    try:
        asyncio.run(everyone())
    finally:
        wall = time.monotonic() - tick
        stop_server(proc)
        watchdog.cancel()
        check_saved_audio(runs, store)
        shutil.rmtree(store, ignore_errors=True)
    summary = summarise(runs) | {
        "clients_n": len(runs), "seconds": args.seconds, "wall_s": round(wall, 1),
        "cpu_count": os.cpu_count(), "load_before": [round(x, 2) for x in load],
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print_summary(summary)
    print(f"written {write_results('server-load', summary).relative_to(REPO)}")
    ok = (summary["all_done"] and summary["all_own_text"] and summary["all_audio_intact"]
          and summary["distinct_sessions"])
    return 0 if ok else 1


def print_summary(s: dict) -> None:
    def p(d: dict) -> str:
        return "—" if d.get("p50") is None else f"{d['p50']:.2f} / {d['p90']:.2f} / {d['max']:.2f}"

    print(f"\n{'client':<22}{'done':>5}{'audio':>6}{'own':>5}{'WER own':>9}{'other':>7}{'msgs':>6}"
          f"  {'committed lag p50/p90/max':>27}  {'final s':>8}")
    for c in s["clients"]:
        final = "—" if c["final_latency_s"] is None else f"{c['final_latency_s']:.2f}"
        other = "—" if c["wer_best_other"] is None else f"{c['wer_best_other']:.2f}"
        print(f"{c['clip']:<22}{'yes' if c['done'] else 'NO':>5}"
              f"{'yes' if c['audio_intact'] else 'NO':>6}"
              f"{'yes' if c['own_text'] else 'NO':>5}{c['wer_own']:>9.2f}{other:>7}"
              f"{c['messages']:>6}  {p(c['committed_lag_s']):>27}  {final:>8}")
        for e in c["errors"]:
            print(f"    error: {e}")
    print(f"\nall done: {s['all_done']}  own text: {s['all_own_text']}  audio intact: "
          f"{s['all_audio_intact']}  distinct sessions: "
          f"{s['distinct_sessions']}  messages: {s['messages']}  errors: {s['errors']}  "
          f"wall: {s['wall_s']} s  load before: {s['load_before']}")
    print(f"admitted: {s['admitted']}  refused: {s['refused']} {s['refused_reasons']}  "
          f"busy views: {s['busy_views']}  lag growth (last-first 20 s p50): "
          f"{s['lag_growth_s']}")
    print(f"committed lag   p50/p90/max: {p(s['committed_lag_s'])} s; worst client's p90: "
          f"{s['max_client_committed_lag_p90_s']} s")
    print(f"recognition lag p50/p90/max: {p(s['recognition_lag_s'])} s")
    print(f"final latency   p50/p90/max: {p(s['final_latency_s'])} s")


if __name__ == "__main__":
    sys.exit(main())
