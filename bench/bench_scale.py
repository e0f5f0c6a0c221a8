"""Issue 20's figures side by side, in one run on this machine, with default settings (the
document decode on):

    .venv/bin/python bench/bench_scale.py [--seconds 60] [--ray-count 8]

1. `bench_server_load.py --clients 6` with admission off (`live_capacity` forced to 6: every
   client admitted, as the server did before it measured its capacity);
2. the same 6 clients with the capacity the server measures at start (the default);
3. 16 clients, the capacity measured;
4. `bench_ray.py`: a folder of short dictations with 1 and with 2 Ray workers.

Each step runs as its own process, one after another, so the machine is otherwise idle for each.
Prints one table and writes bench/results/scale-<time>.json (with the steps' own result files).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from results_file import write_results

REPO = Path(__file__).resolve().parents[1]
_WRITTEN = re.compile(r"(bench/results/[\w.-]+\.json)")


def _step(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run one bench; its result file's contents (the last one it names)."""
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)
    named = _WRITTEN.findall(proc.stdout + proc.stderr)
    if not named:
        raise SystemExit(f"{args[0]} wrote no results (exit {proc.returncode}):\n"
                         f"{(proc.stdout + proc.stderr)[-2000:]}")
    return {"file": named[-1], "exit": proc.returncode,
            **json.loads((REPO / named[-1]).read_text(encoding="utf-8"))}


def _load_row(name: str, r: dict) -> dict:
    lag, final = r["committed_lag_s"], r["final_latency_s"]
    growth = [g for g in r["lag_growth_s"] if g is not None]
    return {"run": name, "admitted": r["admitted"], "refused": r["refused"],
            "lag_p50_s": lag["p50"], "lag_p90_s": lag["p90"],
            "worst_client_p90_s": r["max_client_committed_lag_p90_s"],
            "lag_growth_max_s": max(growth, default=None), "final_p50_s": final["p50"],
            "final_max_s": final["max"], "own_text": r["all_own_text"], "file": r["file"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="each client's dictation")
    ap.add_argument("--ray-count", type=int, default=8, help="short dictations for the Ray step")
    args = ap.parse_args()
    load = ["bench/bench_server_load.py", "--seconds", f"{args.seconds:g}"]
    rows = [
        _load_row("6 clients, admission off (capacity forced to 6)",
                  _step([*load, "--clients", "6"], {"DIKTAT_SERVER__LIVE_CAPACITY": "6"})),
        _load_row("6 clients, capacity measured (default)", _step([*load, "--clients", "6"])),
        _load_row("16 clients, capacity measured (default)",
                  _step([*load, "--clients", "16", "--max-streams", "16"])),
    ]
    ray = _step(["bench/bench_ray.py", "--count", str(args.ray_count)])
    print("| run | admitted / refused | committed lag p50 / p90 (worst client p90) | "
          "lag growth (max) | stop → note p50 / max |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['run']} | {r['admitted']} / {r['refused']} | {r['lag_p50_s']} / "
              f"{r['lag_p90_s']} ({r['worst_client_p90_s']}) s | {r['lag_growth_max_s']} s | "
              f"{r['final_p50_s']} / {r['final_max_s']} s |")
    for run in ray["runs"]:
        print(f"Ray, {run['workers']} worker(s): {run['audio_s']:.0f} s of audio in "
              f"{run['wall_s']:.1f} s = {run['audio_s_per_wall_s']:.1f} s of audio per second")
    out = write_results("scale", {"cpu_count": os.cpu_count(), "load": rows,
                                  "ray": ray["runs"], "ray_file": ray["file"]})
    print(f"written {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
