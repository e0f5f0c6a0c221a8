"""Write an evaluation run as ``report.json``, ``report.md`` and PNG plots.

``report.json`` is the contract (``schema: diktat-eval/1``): the Markdown, the plots, the
comparison of two runs and ``time-saved --from-report`` are all made from it. It holds counts
(items in the source, items scored, problems, each problem listed), the normaliser, the model and
decode settings, ASR metrics (corpus and per-group WER with bootstrap intervals, error types,
clinical terms, hallucination, one row per item without its text), performance, note scores,
the measured time-saved inputs and the time-saved estimate. Hypotheses stay in
``results.jsonl``; the report has counts and scores only (plus the most frequent word
substitutions, which the error analysis needs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from diktat import __version__
from diktat.errors import InputError
from diktat.eval.asr_metrics import (
    AsrReport,
    ErrorCounts,
    ItemScore,
    TermScore,
    bootstrap_wer_ci,
)
from diktat.eval.clinical import ClinicalMetrics, Tally
from diktat.eval.manifest import ManifestProblem
from diktat.eval.markdown import render_markdown
from diktat.eval.notes import NotesEvaluation
from diktat.eval.plots import write_plots
from diktat.eval.run import EvalRun, ItemResult
from diktat.eval.textnorm import NORWEGIAN_TEXT
from diktat.stt.batch import write_atomic

__all__ = [
    "REPORT_JSON",
    "REPORT_MD",
    "SCHEMA",
    "anchors_text",
    "load_report",
    "overrides_from_report",
    "report_data",
    "write_report",
]

SCHEMA = "diktat-eval/1"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
NORMALISER = {
    "name": "diktat.eval.textnorm.NORWEGIAN",
    "steps": [type(step).__name__ for step in NORWEGIAN_TEXT.transforms],
    "alternatives": "[a|b] in a reference: the variant closest to the hypothesis counts",
}


def write_report(
    data: Mapping[str, Any], out_dir: Path, *, anchors: Path | None = None
) -> list[Path]:
    """Write ``data`` (from :func:`report_data`) as ``report.json``, the PNG plots and
    ``report.md`` into ``out_dir``; their paths."""
    out_dir = Path(out_dir)
    published = anchors_text(anchors) if anchors is not None else None
    json_path = out_dir / REPORT_JSON
    write_atomic(json_path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    plots = write_plots(data, out_dir)
    md_path = out_dir / REPORT_MD
    write_atomic(md_path, render_markdown(data, [p.name for p in plots], published))
    return [json_path, md_path, *plots]


def anchors_text(path: Path) -> tuple[str, str]:
    """(file name, text) of a published-figures file such as ``WER_ANCHORS.md``."""
    try:
        return path.name, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--anchors {path}: cannot read it ({type(exc).__name__}).") from None


def load_report(path: Path) -> dict[str, Any]:
    """A ``report.json`` document, given the file or the run's output folder."""
    path = Path(path)
    file = path / REPORT_JSON if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{file}: no such report (run `diktat eval asr ... --out DIR` "
                         "first).") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file}: not a readable report.json ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(f"{file}: not a diktat evaluation report (schema {SCHEMA} expected).")
    return data


def overrides_from_report(data: Mapping[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """Time-saved inputs a report measured or was given (``name`` goes into their sources)."""
    if "time_saved" in data:
        given = {p["name"]: {"value": p["value"], "source": p["source"]}
                 for p in data["time_saved"]["parameters"] if p["overridden"]}
    else:
        given = dict(data.get("measured") or {})
    return {key: {"value": v["value"], "source": f"{v['source']} (from {name})"}
            for key, v in given.items()}


def report_data(run: EvalRun) -> dict[str, Any]:
    """The JSON document for ``run``."""
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": run.kind,
        "created": run.created,
        "diktat_version": __version__,
        "source": run.source,
        "counts": {
            "items_in_source": run.items_in_source,
            "items_scored": run.items_scored,
            "problems": len(run.problems),
            "reused_from_earlier_run": run.reused,
        },
        "problems": [_problem(p) for p in run.problems],
        "warnings": [{"id": r.id, "message": r.warning} for r in run.results if r.warning],
    }
    if run.model is not None:
        data["model"] = asdict(run.model)
    if run.asr is not None:
        data["normaliser"] = NORMALISER
        data["asr"] = _asr(run.asr, run.results)
    if run.performance is not None:
        data["performance"] = asdict(run.performance)
    if run.notes:
        data["notes"] = {name: _notes(ev) for name, ev in run.notes.items()}
    if run.measured:
        data["measured"] = {name: dict(value) for name, value in run.measured.items()}
    if run.time_saved is not None:
        data["time_saved"] = run.time_saved.model_dump(mode="json")
    return data


def _problem(p: ManifestProblem) -> dict[str, Any]:
    return {"source": p.source, "line": p.line, "id": p.item_id, "message": p.message}


def _counts(c: ErrorCounts) -> dict[str, int]:
    return {"hits": c.hits, "substitutions": c.substitutions, "deletions": c.deletions,
            "insertions": c.insertions, "reference": c.reference_length}


def _terms(t: TermScore) -> dict[str, Any]:
    return {"reference": t.reference, "hypothesis": t.hypothesis, "matched": t.matched,
            "recall": t.recall, "precision": t.precision,
            "missed": [list(x) for x in t.missed], "spurious": [list(x) for x in t.spurious]}


def _asr(asr: AsrReport, results: tuple[ItemResult, ...]) -> dict[str, Any]:
    corpus = asr.corpus
    by_id = {r.id: r for r in results}
    return {
        "corpus": {
            "items": corpus.items, "wer": corpus.wer, "cer": corpus.cer,
            "wer_ci": list(bootstrap_wer_ci(asr.items)) if asr.items else None,
            "words": _counts(corpus.words), "chars": _counts(corpus.chars),
        },
        "groups": {
            attribute: [{"value": g.value, "items": g.items, "wer": g.wer,
                         "wer_ci": list(g.wer_ci), "cer": g.cer} for g in scores]
            for attribute, scores in asr.groups.items()
        },
        "top_substitutions": [{"reference": ref, "hypothesis": hyp, "count": n}
                              for ref, hyp, n in corpus.top_substitutions],
        "drugs": _terms(asr.drugs),
        "numbers": _terms(asr.numbers),
        "hallucination": {"silent_items": asr.hallucination.silent_items,
                          "items_with_words": asr.hallucination.items_with_words,
                          "words": asr.hallucination.words, "rate": asr.hallucination.rate},
        "items": [_item(item, by_id.get(item.id)) for item in asr.items],
    }


def _item(item: ItemScore, result: ItemResult | None) -> dict[str, Any]:
    row = {"id": item.id, "wer": item.wer, "cer": item.cer,
           "reference_words": item.words.reference_length,
           "substitutions": item.words.substitutions, "deletions": item.words.deletions,
           "insertions": item.words.insertions}
    if result is not None:
        row |= {"duration_s": result.duration_s, "latency_s": result.latency_s,
                "rtf": result.rtf, "peak_rss_mib": result.peak_rss_mib}
    return row


def _notes(ev: NotesEvaluation) -> dict[str, Any]:
    clinical = dict(ev.per_note_clinical)
    data = {
        "backend": ev.backend,
        **ev.metrics.model_dump(mode="json"),
        "per_note": [{"id": note_id, **m.total.model_dump(mode="json"),
                      **({"clinical": _clinical_row(clinical[note_id])}
                         if note_id in clinical else {})}
                     for note_id, m in ev.per_note],
    }
    if ev.clinical is not None:
        data["clinical"] = ev.clinical.model_dump(mode="json", exclude={"missed"})
    return data


def _clinical_row(m: ClinicalMetrics) -> dict[str, Any]:
    """One dictation's clinical figures (its dangerous errors are in the total's list)."""
    return {
        "value_accuracy": m.value_accuracy,
        "values": _expected(m.values),
        "medication_tuple_accuracy": m.medication_tuple_accuracy,
        "medications": m.medications["tuple"].model_dump(mode="json"),
        "assertion_accuracy": m.assertion_accuracy,
        "assertions": _expected(m.assertions),
        "coverage": m.coverage.model_dump(mode="json"),
        "dangerous_count": m.dangerous_count,
        "missed": list(m.missed),
    }


def _expected(tallies: Mapping[str, Tally]) -> dict[str, Any]:
    """The tallies with something expected or extra (the rest are not applicable)."""
    return {k: t.model_dump(mode="json") for k, t in tallies.items() if t.expected or t.extra}
