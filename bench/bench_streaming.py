"""Streaming latency: an audio file replayed in real time through VadGate(StreamingProcessor).

    .venv/bin/python bench/bench_streaming.py                    # king.mp3, first 60 s
    .venv/bin/python bench/bench_streaming.py FILE --seconds 0   # a whole file

A feeder thread hands over 100 ms chunks at the pace of the wall clock, as a microphone would;
the main thread takes whatever has arrived, runs `process_iter` (one decode at most) and stamps
every event with the wall-clock time it came back. Measured, with the default model and options:

- final delay: from the end of speech to the final event of that utterance (target <= 0.7 s
  median). End of speech = end of the utterance's speech region, found by Silero over the whole
  file beforehand (same thresholds as the gate, regions closer than the pause merged);
- committed lag: from a word's end in the audio to the moment it was committed (target <= 1.5 s
  median); also shown for the words committed while the speaker was still talking;
- shown lag: from a word's end to the first tentative or committed text with a word at that
  time (what the nurse sees first, dimmed, before it is committed);
- final text against the offline transcription of the same audio (WER), and the decode times.

Timings depend on what else runs on the machine: the load average is printed with them.
`--virtual-clock` replays without waiting instead, charging each decode the time measured on
this 2-core machine when idle (about 0.30 s + 0.05 s per second of window): a deterministic
estimate for when the machine is shared, the decodes themselves being real.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import sys
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from results_file import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
KING = REPO.parent / "shared" / "data" / "speech" / "king" / "king.mp3"
TARGET_FINAL_S = 0.7
TARGET_LAG_S = 1.5


@dataclass(frozen=True)
class Stamped:
    wall_s: float  # seconds since the replay started (= stream time of the audio handed over)
    event: object  # StreamEvent


# Idle 2-core decode cost of a window (stt/whisper_window.py, king.mp3 windows, median of 3):
# 2 s 0.43, 4 s 0.49, 6 s 0.56, 10 s 0.82 s (faster-whisper's 30 s-padded path: 1.1-2.0 s).
MODEL_BASE_S = 0.30
MODEL_PER_S = 0.05


class TimedEngine:
    """Passes decodes through to the engine and records how long each took and its window."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.workers = engine.workers
        self.durations: list[float] = []
        self.windows: list[float] = []

    def decode_window(self, samples, opts, **kwargs):
        started = time.perf_counter()
        try:
            return self.engine.decode_window(samples, opts, **kwargs)
        finally:
            self.durations.append(time.perf_counter() - started)
            self.windows.append(len(samples) / 16_000)


def replay(gate, samples: np.ndarray, chunk_s: float) -> list[Stamped]:
    """Feed `samples` in real time from a thread; run the gate on whatever has arrived."""
    chunk = round(chunk_s * 16_000)
    arrived: queue.Queue[np.ndarray | None] = queue.Queue()
    started = time.perf_counter()

    def feed() -> None:
        for i, at in enumerate(range(0, len(samples), chunk)):
            time.sleep(max(0.0, started + (i + 1) * chunk_s - time.perf_counter()))
            arrived.put(samples[at : at + chunk])
        arrived.put(None)

    threading.Thread(target=feed, daemon=True).start()
    stamped: list[Stamped] = []
    done = False
    while not done:
        batch = [arrived.get()]
        while not arrived.empty():
            batch.append(arrived.get_nowait())
        done = batch[-1] is None
        for piece in batch:
            if piece is not None:
                gate.insert_audio_chunk(piece)
        events = gate.finish() if done else gate.process_iter()
        now = time.perf_counter() - started
        stamped += [Stamped(now, e) for e in events]
    return stamped


def replay_virtual(gate, samples: np.ndarray, chunk_s: float, timed: TimedEngine) -> list[Stamped]:
    """The same loop on a virtual clock: a decode advances it by its modelled idle-machine cost."""
    chunk = round(chunk_s * 16_000)
    now, fed = 0.0, 0
    stamped: list[Stamped] = []
    while fed < len(samples):
        arrived = min(len(samples), int(now / chunk_s + 1e-9) * chunk)
        if arrived <= fed:
            now = (fed // chunk + 1) * chunk_s  # wait for the next chunk
            continue
        gate.insert_audio_chunk(samples[fed:arrived])
        fed = arrived
        decoded = len(timed.windows)
        events = gate.finish() if fed == len(samples) else gate.process_iter()
        now += sum(MODEL_BASE_S + MODEL_PER_S * w for w in timed.windows[decoded:])
        stamped += [Stamped(now, e) for e in events]
    return stamped


def speech_regions(samples: np.ndarray, pause_s: float) -> list[tuple[float, float]]:
    """Speech regions by Silero over the whole file (hysteresis 0.5/0.35, gaps < pause merged)."""
    from diktat.stt.streaming.vadgate import FRAME
    from diktat.stt.whisper import speech_probabilities

    regions: list[tuple[float, float]] = []
    speaking = False
    for i, p in enumerate(speech_probabilities(samples)):
        speaking = p >= 0.5 or (speaking and p >= 0.35)
        if speaking:
            start, end = i * FRAME / 16_000, (i + 1) * FRAME / 16_000
            if regions and start - regions[-1][1] < pause_s:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
    return regions


def final_delays(stamped: list[Stamped], regions: list[tuple[float, float]]) -> list[float]:
    """Per final event: wall time minus the end of the speech region its last word lies in."""
    delays = []
    for s in stamped:
        if s.event.kind != "final":
            continue
        last = s.event.words[-1]
        region = max(regions, key=lambda r: min(r[1], last.end) - max(r[0], last.start))
        delays.append(s.wall_s - region[1])
    return delays


def shown_lags(stamped: list[Stamped]) -> list[float]:
    """Per word of the final text: from its end in the audio to the first tentative or committed
    text that showed a word at that time (in whatever spelling): when the nurse sees it."""
    shown = [(s.wall_s, w) for s in stamped if s.event.kind in ("tentative", "committed")
             for w in s.event.words]
    lags = []
    for s in stamped:
        if s.event.kind != "final":
            continue
        for word in s.event.words:
            first = next((at for at, w in shown if w.start < word.end and w.end > word.start),
                         s.wall_s)
            lags.append(first - word.end)
    return lags


def reference_text(audio: Path) -> str | None:
    """The reference from a manifest.jsonl beside the file (../shared's layout), if any."""
    manifest = audio.parent / "manifest.jsonl"
    if not manifest.exists():
        return None
    for row in map(json.loads, manifest.read_text(encoding="utf-8").splitlines()):
        if row.get("audio") == audio.name:
            return row.get("text")
    return None


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(values),
        "median": statistics.median(ordered),
        "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "max": ordered[-1],
    }


def line(name: str, stats: dict, target: float | None = None) -> str:
    if not stats["n"]:
        return f"{name:<44} n=0"
    goal = f"   target <= {target:.2f} s" if target is not None else ""
    return (f"{name:<44} n={stats['n']:<4} median {stats['median']:5.2f} s   "
            f"p90 {stats['p90']:5.2f} s   max {stats['max']:5.2f} s{goal}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("audio", nargs="?", type=Path, default=KING)
    ap.add_argument("--seconds", type=float, default=60.0, help="replay only the start; 0 = all")
    ap.add_argument("--chunk", type=float, default=0.1, help="seconds of audio per chunk")
    ap.add_argument("--pause", type=float, default=0.6, help="pause that ends an utterance")
    ap.add_argument("--trim-after", type=float, default=None,
                    help="StreamingOptions.trim_after_s (default: the options' default)")
    ap.add_argument("--min-chunk", type=float, default=None,
                    help="StreamingOptions.min_chunk_s (default: the options' default)")
    ap.add_argument("--end-pad", type=float, default=None,
                    help="VadGate.end_pad_s: audio after the end of speech the closing decode sees")
    ap.add_argument("--parallel", type=int, default=None,
                    help="decodes at once (default: the engine's workers, as live dictation)")
    ap.add_argument("--virtual-clock", action="store_true",
                    help="model the decode time instead of replaying in real time "
                    "(one decode at a time)")
    ap.add_argument("--show-text", action="store_true", help="print the final texts")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    if not args.audio.exists():
        sys.exit(f"no benchmark audio: {args.audio} is absent (it lives in ../shared)")

    import jiwer

    from diktat.config import load_settings
    from diktat.eval.textnorm import NORWEGIAN
    from diktat.stt.audio import load_audio
    from diktat.stt.factory import decode_options, load_engine
    from diktat.stt.streaming import (
        StreamingOptions,
        StreamingProcessor,
        VadGate,
        streaming_decode_options,
    )

    settings = load_settings()
    engine = load_engine(settings, live=True)
    samples = load_audio(args.audio).samples
    if args.seconds:
        samples = samples[: round(args.seconds * 16_000)]
    options = StreamingOptions(decode=streaming_decode_options(decode_options(settings.asr)))
    if args.trim_after is not None:
        options = replace(options, trim_after_s=args.trim_after,
                          max_buffer_s=max(options.max_buffer_s, args.trim_after))
    if args.min_chunk is not None:
        options = replace(options, min_chunk_s=args.min_chunk)
    parallel = 1 if args.virtual_clock else args.parallel or engine.workers
    options = replace(options, parallel_decodes=parallel)
    timed = TimedEngine(engine)
    processor = StreamingProcessor(timed, options)
    gate = VadGate(processor, pause_s=args.pause,
                   **({} if args.end_pad is None else {"end_pad_s": args.end_pad}))
    gate.process_iter()  # loads Silero before the clock starts
    load_before = os.getloadavg()
    if args.virtual_clock:
        stamped = replay_virtual(gate, samples, args.chunk, timed)
    else:
        stamped = replay(gate, samples, args.chunk)
    gate.close()
    load_after = os.getloadavg()
    audio_s = len(samples) / 16_000

    regions = speech_regions(samples, args.pause)
    finals = [s for s in stamped if s.event.kind == "final"]
    lag_all, lag_speaking = [], []
    for i, s in enumerate(stamped):
        if s.event.kind != "committed":
            continue
        lags = [s.wall_s - w.end for w in s.event.words]
        lag_all += lags
        # The commit just before a final closes the utterance on a pause: not agreement.
        if i + 1 == len(stamped) or stamped[i + 1].event.kind != "final":
            lag_speaking += lags
    delays = final_delays(stamped, regions)
    offline = engine.transcribe(samples, decode_options(settings.asr)).text
    streamed = " ".join(s.event.text for s in finals)

    def wer(reference: str | None, hypothesis: str) -> float | None:
        if not reference or not hypothesis:
            return None
        return jiwer.wer(reference, hypothesis, reference_transform=NORWEGIAN,
                         hypothesis_transform=NORWEGIAN)

    whole_file = not args.seconds or audio_s < args.seconds
    reference = reference_text(args.audio) if whole_file else None

    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "audio": args.audio.name,
        "audio_s": audio_s,
        "chunk_s": args.chunk,
        "clock": "virtual (modelled idle decode cost)" if args.virtual_clock else "wall",
        "pause_s": args.pause,
        "options": {k: str(v) for k, v in vars(options).items()},
        "cpu_count": os.cpu_count(),
        "load_average": {"before": load_before, "after": load_after},
        "final_delay_s": summary(delays),
        "committed_lag_s": summary(lag_all),
        "committed_lag_while_speaking_s": summary(lag_speaking),
        "shown_lag_s": summary(shown_lags(stamped)),
        "decode_s": summary(timed.durations),
        "decode_busy_fraction": sum(
            (MODEL_BASE_S + MODEL_PER_S * w for w in timed.windows) if args.virtual_clock
            else timed.durations
        ) / audio_s,
        "utterances": len(finals),
        "wer_final_vs_offline": wer(offline, streamed),
        "wer_vs_reference": {"streamed": wer(reference, streamed),
                             "offline": wer(reference, offline)},
        "final_texts": [s.event.text for s in finals],
        "offline_text": offline,
    }
    clock = ("on a virtual clock (decode cost modelled)" if args.virtual_clock
             else "in real time")
    print(f"{args.audio.name}: {audio_s:.1f} s replayed {clock}, {args.chunk:.2f} s chunks, "
          f"pause {args.pause:.2f} s, buffer trimmed after {options.trim_after_s:.0f} s, "
          f"{parallel} decode(s) at once ({engine.threads} thread(s) each), "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before / "
          f"{load_after[0]:.1f} after")
    print(line("final text after end of speech", report["final_delay_s"], TARGET_FINAL_S))
    print(line("committed text behind speech (all words)", report["committed_lag_s"],
               TARGET_LAG_S))
    print(line("  committed while still speaking", report["committed_lag_while_speaking_s"]))
    print(line("text first shown (tentative) behind speech", report["shown_lag_s"]))
    print(line("decode time per window (measured)", report["decode_s"]))
    print(line("decoded window length", summary(timed.windows)))
    print(f"decoding kept the CPU busy {100 * report['decode_busy_fraction']:.0f} % of the audio "
          f"time; {len(finals)} utterances")
    if report["wer_final_vs_offline"] is not None:
        print(f"WER of the final text against the offline transcription: "
              f"{100 * report['wer_final_vs_offline']:.1f} %")
    if reference:
        scores = report["wer_vs_reference"]
        print(f"WER against the reference: streamed {100 * scores['streamed']:.1f} %, "
              f"offline {100 * scores['offline']:.1f} %")
    if args.show_text:
        print("streamed:", streamed)
        print("offline: ", offline)
    print(f"full results: {write_results('streaming', report, args.out)}")


if __name__ == "__main__":
    main()
