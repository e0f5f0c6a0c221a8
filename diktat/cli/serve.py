"""`diktat serve`: the local web app and API (see diktat.server). Loopback by default; any other
address needs a token, or the command refuses to start (exit code 2) before binding."""

from __future__ import annotations

from pathlib import Path

import typer

from diktat.cli.app import app
from diktat.cli.asr_flags import MODEL_OPT, MODELS_DIR_OPT, THREADS_OPT, AsrFlags
from diktat.cli.common import err_console, user_errors, with_options
from diktat.errors import DiktatError


@app.command("serve")
@user_errors
def serve_command(
    host: str = typer.Option(None, "--host", help="Address to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port (default 8765)."),
    token: str = typer.Option(
        None, "--token", envvar="DIKTAT_SERVER__TOKEN", show_envvar=True,
        help="A key for programs (transcribe, structure, jobs; never drafts): off loopback the "
        "server needs it or sign-in ([auth]).",
    ),
    sessions_dir: Path = typer.Option(
        None, "--sessions-dir", help="Session store (audio, transcripts, notes)."
    ),
    model: str = MODEL_OPT,
    threads: int = THREADS_OPT,
    models_dir: Path = MODELS_DIR_OPT,
) -> None:
    """Serve the dictation web page and API on this machine (Ctrl-C stops)."""
    try:
        from diktat.server.run import (
            check_bind,
            check_sign_in,
            check_tls,
            hosts_warning,
            serve,
            unencrypted_warning,
        )
    except ImportError as exc:
        raise DiktatError(
            f"the server needs the 'server' extra: pip install 'diktat[server]' ({exc})"
        ) from None

    settings = AsrFlags(model=model, threads=threads, models_dir=models_dir).settings()
    settings = with_options(settings, "server", {"host": host, "port": port, "token": token},
                            sessions_dir=sessions_dir)
    check_bind(settings.server, sign_in=settings.auth.enabled)
    check_sign_in(settings)
    check_tls(settings.server)
    for warning in (unencrypted_warning(settings.server), hosts_warning(settings.server)):
        if warning:
            err_console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    scheme = "https" if settings.server.tls else "http"
    where = f"{scheme}://{settings.server.host}:{settings.server.port}/"
    err_console.print(f"diktat serve: laster modellen og lytter på {where} (Ctrl-C stopper)",
                      highlight=False)
    serve(settings)
