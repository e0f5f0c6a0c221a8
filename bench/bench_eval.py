"""What the evaluation harness adds: `diktat eval asr` vs pure transcription of the same clips.

Builds (once; cached in bench/results/eval-corpus/) short synthetic clips from
../shared/data/text/syntetisk_med_asr/texts.jsonl: each text's first sentence, at most 15 words,
spoken once by espeak-ng. Then, each in its own subprocess, with the default model and settings:

- pure: load the model once, then decode + transcribe every clip (load_audio, engine.transcribe);
- eval: `python -m diktat eval asr MANIFEST --out TMP` (CLI start-up, manifest checks, the
  resumable results file, metrics with bootstrap intervals, report.json/.md and the PNG plots).

Both wall times include Python start-up and model loading; the pure run's transcription loop is
reported on its own too. With --repeat the two alternate and the fastest of each counts (the
decoder's temperature fallback samples, so a clip's decode time varies from run to run; the
per-clip comparison shows how much). Prints the ratios; writes bench/results/eval-<time>.json.

    .venv/bin/python bench/bench_eval.py              # 100 clips
    .venv/bin/python bench/bench_eval.py --clips 20 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from results_file import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
TEXTS = REPO.parent / "shared" / "data" / "text" / "syntetisk_med_asr" / "texts.jsonl"
MAX_WORDS = 15
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def short_text(text: str) -> str:
    """The first sentence, cut to at most MAX_WORDS words."""
    first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    return " ".join(first.split()[:MAX_WORDS])


def build_corpus(clips: int) -> Path:
    from diktat.eval.corpus import Variant, make_corpus

    folder = RESULTS / "eval-corpus"
    folder.mkdir(parents=True, exist_ok=True)
    texts = folder / "short_texts.jsonl"
    rows = [json.loads(line) for line in TEXTS.read_text(encoding="utf-8").splitlines()[:clips]]
    texts.write_text("".join(json.dumps({"id": r["id"], "text": short_text(r["text"])},
                                        ensure_ascii=False) + "\n" for r in rows),
                     encoding="utf-8")
    build = make_corpus(texts, folder, variants=[Variant("normal")])
    if build.manifest.problems:
        raise SystemExit(f"corpus problems: {[str(p) for p in build.manifest.problems]}")
    print(f"corpus: {len(build.manifest.items)} clips ({build.made} made, {build.reused} reused)"
          f", {sum(i.duration_s or 0 for i in build.manifest.items):.0f} s of audio")
    return build.manifest.path


def pure_worker(manifest: Path) -> None:
    """In the subprocess: the model once, then every clip through load_audio + transcribe."""
    from diktat.config import load_settings
    from diktat.eval.manifest import load_manifest
    from diktat.stt.audio import load_audio
    from diktat.stt.factory import decode_options, load_engine

    settings = load_settings()
    items = load_manifest(manifest).items
    engine = load_engine(settings)
    opts = decode_options(settings.asr)
    per_clip = {}
    started = time.perf_counter()
    for item in items:
        clip_started = time.perf_counter()
        engine.transcribe(load_audio(item.audio).samples, opts)
        per_clip[item.id] = time.perf_counter() - clip_started
    print(json.dumps({"loop_s": time.perf_counter() - started, "load_s": engine.load_s,
                      "per_clip": per_clip, "clips": len(items), "device": engine.device,
                      "compute_type": engine.compute_type, "threads": engine.threads}))


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one subprocess."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed with exit code {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, out


def run_pure(manifest: Path) -> dict:
    wall, rss, out = timed([sys.executable, __file__, "--worker", str(manifest)])
    return {**json.loads(out.strip().splitlines()[-1]), "wall_s": wall, "peak_rss_mib": rss}


def run_eval(manifest: Path) -> dict:
    out = RESULTS / "eval-run"
    shutil.rmtree(out, ignore_errors=True)  # a fresh run: nothing reused from the last one
    wall, rss, _ = timed([sys.executable, "-m", "diktat", "eval", "asr", str(manifest),
                          "--out", str(out)])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return {"wall_s": wall, "peak_rss_mib": rss, "items_scored": report["counts"]["items_scored"],
            "wer": report["asr"]["corpus"]["wer"], "rtf": report["performance"]["rtf"],
            "audio_s": report["performance"]["audio_s"],
            "per_clip": {r["id"]: r["latency_s"] for r in results}}


def per_clip_ratios(pure: dict, evaluated: dict) -> dict:
    """How the same clip's time differed between the runs (eval latency / pure time)."""
    ratios = sorted(evaluated["per_clip"][k] / pure["per_clip"][k] for k in pure["per_clip"])
    return {"median": statistics.median(ratios), "min": ratios[0], "max": ratios[-1],
            "clips_over_1.5x": sum(r > 1.5 for r in ratios),
            "clips_under_0.67x": sum(r < 1 / 1.5 for r in ratios)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1, help="Alternate the runs this often.")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        pure_worker(args.worker)
        return
    manifest = build_corpus(args.clips)
    pures, evals = [], []
    for _ in range(args.repeat):
        pures.append(run_pure(manifest))
        evals.append(run_eval(manifest))
        print(f"pure {pures[-1]['wall_s']:.1f} s, eval {evals[-1]['wall_s']:.1f} s")
    pure = min(pures, key=lambda r: r["wall_s"])
    evaluated = min(evals, key=lambda r: r["wall_s"])
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "clips": pure["clips"], "audio_s": evaluated["audio_s"], "repeat": args.repeat,
        "device": pure["device"], "compute_type": pure["compute_type"],
        "threads": pure["threads"],
        "pure_wall_s": [r["wall_s"] for r in pures], "eval_wall_s": [r["wall_s"] for r in evals],
        "pure": {k: pure[k] for k in ("wall_s", "loop_s", "load_s", "peak_rss_mib")},
        "eval": {k: evaluated[k] for k in ("wall_s", "peak_rss_mib", "items_scored", "wer",
                                           "rtf")},
        "eval_transcribing_s": sum(evaluated["per_clip"].values()),
        "per_clip_eval_over_pure": per_clip_ratios(pure, evaluated),
        "ratio_wall": evaluated["wall_s"] / pure["wall_s"],
        "ratio_eval_wall_to_pure_loop": evaluated["wall_s"] / pure["loop_s"],
    }
    write_results("eval", result)
    print(f"pure transcription: {pure['wall_s']:.1f} s wall ({pure['loop_s']:.1f} s transcribing "
          f"{pure['clips']} clips, model load {pure['load_s']:.1f} s), "
          f"peak {pure['peak_rss_mib']:.0f} MiB")
    print(f"diktat eval asr:    {evaluated['wall_s']:.1f} s wall "
          f"({result['eval_transcribing_s']:.1f} s transcribing), "
          f"peak {evaluated['peak_rss_mib']:.0f} MiB; WER {evaluated['wer']:.1%}, "
          f"RTF {evaluated['rtf']:.3f}")
    print(f"same clip, eval / pure: {json.dumps(result['per_clip_eval_over_pure'])}")
    print(f"ratio eval/pure (wall, both whole processes): {result['ratio_wall']:.3f}")
    print(f"ratio eval wall / pure transcription loop:     "
          f"{result['ratio_eval_wall_to_pure_loop']:.3f}")


if __name__ == "__main__":
    main()
