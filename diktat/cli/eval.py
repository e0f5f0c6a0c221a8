"""`diktat eval ...`: evaluate transcription, notes and time saved; reports as JSON, Markdown, PNG.

Thin wrappers over :mod:`diktat.eval`; the corpus commands (make-corpus, import, compare) are in
``eval_corpus.py``. Exit codes: 0 ok, 1 some items were skipped (listed, and counted in the
report), 2 bad input or option, 3 model missing, 4 output not written, 130 interrupted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from diktat.cli.app import app
from diktat.cli.asr_flags import AsrFlags, asr_flags
from diktat.cli.common import err_console, out_console, user_errors
from diktat.config import Settings, load_settings
from diktat.errors import ConfigError, InputError
from diktat.eval.manifest import Manifest, ManifestProblem, load_manifest
from diktat.eval.markdown import fmt_num, fmt_pct
from diktat.eval.notes import cases_from_folder, cases_from_manifest, evaluate_notes
from diktat.eval.plots import require_matplotlib
from diktat.eval.report import load_report, overrides_from_report, report_data, write_report
from diktat.eval.run import EvalRun, Transcribed, score_run, transcribe_manifest
from diktat.eval.time_saved import estimate, parameters
from diktat.structuring.options import llm_options
from diktat.structuring.pipeline import BACKENDS
from diktat.stt.factory import decode_options, load_engine

eval_app = typer.Typer(
    name="eval",
    help="Measure transcription, structured notes and time saved; JSON + Markdown + PNG reports.",
    no_args_is_help=True,
)
app.add_typer(eval_app, name="eval")

MANIFEST_ARG = typer.Argument(..., help="Manifest (JSONL): one {audio, text, ...} per line.")
OUT_OPT = typer.Option(..., "--out", "-o", help="Folder for results.jsonl and the report.")
FORCE_OPT = typer.Option(False, "--force", help="Transcribe again even what results.jsonl has.")
ANCHORS_OPT = typer.Option(
    None, "--anchors",
    help="Add a file of published figures (e.g. WER_ANCHORS.md), labelled as other systems on "
         "other data.")
BACKEND_OPT = typer.Option("rules", "--backend", "-b", help="Structuring backend: rules|llm|auto.")
LLM_MODEL_OPT = typer.Option(None, "--llm-model", help="LLM registry name or .gguf path.")
PARAM_OPT = typer.Option(
    None, "--param", "-p", help="Time-saved parameter NAME=VALUE (repeatable), e.g. typing_wpm=40.")


@eval_app.command("asr")
@user_errors
@asr_flags
def asr_command(
    manifest: Path = MANIFEST_ARG,
    out: Path = OUT_OPT,
    force: bool = FORCE_OPT,
    anchors: Path = ANCHORS_OPT,
    *,
    asr: AsrFlags,
) -> None:
    """Transcribe MANIFEST's clips and score them (WER/CER, groups, terms, speed, memory).

    Resumable: run the same command again to continue an interrupted run.
    """
    settings = asr.settings()
    _evaluate_audio(manifest, out, settings, asr.add_vocabulary, force=force, anchors=anchors)


@eval_app.command("all")
@user_errors
@asr_flags
def all_command(
    manifest: Path = MANIFEST_ARG,
    out: Path = OUT_OPT,
    force: bool = FORCE_OPT,
    anchors: Path = ANCHORS_OPT,
    backend: str = BACKEND_OPT,
    llm_model: str = LLM_MODEL_OPT,
    param: list[str] = PARAM_OPT,
    *,
    asr: AsrFlags,
) -> None:
    """Everything `asr` measures, plus structured notes and the time saved per vakt.

    Notes are scored for the items with a gold_note, structured from the transcript and from
    the reference; time saved uses the measured WER, speed and words per note.
    """
    settings = asr.settings()
    _check_backend(backend)
    overrides = parse_params(param)
    parameters(overrides)  # a bad parameter stops the run before any transcribing
    _evaluate_audio(manifest, out, settings, asr.add_vocabulary, force=force, anchors=anchors,
                    full={"backend": backend, "llm": llm_options(settings, llm_model),
                          "overrides": overrides})


@eval_app.command("notes")
@user_errors
def notes_command(
    source: Path = typer.Argument(
        ..., help="A folder of NAME.txt/NAME.json + NAME.expected.json, or a manifest whose "
                  "items have gold_note (their reference text is structured; no audio needed)."),
    out: Path = typer.Option(None, "--out", "-o", help="Write report.json and report.md here."),
    backend: str = BACKEND_OPT,
    llm_model: str = LLM_MODEL_OPT,
) -> None:
    """Structure texts into notes and score them against gold notes: facts (precision, recall,
    F1), and value, medication-tuple and assertion accuracy, words visible and every dangerous
    error with its dictation and field (report.json notes.*.clinical, report.md)."""
    _check_backend(backend)
    if source.is_dir():
        cases, problems = cases_from_folder(source)
        total = len(cases) + len(problems)
    else:
        manifest = load_manifest(source, check_audio=False)
        cases, malformed = cases_from_manifest(manifest.items)
        no_gold = [ManifestProblem("no gold_note to score against", item_id=item.id)
                   for item in manifest.items if item.gold_note is None]
        problems = [*manifest.problems, *malformed, *no_gold]
        total = len(manifest.items) + len(manifest.problems)
    print_problems(problems)
    if not cases:
        raise InputError(f"{source}: no note with a usable gold note to score.")
    llm = llm_options(load_settings(), llm_model)
    evaluation = evaluate_notes(cases, backend, llm=llm)  # type: ignore[arg-type]
    run = EvalRun(kind="notes", source=str(source), items_in_source=total,
                  items_scored=len(cases), problems=tuple(problems),
                  notes={"from_text": evaluation})
    _finish(run, out, anchors=None)


@eval_app.command("time-saved")
@user_errors
def time_saved_command(
    param: list[str] = PARAM_OPT,
    from_report: Path = typer.Option(
        None, "--from-report", help="Take the measured WER, speed and words per note from this "
                                    "report.json (or its folder)."),
    out: Path = typer.Option(None, "--out", "-o", help="Write report.json, report.md, plot."),
) -> None:
    """Minutes saved per employee per vakt, with sources and a sensitivity table.

    Parameters: defaults < --from-report < --param.
    """
    overrides: dict[str, Any] = {}
    if from_report is not None:
        overrides |= overrides_from_report(load_report(from_report), from_report.name)
    overrides |= parse_params(param)
    estimate_ = estimate(parameters(overrides))
    if out is not None:
        require_matplotlib()
    run = EvalRun(kind="time-saved", source=str(from_report) if from_report else None,
                  items_in_source=0, items_scored=0, problems=(), time_saved=estimate_)
    _finish(run, out, anchors=None)


# --- helpers --------------------------------------------------------------------------------------
def parse_params(specs: list[str] | None) -> dict[str, dict[str, Any]]:
    """``["typing_wpm=40"]`` → ``{"typing_wpm": {"value": 40.0, "source": ...}}``; a malformed
    entry is a ConfigError."""
    out: dict[str, dict[str, Any]] = {}
    for spec in specs or ():
        name, sep, value = spec.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--param expects NAME=VALUE, got {spec!r}")
        try:
            out[name.strip()] = {"value": float(value), "source": "--param on the command line"}
        except ValueError:
            raise ConfigError(f"--param {name.strip()}: {value!r} is not a number") from None
    return out


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")


def _check_anchors(anchors: Path | None) -> None:
    if anchors is not None and not anchors.is_file():
        raise InputError(f"--anchors {anchors}: no such file.")


def _evaluate_audio(
    manifest_path: Path, out: Path, settings: Settings, add_vocabulary: list[Path] | None, *,
    force: bool, anchors: Path | None, full: dict[str, Any] | None = None,
) -> None:
    require_matplotlib()
    _check_anchors(anchors)
    manifest = load_manifest(manifest_path)
    print_problems(manifest.problems)
    if not manifest.items:
        raise InputError(f"{manifest_path}: no usable item to evaluate (see the problems above).")
    opts = decode_options(settings.asr, tuple(add_vocabulary or ()))
    engine = load_engine(settings)
    err_console.print(
        f"Model {engine.model_id} on {engine.device}/{engine.compute_type}, {engine.threads} "
        f"threads; {len(manifest.items)} clip(s)", highlight=False, markup=False)
    transcribed = _transcribe(manifest, engine, opts, out, force)
    run = score_run(manifest, transcribed, full=full is not None, **(full or {}))
    _finish(run, out, anchors)


def _transcribe(manifest: Manifest, engine, opts, out: Path, force: bool) -> Transcribed:
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("clips"), TimeRemainingColumn(), console=err_console,
                        refresh_per_second=2)  # little CPU taken from the decoder
    with progress:
        task = progress.add_task("transcribing", total=len(manifest.items))

        def on_finish(item, result) -> None:
            progress.advance(task)
            if result.status == "failed":
                progress.console.print(f"[red]✗[/] {escape(f'[{item.id}] {result.error}')}",
                                       highlight=False)
            elif result.warning:
                progress.console.print(f"[yellow]![/] {escape(f'[{item.id}] {result.warning}')}",
                                       highlight=False)

        try:
            return transcribe_manifest(manifest, engine, opts, out, force=force,
                                       on_finish=on_finish)
        except KeyboardInterrupt:
            progress.stop()
            err_console.print("[yellow]Interrupted.[/] Finished clips are kept in "
                              f"{out / 'results.jsonl'}; run the same command again to resume.",
                              highlight=False)
            raise typer.Exit(130) from None


def _finish(run: EvalRun, out: Path | None, anchors: Path | None) -> None:
    """Write the report (when ``out``), print the summary; exit 1 when items were skipped."""
    data = report_data(run)
    _print_summary(data)
    if out is not None:
        written = write_report(data, out, anchors=anchors)
        err_console.print("Report: " + ", ".join(str(p) for p in written), highlight=False,
                          markup=False)
    if run.problems:
        err_console.print(f"[yellow]![/] {len(run.problems)} item(s) skipped; see Problems in "
                          "the report.", highlight=False)
        raise typer.Exit(1)


def print_problems(problems: list[ManifestProblem] | tuple[ManifestProblem, ...]) -> None:
    for problem in problems:
        err_console.print(f"[red]✗[/] {escape(str(problem))}", highlight=False, soft_wrap=True)


def _print_summary(data: dict[str, Any]) -> None:
    counts = data["counts"]
    table = Table(show_header=False, title=f"diktat eval {data['kind']}", title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    if data["kind"] != "time-saved":
        reused = f", {counts['reused_from_earlier_run']} reused" if "asr" in data else ""
        table.add_row("scored", f"{counts['items_scored']} of {counts['items_in_source']} "
                                f"({counts['problems']} problem(s){reused})")
    for label, value in _summary_rows(data):
        table.add_row(label, value)
    out_console.print(table)


def _summary_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    if asr := data.get("asr"):
        corpus = asr["corpus"]
        ci = corpus["wer_ci"]
        rows += [("WER", fmt_pct(corpus["wer"]) + (f"  (95 % CI {fmt_pct(ci[0])} – "
                                                   f"{fmt_pct(ci[1])})" if ci else "")),
                 ("CER", fmt_pct(corpus["cer"])),
                 ("drug names recall", fmt_pct(asr["drugs"]["recall"])),
                 ("numbers recall", fmt_pct(asr["numbers"]["recall"])),
                 ("hallucination", fmt_pct(asr["hallucination"]["rate"]))]
    if perf := data.get("performance"):
        rows += [("real-time factor", fmt_num(perf["rtf"], 3)),
                 ("latency median / p95", f"{fmt_num(perf['latency_median_s'])} / "
                                          f"{fmt_num(perf['latency_p95_s'])} s"),
                 ("peak RSS", f"{fmt_num(perf['peak_rss_mib'], 0)} MiB")]
    for name, notes in (data.get("notes") or {}).items():
        total = notes["total"]
        rows.append((f"notes {name}: micro F1",
                     f"{fmt_num(total['f1'])} (P {fmt_num(total['precision'])}, "
                     f"R {fmt_num(total['recall'])}; {notes['notes']} notes)"))
        if c := notes.get("clinical"):
            rows += [(f"notes {name}: values right", fmt_pct(c["value_accuracy"])),
                     (f"notes {name}: medication tuples right",
                      fmt_pct(c["medication_tuple_accuracy"])),
                     (f"notes {name}: assertions right", fmt_pct(c["assertion_accuracy"])),
                     (f"notes {name}: words visible", fmt_pct(c["coverage"]["visible_share"])),
                     (f"notes {name}: dangerous errors", str(c["dangerous_count"]))]
    if ts := data.get("time_saved"):
        rows.append(("time saved", f"{fmt_num(ts['minutes_saved_per_vakt'], 1)} min per vakt "
                                   f"({fmt_num(ts['per_note']['saved'], 1)} s per note)"))
    return rows
