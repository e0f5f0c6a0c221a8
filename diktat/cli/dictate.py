"""`diktat dictate`: live dictation from the microphone (or a file or pipe standing in for it)
into a session of the journal store (its audio, transcript, text and note)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live
from rich.prompt import Confirm

from diktat.cli.app import app
from diktat.cli.asr_flags import (
    LANGUAGE_OPT,
    MODEL_OPT,
    MODELS_DIR_OPT,
    THREADS_OPT,
    VOCAB_OPT,
    AsrFlags,
)
from diktat.cli.common import (
    announce_new_key,
    err_console,
    out_console,
    user_errors,
    with_options,
)
from diktat.cli.dictate_view import copy_to_clipboard, keyboard, render_view
from diktat.cli.transcribe import note_maker
from diktat.config import Settings
from diktat.errors import DiktatError
from diktat.store.audit import AuditLog
from diktat.store.keys import using_store
from diktat.store.retention import prune
from diktat.store.sealed import Keyring
from diktat.store.sessions import SessionNote, SessionStore
from diktat.structuring.options import llm_options
from diktat.stt.factory import decode_options, dictation_options, load_engine
from diktat.stt.streaming.commands import format_commands, load_commands
from diktat.stt.streaming.dictation import (
    Controls,
    DictationResult,
    DictationView,
    dictate,
)
from diktat.stt.streaming.recovery import recover_all
from diktat.stt.streaming.sources import (
    AudioSource,
    FileSource,
    MicrophoneSource,
    PcmStreamSource,
    input_devices,
)


@app.command("dictate")
@user_errors
def dictate_command(
    mic: str = typer.Option(
        None, "--mic", help="Input device: index or (part of) its name (see --list-devices)."
    ),
    input_path: str = typer.Option(
        None, "--input", "-i",
        help="Dictate from an audio file instead of the microphone; '-' reads raw 16-bit PCM "
        "from stdin (see --rate).",
    ),
    realtime: bool = typer.Option(
        False, "--realtime", help="Replay --input FILE at speaking pace, as a microphone would."
    ),
    rate: int = typer.Option(16_000, "--rate", help="Sample rate of raw PCM on stdin."),
    mode: str = typer.Option(None, "--mode", help="toggle (default) or push-to-talk."),
    pause: float = typer.Option(None, "--pause", help="Seconds of silence that end an utterance."),
    commands_file: Path = typer.Option(
        None, "--commands", help="Voice command file replacing the built-in list."
    ),
    backend: str = typer.Option(None, "--backend", help="Note structuring: rules|llm|auto."),
    copy: bool = typer.Option(None, "--copy/--no-copy", help="Copy the note to the clipboard."),
    recover: bool = typer.Option(
        False, "--recover", help="Finish every session a crash left unfinished, then exit."
    ),
    discard: str = typer.Option(None, "--discard", help="Delete the session with this id."),
    list_devices: bool = typer.Option(False, "--list-devices", help="List input devices."),
    list_commands: bool = typer.Option(
        False, "--list-commands", help="Print the voice commands in the command-file format."
    ),
    sessions_dir: Path = typer.Option(
        None, "--sessions-dir", help="Session store (audio, transcripts, notes)."
    ),
    model: str = MODEL_OPT,
    threads: int = THREADS_OPT,
    language: str = LANGUAGE_OPT,
    vocabulary: str = VOCAB_OPT,
    models_dir: Path = MODELS_DIR_OPT,
) -> None:
    """Dictate live: space pauses, q (or Ctrl-C, or saying «stopp diktat») finishes and saves.

    Voice commands («punktum», «ny linje», «slett siste setning», ...) act on the text.
    Audio is saved as it is recorded; after a crash, the next start offers to recover it."""
    settings = with_options(
        with_options(
            AsrFlags(model=model, threads=threads, language=language, vocabulary=vocabulary,
                     models_dir=models_dir).settings(),
            "structuring", {"backend": backend},
        ),
        "dictate",
        {"device": mic, "mode": mode, "pause_s": pause, "commands": commands_file,
         "clipboard": copy},
        sessions_dir=sessions_dir,
    )
    cfg = settings.dictate
    if list_devices:
        devices = input_devices()
        for line in devices:
            out_console.print(line, highlight=False)
        if not devices:
            err_console.print("No input devices found (is a microphone or sound server there?)")
        return
    commands = load_commands(cfg.commands)
    if list_commands:
        out_console.print(format_commands(commands), end="", highlight=False)
        return
    with using_store(settings, on_created=announce_new_key) as keys:
        store = SessionStore(settings.session_store_dir, keys)
        audit = AuditLog(settings.audit_log_path)
        if discard:
            store.delete(discard, audit=audit, actor="cli")
            err_console.print(f"Økt {discard} er slettet.", highlight=False)
            return
        _apply_retention(settings, keys)

        source = None if recover else _source(input_path, realtime, rate, cfg.device)
        engine = load_engine(settings, live=source is not None and source.live)
        decode = decode_options(settings.asr)
        make_note = _session_note(note_maker(settings.structuring.backend, llm_options(settings)))
        if recover or _offer_recovery(store, interactive=input_path is None):
            results = recover_all(
                store, engine, decode=decode, commands=commands, make_note=make_note
            )
            for result in results:
                _audit(audit, result, settings.structuring.backend)
                _report(result, copy=False)
            if not results:
                err_console.print("Ingen uavsluttede diktater å gjenopprette.", highlight=False)
            if recover:
                return

        controls = Controls(cfg.mode)
        options = dictation_options(cfg)
        previous_term = signal.signal(signal.SIGTERM, lambda *_: controls.stop())
        try:
            if sys.stdout.isatty():
                result = _run_with_view(source, engine, store, decode, options, commands, controls,
                                        make_note, cfg.low_confidence)
            else:
                result = dictate(source, engine, store, decode=decode, options=options,
                                 commands=commands, controls=controls, make_note=make_note)
        except KeyboardInterrupt:  # a second Ctrl-C while the first one was saving
            err_console.print(
                "[yellow]Avbrutt.[/] Lyden er lagret; kjør `diktat dictate --recover` for å "
                "fullføre.",
                highlight=False,
            )
            raise typer.Exit(130) from None
        finally:
            signal.signal(signal.SIGTERM, previous_term)
        _audit(audit, result, settings.structuring.backend)
        _report(result, copy=cfg.clipboard)


def _audit(audit: AuditLog, result: DictationResult, structurer: str) -> None:
    """The audit entry of a dictation the command line finished or recovered (as the server's)."""
    audit.record(
        "dictation.recovered" if result.state == "recovered" else "dictation.finished",
        actor="cli", session_id=result.session_id, note_id=result.session_id,
        asr_model=result.transcript.model_id, asr_model_sha256=result.transcript.model_sha256,
        structurer=structurer, audio_s=round(result.transcript.duration, 2),
        stopped_by=result.stopped_by,
    )


def _session_note(make):
    """The note maker of `diktat transcribe`, as the session store takes its note."""
    return lambda transcript: SessionNote(*make(transcript))


def _apply_retention(settings: Settings, keys: Keyring) -> None:
    """The store's retention rules, at every start (`diktat serve` also runs them hourly)."""
    try:
        deletions = prune(settings, keys, actor="cli")
    except (DiktatError, OSError) as exc:
        err_console.print(f"[yellow]Oppbevaringsreglene ble ikke brukt:[/] {exc}", highlight=False)
        return
    if deleted := [d for d in deletions if not d.error]:
        err_console.print(
            f"Slettet {len(deleted)} gamle økt(er) etter oppbevaringsreglene "
            "(se `diktat store list`).", highlight=False,
        )


def _source(input_path: str | None, realtime: bool, rate: int, device: str | None) -> AudioSource:
    if input_path == "-":
        return PcmStreamSource(sys.stdin.buffer, rate=rate)
    if input_path is not None:
        from diktat.stt.audio import check_input_file

        check_input_file(Path(input_path))
        return FileSource(Path(input_path), realtime=realtime)
    return MicrophoneSource(device)


def _offer_recovery(store: SessionStore, *, interactive: bool) -> bool:
    pending = store.recoverable()
    if not pending:
        return False
    names = ", ".join(m.id for m in pending)
    if interactive and sys.stdin.isatty():  # the nurse's own screen: show what it is
        for meta in pending:
            text = store.autosaved(meta.id).text.replace("\n", " ")
            preview = f"«{text[:60]}…»" if len(text) > 60 else f"«{text}»" if text else ""
            err_console.print(f"  {meta.id} {preview}", highlight=False)
        return Confirm.ask(
            f"Fant {len(pending)} uavsluttet diktat etter et krasj. Gjenopprette nå?",
            default=True, console=err_console,
        )
    err_console.print(
        f"[yellow]![/] {len(pending)} uavsluttet diktat ({names}): kjør "
        "`diktat dictate --recover` for å gjenopprette.",
        highlight=False,
    )
    return False


def _run_with_view(source, engine, store, decode, options, commands, controls, make_note,
                   low_confidence) -> DictationResult:
    console = Console()
    with Live(console=console, screen=True, auto_refresh=False) as live, keyboard(controls):

        def show(view: DictationView) -> None:
            live.update(
                render_view(view, low_confidence=low_confidence, height=console.height,
                            width=console.width),
                refresh=True,
            )

        return dictate(source, engine, store, decode=decode, options=options, commands=commands,
                       controls=controls, make_note=make_note, on_view=show)


def _report(result: DictationResult, *, copy: bool) -> None:
    what = "Gjenopprettet" if result.state == "recovered" else "Lagret"
    err_console.print(
        f"{what} økt {result.session_id} ({result.transcript.duration:.1f} s lyd) i "
        f"{result.folder}: {', '.join(result.files.names)}",
        highlight=False,
    )
    if result.text:
        out_console.print(result.text, highlight=False)
    note = result.files.note_text
    if copy and note is not None:
        err_console.print(copy_to_clipboard(note), highlight=False)
