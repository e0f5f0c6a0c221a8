"""Two evaluation runs side by side (e.g. two models on one manifest), with deltas.

Reads two ``report.json`` documents and writes ``compare.md``, ``compare.json`` and a plot of
WER by group for both. Items are matched by id: the comparison says how many clips both runs
scored and warns when the sets differ (then the corpus figures are not over the same clips).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from diktat.eval.markdown import fmt_num, fmt_pct, table
from diktat.eval.plots import COMPARE_PNG, write_compare_plot
from diktat.eval.report import load_report
from diktat.stt.batch import write_atomic

__all__ = ["compare_reports", "render_comparison", "write_comparison"]

Better = Literal["lower", "higher", "neither"]
# (label, path in report.json, which way is better, shown as a percentage)
METRICS: tuple[tuple[str, tuple[str, ...], Better, bool], ...] = (
    ("items scored", ("counts", "items_scored"), "neither", False),
    ("problems", ("counts", "problems"), "lower", False),
    ("WER", ("asr", "corpus", "wer"), "lower", True),
    ("CER", ("asr", "corpus", "cer"), "lower", True),
    ("drug names recall", ("asr", "drugs", "recall"), "higher", True),
    ("numbers recall (exact value)", ("asr", "numbers", "recall"), "higher", True),
    ("hallucination rate (silence/noise clips)", ("asr", "hallucination", "rate"), "lower", True),
    ("real-time factor", ("performance", "rtf"), "lower", False),
    ("latency median (s)", ("performance", "latency_median_s"), "lower", False),
    ("latency p95 (s)", ("performance", "latency_p95_s"), "lower", False),
    ("peak RSS (MiB)", ("performance", "peak_rss_mib"), "lower", False),
    ("model load (s)", ("performance", "model_load_s"), "lower", False),
    ("notes from transcript: micro F1", ("notes", "from_transcript", "total", "f1"), "higher",
     False),
    ("notes from reference: micro F1", ("notes", "from_reference", "total", "f1"), "higher",
     False),
    ("notes: micro F1", ("notes", "from_text", "total", "f1"), "higher", False),
    ("minutes saved per vakt", ("time_saved", "minutes_saved_per_vakt"), "higher", False),
)


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def compare_reports(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Metric rows (A, B, B − A, which is better) and the items both runs scored."""
    rows = []
    for label, path, better, percent in METRICS:
        va, vb = _get(a, path), _get(b, path)
        if va is None and vb is None:
            continue
        delta = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else None
        rows.append({"metric": label, "a": va, "b": vb, "delta": delta, "better": better,
                     "percent": percent, "winner": _winner(delta, better)})
    return {"metrics": rows, "groups": _groups(a, b), "items": _items(a, b)}


def _winner(delta: float | None, better: Better) -> str | None:
    if delta is None or better == "neither" or delta == 0:
        return None
    return "B" if (delta < 0) == (better == "lower") else "A"


def _group_wers(data: Mapping[str, Any]) -> dict[str, float]:
    groups = _get(data, ("asr", "groups")) or {}
    return {f"{attribute} = {g['value']}": g["wer"]
            for attribute, scores in groups.items() for g in scores}


def _groups(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    wa, wb = _group_wers(a), _group_wers(b)
    labels = list(wa) + [label for label in wb if label not in wa]
    return [{"group": label, "a": wa.get(label), "b": wb.get(label),
             "delta": wb[label] - wa[label] if label in wa and label in wb else None}
            for label in labels]


def _items(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, int]:
    ia = {i["id"]: i["wer"] for i in _get(a, ("asr", "items")) or ()}
    ib = {i["id"]: i["wer"] for i in _get(b, ("asr", "items")) or ()}
    shared = ia.keys() & ib.keys()
    return {"shared": len(shared), "only_a": len(ia.keys() - ib.keys()),
            "only_b": len(ib.keys() - ia.keys()),
            "b_better": sum(ib[i] < ia[i] for i in shared),
            "b_worse": sum(ib[i] > ia[i] for i in shared),
            "equal": sum(ib[i] == ia[i] for i in shared)}


def write_comparison(
    run_a: Path, run_b: Path, out_dir: Path,
    labels: tuple[str | None, str | None] = (None, None),
) -> tuple[dict[str, Any], list[Path]]:
    """Write ``compare.md``, ``compare.json`` and the group plot into ``out_dir``; the
    comparison and the paths written."""
    a, b = load_report(run_a), load_report(run_b)
    defaults = _default_labels(run_a, run_b)
    labels = (labels[0] or defaults[0], labels[1] or defaults[1])
    result = {"a": {"label": labels[0], "report": str(run_a)},
              "b": {"label": labels[1], "report": str(run_b)}, **compare_reports(a, b)}
    out_dir = Path(out_dir)
    json_path = out_dir / "compare.json"
    write_atomic(json_path, json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    plot = write_compare_plot([a, b], [f"A: {labels[0]}", f"B: {labels[1]}"],
                              out_dir / COMPARE_PNG)
    md_path = out_dir / "compare.md"
    write_atomic(md_path, render_comparison(result, plot.name if plot else None))
    return result, [json_path, md_path, *([plot] if plot else [])]


def _default_labels(run_a: Path, run_b: Path) -> tuple[str, str]:
    names = [(p if p.is_dir() else p.parent).resolve().name for p in (Path(run_a), Path(run_b))]
    return (names[0], names[1]) if names[0] != names[1] else ("A", "B")


def _value(value: Any, percent: bool) -> str:
    if value is None:
        return "–"
    if percent:
        return fmt_pct(value)
    return str(value) if isinstance(value, int) else fmt_num(value, 3)


def _delta(delta: float | None, percent: bool) -> str:
    if delta is None:
        return "–"
    if percent:
        return f"{100 * delta:+.1f} pp"
    return f"{delta:+d}" if isinstance(delta, int) else f"{delta:+.3f}"


def render_comparison(result: Mapping[str, Any], plot: str | None) -> str:
    a, b = result["a"]["label"], result["b"]["label"]
    lines = ["# diktat evaluation: comparison", "",
             f"A = **{a}** (`{result['a']['report']}`), B = **{b}** (`{result['b']['report']}`).",
             ""]
    items = result["items"]
    if items["only_a"] or items["only_b"]:
        lines += [f"**Warning:** the runs scored different clips ({items['only_a']} only in A, "
                  f"{items['only_b']} only in B); corpus figures are not over the same clips.",
                  ""]
    if items["shared"]:
        lines += [f"Per clip, over the {items['shared']} clips both scored: B has lower WER on "
                  f"{items['b_better']}, higher on {items['b_worse']}, equal on "
                  f"{items['equal']}.", ""]
    lines += table(["metric", f"A: {a}", f"B: {b}", "B − A", "better"],
                   [[r["metric"], _value(r["a"], r["percent"]), _value(r["b"], r["percent"]),
                     _delta(r["delta"], r["percent"]), r["winner"] or ""]
                    for r in result["metrics"]])
    if result["groups"]:
        lines += ["## WER by group", "", *table(
            ["group", f"A: {a}", f"B: {b}", "B − A"],
            [[g["group"], fmt_pct(g["a"]), fmt_pct(g["b"]), _delta(g["delta"], True)]
             for g in result["groups"]])]
    if plot:
        lines += [f"![WER by group]({plot})", ""]
    return "\n".join(lines).rstrip() + "\n"
