"""Plain faster-whisper vs diktat's pipeline, side by side in one run.

Same model files, same thread count, same audio. Each pipeline runs in its own subprocess so
its peak memory (max RSS, model load included) is measured on its own.

    .venv/bin/python bench/bench_transcribe.py                 # long-form + labelled clips
    .venv/bin/python bench/bench_transcribe.py --nrk 5         # add 5 NRK excerpts

Plain = `WhisperModel.transcribe(beam_size=5)` without VAD (faster-whisper's defaults otherwise).
diktat = `WhisperEngine.transcribe` with diktat's defaults (VAD, batched long files, guards,
clinical vocabulary). WER is on the real labelled clips (NPSC, king) after lower-casing and
removing punctuation; long-form files have no reference, so only speed is compared there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from results_file import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO.parent / "shared" / "data" / "speech"


def labelled_clips() -> list[tuple[Path, str]]:
    out = []
    for manifest in (SPEECH / "npsc" / "manifest.jsonl", SPEECH / "king" / "manifest.jsonl"):
        if manifest.exists():
            for line in manifest.read_text().splitlines():
                item = json.loads(line)
                out.append((manifest.parent / item["audio"], item["text"]))
    return out


def longform_files(nrk: int) -> list[Path]:
    files = [SPEECH / "unlabelled" / n for n in ("erna.mp3", "ub_erna.mp3")]
    nrk_dir = SPEECH / "unlabelled" / "nrk"
    if nrk and nrk_dir.exists():
        files += sorted(nrk_dir.glob("*.mp3"))[:nrk]
    return [f for f in files if f.exists()]


def worker(kind: str, files: list[str], threads: int, models_dir: str) -> dict:
    """Runs inside the subprocess: load once, transcribe every file, report text and timings."""
    from diktat.models.store import ModelStore
    from diktat.stt.audio import load_audio

    resolved = ModelStore(Path(models_dir)).resolve("whisper-base", kind="asr")
    started = time.perf_counter()
    if kind == "plain":
        from faster_whisper import WhisperModel

        model = WhisperModel(str(resolved.path), device="cpu", compute_type="int8",
                             cpu_threads=threads)

        def run(samples):
            segments, _ = model.transcribe(samples, language="no", beam_size=5)
            return " ".join(s.text.strip() for s in segments)
    else:
        from diktat.config import AsrSettings
        from diktat.stt.factory import decode_options
        from diktat.stt.options import EngineOptions
        from diktat.stt.whisper import WhisperEngine

        engine = WhisperEngine(resolved.path, model_id=resolved.name,
                               model_sha256=resolved.sha256,
                               options=EngineOptions(device="cpu", threads=threads))
        opts = decode_options(AsrSettings())

        def run(samples):
            return engine.transcribe(samples, opts).text
    load_s = time.perf_counter() - started
    results = []
    for f in files:
        samples = load_audio(Path(f)).samples  # decoding is the same for both; not timed
        t0 = time.perf_counter()
        text = run(samples)
        results.append({"file": f, "audio_s": len(samples) / 16000,
                        "transcribe_s": time.perf_counter() - t0, "text": text})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "load_s": load_s, "peak_rss_mb": peak_mb, "results": results}


def run_worker(kind: str, files: list[Path], threads: int, models_dir: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--threads", str(threads),
           "--models-dir", str(models_dir), *map(str, files)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        sys.exit(f"{kind} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def wer(refs: list[str], hyps: list[str]) -> float:
    import jiwer

    norm = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(),
                          jiwer.RemoveMultipleSpaces(), jiwer.Strip()])
    return jiwer.wer([norm(r) for r in refs], [norm(h) for h in hyps])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--worker", choices=["plain", "diktat"])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--models-dir", type=Path, default=None)
    ap.add_argument("--nrk", type=int, default=0, help="also time the first N NRK excerpts")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.files, args.threads, str(args.models_dir))))
        return

    from diktat.config import load_settings

    models_dir = args.models_dir or load_settings().models_dir
    labelled = labelled_clips()
    longform = longform_files(args.nrk)
    if not labelled and not longform:
        sys.exit(f"no benchmark audio: {SPEECH} is absent (it lives in ../shared)")
    files = [p for p, _ in labelled] + longform
    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "threads": args.threads,
              "cpu_count": os.cpu_count(), "runs": {}}
    for kind in ("plain", "diktat"):
        print(f"running {kind} on {len(files)} files ...", file=sys.stderr)
        report["runs"][kind] = run_worker(kind, files, args.threads, models_dir)

    def pick(kind, paths):
        by_file = {r["file"]: r for r in report["runs"][kind]["results"]}
        return [by_file[str(p)] for p in paths]

    rows = []
    for kind in ("plain", "diktat"):
        lf = pick(kind, longform)
        audio = sum(r["audio_s"] for r in lf)
        busy = sum(r["transcribe_s"] for r in lf)
        def set_wer(name, kind=kind):
            clips = [(p, t) for p, t in labelled if name in str(p)]
            if not clips:
                return None
            hyps = [r["text"] for r in pick(kind, [p for p, _ in clips])]
            return wer([t for _, t in clips], hyps)

        row = {
            "pipeline": kind,
            "longform_audio_s": audio,
            "longform_rtf": busy / audio if audio else None,
            "wer_npsc": set_wer("npsc"),
            "wer_king": set_wer("king"),
            "peak_rss_mb": report["runs"][kind]["peak_rss_mb"],
            "load_s": report["runs"][kind]["load_s"],
        }
        rows.append(row)
    report["summary"] = rows
    plain, ours = rows
    if plain["longform_rtf"] and ours["longform_rtf"]:
        report["speedup"] = plain["longform_rtf"] / ours["longform_rtf"]

    print(f"\nWhisper base int8, CPU, {args.threads} threads; long-form: "
          f"{', '.join(p.name for p in longform)} ({plain['longform_audio_s']:.0f} s)")
    print(f"{'pipeline':<10}{'RTF long-form':>15}{'WER NPSC':>10}{'WER king':>10}{'peak RSS':>10}")
    for r in rows:
        fmt = lambda v, spec: format(v, spec) if v is not None else "-"  # noqa: E731
        print(f"{r['pipeline']:<10}{fmt(r['longform_rtf'], '15.3f')}"
              f"{fmt(r['wer_npsc'] and 100 * r['wer_npsc'], '9.1f')}%"
              f"{fmt(r['wer_king'] and 100 * r['wer_king'], '9.1f')}%"
              f"{r['peak_rss_mb']:>7.0f} MB")
    if "speedup" in report:
        print(f"speed-up of diktat over plain faster-whisper on long-form: "
              f"{report['speedup']:.2f}x")
    print(f"full results: {write_results('transcribe', report, args.out)}")


if __name__ == "__main__":
    main()
