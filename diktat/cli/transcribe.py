"""`diktat transcribe`: files and folders → txt/json/srt/vtt, resumable, with a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from diktat.cli.app import app
from diktat.cli.asr_flags import AsrFlags, asr_flags
from diktat.cli.common import err_console, out_console, user_errors
from diktat.errors import ConfigError
from diktat.structuring.options import LlmOptions, llm_options
from diktat.stt.batch import BatchSummary, DerivedOutputs, plan_jobs, run_batch
from diktat.stt.factory import decode_options, load_engine
from diktat.stt.formats import parse_formats
from diktat.types import Transcript


@app.command()
@user_errors
@asr_flags
def transcribe(
    paths: list[Path] = typer.Argument(..., help="Audio files and/or folders."),
    output_dir: Path = typer.Option(Path("."), "--output-dir", "-o", help="Where outputs go."),
    formats: str = typer.Option("txt,json", "--format", "-f", help="Any of txt,json,srt,vtt."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Include subfolders."),
    force: bool = typer.Option(False, "--force", help="Redo files whose outputs are up to date."),
    structure_notes: bool = typer.Option(
        False, "--structure", help="Also write a structured note: NAME.note.txt and NAME.note.json."
    ),
    backend: str = typer.Option(
        None, "--backend", help="Structuring backend: rules|llm|auto (default: [structuring])."
    ),
    show_text: bool = typer.Option(
        None, "--print/--no-print", help="Print the transcript (default: when one file)."
    ),
    ray_address: str = typer.Option(
        None, "--ray", metavar="ADDRESS",
        help="Spread the files over Ray workers: 'local' (this machine) or the cluster's "
        "HOST:PORT (needs RAY_USE_TLS=1; README: Batch across machines on Ray).",
    ),
    ray_workers: int = typer.Option(
        None, "--ray-workers", min=0, help="Ray workers, each with one model (0 = auto)."
    ),
    *,
    asr: AsrFlags,
) -> None:
    """Transcribe recordings offline. Outputs already up to date are skipped (resumable)."""
    try:
        fmts = parse_formats(formats)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    settings = asr.settings()
    opts = decode_options(settings.asr, asr.add_vocabulary)
    jobs, problems = plan_jobs(paths, output_dir, recursive=recursive)
    for p in problems:
        err_console.print(f"[red]✗[/] {p.error}", highlight=False)
    if not jobs:
        raise typer.Exit(1)

    derived = None
    if structure_notes:
        derived = note_outputs(backend or settings.structuring.backend, llm_options(settings))
    started = time.perf_counter()
    if ray_address:
        summary = _run_on_ray(jobs, settings, ray_address, ray_workers, opts, fmts, output_dir,
                              force, derived)
    else:
        engine = load_engine(settings, many=True)
        err_console.print(
            f"Model {engine.model_id} on {engine.device}/{engine.compute_type}, "
            f"{engine.threads} threads; {len(jobs)} file(s)",
            highlight=False,
        )
        started = time.perf_counter()

        def run(**callbacks) -> BatchSummary:
            return run_batch(jobs, engine, opts, fmts, output_dir, force=force, derived=derived,
                             **callbacks)

        summary = _run_with_progress(jobs, run)
    summary.results[:0] = problems
    _print_summary(summary, time.perf_counter() - started)

    done = [r for r in summary.results if r.status == "done"]
    if show_text or (show_text is None and len(jobs) == 1 and len(done) == 1):
        for r in done:
            out_console.print(r.transcript.text if r.transcript else "", highlight=False)
    if not summary.ok:
        raise typer.Exit(1)


def note_maker(backend: str, llm: LlmOptions) -> Callable[[Transcript], tuple[str, str]]:
    """transcript → the structured note as (EPJ text, JSON) (issue: structured journal notes)."""
    from diktat.structuring.pipeline import BACKENDS, structure
    from diktat.structuring.render import render

    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")

    def make(transcript: Transcript) -> tuple[str, str]:
        note = structure(transcript, backend=backend, llm=llm)
        return render(note, "text") + "\n", render(note, "json")

    return make


def note_outputs(backend: str, llm: LlmOptions) -> DerivedOutputs:
    """Structured note files written beside each transcript (the user's files, not the store's)."""
    make = note_maker(backend, llm)

    def files(transcript: Transcript) -> dict[str, str]:
        text, json_doc = make(transcript)
        return {"note.txt": text, "note.json": json_doc}

    return DerivedOutputs(("note.txt", "note.json"), files, f"note-{backend}")


def _run_on_ray(jobs, settings, address, workers, opts, fmts, output_dir, force, derived):
    """The same batch on Ray workers (`diktat.stt.ray_batch`): the done-log, the outputs and
    the progress bar stay here; the workers only transcribe."""
    from diktat.stt.ray_batch import run_on_ray  # Ray is imported only when asked for
    from diktat.stt.ray_pool import RayPool

    err_console.print(f"Starting Ray workers ({address})...", highlight=False)
    with RayPool(settings, address, workers=workers) as pool:
        m = pool.model
        nodes = len({i.node for i in pool.infos.values()})
        err_console.print(
            f"Model {m.model_id} on {m.device}/{m.compute_type}, {m.threads} threads; "
            f"{len(pool.actors)} Ray worker(s) on {nodes} node(s); {len(jobs)} file(s)",
            highlight=False,
        )

        def run(**callbacks) -> BatchSummary:
            return run_on_ray(pool, jobs, opts, fmts, output_dir, force=force, derived=derived,
                            **callbacks)

        return _run_with_progress(jobs, run)


def _run_with_progress(jobs, run: Callable[..., BatchSummary]) -> BatchSummary:
    """`run(on_start=, on_finish=)` (the local batch or the Ray one) under a progress bar."""
    total_audio = sum(j.duration or 0.0 for j in jobs)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[files]}/{task.fields[n]} files"),
        TextColumn("{task.completed:.1f}/{task.total:.1f} min audio"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )
    with progress:
        task = progress.add_task(
            "transcribing", total=max(total_audio / 60, 1e-9), files=0, n=len(jobs)
        )

        def on_start(job):
            progress.update(task, description=job.source.name)

        def on_finish(job, result):
            files = progress.tasks[task].fields["files"] + 1
            progress.update(task, advance=(job.duration or 0.0) / 60, files=files)
            if result.status == "failed":
                progress.console.print(f"[red]✗[/] {result.error}", highlight=False)
            elif result.warning:
                progress.console.print(
                    f"[yellow]![/] {job.source}: {result.warning}", highlight=False
                )

        try:
            summary = run(on_start=on_start, on_finish=on_finish)
        except KeyboardInterrupt:
            progress.stop()
            err_console.print(
                "[yellow]Interrupted.[/] Finished files are kept; run the same command again "
                "to resume.",
                highlight=False,
            )
            raise typer.Exit(130) from None
        progress.update(task, description="done")
    return summary


def _print_summary(summary: BatchSummary, wall_s: float) -> None:
    counts = summary.counts
    done = [r for r in summary.results if r.status == "done"]
    audio = sum(r.audio_s for r in done)
    busy = sum(r.elapsed_s for r in done)
    rtf = f", real-time factor {busy / audio:.3f}" if audio > 0 else ""
    err_console.print(
        f"{counts['done']} transcribed, {counts['skipped']} up to date (skipped), "
        f"{counts['failed']} failed; {audio / 60:.1f} min audio in {wall_s:.1f} s{rtf}",
        highlight=False,
    )
    if summary.failed:
        table = Table("file", "error", title="Failed", title_justify="left", show_lines=False)
        for r in summary.failed:
            table.add_row(str(r.source), r.error or "")
        err_console.print(table)
    if summary.aborted:
        err_console.print(f"[bold red]Stopped:[/] {summary.aborted}", highlight=False)
