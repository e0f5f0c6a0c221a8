"""Batch throughput on Ray: the same folder of short dictations with 1 and with 2 worker actors.

    .venv/bin/python bench/bench_ray.py [--count 16] [--workers 1 --workers 2]

The folder is bench/short_clips.py's espeak dictations (made on first use into
bench/results/short-clips). Each run starts a private Ray instance on loopback (`--ray local`),
loads the model in every actor (not timed: `load_s`), then transcribes the whole folder into a
fresh output folder through `ray_batch.run_on_ray`, as `diktat transcribe --ray local` does.
Each actor reserves one CPU and decodes on one thread, so 2 workers use the machine's 2 cores.
Prints audio seconds per wall second for each worker count and writes
bench/results/ray-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_results
from short_clips import make

REPO = Path(__file__).resolve().parents[1]
SHORT_DIR = REPO / "bench" / "results" / "short-clips"


def run(folder: Path, workers: int, settings) -> dict:
    from diktat.stt.batch import plan_jobs
    from diktat.stt.factory import decode_options
    from diktat.stt.ray_batch import run_on_ray
    from diktat.stt.ray_pool import RayPool

    out = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        started = time.perf_counter()
        with RayPool(settings, "local", workers=workers) as pool:
            load_s = time.perf_counter() - started
            jobs, problems = plan_jobs([folder], out)
            assert not problems, problems
            t0 = time.perf_counter()
            summary = run_on_ray(pool, jobs, decode_options(settings.asr), ("txt",), out)
            wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    audio = sum(r.audio_s for r in summary.results)
    return {"workers": workers, "files": len(summary.results), "done": summary.counts,
            "audio_s": audio, "wall_s": wall, "load_s": load_s,
            "audio_s_per_wall_s": audio / wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=16, help="espeak dictations in the folder")
    ap.add_argument("--workers", type=int, action="append", help="worker counts (default 1, 2)")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from diktat.config import load_settings

    manifest = make(SHORT_DIR, args.count)
    folder = Path(tempfile.mkdtemp(prefix="bench-ray-in-"))
    for line in manifest.read_text().splitlines():
        shutil.copy(manifest.parent / json.loads(line)["audio"], folder)
    base = load_settings()
    settings = base.model_copy(update={"asr": base.asr.model_copy(update={"threads": 1})})
    rows = [run(folder, n, settings) for n in (args.workers or [1, 2])]
    shutil.rmtree(folder, ignore_errors=True)
    for r in rows:
        print(f"{r['workers']} worker(s): {r['files']} files, {r['audio_s']:.0f} s of audio in "
              f"{r['wall_s']:.1f} s wall = {r['audio_s_per_wall_s']:.1f} s audio per s "
              f"(model load {r['load_s']:.1f} s)")
    if len(rows) > 1:
        print(f"speed-up {rows[0]['workers']} -> {rows[-1]['workers']} workers: "
              f"{rows[-1]['audio_s_per_wall_s'] / rows[0]['audio_s_per_wall_s']:.2f}x")
    print(write_results("ray", {"runs": rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
