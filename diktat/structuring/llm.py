"""Local-LLM backend: the rules' note, with the sentences the rules could not place labelled by a
local GGUF model (llama.cpp, through ``llama_cpp``).

The model never writes note text. The rules run first and stay authoritative (vital signs and
medication are deterministic); the sentences they left in ``unclassified`` are numbered and the
model returns one label per number (a section or an area, or "annet"), its output constrained by
a JSON schema. A labelled sentence moves to its section with the evidence the rules gave it, so
grounding holds by construction; negation is decided by the same rule the validator applies. A
label the schema should have prevented (an unknown sentence or section) is listed in ``dropped``.
Output that is not valid JSON is asked for once more, then that part stays with the rules (with
a warning). Long transcripts are labelled window by window so each prompt fits ``n_ctx``.

Measured (2 cores, 1.5B Q4_K_M): see ``bench/bench_structure.py``.
"""

from __future__ import annotations

import atexit
import json
import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from diktat.errors import ModelMissing
from diktat.structuring import cues
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import (
    Area,
    Deviation,
    DroppedValue,
    IsbarMessage,
    JournalNote,
    Observation,
    Statement,
)
from diktat.structuring.pipeline import CHUNK_CHARS, RulesStructurer, chunks
from diktat.types import Transcript

__all__ = ["INSTALL_HINT", "LABELS", "Labelling", "LlmStructurer", "load_structurer"]

INSTALL_HINT = "pip install 'diktat[llm]' (or `make install`)"
INVALID_OUTPUT = ("Språkmodellen ga ugyldig svar for en del av teksten; den delen er strukturert "
                  "med regler.")
SEED = 1234
CONTEXT_CHARS = 1500  # transcript shown per prompt (~500 tokens)
BATCH = 24  # sentences labelled per prompt
TOKENS_PER_LABEL = 16

# Label (what the model writes) → an Area, or a note section; "annet" leaves a sentence alone.
LABELS: dict[str, Area | str | None] = {
    "respirasjon_sirkulasjon": Area.respiration_circulation,
    "ernæring_væske": Area.nutrition_fluids,
    "eliminasjon": Area.elimination,
    "hud_sår": Area.skin_wounds,
    "aktivitet_mobilitet": Area.activity_mobility,
    "søvn": Area.sleep,
    "smerte": Area.pain,
    "kognisjon_psykisk": Area.cognition_mental,
    "kommunikasjon": Area.communication,
    "sosialt_pårørende": Area.social_relatives,
    "situasjon": "situation",
    "tiltak": "measures",
    "evaluering": "evaluation",
    "plan": "plan",
    "beskjed": "message",
    "avvik": "deviations",
    "annet": None,
}

SYSTEM_PROMPT = """\
Du sorterer setninger fra en sykepleiers muntlige rapport inn i et journalnotat.
Gi hver nummererte setning én etikett. Svar bare med JSON: {"1": "etikett", ...}.
Etiketter:
respirasjon_sirkulasjon: pust, hoste, hjerte, blodtrykk, ødem
ernæring_væske: mat, drikke, matlyst, vekt
eliminasjon: urin, avføring, kateter, kvalme, oppkast
hud_sår: hud, sår, trykksår
aktivitet_mobilitet: gange, forflytning, rullator, fall
søvn: søvn, natt, hvile
smerte: smerter, vondt
kognisjon_psykisk: humør, uro, forvirring, angst
kommunikasjon: syn, hørsel, språk, forstå
sosialt_pårørende: familie, pårørende, besøk av venner
situasjon: hvorfor besøket eller vakten, hvor og når
tiltak: hva pleieren gjorde
evaluering: effekt, bedring, forverring
plan: hva som skal skje videre
beskjed: beskjed til lege eller neste vakt
avvik: fall, feil medisin, uønsket hendelse
annet: hilsen, prat, uklart"""


@dataclass(frozen=True)
class Labelling:
    """One prompt's sentences and what the model answered (``labels`` None: no valid JSON)."""

    sentences: tuple[Statement, ...]
    raw: str
    labels: dict[int, str] | None
    dropped: tuple[DroppedValue, ...] = ()


def _llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError:
        raise ModelMissing(
            f"The llm backend needs llama-cpp-python, which is not installed: {INSTALL_HINT}"
        ) from None
    return llama_cpp


@lru_cache(maxsize=2)
def _llama(model_path: Path, n_threads: int, n_ctx: int) -> Any:
    """The loaded model, shared by every structurer of this process."""
    llama_cpp = _llama_cpp()
    if not model_path.is_file():
        raise ModelMissing(f"LLM model file {model_path} does not exist")
    try:
        llama = llama_cpp.Llama(
            model_path=str(model_path), n_ctx=n_ctx, n_threads=n_threads or os.cpu_count(),
            seed=SEED, verbose=False,
        )
    except ValueError as exc:  # llama_cpp's "Failed to load model from file"
        raise ModelMissing(f"Cannot load the LLM {model_path}: {exc}") from None
    _OPEN_MODELS.add(llama)
    return llama


# Models still loaded at exit are closed first: left to interpreter shutdown, llama_cpp's
# destructor runs after its library handles are gone and prints a TypeError traceback.
_OPEN_MODELS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_open_models() -> None:
    _llama.cache_clear()
    for llama in list(_OPEN_MODELS):
        llama.close()


class LlmStructurer:
    """The rules' note plus section labels for the sentences they left unclassified."""

    name: Literal["llm"] = "llm"

    def __init__(
        self,
        model_path: Path,
        *,
        model_id: str | None = None,
        lexicon: Lexicon | None = None,
        n_threads: int = 0,
        n_ctx: int = 4096,
        max_tokens: int = BATCH * TOKENS_PER_LABEL + 32,
    ) -> None:
        self.model_id = model_id or Path(model_path).name
        self.rules = RulesStructurer(lexicon)
        self.max_tokens = max_tokens
        self.llm = _llama(Path(model_path).resolve(), n_threads, n_ctx)

    def structure(self, transcript: Transcript) -> JournalNote:
        note = self.rules.structure(transcript)
        return apply(note, self.label(transcript.text, note.unclassified), self.model_id)

    def label(self, text: str, sentences: Sequence[Statement]) -> tuple[Labelling, ...]:
        """Ask the model for a label per sentence: per window of ``text``, at most ``BATCH``
        sentences and about ``CONTEXT_CHARS`` of them per prompt."""
        out = []
        for offset, piece in chunks(text, min(CONTEXT_CHARS, CHUNK_CHARS)):
            batch: list[Statement] = []
            for st in (s for s in sentences if offset <= s.evidence.start < offset + len(piece)):
                if batch and (len(batch) == BATCH or sum(len(b.text) for b in batch)
                              + len(st.text) > CONTEXT_CHARS):
                    out.append(self._ask(piece, tuple(batch)))
                    batch = []
                batch.append(st)
            if batch:
                out.append(self._ask(piece, tuple(batch)))
        return tuple(out)

    def _ask(self, context: str, sentences: tuple[Statement, ...]) -> Labelling:
        user = "\n".join(f"{i}. {s.evidence.quote}" for i, s in enumerate(sentences, 1))
        # The report around the sentences, unless they are most of it (the prompt would double).
        if sum(len(s.evidence.quote) for s in sentences) < len(context) / 2:
            user = f"Rapport:\n{context.strip()}\n\nSetninger:\n{user}"
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user},
        ]
        keys = [str(i) for i in range(1, len(sentences) + 1)]
        schema = {
            "type": "object",
            "properties": {k: {"enum": list(LABELS)} for k in keys},
            "required": keys,
            "additionalProperties": False,
        }
        budget = min(self.max_tokens, TOKENS_PER_LABEL * len(keys) + 32)
        raw = ""
        for tokens in (budget, 2 * budget):  # a cut-off answer gets one more, longer try
            try:
                reply = self.llm.create_chat_completion(
                    messages=messages, temperature=0.0, max_tokens=tokens, seed=SEED,
                    response_format={"type": "json_object", "schema": schema},
                )
            except ValueError:  # the prompt does not fit n_ctx (a very long sentence)
                break
            raw = reply["choices"][0]["message"]["content"] or ""
            parsed = parse_labels(raw, len(sentences))
            if parsed is not None:
                return Labelling(sentences, raw, *parsed)
        return Labelling(sentences, raw, None)


def parse_labels(raw: str, count: int) -> tuple[dict[int, str], tuple[DroppedValue, ...]] | None:
    """``{number: label}`` from the model's JSON, and what it named that does not exist."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    labels, dropped = {}, []
    for key, label in data.items():
        n = int(key) if str(key).isdigit() else 0
        if not 1 <= n <= count:
            reason = f"there is no sentence {key!s} to label"
        elif label not in LABELS:
            reason = f"{label!r} is not a section of the note"
        else:
            labels[n] = label
            continue
        dropped.append(DroppedValue(field=f"llm.labels.{key}",
                                    value=json.dumps(label, ensure_ascii=False), reason=reason))
    return labels, tuple(dropped)


def apply(note: JournalNote, labellings: Sequence[Labelling], model_id: str) -> JournalNote:
    """``note`` with each labelled unclassified sentence moved to its section."""
    moved: dict[str, list] = {}
    placed: set[tuple[int, int]] = set()
    warnings, dropped = list(note.warnings), list(note.dropped)
    for lab in labellings:
        if lab.labels is None:
            if INVALID_OUTPUT not in warnings:
                warnings.append(INVALID_OUTPUT)
            continue
        dropped.extend(lab.dropped)
        for n, label in lab.labels.items():
            st, target = lab.sentences[n - 1], LABELS[label]
            if target is None:
                continue
            placed.add((st.evidence.start, st.evidence.end))
            if isinstance(target, Area):
                negated = cues.is_negated(st.text, cues.AREA_KEYWORDS[target])
                item = Observation(**st.model_dump(), area=target, negated=negated)
                moved.setdefault("observations", []).append(item)
            elif target == "deviations":
                kind = cues.deviation_kind(st.text)
                moved.setdefault(target, []).append(Deviation(**st.model_dump(), kind=kind))
            else:
                moved.setdefault(target, []).append(st)
    update: dict[str, Any] = {
        field: _in_order(getattr(note, field), items)
        for field, items in moved.items() if field != "message"
    }
    if "message" in moved:
        update["message"] = _to_message(note.message, moved["message"])
    return note.model_copy(update=update | {
        "unclassified": tuple(s for s in note.unclassified
                              if (s.evidence.start, s.evidence.end) not in placed),
        "warnings": tuple(warnings),
        "dropped": tuple(dropped),
        "metadata": note.metadata.model_copy(
            update={"backend": "llm", "structuring_model_id": model_id}),
    })


def _in_order(old: Sequence, new: Sequence) -> tuple:
    return tuple(sorted((*old, *new), key=lambda x: x.evidence.start))


def _to_message(message: IsbarMessage | None, statements: Sequence[Statement]) -> IsbarMessage:
    message = message or IsbarMessage()
    parts: dict[str, list[Statement]] = {}
    for st in statements:
        part = next((p for p, rx in cues.ISBAR_CUES.items() if rx.search(st.text)), "situation")
        parts.setdefault(part, []).append(st)
    return message.model_copy(update={
        part: _in_order(getattr(message, part), items) for part, items in parts.items()
    })


def load_structurer(
    model: str | None = None, models_dir: Path | None = None, lexicon: Lexicon | None = None
) -> LlmStructurer:
    """The LLM backend for a registry name or a .gguf path (default: the registry's default
    LLM; the model is loaded once per process). Raises ``ModelMissing`` / ``InputError`` with
    the fix."""
    from diktat.config import load_settings
    from diktat.models.registry import default_model
    from diktat.models.store import ModelStore

    _llama_cpp()  # checked before a model is assembled for nothing
    store = ModelStore(models_dir or load_settings().models_dir)
    resolved = store.resolve(model or default_model("llm").name, kind="llm")
    return LlmStructurer(resolved.path, model_id=resolved.name, lexicon=lexicon)
