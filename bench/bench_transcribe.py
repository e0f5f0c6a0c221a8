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
SHORT_DIR = REPO / "bench" / "results" / "short-clips"


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


def short_clips(count: int) -> list[tuple[Path, str]]:
    """The short-dictation folder: `count` espeak dictations (generated on first use into
    bench/results/short-clips by bench/short_clips.py) and the NPSC clips."""
    from short_clips import make

    out = []
    if count:
        manifest = make(SHORT_DIR, count)
        for line in manifest.read_text().splitlines():
            item = json.loads(line)
            out.append((manifest.parent / item["audio"], item["text"]))
    return out + [(p, t) for p, t in labelled_clips() if "npsc" in str(p)]


def worker(kind: str, files: list[str], threads: int, models_dir: str) -> dict:
    """Runs inside the subprocess: load once, transcribe every file, report text and timings.

    plain: faster-whisper beam 5, no VAD, file by file. diktat: the engine as `diktat
    transcribe` drives it with default settings (on 2 cores: the clips of 32 files decoded in
    shared batches, `transcribe_many`, by two workers of one thread). single: files_per_group =
    1, file by file (`transcribe`) with one worker over all threads, as before grouping."""
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
        from diktat.stt.factory import decode_options, engine_workers
        from diktat.stt.options import EngineOptions
        from diktat.stt.whisper import WhisperEngine

        asr = AsrSettings(device="cpu", files_per_group=1 if kind == "single" else 0)
        workers = engine_workers(asr, live=False, many=True)  # as `diktat transcribe` loads it
        engine = WhisperEngine(resolved.path, model_id=resolved.name,
                               model_sha256=resolved.sha256,
                               options=EngineOptions(device="cpu", workers=workers,
                                                     threads=max(1, threads // workers)))
        opts = decode_options(asr)

        def run(samples):
            return engine.transcribe(samples, opts).text

        def run_many(group):
            return [t.text for t in engine.transcribe_many(group, opts)]
    load_s = time.perf_counter() - started
    results = []
    cpu0 = time.process_time()
    group = engine.files_per_group(opts) if kind != "plain" else 1
    for first in range(0, len(files), group):
        names = files[first : first + group]
        # decoding is the same for every pipeline; not timed
        audios = [load_audio(Path(f)).samples for f in names]
        t0 = time.perf_counter()
        texts = run_many(audios) if group > 1 else [run(a) for a in audios]
        spent = time.perf_counter() - t0
        audio_s = sum(len(a) for a in audios) / 16000
        for f, a, text in zip(names, audios, texts, strict=True):
            # a group's time is shared by its files in proportion to their audio
            results.append({"file": f, "audio_s": len(a) / 16000,
                            "transcribe_s": spent * len(a) / 16000 / audio_s, "text": text})
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "load_s": load_s, "peak_rss_mb": peak_mb, "results": results,
            "cpu_s": time.process_time() - cpu0}


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


def norwegian_wer(refs: list[str], hyps: list[str]) -> float:
    """WER over the whole set after diktat's Norwegian normalisation (spoken numbers and
    units as digits and symbols), so "nittiseks prosent" and "96 %" are the same words."""
    import jiwer

    from diktat.eval.textnorm import NORWEGIAN

    return jiwer.wer(refs, [h or "-" for h in hyps], reference_transform=NORWEGIAN,
                     hypothesis_transform=NORWEGIAN)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--worker", choices=["plain", "diktat", "single"])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--models-dir", type=Path, default=None)
    ap.add_argument("--nrk", type=int, default=0, help="also time the first N NRK excerpts")
    ap.add_argument("--short", type=int, default=30,
                    help="espeak dictations in the short-clip folder (0: none)")
    ap.add_argument("--no-longform", action="store_true", help="skip the long-form files")
    ap.add_argument("--single", action="store_true",
                    help="also run diktat file by file (files_per_group = 1)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.files, args.threads, str(args.models_dir))))
        return

    from diktat.config import load_settings

    models_dir = args.models_dir or load_settings().models_dir
    labelled = [] if args.no_longform else labelled_clips()
    longform = [] if args.no_longform else longform_files(args.nrk)
    short = short_clips(args.short)
    if not labelled and not longform and not short:
        sys.exit(f"no benchmark audio: {SPEECH} is absent (it lives in ../shared)")
    # The short folder first: each pipeline meets it at the same point of its run.
    files = list(dict.fromkeys([p for p, _ in short] + [p for p, _ in labelled] + longform))
    kinds = ("plain", "diktat", "single") if args.single else ("plain", "diktat")
    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "threads": args.threads,
              "cpu_count": os.cpu_count(), "runs": {}}
    for kind in kinds:
        print(f"running {kind} on {len(files)} files ...", file=sys.stderr)
        report["runs"][kind] = run_worker(kind, files, args.threads, models_dir)

    def pick(kind, paths):
        by_file = {r["file"]: r for r in report["runs"][kind]["results"]}
        return [by_file[str(p)] for p in paths]

    rows = []
    for kind in kinds:
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
            "cpu_s": report["runs"][kind]["cpu_s"],
        }
        if short:
            sh = pick(kind, [p for p, _ in short])
            row["short_files"] = len(sh)
            row["short_audio_s"] = sum(r["audio_s"] for r in sh)
            row["short_transcribe_s"] = sum(r["transcribe_s"] for r in sh)
            row["wer_short"] = norwegian_wer([t for _, t in short], [r["text"] for r in sh])
        rows.append(row)
    report["summary"] = rows
    plain, ours = rows[:2]
    if plain["longform_rtf"] and ours["longform_rtf"]:
        report["speedup"] = plain["longform_rtf"] / ours["longform_rtf"]
    if short:
        report["short_speedup"] = {r["pipeline"]: plain["short_transcribe_s"]
                                   / r["short_transcribe_s"] for r in rows}

    if longform or labelled:
        print(f"\nWhisper base int8, CPU, {args.threads} threads; long-form: "
              f"{', '.join(p.name for p in longform)} ({plain['longform_audio_s']:.0f} s)")
        print(f"{'pipeline':<10}{'RTF long-form':>15}{'WER NPSC':>10}{'WER king':>10}"
              f"{'peak RSS':>10}")
        for r in rows:
            fmt = lambda v, spec: format(v, spec) if v is not None else "-"  # noqa: E731
            print(f"{r['pipeline']:<10}{fmt(r['longform_rtf'], '15.3f')}"
                  f"{fmt(r['wer_npsc'] and 100 * r['wer_npsc'], '9.1f')}%"
                  f"{fmt(r['wer_king'] and 100 * r['wer_king'], '9.1f')}%"
                  f"{r['peak_rss_mb']:>7.0f} MB")
    if short:
        print(f"\nshort folder: {len(short)} files, {plain['short_audio_s']:.0f} s of audio "
              f"(WER after diktat's Norwegian normalisation)")
        print(f"{'pipeline':<15}{'wall s':>8}{'RTF':>8}{'speed':>8}{'WER':>8}")
        for r in rows:
            print(f"{r['pipeline']:<15}{r['short_transcribe_s']:>8.1f}"
                  f"{r['short_transcribe_s'] / r['short_audio_s']:>8.3f}"
                  f"{report['short_speedup'][r['pipeline']]:>7.2f}x"
                  f"{100 * r['wer_short']:>7.1f}%")
    if "speedup" in report:
        print(f"speed-up of diktat over plain faster-whisper on long-form: "
              f"{report['speedup']:.2f}x")
    print(f"full results: {write_results('transcribe', report, args.out)}")


if __name__ == "__main__":
    main()
