"""A folder of short synthetic nursing dictations (espeak-ng, voice nb) with references.

    .venv/bin/python bench/short_clips.py OUT_DIR [--count 30] [--seed 7]

Each clip is 20-60 s of invented nursing sentences (no real patient), spoken with
`diktat.eval.synth.synthesize` at its measured defaults; `OUT_DIR/manifest.jsonl` holds one line
per clip: audio (relative), text (the reference), duration_s, synthetic: true. The same seed
always gives the same texts and the same audio, so runs compare.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

PATIENTS = ["Pasienten", "Beboeren", "Hun", "Han", "Brukeren", "Fru Hansen", "Herr Olsen"]
OPENERS = [
    "{p} har sovet godt i natt og virker uthvilt.",
    "{p} var urolig i natt og ringte på klokken tre ganger.",
    "{p} har spist halvparten av frokosten og drukket en kopp te.",
    "{p} spiste lite til middag og ville ikke ha dessert.",
    "{p} klager over smerter i venstre hofte.",
    "{p} var i godt humør og satt i stuen etter lunsj.",
    "{p} fikk besøk av datteren sin i ettermiddag.",
    "{p} har vært ute på en kort tur med rullator.",
]
FINDINGS = [
    "Blodtrykket er {sys} over {dia}.",
    "Pulsen er {pulse} slag i minuttet.",
    "Temperaturen er {temp} grader.",
    "Oksygenmetningen er {sat} prosent på romluft.",
    "Blodsukkeret ble målt til {bs} før frokost.",
    "Vekten er {kg} kilo, det er uendret siden forrige uke.",
    "Huden på hælene er hel, men litt rød.",
    "Såret på leggen er rent og tørt, bandasjen er skiftet.",
    "Urinen er mørk, og hun har drukket lite i dag.",
    "Han har hatt avføring i dag, normal konsistens.",
]
ACTIONS = [
    "Hun fikk Paracet ett gram klokken åtte med god effekt.",
    "Han fikk Furix førti milligram i morges.",
    "Vi har gitt ekstra drikke og fulgt opp væskelisten.",
    "Legen er informert og kommer på visitt i morgen.",
    "Pårørende er orientert på telefon.",
    "Hun ble snudd hver tredje time gjennom natten.",
    "Vi har lagt inn en avtale med fysioterapeut neste uke.",
    "Han fikk hjelp til morgenstell og påkledning.",
    "Insulin ble gitt etter skjema, åtte enheter.",
    "Tilsynet økes til hver time resten av kvelden.",
]
CLOSERS = [
    "Fortsett å observere smerter og søvn.",
    "Ny måling av blodtrykk i morgen tidlig.",
    "Ingen andre endringer å melde.",
    "Husk å bestille nye bandasjer til avdelingen.",
    "Vurder om hun trenger mer hjelp til måltidene.",
]


def dictation(rng: random.Random, words: int) -> str:
    """Invented nursing sentences until about `words` words."""
    sentences: list[str] = []
    pools = [OPENERS, FINDINGS, ACTIONS, FINDINGS, ACTIONS, CLOSERS]
    values = dict(
        sys=rng.randint(105, 170), dia=rng.randint(60, 95), pulse=rng.randint(55, 110),
        temp=f"{rng.randint(36, 39)} komma {rng.randint(0, 9)}", sat=rng.randint(88, 99),
        bs=f"{rng.randint(4, 14)} komma {rng.randint(0, 9)}", kg=rng.randint(48, 95),
    )
    while sum(len(s.split()) for s in sentences) < words:
        pool = pools[len(sentences) % len(pools)]
        choice = rng.choice(pool).format(p=rng.choice(PATIENTS), **values)
        if choice not in sentences:
            sentences.append(choice)
    return " ".join(sentences)


def make(out_dir: Path, count: int = 30, seed: int = 7) -> Path:
    """Write `count` clips and their manifest into `out_dir` (kept if already complete)."""
    from diktat.eval.synth import synthesize

    manifest = out_dir / "manifest.jsonl"
    if manifest.exists() and len(manifest.read_text().splitlines()) == count:
        return manifest
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        # espeak nb at 130 wpm: about 2 words a second, pauses included.
        text = dictation(rng, words=rng.randint(28, 80))
        name = f"dictation-{i:02d}.wav"
        result = synthesize(text, out_dir / name)
        lines.append(json.dumps({"audio": name, "text": text, "duration_s": result.duration_s,
                                 "synthetic": True}, ensure_ascii=False))
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    manifest = make(args.out_dir, args.count, args.seed)
    durations = [json.loads(line)["duration_s"] for line in manifest.read_text().splitlines()]
    print(f"{manifest}: {len(durations)} clips, {min(durations):.0f}-{max(durations):.0f} s, "
          f"mean {sum(durations) / len(durations):.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
