"""Time the rules backend (structure + grounding) on 20 dictation-style notes.

Target: ≤ 50 ms per note on the 2-core dev machine. Usage:

    .venv/bin/python bench/bench_structure.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from diktat.structuring.lexicon import Lexicon
from diktat.structuring.pipeline import structure

DICTATIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "dictations"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
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


if __name__ == "__main__":
    main()
