"""``report.md``: the human-readable form of a ``report.json`` document (see ``report.py``).

Every section is drawn from the JSON document alone and is left out when the run did not
produce it. Published figures (``--anchors``) go in their own section, labelled as figures for
other systems on other data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from diktat.eval.markdown_clinical import clinical_section
from diktat.eval.mdformat import cell as _cell
from diktat.eval.mdformat import fmt_num, fmt_pct, table

__all__ = ["fmt_num", "fmt_pct", "render_markdown", "table"]

TOP_SUBSTITUTIONS = 10
TOP_SENSITIVITY = 8


def render_markdown(
    data: Mapping[str, Any], plots: Sequence[str] = (), published: tuple[str, str] | None = None
) -> str:
    """The Markdown report; ``plots`` are PNG file names beside it, ``published`` is
    (file name, text) of a published-figures file."""
    lines = [*_header(data), *_counts(data)]
    for section in (_normaliser, _asr, _performance, _notes, _time_saved):
        lines += section(data)
    lines += _plots(plots) + _problems(data) + _warnings(data)
    if published is not None:
        lines += _published(*published)
    return "\n".join(lines).rstrip() + "\n"


# --- formatting -----------------------------------------------------------------------------------
def _ci(ci: Sequence[float] | None) -> str:
    return "–" if not ci else f"{fmt_pct(ci[0])} – {fmt_pct(ci[1])}"


# --- sections -------------------------------------------------------------------------------------
def _header(data: Mapping[str, Any]) -> list[str]:
    lines = [f"# diktat evaluation: {data['kind']}", "",
             f"Created {data['created']} by diktat {data['diktat_version']}."]
    if data.get("source"):
        lines.append(f"Source: `{data['source']}`.")
    model = data.get("model")
    if model:
        opts = model["decode_options"]
        sha = (model.get("model_sha256") or "")[:12]
        lines.append(
            f"Model: **{model['model_id']}**" + (f" (sha256 {sha}…)" if sha else "")
            + f" on {model.get('device')}/{model.get('compute_type')}, {model.get('threads')} "
            f"threads; language {opts.get('language')}, beam {opts.get('beam_size')}, "
            f"VAD {'on' if opts.get('vad') else 'off'}, "
            f"vocabulary prompt {'on' if opts.get('hotwords') else 'off'}.")
    return [*lines, ""]


def _counts(data: Mapping[str, Any]) -> list[str]:
    counts = data["counts"]
    what = {"notes": "notes", "time-saved": None}.get(data["kind"], "items")
    if what is None:
        return []
    lines = [f"**{what.capitalize()} scored: {counts['items_scored']} of "
             f"{counts['items_in_source']} in the source; {counts['problems']} problem(s)**"
             + (" (listed under Problems; each was skipped, none dropped silently)."
                if counts["problems"] else ".")]
    if counts.get("reused_from_earlier_run"):
        lines.append(f"{counts['reused_from_earlier_run']} transcript(s) were reused from an "
                     "earlier run of the same model and settings (results.jsonl).")
    return [*lines, ""]


def _normaliser(data: Mapping[str, Any]) -> list[str]:
    norm = data.get("normaliser")
    if not norm:
        return []
    return ["## Normaliser", "",
            f"References and hypotheses both pass through `{norm['name']}` before scoring: "
            + " → ".join(norm["steps"]) + f". {norm['alternatives']}.", ""]


def _asr(data: Mapping[str, Any]) -> list[str]:
    asr = data.get("asr")
    if not asr:
        return []
    corpus, words = asr["corpus"], asr["corpus"]["words"]
    lines = ["## Speech recognition", ""]
    lines += table(["measure", "value"], [
        ["WER (pooled over items)", f"{fmt_pct(corpus['wer'])} (95 % CI {_ci(corpus['wer_ci'])})"],
        ["CER", fmt_pct(corpus["cer"])],
        ["reference words", words["reference"]],
        ["substitutions / deletions / insertions",
         f"{words['substitutions']} / {words['deletions']} / {words['insertions']}"],
    ])
    lines += ["Confidence intervals: percentile bootstrap over items (1000 resamples).", ""]
    synthetic = _synthetic_items(asr)
    if synthetic:
        lines += [f"**{synthetic} of {corpus['items']} clips are synthetic speech** (espeak-ng; "
                  "see the `synthetic` group): their WER says little about real dictation.", ""]
    lines += _groups(asr["groups"]) + _substitutions(asr["top_substitutions"])
    lines += _terms(asr) + _hallucination(asr["hallucination"])
    return lines


def _synthetic_items(asr: Mapping[str, Any]) -> int:
    return sum(g["items"] for g in asr["groups"].get("synthetic", ()) if g["value"] is True)


def _groups(groups: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    rows = [[attribute, g["value"], g["items"], fmt_pct(g["wer"]), _ci(g["wer_ci"]),
             fmt_pct(g["cer"])] for attribute, scores in groups.items() for g in scores]
    if not rows:
        return []
    return ["### WER by group", "", *table(
        ["attribute", "value", "items", "WER", "95 % CI", "CER"], rows)]


def _substitutions(subs: list[dict[str, Any]]) -> list[str]:
    if not subs:
        return []
    rows = [[s["reference"], s["hypothesis"], s["count"]] for s in subs[:TOP_SUBSTITUTIONS]]
    return ["### Most frequent substitutions", "", *table(["reference", "heard as", "count"],
                                                           rows)]


def _terms(asr: Mapping[str, Any]) -> list[str]:
    rows = [[label, t["reference"], t["matched"], fmt_pct(t["recall"]), fmt_pct(t["precision"])]
            for label, t in (("drug names", asr["drugs"]), ("numbers (exact value)",
                                                             asr["numbers"]))]
    return ["### Clinical terms", "", *table(
        ["term", "in references", "matched", "recall", "precision"], rows)]


def _hallucination(h: Mapping[str, Any]) -> list[str]:
    if not h["silent_items"]:
        return ["### Hallucination", "", "No silence or noise clips in this corpus.", ""]
    return ["### Hallucination", "",
            f"{h['items_with_words']} of {h['silent_items']} silence/noise clips got text "
            f"({fmt_pct(h['rate'])}); {h['words']} word(s) in all.", ""]


def _performance(data: Mapping[str, Any]) -> list[str]:
    p = data.get("performance")
    if not p:
        return []
    latency = " / ".join(fmt_num(p[k]) for k in
                         ("latency_median_s", "latency_p95_s", "latency_max_s"))
    return ["## Speed and memory", "", *table(
        ["clips", "audio (s)", "processing (s)", "real-time factor",
         "latency median / p95 / max (s)", "peak RSS (MiB)", "model load (s)"],
        [[p["items"], fmt_num(p["audio_s"], 1), fmt_num(p["processing_s"], 1),
          fmt_num(p["rtf"], 3), latency, fmt_num(p["peak_rss_mib"], 0),
          fmt_num(p["model_load_s"])]]),
        "Latency is file to text per clip (decoding the audio plus transcribing it); the "
        "real-time factor is the summed latency over the summed audio duration.", ""]


def _notes(data: Mapping[str, Any]) -> list[str]:
    notes = data.get("notes")
    if not notes:
        return []
    names = list(notes)
    lines = ["## Structured notes", "",
             "Facts of each note against its gold note (micro-averaged over notes); backend "
             + ", ".join(sorted({n["backend"] for n in notes.values()})) + ".", ""]
    header = ["field"] + [f"{name}: P / R / F1" for name in names]
    first = notes[names[0]]
    rows = [[f["field"], *(_prf(_field(notes[n], f["field"])) for n in names)]
            for f in first["fields"] if any(_field(notes[n], f["field"])["applicable"]
                                            for n in names)]
    rows.append(["**micro total**", *(_prf(notes[n]["total"]) for n in names)])
    lines += table(header, rows)
    for name in names:
        ev = notes[name]["evidence"]
        lines.append(f"- {name}: {notes[name]['notes']} notes; values dropped by grounding "
                     f"{fmt_pct(ev['dropped_rate'])}, evidence mismatches "
                     f"{fmt_pct(ev['mismatched_rate'])}.")
    lines.append("")
    for name in names:
        lines += clinical_section(name, notes[name])
    return lines


def _field(notes: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return next(f for f in notes["fields"] if f["field"] == name)


def _prf(c: Mapping[str, Any]) -> str:
    if not c["applicable"]:
        return "n/a"
    return " / ".join(fmt_num(c[k], 2) for k in ("precision", "recall", "f1"))


def _time_saved(data: Mapping[str, Any]) -> list[str]:
    ts = data.get("time_saved")
    if not ts:
        return []
    note = ts["per_note"]
    lines = ["## Time saved per vakt (model estimate)", "",
             f"**{fmt_num(ts['minutes_saved_per_vakt'], 1)} minutes saved per employee per "
             f"vakt** ({fmt_num(note['saved'], 1)} s per note); break-even WER "
             f"{fmt_pct(ts['break_even_wer'])}.", "", f"Model: {ts['formula']}.", ""]
    parts = ("typing", "structuring_saved", "speaking", "waiting", "review", "corrections",
             "saved")
    lines += table(["per note (s)", *parts], [["", *(fmt_num(note[p], 1) for p in parts)]])
    lines += ["### Parameters", "", *table(
        ["parameter", "value", "range", "unit", "source"],
        [[p["name"] + (" *" if p["overridden"] else ""), f"{p['value']:g}",
          f"{p['low']:g}–{p['high']:g}", p["unit"], p["source"]] for p in ts["parameters"]]),
        "`*` measured by this run or given on the command line.", ""]
    lines += ["### Sensitivity (one parameter at a time, min/vakt)", "", *table(
        ["parameter", "at low", "at high", "swing"],
        [[r["parameter"], f"{fmt_num(r['minutes_at_low'], 1)} ({r['low']:g})",
          f"{fmt_num(r['minutes_at_high'], 1)} ({r['high']:g})", fmt_num(r["swing"], 1)]
         for r in ts["sensitivity"][:TOP_SENSITIVITY]])]
    lines += ["### WER sweep", "", *table(
        ["WER", "s saved per note", "min saved per vakt"],
        [[fmt_pct(w["wer"], 0), fmt_num(w["seconds_per_note"], 1),
          fmt_num(w["minutes_per_vakt"], 1)] for w in ts["wer_sweep"]])]
    checks = [*ts["cross_checks"], ts["pilot_claim"]]
    lines += ["### Cross-checks against published figures", "", *table(
        ["what", "model", "published", "source"],
        [[c["what"], f"{fmt_num(c['model'])} {c['unit']}",
          f"{c['published_low']:g}–{c['published_high']:g}", c["source"]] for c in checks])]
    return lines


def _plots(plots: Sequence[str]) -> list[str]:
    if not plots:
        return []
    return ["## Plots", "", *(f"![{name.removesuffix('.png')}]({name})" for name in plots), ""]


def _problems(data: Mapping[str, Any]) -> list[str]:
    problems = data["problems"]
    if not problems:
        return []
    lines = [f"## Problems ({len(problems)}, skipped)", ""]
    for p in problems:
        where = ":".join(str(x) for x in (p["source"], p["line"]) if x is not None)
        who = f"item `{p['id']}` " if p["id"] else ""
        lines.append(f"- {f'`{where}` ' if where else ''}{who}— {_cell(p['message'])}")
    return [*lines, ""]


def _warnings(data: Mapping[str, Any]) -> list[str]:
    warnings = data.get("warnings") or []
    if not warnings:
        return []
    return [f"## Warnings ({len(warnings)}, scored)", "",
            *(f"- item `{w['id']}` — {_cell(w['message'])}" for w in warnings), ""]


def _published(name: str, text: str) -> list[str]:
    demoted = ["##" + line if line.startswith("#") else line for line in text.splitlines()]
    return ["## Published figures for other systems on other data", "",
            f"> Copied from `{name}` for orientation only. These WER figures were measured by "
            "others, for **other systems on other data**, often with other normalisation; "
            "they are not comparable with this run's figures and are not claims about diktat.",
            "", *demoted, ""]
