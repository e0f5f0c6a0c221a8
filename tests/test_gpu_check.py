"""The GPU check script's CPU dry run (issue 20): every step of the GPU run (environment, engine,
batch, streaming decode, server under live clients) runs here on the CPU with small loads and
reports figures, so the script is ready for the first CUDA machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

pytestmark = [pytest.mark.slow, pytest.mark.speech]
REPO = Path(__file__).resolve().parents[1]


def test_the_dry_run_goes_through_every_step(whisper_model, tmp_path):
    if not (SHARED / "data" / "speech" / "king" / "king.mp3").is_file():
        pytest.skip(f"real speech (king.mp3) not available under {SHARED}")
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "gpu_check.py"), "--dry-run"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    written = run.stdout.strip().splitlines()[-1].removeprefix("written ")
    report = json.loads((REPO / written).read_text(encoding="utf-8"))
    steps = report["steps"]
    assert report["dry_run"] is True
    assert list(steps) == ["environment", "engine", "batch", "streaming", "server_2_clients"]
    assert all(step["ok"] for step in steps.values()), steps
    assert steps["engine"]["device"] == "cpu" and steps["engine"]["compute_type"] == "int8"
    assert steps["batch"]["files"] >= 1 and 0 < steps["batch"]["real_time_factor"] < 10
    assert 0 < steps["streaming"]["p50_s"] <= steps["streaming"]["max_s"]
    assert set(steps["streaming"]["batched_s_per_window"]) == {"1", "2"}
    server = steps["server_2_clients"]
    assert server["all_done"] and server["all_own_text"] and server["exit"] == 0
    # the server measured its live capacity: whom it did not admit it refused
    assert server["admitted"] >= 1 and server["admitted"] + server["refused"] == 2
    assert server["committed_lag_s"]["n"] > 0
    assert "GPU check (dry run on the CPU)" in run.stdout
