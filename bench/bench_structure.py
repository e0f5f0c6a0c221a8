"""Time the rules backend (structure + grounding) and the local-LLM backend on 20
dictation-style notes.

Targets on the 2-core dev machine: rules ≤ 50 ms per note; LLM ≤ 15 s per 100-word note.
The LLM backend only asks the model about sentences the rules left unclassified, so it also
times the worst case (the model scoring every sentence of each note) and measures label quality
on bench/data/labelled_sentences.jsonl (rules alone, the model alone, and what the backend would
place at each confidence threshold). Usage:

    .venv/bin/python bench/bench_structure.py [--repeat 20] [--llm-model NAME|PATH]
        [--llm-notes N]   (0: rules only)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from diktat.models.registry import default_model
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import Evidence, Statement
from diktat.structuring.pipeline import structure
from diktat.structuring.rules import sentences

DICTATIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "dictations"
LABELLED = Path(__file__).resolve().parent / "data" / "labelled_sentences.jsonl"
MORE = [
    "Kveldsbesøk. BT 128/76, puls 68, temp 36,8. Hun var våken og klar. Fikk Zopiklon 5 mg "
    "klokka 22. Ingen smerter. Sov da vi gikk.",
    "Nattevakt. Urolig i natt, ropte flere ganger. Fikk Sobril 10 mg peroralt ved behov klokka "
    "to, god effekt. Sov fra klokka tre.",
    "Hun hadde tungpust ved anstrengelse. Metning åttiåtte prosent uten oksygen, respirasjon "
    "tjueto. Fikk Ventoline på forstøver, effekt etter kvarter. Lege varslet.",
    "Blodsukker 14,2 før frokost. Fikk NovoRapid åtte enheter subkutant. Spiste godt. "
    "Plan: Nytt blodsukker før middag.",
    "Ho hadde vondt i magen og kasta opp to gonger. Ikkje hatt avføring sidan måndag. Fekk "
    "Movicol ein pose. Drakk lite.",
    "Trykksår på sakrum, grad to, lagt om med Mepilex. Huden rundt er rød. Snudd hver andre "
    "time. Evaluering: Såret ser bedre ut enn i går.",
    "Falt i stua klokka sju. Funnet sittende på gulvet. Ingen synlige skader. BT 150/90, puls "
    "96. Avvik skrevet. Datteren er informert.",
    "Beskjed til lege: Han har hatt feber 38,7 siden i går, puls 104. Kjent med KOLS. Jeg "
    "mistenker lungebetennelse. Ønsker tilsyn i dag.",
    "Hun nektet å ta morgenmedisinen. Eliquis 5 mg ikke gitt. Hun var sint og utagerende. "
    "Rolig etter samtale.",
    "Kateter skiftet, urinen er klar. Drakk ca 1,5 liter i dag. Vekt 71 kilo. Mobiliserte "
    "med rullator til stua.",
    "Hører dårlig, høreapparat i venstre øre. Vanskelig å forstå hva hun sier. Sønnen ringte "
    "og ønsket oppdatering.",
    "Morfin 2,5 mg subkutant ved behov for smerter klokka 14:30. Smerter redusert fra 7 til "
    "3 etter en halvtime. Hun sover nå.",
]


def _summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    return f"median {statistics.median(ms):.0f} ms   p95 {p95:.0f} ms   max {ms[-1]:.0f} ms"


def bench_llm(texts: list[str], model: str, lexicon: Lexicon) -> None:
    from diktat.config import load_settings
    from diktat.structuring.llm import load_structurer
    from diktat.structuring.options import llm_options

    started = time.perf_counter()
    llm = load_structurer(llm_options(load_settings(), model), lexicon=lexicon)
    print(f"llm backend, {llm.model_id}: loaded in {time.perf_counter() - started:.1f} s "
          f"(prompt prefix {len(llm.scorer.prefix)} tokens; restored from the cache file when "
          f"one exists)")
    per_note, moved = [], 0
    for text in texts:
        started = time.perf_counter()
        note = structure(text, structurer=llm, lexicon=lexicon)
        per_note.append((time.perf_counter() - started) * 1000)
        moved += len(structure(text, lexicon=lexicon).unclassified) - len(note.unclassified)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"  {len(texts)} notes (mean {words:.0f} words/note): {_summary(per_note)}; "
          f"{moved} sentences moved out of unclassified")
    per_note, notes = [], hundred_word_notes(texts)
    for text in notes:  # worst case: every sentence scored by the model
        said = [Statement(text=text[a:b], evidence=Evidence(start=a, end=b, quote=text[a:b]))
                for a, b in sentences(text)]
        started = time.perf_counter()
        llm.label(said)
        per_note.append((time.perf_counter() - started) * 1000)
    per_100 = sorted(ms * 100 / len(t.split()) for ms, t in zip(per_note, notes, strict=True))
    print(f"  worst case, every sentence of {len(notes)} notes of 100+ words scored: "
          f"{_summary(per_note)}; per 100 words median {statistics.median(per_100) / 1000:.1f} s,"
          f" max {per_100[-1] / 1000:.1f} s (target ≤ 15 s)")
    label_accuracy(llm)


def hundred_word_notes(texts: list[str]) -> list[str]:
    """The texts joined in order into notes of at least 100 words (the target's note size)."""
    notes, current = [], []
    for text in texts:
        current.append(text)
        if sum(len(t.split()) for t in current) >= 100:
            notes.append(" ".join(current))
            current = []
    return notes


def _rules_label(text: str) -> str | None:
    """The label the rules give a one-sentence text (None: left unclassified)."""
    from diktat.structuring.llm import LABELS

    note = structure(text)
    if note.unclassified:
        return None
    by_target = {target: label for label, target in LABELS.items()}
    for field in ("observations", "situation", "measures", "evaluation", "plan", "deviations"):
        if values := getattr(note, field):
            return by_target[values[0].area if field == "observations" else field]
    return "beskjed" if note.message else "annet"


def label_accuracy(llm) -> None:
    """Rules vs model on sentences with a known section (bench/data/labelled_sentences.jsonl)."""
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    said = [Statement(text=r["text"], evidence=Evidence(start=0, end=len(r["text"]),
                                                        quote=r["text"])) for r in rows]
    scored = llm.label(said)
    rules = [_rules_label(r["text"] + ".") for r in rows]
    gold = [r["label"] for r in rows]
    rules_right = sum(g == r for g, r in zip(gold, rules, strict=True))
    rules_wrong = sum(r is not None and g != r for g, r in zip(gold, rules, strict=True))
    model_right = sum(g == s.label for g, s in zip(gold, scored, strict=True))
    print(f"  labels on {len(rows)} sentences with a known section: rules {rules_right} right, "
          f"{rules_wrong} wrong, {rules.count(None)} left; model alone {model_right} right")
    left = [(g, s) for g, r, s in zip(gold, rules, scored, strict=True) if r is None]
    for threshold in (0.0, 0.5, llm.min_confidence, 0.9):
        placed = [(g, s) for g, s in left if s.label != "annet" and s.confidence >= threshold]
        right = sum(g == s.label for g, s in placed)
        kept = sum(g == "annet" for g, s in left if (g, s) not in placed)
        print(f"    of the {len(left)} the rules left, at confidence ≥ {threshold:.2f}: "
              f"{len(placed)} placed, {right} correctly; {kept} chit-chat rightly left")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--llm-model", default=default_model("llm").name,
                        help="registry name or .gguf path (qwen2.5-coder-0.5b-instruct: faster)")
    parser.add_argument("--llm-notes", type=int, default=20, help="notes for the LLM; 0: none")
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(DICTATIONS.glob("*.txt"))] + MORE
    lexicon = Lexicon.builtin()
    for text in texts:  # warm caches (regexes, lexicon) the way a running server would be
        structure(text, lexicon=lexicon)
    per_note = []
    for _ in range(args.repeat):
        for text in texts:
            started = time.perf_counter()
            structure(text, lexicon=lexicon)
            per_note.append((time.perf_counter() - started) * 1000)
    words = sum(len(t.split()) for t in texts) / len(texts)
    per_note.sort()
    p95 = per_note[int(0.95 * (len(per_note) - 1))]
    print(f"rules backend, {len(texts)} notes × {args.repeat} (mean {words:.0f} words/note)")
    print(f"  median {statistics.median(per_note):.1f} ms   p95 {p95:.1f} ms   "
          f"max {per_note[-1]:.1f} ms   target ≤ 50 ms")
    long_text = " ".join(texts * (20_000 // int(words * len(texts)) + 1))
    started = time.perf_counter()
    structure(long_text, lexicon=lexicon)
    print(f"  one transcript of {len(long_text.split()):,} words: "
          f"{time.perf_counter() - started:.2f} s")
    if args.llm_notes > 0:
        bench_llm(texts[: args.llm_notes], args.llm_model, lexicon)


if __name__ == "__main__":
    main()
