"""Per-window cost of the streaming decode against the batch size, on this machine.

    .venv/bin/python bench/bench_window_batch.py                 # 8.5 s windows, batches 1-16
    .venv/bin/python bench/bench_window_batch.py --window-s 12 --sizes 1 2 4 8

Windows are cut from real Norwegian speech (../shared/data/speech: king.mp3 and erna.mp3) as a
live session's buffer would be. For each engine layout the server can load — one worker with
all threads, or one single-threaded worker per core — it times, per window:
- alone: `decode_window` one window after another;
- batched: `decode_windows` over `size` windows in one call (what `SharedEngine` does with
  the windows of several sessions waiting at once);
- side by side (several workers): one thread per worker, each decoding windows alone, as the
  server did before batching;
- batches side by side (several workers): each worker decodes its share of the windows as one
  batch (what `SharedEngine`'s dispatchers do, one per worker).
Each figure is the best of `--repeat` runs. Results are printed and written to
bench/results/window-batch-<time>.json; `SharedEngine`'s `window_batch` policy is set from them.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from results_file import write_results

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO.parent / "shared" / "data" / "speech"
RATE = 16_000


def windows(count: int, window_s: float) -> list:
    from diktat.stt.audio import load_audio

    sources = [load_audio(SPEECH / "king" / "king.mp3").samples,
               load_audio(SPEECH / "unlabelled" / "erna.mp3").samples]
    out = []
    step = 11.0
    for k in range(count):
        source = sources[k % 2]
        start = round((5 + (k // 2) * step) * RATE)
        piece = source[start : start + round(window_s * RATE)]
        if len(piece) < window_s * RATE:
            raise SystemExit(f"the speech recordings are too short for {count} windows")
        out.append(piece)
    return out


def best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(model_dir: Path, workers: int, threads: int, wins: list, sizes: list[int],
            repeat: int) -> dict:
    from diktat.stt.engine import WindowRequest
    from diktat.stt.options import EngineOptions
    from diktat.stt.streaming.processor import streaming_decode_options
    from diktat.stt.whisper import WhisperEngine

    engine = WhisperEngine(model_dir, model_id="bench", options=EngineOptions(
        device="cpu", workers=workers, threads=threads))
    opts = streaming_decode_options()
    engine.decode_window(wins[0], opts)  # warm-up
    rows = []
    for size in sizes:
        chunk = wins[:size]
        alone = best(repeat, lambda c=chunk: [engine.decode_window(w, opts) for w in c])
        batched = best(repeat, lambda c=chunk: engine.decode_windows(
            [WindowRequest(w, opts) for w in c]))
        row = {"size": size, "alone_s_per_window": round(alone / size, 3),
               "batched_s_per_window": round(batched / size, 3),
               "batch_gain": round(alone / batched, 2)}
        if workers > 1 and size >= workers:
            def side_by_side(c=chunk):
                parts = [c[i::workers] for i in range(workers)]
                runners = [threading.Thread(target=lambda p=p: [engine.decode_window(w, opts)
                                                               for w in p]) for p in parts]
                for r in runners:
                    r.start()
                for r in runners:
                    r.join()
            row["side_by_side_s_per_window"] = round(best(repeat, side_by_side) / size, 3)

            def batches_side_by_side(c=chunk):
                parts = [c[i::workers] for i in range(workers)]
                runners = [threading.Thread(target=lambda p=p: engine.decode_windows(
                    [WindowRequest(w, opts) for w in p])) for p in parts]
                for r in runners:
                    r.start()
                for r in runners:
                    r.join()
            row["batches_side_by_side_s_per_window"] = round(
                best(repeat, batches_side_by_side) / size, 3)
        rows.append(row)
        print(f"workers={workers} threads={threads} size={size:>2}: " + ", ".join(
            f"{k} {v}" for k, v in row.items() if k != "size"), flush=True)
    return {"workers": workers, "threads": threads, "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window-s", type=float, default=8.5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--layout", choices=["both", "one-worker", "per-core"], default="both")
    args = parser.parse_args()
    if not SPEECH.is_dir():
        print(f"skipped: real speech not available ({SPEECH} is absent)")
        return 0
    from diktat.config import load_settings
    from diktat.models.store import ModelStore

    settings = load_settings()
    model = ModelStore(settings.models_dir).resolve(settings.asr.model, kind="asr")
    cores = os.cpu_count() or 1
    wins = windows(max(args.sizes), args.window_s)
    layouts = []
    if args.layout in ("both", "one-worker"):
        layouts.append(measure(model.path, 1, cores, wins, args.sizes, args.repeat))
    if cores > 1 and args.layout in ("both", "per-core"):
        layouts.append(measure(model.path, cores, 1, wins, args.sizes, args.repeat))
    result = {"model": model.name, "window_s": args.window_s, "cpu_count": cores,
              "layouts": layouts, "time": datetime.now(UTC).isoformat(timespec="seconds")}
    print(f"written {write_results('window-batch', result).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
