"""Stop → note ready with the document decode (issue 19), and how close the document text is to
the offline transcript of the whole recording.

    .venv/bin/python bench/bench_document.py                       # king.mp3: 30 s, 60 s, 180 s
    .venv/bin/python bench/bench_document.py --seconds 60 --min-span 20

Each length is dictated through the real loop (`dictate`) from a file replayed in real time, as
a microphone would deliver it, with the rules structurer making the note. Reported per length:
`note_ready_s` (from the stop — the end of the input — to the outputs and the note written:
the last span's decode, the text, the note), the spans, the decode time of the spans, and WER
of the document text and of the preview against a decode of the whole recording at once. A
length that covers the whole file (king.mp3 is 85 s) is also scored against the file's human
reference (its manifest.jsonl), for the document text, the preview and the whole-recording
decode alike: "offline quality" means the document text is as close to what was said as the
offline transcript is. The load average is printed with them: timings depend on what else runs
on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from results_file import write_results

KING = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "king" / "king.mp3"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=KING)
    parser.add_argument("--seconds", type=float, action="append",
                        help="lengths to dictate (repeat; default 30, 60, 180)")
    parser.add_argument("--min-span", type=float, default=20.0)
    parser.add_argument("--draft-step", type=float, default=0.0,
                        help="audio between drafts of the open span (0: no drafts, the "
                        "default)")
    args = parser.parse_args()
    if not args.file.is_file():
        sys.exit(f"{args.file} is missing (../shared/data/speech/king/king.mp3)")

    import jiwer
    import soundfile as sf

    from diktat.config import load_settings
    from diktat.store.sealed import Keyring, MasterKey
    from diktat.store.sessions import SessionNote, SessionStore
    from diktat.structuring.pipeline import structure
    from diktat.structuring.render import render
    from diktat.stt.audio import load_audio
    from diktat.stt.factory import decode_options, load_engine
    from diktat.stt.streaming.dictation import DictationOptions, dictate
    from diktat.stt.streaming.document import DocumentOptions
    from diktat.stt.streaming.sources import FileSource

    settings = load_settings()
    engine = load_engine(settings, live=True)
    decode = decode_options(settings.asr)
    audio = load_audio(args.file).samples
    words = lambda text: " ".join(re.findall(r"\w+", text.lower()))  # noqa: E731

    def make_note(transcript):
        note = structure(transcript)
        return SessionNote(render(note, "text"), render(note, "json"))

    reference = None
    manifest = args.file.parent / "manifest.jsonl"
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("audio") == args.file.name:
                reference = words(item["text"])

    rows = []
    for seconds in args.seconds or [30.0, 60.0, 180.0]:
        with tempfile.TemporaryDirectory() as tmp:
            clip = Path(tmp) / "clip.wav"
            sf.write(clip, audio[: int(seconds * 16_000)], 16_000, subtype="PCM_16")
            store = SessionStore(Path(tmp) / "s", Keyring(MasterKey.generate()))
            result = dictate(FileSource(clip, realtime=True), engine, store, decode=decode,
                             make_note=make_note, options=DictationOptions(
                                 document=DocumentOptions(min_span_s=args.min_span,
                                                          draft_step_s=args.draft_step)))
            offline = engine.transcribe(load_audio(clip).samples, decode.model_copy(
                update={"batched_min_duration_s": 24 * 3600.0})).text
        row = {
            "seconds": seconds, "note_ready_s": round(result.note_ready_s, 2),
            "spans": result.transcript.options["document_spans"],
            "document_wer_vs_offline": round(jiwer.wer(words(offline), words(result.text)), 3),
            "preview_wer_vs_offline": round(jiwer.wer(words(offline),
                                                      words(result.preview_text)), 3),
            "load_average": os.getloadavg()[0],
        }
        if reference and seconds * 16_000 >= len(audio):
            row["wer_vs_reference"] = {
                name: round(jiwer.wer(reference, words(text)), 3) for name, text in
                (("document", result.text), ("preview", result.preview_text),
                 ("whole_recording", offline))}
        rows.append(row)
        print(f"{seconds:5.0f} s: note ready {row['note_ready_s']:.2f} s after the stop; "
              f"{len(row['spans'])} span(s); document WER {row['document_wer_vs_offline']:.3f}, "
              f"preview {row['preview_wer_vs_offline']:.3f} (load {row['load_average']:.1f})"
              + (f"; against the reference {row['wer_vs_reference']}"
                 if "wer_vs_reference" in row else ""))
    print(write_results("document", {"file": str(args.file), "min_span_s": args.min_span,
                                     "rows": rows}))


if __name__ == "__main__":
    main()
