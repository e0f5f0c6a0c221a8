"""Transcript → JournalNote: pick a backend, structure, ground, flag uncertain words.

``structure(transcript_or_text, backend="rules")`` is the one entry point. Every backend's note
goes through ``grounding.ground`` before it is returned, so a value that its evidence does not
support never reaches the nurse (it is listed in ``dropped``), and then through
``coverage.account``, so that every word said is either placed or shown under «Ikke plassert –
les og plasser» (``unclassified``), with the note's ``coverage``. Long transcripts are cut into
chunks at sentence ends (heading state carries across), so time and memory grow linearly.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import ValidationError

from diktat.errors import DiktatError, InputError
from diktat.structuring import cues, order_outcome
from diktat.structuring.coverage import account
from diktat.structuring.drugnames import drug_checks
from diktat.structuring.grounding import ground
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import Evidence, JournalNote, NoteMetadata, UncertainWord
from diktat.structuring.options import LlmOptions
from diktat.structuring.rules import Chunk, Found, extract
from diktat.textfile import read_utf8
from diktat.types import Segment, Transcript, read_transcript_json

__all__ = [
    "Backend",
    "RulesStructurer",
    "Structurer",
    "as_transcript",
    "load_transcript",
    "structure",
    "uncertain_words",
]

log = logging.getLogger(__name__)

Backend = Literal["rules", "llm", "auto"]
BACKENDS: tuple[str, ...] = ("rules", "llm", "auto")
CHUNK_CHARS = 4000
UNCERTAIN_BELOW = 0.5
NORWEGIAN_LANGUAGES = frozenset({"no", "nb", "nn", "und"})
LLM_MISSING = ("Språkmodell-strukturering (llm) er ikke tilgjengelig her; notatet er laget "
               "med regelbasert strukturering.")
NOT_NORWEGIAN = ("Teksten ser ikke ut til å være norsk; ingenting er lagt til som ikke står i "
                 "teksten, men kontroller notatet.")
# Frequent words that are Norwegian (bokmål or nynorsk) and not English, Swedish or German.
_NORWEGIAN_WORDS = cues.wordset("""
og er det har hun han ho ikke ikkje som av en ei ble blei vart fikk fekk seg etter da så jeg eg
vi hadde litt noe noko godt bra skal må kan også ved fra frå eller nå dag natt kveld klokka
pasienten hennes hans denne dette ingen spiste drakk sov hjelp fått gitt hatt være vært
""")


@runtime_checkable
class Structurer(Protocol):
    """A structuring backend. Its note is grounded by ``structure`` afterwards."""

    name: Literal["rules", "llm"]

    def structure(self, transcript: Transcript) -> JournalNote: ...


class RulesStructurer:
    """Keyword and pattern rules: always available, milliseconds per note."""

    name: Literal["rules"] = "rules"

    def __init__(self, lexicon: Lexicon | None = None, chunk_chars: int = CHUNK_CHARS) -> None:
        self.lexicon = lexicon or Lexicon.builtin()
        self.chunk_chars = chunk_chars

    def structure(self, transcript: Transcript) -> JournalNote:
        found = Found()
        for offset, text in chunks(transcript.text, self.chunk_chars):
            extract(Chunk(text, offset), self.lexicon, found)
        return JournalNote(
            metadata=NoteMetadata(backend=self.name),
            situation=tuple(found.situation),
            observations=tuple(found.observations),
            vital_signs=found.vital_signs(),
            medications=tuple(order_outcome.settled(found.medications, transcript.text)),
            measures=tuple(found.measures),
            evaluation=tuple(found.evaluation),
            plan=tuple(found.plan),
            message=found.isbar(),
            deviations=tuple(found.deviations),
            unclassified=tuple(found.unclassified),
        )


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most ~``size`` characters, cut after a sentence."""
    start = 0
    while start < len(text):
        end = start + size
        if end >= len(text):
            yield start, text[start:]
            return
        half = start + size // 2
        cut = max(text.rfind(". ", half, end), text.rfind("\n", half, end),
                  text.rfind("? ", half, end), text.rfind("! ", half, end))
        if cut < 0:
            cut = text.rfind(" ", half, end)
        end = cut + 1 if cut >= 0 else end
        yield start, text[start:end]
        start = end


def as_transcript(source: Transcript | str) -> Transcript:
    """A Transcript as it is; plain text as a Transcript without timings (text stripped)."""
    if isinstance(source, Transcript):
        return source
    text = unicodedata.normalize("NFC", source).strip()
    segments = (Segment(start=0.0, end=0.0, text=text),) if text else ()
    return Transcript(segments=segments, language="und", duration=0.0, model_id="text")


def load_transcript(path: Path) -> Transcript:
    """A diktat transcript JSON file, or any other file read as UTF-8 plain text."""
    raw = read_utf8(path, hint="; save the transcript as UTF-8")
    if path.suffix.lower() != ".json":
        return as_transcript(raw)
    if not raw.strip():
        return as_transcript("")
    try:
        return read_transcript_json(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}); expected a "
            "transcript written by `diktat transcribe -f json`"
        ) from None
    except ValidationError as exc:
        raise InputError(
            f"{path}: not a diktat transcript ({exc.error_count()} field error(s)); expected "
            "a file written by `diktat transcribe -f json`"
        ) from None


def uncertain_words(
    transcript: Transcript, lexicon: Lexicon | None = None, below: float = UNCERTAIN_BELOW
) -> tuple[UncertainWord, ...]:
    """Words decoded with probability < ``below``, drug-like ones first, with their spans."""
    lexicon = lexicon or Lexicon.builtin()
    text, out, pos = transcript.text, [], 0
    for seg in transcript.segments:
        said = seg.text.strip()
        seg_start = text.find(said, pos) if said else -1
        if seg_start < 0:
            continue
        cursor, pos = seg_start, seg_start + len(said)
        for w in seg.words:
            word = w.text.strip().strip(".,;:!?«»\"()")
            at = text.find(word, cursor, pos) if word else -1
            if at < 0:
                continue
            cursor = at + len(word)
            if w.probability < below:
                match = lexicon.match(word)
                out.append(UncertainWord(
                    word=word, probability=round(w.probability, 3), drug_like=match is not None,
                    suggestion=match.name if match else None, audio_start=w.start,
                    evidence=Evidence(start=at, end=cursor, quote=word),
                ))
    return tuple(sorted(out, key=lambda u: not u.drug_like))


def _language_warning(transcript: Transcript) -> str | None:
    lang = (transcript.language or "").lower()
    if lang not in NORWEGIAN_LANGUAGES:
        return NOT_NORWEGIAN
    words = [w.casefold() for w in cues.WORD.findall(transcript.text)]
    if len(words) >= 6 and sum(w in _NORWEGIAN_WORDS for w in words) / len(words) < 0.08:
        return NOT_NORWEGIAN
    return None


def load_backend(backend: Backend, lexicon: Lexicon, llm: LlmOptions | None,
                 warnings: list[str] | None = None) -> Structurer:
    """The structurer for `backend`; 'llm' and 'auto' need `llm` (the LLM's options). 'auto'
    falls back to the rules when the LLM cannot load (noted in `warnings`), 'llm' raises."""
    if backend == "rules":
        return RulesStructurer(lexicon)
    if llm is None:
        raise ValueError(f"backend {backend!r} needs the LLM options (llm=LlmOptions(...))")
    from diktat.structuring.llm import load_structurer

    try:
        return load_structurer(llm, lexicon=lexicon)
    except DiktatError as exc:
        if backend == "llm":
            raise
        log.warning("llm backend unavailable, using the rules: %s", exc)
        if warnings is not None:
            warnings.append(LLM_MISSING)
        return RulesStructurer(lexicon)


def structure(
    source: Transcript | str,
    backend: Backend = "rules",
    *,
    lexicon: Lexicon | None = None,
    service: str | None = None,
    source_file: str | None = None,
    structurer: Structurer | None = None,
    llm: LlmOptions | None = None,
) -> JournalNote:
    """A grounded journal note from a transcript (or plain text).

    ``backend`` "llm" uses the local LLM (``llm``: its model and models folder, which "llm" and
    "auto" need) and raises ``ModelMissing`` / ``InputError`` when it cannot;
    "auto" uses it when it can, else the rules with a warning in the note. ``structurer``
    overrides the backend choice (any object with ``structure(transcript)``). An empty
    transcript gives an empty note; nothing here raises on content.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    transcript = as_transcript(source)
    lexicon = lexicon or Lexicon.builtin()
    warnings: list[str] = []
    if structurer is None:
        structurer = load_backend(backend, lexicon, llm, warnings)
    note = structurer.structure(transcript) if transcript.text else JournalNote()
    if transcript.text and (lang := _language_warning(transcript)):
        warnings.append(lang)
    note = note.model_copy(update={
        "uncertain_words": uncertain_words(transcript, lexicon),
        "warnings": (*note.warnings, *warnings),
        "metadata": note.metadata.model_copy(update={
            "service": service,
            "source_file": source_file,
            "transcript_language": transcript.language,
            "asr_model_id": None if transcript.model_id == "text" else transcript.model_id,
            "asr_model_sha256": transcript.model_sha256,
            "backend": structurer.name,
        }),
    })
    note = account(ground(note, transcript, lexicon), transcript.text, lexicon)
    return note.model_copy(update={"drug_checks": drug_checks(transcript.text, lexicon)})
