"""The speech-derived tests under every CPU path this machine can emulate, as one table.

    .venv/bin/python bench/cpu_matrix.py                 # all paths, the `speech` tests
    .venv/bin/python bench/cpu_matrix.py --paths avx2,mkl -k king
    make test-cpu-matrix

CTranslate2's int8 kernels follow the CPU (oneDNN on AMD, MKL on Intel, each picking the
widest instruction set it finds), and greedy decoding on Whisper base turns their small
numeric differences into other words. A quality bound tuned on one CPU can fail on another,
so a bound is set to hold on every path below, with its spread noted beside it. Run this
before changing a decode, its options or the bounds of its tests; it is not part of CI
(a full run takes most of an hour on 2 cores).

Each test that checks a measured quality records it (`record_property`, e.g. "wer"); the table
shows that figure beside the outcome. Exit status 1 when any test failed on any path.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Tests the MKL path runs: it is about ten times slower on AMD, so the streaming and dictation
# tests only (the ones whose text moved most between CPUs).
MKL_FILES = ("tests/test_streaming_processor.py", "tests/test_cli_dictate.py")


@dataclass(frozen=True)
class CpuPath:
    name: str
    env: dict[str, str]
    files: tuple[str, ...] = ()  # empty: every test the selection picks


PATHS = (
    CpuPath("default", {}),
    CpuPath("avx2", {"ONEDNN_MAX_CPU_ISA": "AVX2", "CT2_FORCE_CPU_ISA": "AVX2"}),
    CpuPath("avx", {"ONEDNN_MAX_CPU_ISA": "AVX", "CT2_FORCE_CPU_ISA": "AVX"}),
    CpuPath("sse41", {"ONEDNN_MAX_CPU_ISA": "SSE41", "CT2_FORCE_CPU_ISA": "GENERIC"}),
    CpuPath("mkl", {"CT2_USE_MKL": "1"}, MKL_FILES),
)


@dataclass
class Outcome:
    passed: bool
    skipped: bool = False
    figures: dict[str, float] = field(default_factory=dict)
    message: str = ""

    def cell(self) -> str:
        if self.skipped:
            return "skip"
        mark = "ok" if self.passed else "FAIL"
        shown = " ".join(f"{k}={v:.2f}" for k, v in sorted(self.figures.items()))
        return f"{mark} {shown}".strip()


def run_path(path: CpuPath, select: str, extra: list[str]) -> tuple[dict[str, Outcome], float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", select,
               f"--junitxml={report}", "-o", "junit_family=xunit1", *path.files, *extra]
        env = {**os.environ, **path.env}
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        took = time.monotonic() - started
        if not report.exists():
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
            raise SystemExit(f"pytest wrote no report on path {path.name} (exit {proc.returncode})")
        return read_report(report), took


def read_report(report: Path) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('file') or case.get('classname')}::{case.get('name')}"
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        figures = {}
        for prop in case.iter("property"):
            try:
                figures[prop.get("name", "")] = float(prop.get("value", ""))
            except ValueError:
                continue
        outcomes[name] = Outcome(
            passed=failure is None,
            skipped=case.find("skipped") is not None,
            figures=figures,
            message=(failure.get("message", "") if failure is not None else "")[:200],
        )
    return outcomes


def cpu_summary() -> str:
    flags: set[str] = set()
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model == "unknown CPU":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    isa = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    return f"{model}; {', '.join(isa) or 'no AVX2'}; {os.cpu_count()} cores"


def print_table(results: dict[str, dict[str, Outcome]], paths: list[CpuPath]) -> None:
    tests = sorted({t for outcomes in results.values() for t in outcomes})
    width = max(len(short(t)) for t in tests) if tests else 10
    header = f"| {'test'.ljust(width)} | " + " | ".join(p.name for p in paths) + " |"
    print(header)
    print("|" + "-" * (width + 2) + "|" + "|".join("-" * (len(p.name) + 2) for p in paths) + "|")
    for t in tests:
        cells = [results[p.name][t].cell() if t in results[p.name] else "—" for p in paths]
        print(f"| {short(t).ljust(width)} | " + " | ".join(cells) + " |")


def short(test: str) -> str:
    return test.removeprefix("tests/").removeprefix("tests.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", default=",".join(p.name for p in PATHS),
                        help="comma-separated paths: " + ", ".join(p.name for p in PATHS))
    parser.add_argument("-m", "--select", default="speech",
                        help="pytest marker expression (default: speech)")
    args, extra = parser.parse_known_args()  # the rest goes to pytest, e.g. -k king
    by_name = {p.name: p for p in PATHS}
    unknown = [n for n in args.paths.split(",") if n not in by_name]
    if unknown:
        parser.error(f"unknown path(s) {unknown}; choose from {', '.join(by_name)}")
    paths = [by_name[n] for n in args.paths.split(",")]
    print(f"CPU: {cpu_summary()}", flush=True)
    results: dict[str, dict[str, Outcome]] = {}
    for path in paths:
        outcomes, took = run_path(path, args.select, extra)
        results[path.name] = outcomes
        failed = [t for t, o in outcomes.items() if not o.passed]
        print(f"{path.name}: {len(outcomes)} tests, {len(failed)} failed, {took:.0f} s "
              f"({' '.join(f'{k}={v}' for k, v in path.env.items()) or 'no caps'})", flush=True)
        for t in failed:
            print(f"  FAIL {short(t)}: {outcomes[t].message}", flush=True)
    print()
    print_table(results, paths)
    return 1 if any(not o.passed for r in results.values() for o in r.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
