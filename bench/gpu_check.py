"""The GPU path in one short run: engine on CUDA float16, batch transcription, streaming decode,
and the server under 8 and 32 live clients, with a compact report (issue 20, item 5).

    .venv/bin/python bench/gpu_check.py              # on a CUDA machine (diktat installed)
    .venv/bin/python bench/gpu_check.py --dry-run    # the same steps on this CPU, small (CI)

What a CUDA machine needs: diktat's virtual environment (`make demo` installs it) and, for
CTranslate2 4.x's wheels, cuBLAS 12 and cuDNN 9 (`pip install nvidia-cublas-cu12
nvidia-cudnn-cu12` and their lib folders on LD_LIBRARY_PATH, or CUDA 12 installed): the first
step says plainly what is missing and stops. Audio comes from ../shared/data/speech (or
`--speech`); the model from the configured models folder (DIKTAT_MODELS_DIR).

Steps, each timed, each reported even when a later one fails:
1. environment: GPU name and memory (nvidia-smi), CTranslate2's CUDA devices, cuBLAS/cuDNN;
2. engine: load on cuda/float16 (dry run: cpu/int8);
3. batch: every labelled clip and king.mp3 transcribed, real-time factor and WER;
4. streaming: 40 live windows (2-10 s) of king.mp3 decoded as the live preview does (dry run 4),
   and 8 s windows in batches of 1, 8 and 32 as the server decodes several sessions (dry: 1, 2);
5. server: bench/bench_server_load.py with 8 and 32 clients (dry run: 2 clients, 5 s), the
   server measuring its live capacity at start: admitted, refused, committed lag, final latency.
The report is printed and written to bench/results/gpu-check-<time>.json.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from results_file import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO.parent / "shared" / "data" / "speech"
CUDA_LIBRARIES = ("libcublas.so.12", "libcudnn.so.9")


def environment(dry_run: bool) -> dict:
    import ctranslate2

    found = {"ctranslate2": ctranslate2.__version__,
             "cuda_devices": ctranslate2.get_cuda_device_count()}
    if shutil.which("nvidia-smi"):
        query = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=30)
        found["gpu"] = query.stdout.strip() or query.stderr.strip()
    for name in CUDA_LIBRARIES:
        try:
            ctypes.CDLL(name)
            found[name] = "loads"
        except OSError:
            found[name] = "missing"
    if not dry_run:
        missing = [n for n in CUDA_LIBRARIES if found[n] == "missing"]
        if not found["cuda_devices"]:
            raise RuntimeError("CTranslate2 sees no CUDA device on this machine")
        if missing:
            raise RuntimeError(
                f"{', '.join(missing)} cannot be loaded: CTranslate2 {found['ctranslate2']}'s "
                "wheels need cuBLAS 12 and cuDNN 9 (pip install nvidia-cublas-cu12 "
                "nvidia-cudnn-cu12, lib folders on LD_LIBRARY_PATH)")
    return found


def load(device: str, compute_type: str):
    from diktat.config import load_settings
    from diktat.stt.factory import decode_options, load_engine

    settings = load_settings()
    settings = settings.model_copy(update={"asr": settings.asr.model_copy(
        update={"device": device, "compute_type": compute_type})})
    tick = time.perf_counter()
    engine = load_engine(settings, live=True)
    return engine, decode_options(settings.asr), {
        "device": engine.device, "compute_type": engine.compute_type,
        "workers": engine.workers, "load_s": round(time.perf_counter() - tick, 2)}


def batch(engine, decode, speech: Path, dry_run: bool) -> dict:
    import jiwer

    from diktat.stt.audio import load_audio

    words = lambda text: " ".join(re.findall(r"\w+", text.lower()))  # noqa: E731
    clips = []
    for manifest in sorted(speech.glob("*/manifest.jsonl")):
        for line in manifest.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if "text" in item:
                clips.append((manifest.parent / item["audio"], item["text"]))
    if dry_run:
        clips = [c for c in clips if "npsc" in str(c[0])]
    audio_s = decode_s = 0.0
    refs, hyps = [], []
    for path, reference in clips:
        samples = load_audio(path).samples
        tick = time.perf_counter()
        transcript = engine.transcribe(samples, decode)
        decode_s += time.perf_counter() - tick
        audio_s += len(samples) / 16_000
        refs.append(words(reference))
        hyps.append(words(transcript.text))
    return {"files": len(clips), "audio_s": round(audio_s, 1), "decode_s": round(decode_s, 2),
            "real_time_factor": round(decode_s / audio_s, 4) if audio_s else None,
            "wer": round(jiwer.wer(refs, hyps), 3) if refs else None}


def streaming(engine, decode, speech: Path, dry_run: bool) -> dict:
    import numpy as np

    from diktat.stt.audio import load_audio
    from diktat.stt.streaming.processor import streaming_decode_options

    samples = load_audio(speech / "king" / "king.mp3").samples
    opts = streaming_decode_options(decode)
    times = []
    windows = 4 if dry_run else 40
    for i in range(windows):
        length = 2.0 + 8.0 * i / max(1, windows - 1)
        start = int(i * 1.5 * 16_000)
        tick = time.perf_counter()
        engine.decode_window(samples[start:start + int(length * 16_000)], opts)
        times.append(time.perf_counter() - tick)
    ordered = np.sort(np.asarray(times))
    # Several sessions' windows in one call, as the server's SharedEngine batches them.
    from diktat.stt.engine import WindowRequest

    window = samples[: 8 * 16_000]
    per_window = {}
    for size in ((1, 2) if dry_run else (1, 8, 32)):
        tick = time.perf_counter()
        engine.decode_windows([WindowRequest(window, opts) for _ in range(size)])
        per_window[str(size)] = round((time.perf_counter() - tick) / size, 3)
    return {"windows": windows, "p50_s": round(float(np.percentile(ordered, 50)), 3),
            "p90_s": round(float(np.percentile(ordered, 90)), 3),
            "max_s": round(float(ordered[-1]), 3), "batched_s_per_window": per_window}


def server(clients: int, seconds: float, env: dict) -> dict:
    before = set(RESULTS.glob("server-load-*.json")) if RESULTS.is_dir() else set()
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_server_load.py"), "--clients", str(clients),
         "--seconds", str(seconds)], env=env, capture_output=True, text=True,
        timeout=120 + 8 * seconds)
    written = sorted(set(RESULTS.glob("server-load-*.json")) - before)
    if not written:
        raise RuntimeError(f"the load bench wrote no result (exit {run.returncode}): "
                           f"{run.stdout[-400:]}{run.stderr[-400:]}")
    result = json.loads(written[-1].read_text(encoding="utf-8"))
    return {"clients": clients, "seconds": seconds, "exit": run.returncode,
            "all_done": result.get("all_done"), "all_own_text": result.get("all_own_text"),
            "admitted": result.get("admitted"), "refused": result.get("refused"),
            "committed_lag_s": result.get("committed_lag_s"),
            "worst_client_lag_p90_s": result.get("max_client_committed_lag_p90_s"),
            "final_latency_s": result.get("final_latency_s")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true",
                        help="run every step on the CPU with small loads (CI)")
    parser.add_argument("--speech", type=Path, default=SPEECH)
    parser.add_argument("--server-seconds", type=float, default=30.0)
    args = parser.parse_args()
    if not (args.speech / "king" / "king.mp3").is_file():
        print(f"skipped: real speech not available ({args.speech})")
        return 0
    device, compute_type = ("cpu", "int8") if args.dry_run else ("cuda", "float16")
    report: dict = {"dry_run": args.dry_run, "steps": {}}
    steps = report["steps"]

    def step(name: str, action):
        tick = time.perf_counter()
        try:
            steps[name] = action() | {"ok": True}
        except Exception as exc:  # noqa: BLE001 - reported, and the next steps still run
            steps[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                           "trace": traceback.format_exc(limit=3)}
        steps[name]["step_s"] = round(time.perf_counter() - tick, 1)
        return steps[name]["ok"]

    loaded = {}
    if step("environment", lambda: environment(args.dry_run)) and step(
            "engine", lambda: loaded.setdefault("x", load(device, compute_type))[2]):
        engine, decode, _ = loaded["x"]
        step("batch", lambda: batch(engine, decode, args.speech, args.dry_run))
        step("streaming", lambda: streaming(engine, decode, args.speech, args.dry_run))
        del engine, loaded["x"]  # the server loads its own
        env = os.environ | {"DIKTAT_ASR__DEVICE": device, "DIKTAT_ASR__COMPUTE_TYPE": compute_type}
        loads = [(2, 5.0)] if args.dry_run else [(8, args.server_seconds),
                                                (32, args.server_seconds)]
        for clients, seconds in loads:
            step(f"server_{clients}_clients", lambda c=clients, s=seconds: server(c, s, env))
    print_report(report)
    print(f"written {write_results('gpu-check', report).relative_to(REPO)}")
    return 0 if all(s["ok"] for s in steps.values()) else 1


def print_report(report: dict) -> None:
    print("GPU check" + (" (dry run on the CPU)" if report["dry_run"] else ""))
    for name, result in report["steps"].items():
        if not result["ok"]:
            print(f"  {name:20} FAILED {result['error']}")
            continue
        shown = {k: v for k, v in result.items() if k not in ("ok", "trace")}
        print(f"  {name:20} " + ", ".join(f"{k}={v}" for k, v in shown.items()))


if __name__ == "__main__":
    sys.exit(main())
