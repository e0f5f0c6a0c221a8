"""`diktat structure` (transcript → journal note) and `diktat lexicon ...` (the drug lexicon)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from diktat.cli.app import app
from diktat.cli.common import err_console, out_console, user_errors
from diktat.config import load_settings
from diktat.errors import ConfigError, InputError, OutputError
from diktat.structuring.lexicon import IMPORT_SOURCES, Lexicon, import_normedterm, parse_lexicon
from diktat.structuring.options import llm_options
from diktat.structuring.pipeline import BACKENDS, load_transcript, structure
from diktat.structuring.render import FORMATS, render

USER_LEXICON_NAME = "drugs_user.txt"

lexicon_app = typer.Typer(
    name="lexicon", help="The drug lexicon used to recognise drug names.", no_args_is_help=True
)
app.add_typer(lexicon_app, name="lexicon")


def user_lexicon_path() -> Path:
    """`<data dir>/lexicon/drugs_user.txt`: beside the models folder in the user data dir."""
    return load_settings().models_dir.parent / "lexicon" / USER_LEXICON_NAME


def load_lexicon() -> Lexicon:
    """The built-in lexicon plus the user's imported names."""
    return Lexicon.load(user_lexicon_path())


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


@app.command("structure")
@user_errors
def structure_command(
    transcript: Path = typer.Argument(..., help="Transcript: .txt, or .json from `transcribe`."),
    backend: str = typer.Option(
        None, "--backend", "-b", help="rules, llm or auto (default: [structuring] backend)."
    ),
    llm_model: str = typer.Option(
        None, "--llm-model", help="LLM registry name or .gguf path (default: the bundled one)."
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="text (for the EPJ) or json."),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    service: str = typer.Option(None, "--service", help="hjemmetjeneste, sykehjem, ..."),
) -> None:
    """Turn a transcript into a structured journal note. Only what was said is kept."""
    settings = load_settings()
    backend = backend or settings.structuring.backend
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if transcript.is_dir():
        raise InputError(f"{transcript} is a folder; give one transcript file")
    note = structure(
        load_transcript(transcript), backend,  # type: ignore[arg-type]
        lexicon=load_lexicon(), service=service, source_file=transcript.name,
        llm=llm_options(settings, llm_model),
    )
    text = render(note, fmt)  # type: ignore[arg-type]
    if output is None:
        out_console.print(text, end="", highlight=False, markup=False, soft_wrap=True)
    else:
        _write(output, text)
        err_console.print(f"Note written to {output}", highlight=False)
    for warning in note.warnings:
        err_console.print(f"[yellow]![/] {warning}", highlight=False)
    if note.dropped:
        err_console.print(
            f"[yellow]![/] {len(note.dropped)} value(s) without support in the transcript were "
            "left out (see `dropped` in --format json)", highlight=False,
        )


@lexicon_app.command("import")
@user_errors
def lexicon_import(
    csv_file: Path = typer.Argument(..., help="NorMedTerm.csv (tab-separated)."),
    sources: str = typer.Option(
        ",".join(IMPORT_SOURCES), "--sources", help="Source IDs to take SUBSTANCE terms from."
    ),
) -> None:
    """Add NorMedTerm's SUBSTANCE (drug) terms to your lexicon; they match by sound only."""
    if not csv_file.is_file():
        raise InputError(f"{csv_file}: no such file")
    wanted = tuple(s.strip().upper() for s in sources.split(",") if s.strip())
    if not wanted:
        raise ConfigError("--sources is empty; give e.g. FEST or FEST,MO")
    dest = user_lexicon_path()
    try:
        result = import_normedterm(csv_file, dest, wanted)
    except UnicodeDecodeError:
        raise InputError(f"{csv_file}: not UTF-8 text") from None
    except ValueError as exc:
        raise InputError(f"{csv_file}: not NorMedTerm's format ({exc})") from None
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None
    out_console.print(
        f"{result.read} SUBSTANCE terms read, {result.added} new names added; "
        f"{result.total} names in {result.path}", highlight=False,
    )


@lexicon_app.command("list")
@user_errors
def lexicon_list(
    show_all: bool = typer.Option(False, "--all", help="Print every name, not just counts."),
) -> None:
    """Show the built-in drug names and your imported ones."""
    path = user_lexicon_path()
    builtin = Lexicon.builtin()
    user = parse_lexicon(path.read_text(encoding="utf-8")) if path.is_file() else []
    table = Table(title="Drug lexicon")
    table.add_column("Source")
    table.add_column("Names", justify="right")
    table.add_column("Matching")
    table.add_row("built-in", str(len(builtin)), "fuzzy (Whisper spellings)")
    table.add_row(str(path), str(len(user)), "by sound only")
    out_console.print(table)
    if show_all:
        for name in builtin.names:
            out_console.print(name, highlight=False)
        for names in user:
            out_console.print(names[0], highlight=False)
