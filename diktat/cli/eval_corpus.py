"""`diktat eval make-corpus | import | compare`: build and import corpora, compare two runs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from diktat.cli.common import err_console, out_console, user_errors
from diktat.cli.eval import eval_app, print_problems
from diktat.errors import InputError
from diktat.eval.compare import write_comparison
from diktat.eval.corpus import DEFAULT_VARIANTS, Variant, make_corpus
from diktat.eval.importers import import_corpus
from diktat.eval.manifest import write_manifest
from diktat.eval.plots import require_matplotlib

VARIANTS = {v.name: v for v in DEFAULT_VARIANTS}


@eval_app.command("make-corpus")
@user_errors
def make_corpus_command(
    texts: Path = typer.Argument(..., help='JSONL of {"id": ..., "text": ...} reference texts.'),
    out: Path = typer.Argument(..., help="Folder for audio/ and manifest.jsonl."),
    limit: int = typer.Option(None, "--limit", "-n", help="Only the first N texts."),
    variants: str = typer.Option(
        ",".join(VARIANTS), "--variants",
        help=f"Ways of speaking each text, comma-separated: {', '.join(VARIANTS)}."),
    silence_clips: int = typer.Option(
        0, "--silence-clips", help="Add this many silence clips and as many noise-only clips."),
    silence_seconds: float = typer.Option(6.0, "--silence-seconds", help="Their length."),
) -> None:
    """Speak reference texts with espeak-ng into a synthetic corpus (labelled synthetic).

    Resumable: clips already made with the same text and settings are kept.
    """
    chosen = parse_variants(variants)
    with err_console.status("Synthesising speech with espeak-ng ..."):
        build = make_corpus(texts, out, variants=chosen, limit=limit,
                            silence_clips=silence_clips, silence_duration_s=silence_seconds)
    print_problems(build.manifest.problems)
    out_console.print(
        f"{len(build.manifest.items)} clip(s) ({build.made} made, {build.reused} reused) → "
        f"{build.manifest.path}", highlight=False, markup=False)
    if build.manifest.problems:
        raise typer.Exit(1)


def parse_variants(spec: str) -> list[Variant]:
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in VARIANTS]
    if unknown or not names:
        raise InputError(f"--variants: unknown {unknown or spec!r}; choose from "
                         f"{', '.join(VARIANTS)}.")
    return [VARIANTS[name] for name in dict.fromkeys(names)]


@eval_app.command("import")
@user_errors
def import_command(
    kind: str = typer.Argument(..., help="common-voice, npsc, kaldi or folder."),
    source: Path = typer.Argument(..., help="The corpus file or folder."),
    out_manifest: Path = typer.Argument(..., help="Manifest to write (JSONL)."),
) -> None:
    """Turn a Norwegian speech corpus into a manifest; unusable records are listed, not dropped."""
    manifest = import_corpus(kind, source)
    print_problems(manifest.problems)
    if not manifest.items:
        raise InputError(f"{source}: no usable item to import.")
    write_manifest(manifest.items, out_manifest)
    out_console.print(f"{len(manifest.items)} item(s) → {out_manifest}; "
                      f"{len(manifest.problems)} skipped", highlight=False, markup=False)
    if manifest.problems:
        raise typer.Exit(1)


@eval_app.command("compare")
@user_errors
def compare_command(
    run_a: Path = typer.Argument(..., help="First run: its folder or report.json."),
    run_b: Path = typer.Argument(..., help="Second run: its folder or report.json."),
    out: Path = typer.Argument(..., help="Folder for compare.md, compare.json and the plot."),
    label_a: str = typer.Option(None, "--label-a", help="Name for run A (default its folder)."),
    label_b: str = typer.Option(None, "--label-b", help="Name for run B (default its folder)."),
) -> None:
    """Two runs side by side (e.g. two models on one manifest), with B − A for every figure."""
    require_matplotlib()
    result, written = write_comparison(run_a, run_b, out, (label_a, label_b))
    table = Table("metric", escape(f"A: {result['a']['label']}"),
                  escape(f"B: {result['b']['label']}"), "better",
                  title="diktat eval compare", title_justify="left")
    for row in result["metrics"]:
        table.add_row(row["metric"], _show(row["a"]), _show(row["b"]), row["winner"] or "")
    out_console.print(table)
    err_console.print("Comparison: " + ", ".join(str(p) for p in written), highlight=False,
                      markup=False)


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "–" if value is None else str(value)
