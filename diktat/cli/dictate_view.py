"""The full-screen dictation view (rich), the keyboard, and the clipboard, for `diktat dictate`.

Nurse-facing text is Norwegian bokmål.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
import termios
import threading
import tty
from collections.abc import Iterator

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from diktat.stt.streaming.dictation import Controls, DictationView

STATUS_LABELS = {
    "speech": ("● LYTTER", "bold green"),
    "silence": ("● LYTTER – stille", "green"),
    "paused": ("‖ PAUSE", "bold yellow"),
    "finishing": ("… AVSLUTTER", "bold cyan"),
    "done": ("✓ FERDIG", "bold cyan"),
}
KEY_HELP = {
    "toggle": "mellomrom: pause/fortsett · q: avslutt og lagre",
    "push-to-talk": "hold mellomrom: snakk · q: avslutt og lagre",
}
_LEVEL_FLOOR_DB = -60.0
_LEVEL_CELLS = 30


def render_view(view: DictationView, *, low_confidence: float, height: int, width: int) -> Group:
    label, style = STATUS_LABELS[view.status]
    header = Text.assemble(
        (label, style), "   ", (view.input, "dim"), "   ", _clock(view.elapsed_s)
    )
    text = dictated_text(view, low_confidence=low_confidence)
    lines = text.wrap(Console(width=max(20, width - 4)), max(20, width - 4))
    visible = max(3, height - 9)
    body = Text("\n").join(lines[-visible:]) if len(lines) else Text("(si noe …)", style="dim")
    command = f"siste kommando: «{view.last_command}»   " if view.last_command else ""
    lag = max(0.0, view.recorded_s - view.recognised_s)
    backlog = view.document_backlog
    if backlog.audio_s and (backlog.deferred or view.status == "finishing"):
        command += f"notatet venter på bedre tekst: {backlog.audio_s:.0f} s lyd igjen   "
    footer = Text.assemble(
        ("nivå ", "dim"), _level_bar(view.level_dbfs), f" {view.level_dbfs:5.0f} dBFS\n",
        (f"{command}opptak {view.recorded_s:.1f} s · gjenkjent {view.recognised_s:.1f} s "
         f"(etter {lag:.1f} s) · ferdig tekst til {view.document_s:.0f} s · "
         f"økt {view.session_id}\n", "dim"),
        (KEY_HELP[view.mode], "dim"),
    )
    return Group(
        Panel(header, title="diktat", title_align="left"),
        Panel(body, height=visible + 2),
        footer,
    )


def dictated_text(view: DictationView, *, low_confidence: float) -> Text:
    """The dictated text; low-confidence words marked, held and tentative words dimmed. The
    document text (the batch decode of the spans done, which replaced the preview there) is
    shown as it is; the preview after it in blue until its span is done."""
    text = Text()
    for i, piece in enumerate(view.pieces):
        if piece.kind == "word" and text.plain and not text.plain.endswith("\n"):
            text.append(" ")
        uncertain = piece.word is not None and piece.word.probability < low_confidence
        preview = view.document_on and i >= view.document_pieces
        text.append(piece.text, style="bold yellow underline" if uncertain
                    else "blue" if preview else None)
    for extra, style in ((view.pending, "dim"), (view.tentative, "italic grey50")):
        if extra:
            if text.plain and not text.plain.endswith("\n"):
                text.append(" ")
            text.append(extra, style=style)
    return text


def _level_bar(dbfs: float) -> Text:
    filled = round(_LEVEL_CELLS * min(1.0, max(0.0, 1 - dbfs / _LEVEL_FLOOR_DB)))
    style = "red" if dbfs > -3 else "green"
    return Text("█" * filled, style=style) + Text("░" * (_LEVEL_CELLS - filled), style="dim")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


@contextlib.contextmanager
def keyboard(controls: Controls) -> Iterator[None]:
    """Read single keys from the terminal while dictating: space = talk key, q/Esc = stop."""
    if not sys.stdin.isatty():
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    done = threading.Event()

    def read_keys() -> None:
        while not done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            key = os.read(fd, 1)
            if key == b" ":
                controls.talk_key()
            elif key in (b"q", b"Q", b"\x1b"):
                controls.stop()

    tty.setcbreak(fd)
    reader = threading.Thread(target=read_keys, name="diktat-keys", daemon=True)
    reader.start()
    try:
        yield
    finally:
        done.set()
        reader.join(timeout=1)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def copy_to_clipboard(text: str) -> str:
    """Copy `text` with wl-copy, xclip or xsel; returns a Norwegian message saying what happened."""
    tools = []
    if os.environ.get("WAYLAND_DISPLAY"):
        tools.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        tools += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    for command in tools:
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, input=text.encode(), check=True, timeout=5)
        except (OSError, subprocess.SubprocessError):
            continue
        return f"Notatet er kopiert til utklippstavlen ({command[0]})."
    return (
        "Kunne ikke kopiere til utklippstavlen: fant ingen grafisk økt med wl-copy, xclip "
        "eller xsel. Notatet ligger i økten (se over)."
    )
