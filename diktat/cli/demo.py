"""`diktat demo`: transcribe the bundled sample dictation and structure it into a note."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.panel import Panel

from diktat.cli.app import app
from diktat.cli.asr_flags import AsrFlags
from diktat.cli.common import err_console, out_console, user_errors
from diktat.structuring.pipeline import structure
from diktat.structuring.render import render
from diktat.stt.audio import bundled_sample
from diktat.stt.batch import transcribe_file
from diktat.stt.factory import decode_options, load_engine


@app.command()
@user_errors
def demo(
    audio: Path = typer.Option(None, "--audio", help="Use this recording instead of the sample."),
) -> None:
    """Transcribe the bundled (synthetic) Norwegian sample dictation and structure it, offline."""
    path = audio or bundled_sample()
    settings = AsrFlags().settings()
    err_console.print(f"Loading model {settings.asr.model} (assembled on first use) ...")
    engine = load_engine(settings)
    transcript, warning = transcribe_file(engine, path, decode_options(settings.asr))
    if warning:
        err_console.print(f"[yellow]![/] {warning}")
    out_console.print(
        Panel(transcript.text or "(ingen tale funnet)", title=f"Transkripsjon – {path.name}",
              title_align="left")
    )
    note = structure(transcript, backend="rules", source_file=str(path))
    out_console.print(
        Panel(render(note, "text"), title="Strukturert notat (regelbasert)", title_align="left")
    )
    t = transcript.timings
    err_console.print(
        f"{transcript.duration:.1f} s audio transcribed in {t.total_s:.1f} s "
        f"(real-time factor {transcript.real_time_factor:.2f}) by {engine.model_id} on "
        f"{engine.device}/{engine.compute_type}; model loaded in {engine.load_s:.1f} s.",
        highlight=False,
    )
