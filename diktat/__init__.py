"""diktat: local, closed Norwegian speech-to-text for nurses' dictation.

Public API::

    from diktat import transcribe, structure
    transcript = transcribe("opptak.m4a")        # Transcript (bundled Whisper model by default)
    note = structure(transcript)                   # JournalNote, every value with its evidence
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from diktat.types import Segment, Transcript, Word

if TYPE_CHECKING:
    from diktat.structuring.note import JournalNote

__version__ = "0.1.0"

__all__ = ["JournalNote", "Segment", "Transcript", "Word", "__version__", "structure", "transcribe"]


def transcribe(path: str | Path, **asr_settings) -> Transcript:
    """Transcribe one audio file with the configured (by default the bundled) Whisper model.

    Keyword arguments override `asr` settings, e.g. ``transcribe(p, model="/srv/ct2", threads=4)``.
    Loads the model on every call: for many files use ``diktat.stt.batch`` or the CLI.
    """
    from diktat.config import load_settings
    from diktat.stt.batch import transcribe_file
    from diktat.stt.factory import decode_options, load_engine

    settings = load_settings()
    if asr_settings:
        settings = settings.model_copy(
            update={"asr": settings.asr.model_validate(settings.asr.model_dump() | asr_settings)}
        )
    transcript, _ = transcribe_file(load_engine(settings), Path(path), decode_options(settings.asr))
    return transcript


def structure(transcript: Transcript | str, backend: str = "rules") -> JournalNote:
    """Structure a transcript (or plain text) into a grounded JournalNote ("llm" and "auto" use
    the LLM of the settings)."""
    from diktat.structuring.pipeline import structure as _structure

    llm = None
    if backend != "rules":
        from diktat.config import load_settings
        from diktat.structuring.options import llm_options

        llm = llm_options(load_settings())
    return _structure(transcript, backend=backend, llm=llm)


def __getattr__(name: str):
    if name == "JournalNote":
        from diktat.structuring.note import JournalNote

        return JournalNote
    raise AttributeError(name)
