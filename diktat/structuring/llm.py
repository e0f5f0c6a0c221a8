"""Local-LLM backend: the rules' note, with the sentences the rules could not place given a
section by a local GGUF model (llama.cpp, through ``llama_cpp``).

The model never writes. The rules run first and stay authoritative (vital signs and medication
are deterministic); for each sentence they left in ``unclassified`` the model *scores* the closed
set of section labels: the probability of each label as the first words of its answer, read
from its logits after a fixed prompt (instructions plus example sentences, ``data/
section_examples.tsv``). Nothing but a label can come out, so the model cannot add a value; a
sentence moves to the best label's section, with the evidence the rules gave it, only when that
label's probability reaches ``min_confidence`` — otherwise it stays unclassified. Negation is
decided by the same rule the validator applies.

Speed: the fixed prompt (~1,600 tokens) is evaluated once and its KV state kept in memory and in
a cache file beside the model store, so a new process restores it instead of spending about a
minute on it; each sentence then costs one short evaluation (~1 s on 2 cores with the 1.5B
model; see ``bench/bench_structure.py``).
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import logging
import math
import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from diktat.errors import ModelMissing
from diktat.structuring import cues
from diktat.structuring.assertion import finding_assertion
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.note import (
    Area,
    Assertion,
    IsbarMessage,
    JournalNote,
    Observation,
    Statement,
)
from diktat.structuring.options import LlmOptions
from diktat.structuring.pipeline import RulesStructurer
from diktat.types import Transcript

__all__ = [
    "DEFAULT_MIN_CONFIDENCE", "INSTALL_HINT", "LABELS", "Labelling", "LlmStructurer",
    "SectionScorer", "apply", "load_structurer",
]

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'diktat[llm]' (or `make install`)"
TOO_LONG = ("En setning var for lang for språkmodellen; den står under «Annet» og må plasseres "
            "manuelt.")
PLACED_BY_MODEL = "{n} setning(er) er plassert av språkmodellen; kontroller plasseringen."
SEED = 1234
N_CTX = 4096
DEFAULT_MIN_CONFIDENCE = 0.7

# Label (what the model answers) → an Area, or a note section; "annet" leaves a sentence alone.
# Short words whose tokens the model knows; their descriptions go into the prompt.
# "avvik" is a label the model may choose, but only the rules file a deviation (on the gold set
# the model's deviations added a dangerous error and removed none): that sentence stays for the
# nurse to place.
LABELS: dict[str, Area | str | None] = {
    "respirasjon": Area.respiration_circulation,
    "ernæring": Area.nutrition_fluids,
    "eliminasjon": Area.elimination,
    "hud": Area.skin_wounds,
    "mobilitet": Area.activity_mobility,
    "søvn": Area.sleep,
    "smerte": Area.pain,
    "psykisk": Area.cognition_mental,
    "kommunikasjon": Area.communication,
    "sosialt": Area.social_relatives,
    "situasjon": "situation",
    "tiltak": "measures",
    "evaluering": "evaluation",
    "plan": "plan",
    "beskjed": "message",
    "avvik": None,
    "annet": None,
}
LABEL_HINTS = {
    "respirasjon": "pust, hoste, slim, hjerte, sirkulasjon, hevelse i bena, hudfarge",
    "ernæring": "mat, drikke, matlyst, vekt, næringsdrikk",
    "eliminasjon": "urin, avføring, bleie, kateter, kvalme, oppkast, diaré",
    "hud": "hud, sår, trykksår, rødme, utslett, bandasje",
    "mobilitet": "gange, rullator, forflytning, sitte, stå, trening",
    "søvn": "søvn, natt, våken, sovne",
    "smerte": "smerter, vondt, verk, ubehag",
    "psykisk": "humør, uro, forvirring, angst, hukommelse",
    "kommunikasjon": "syn, hørsel, språk, tale, forstå",
    "sosialt": "familie, pårørende, besøk, aktiviteter med andre",
    "situasjon": "hva slags besøk eller vakt, hvor, hvorfor",
    "tiltak": "hva pleieren gjorde for pasienten",
    "evaluering": "effekt av tiltak, bedring, forverring",
    "plan": "hva som skal skje senere",
    "beskjed": "beskjed eller spørsmål til lege eller neste vakt",
    "avvik": "fall, feil medisin, uønsket hendelse, noe som gikk galt",
    "annet": "prat, hilsen, uklart, ikke relevant",
}
SYSTEM_PROMPT = (
    "Du sorterer setninger fra en sykepleiers muntlige rapport inn i et journalnotat. "
    "Svar med ett ord: etiketten som passer best.\nEtiketter:\n"
    + "\n".join(f"{label}: {hint}" for label, hint in LABEL_HINTS.items())
)


def _turn(role: str, text: str) -> str:  # Qwen2.5's chat template (ChatML)
    return f"<|im_start|>{role}\n{text}<|im_end|>\n"


def _examples() -> list[tuple[str, str]]:
    """The example sentences, interleaved one label at a time so no label comes last in bulk."""
    text = resources.files("diktat.data").joinpath("section_examples.tsv").read_text("utf-8")
    by_label: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            sentence, label = line.split("\t")
            by_label.setdefault(label, []).append(sentence)
    rounds = max(map(len, by_label.values()))
    return [(group[i], label) for i in range(rounds)
            for label, group in by_label.items() if i < len(group)]


@cache
def prompt_prefix() -> str:
    """The fixed part of every prompt: instructions and example turns."""
    shots = "".join(_turn("user", s) + _turn("assistant", label) for s, label in _examples())
    return _turn("system", SYSTEM_PROMPT) + shots


def _question(sentence: str) -> str:
    return _turn("user", sentence) + "<|im_start|>assistant\n"


@dataclass(frozen=True)
class Labelling:
    """One sentence and the model's probability for every label (empty: it was not scored)."""

    sentence: Statement
    probabilities: dict[str, float]

    @property
    def label(self) -> str | None:
        if not self.probabilities:
            return None
        return max(self.probabilities, key=self.probabilities.__getitem__)

    @property
    def confidence(self) -> float:
        return self.probabilities[self.label] if self.label else 0.0


def _llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError:
        raise ModelMissing(
            f"The llm backend needs llama-cpp-python, which is not installed: {INSTALL_HINT}"
        ) from None
    return llama_cpp


class SectionScorer:
    """A loaded model with the prompt prefix evaluated: label probabilities per sentence."""

    def __init__(self, model_path: Path, *, n_threads: int = 0, cache_dir: Path | None = None
                 ) -> None:
        self.llama_cpp = _llama_cpp()
        if not model_path.is_file():
            raise ModelMissing(f"LLM model file {model_path} does not exist")
        try:
            self.llm = self.llama_cpp.Llama(
                model_path=str(model_path), n_ctx=N_CTX, n_threads=n_threads or os.cpu_count(),
                seed=SEED, verbose=False,
            )
        except ValueError as exc:  # llama_cpp's "Failed to load model from file"
            raise ModelMissing(f"Cannot load the LLM {model_path}: {exc}") from None
        _OPEN_MODELS.add(self.llm)
        self.prefix = self._tokens(prompt_prefix())
        self.label_tokens = {label: self._tokens(label) for label in LABELS}
        self._restore_or_evaluate_prefix(model_path, cache_dir)

    def _tokens(self, text: str) -> list[int]:
        return self.llm.tokenize(text.encode(), add_bos=False, special=True)

    def _restore_or_evaluate_prefix(self, model_path: Path, cache_dir: Path | None) -> None:
        state = None
        if cache_dir is not None:
            key = hashlib.sha256(f"{model_path.stat().st_size}:{model_path.name}:"
                                 f"{prompt_prefix()}".encode()).hexdigest()[:24]
            state = cache_dir / f"prefix-{key}.kv"
            if self._load_state(state):
                return
        self.llm.reset()
        self.llm.eval(self.prefix)
        if state is not None:
            self._save_state(state)

    def _load_state(self, path: Path) -> bool:
        if not path.is_file():
            return False
        tokens = (self.llama_cpp.llama_token * N_CTX)()
        count = ctypes.c_size_t(0)
        ok = self.llama_cpp.llama_state_load_file(
            self.llm.ctx, str(path).encode(), tokens, N_CTX, ctypes.byref(count))
        if not ok or list(tokens[: count.value]) != self.prefix:
            log.warning("LLM prompt cache %s is unusable; evaluating the prompt again", path)
            path.unlink(missing_ok=True)
            return False
        self.llm.n_tokens = count.value
        self.llm.input_ids[: count.value] = self.prefix
        return True

    def _save_state(self, path: Path) -> None:
        tokens = (self.llama_cpp.llama_token * len(self.prefix))(*self.prefix)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if self.llama_cpp.llama_state_save_file(
                    self.llm.ctx, str(tmp).encode(), tokens, len(self.prefix)):
                os.replace(tmp, path)
        except OSError as exc:  # a cache that cannot be written only costs time
            log.warning("cannot write the LLM prompt cache %s: %s", path, exc)
        finally:
            tmp.unlink(missing_ok=True)

    def fits(self, sentence: str) -> bool:
        longest = max(map(len, self.label_tokens.values()))
        return len(self.prefix) + len(self._tokens(_question(sentence))) + longest < N_CTX

    def probabilities(self, sentence: str) -> dict[str, float]:
        """P(label) for every label, normalised over the labels."""
        question = self._tokens(_question(sentence))
        self.llm.n_tokens = len(self.prefix)  # forget the previous sentence, keep the prefix
        self.llm.eval(question)
        logp: dict[str, float] = {}
        self._walk(len(self.prefix) + len(question), dict(self.label_tokens), 0.0, logp)
        top = max(logp.values())
        weights = {label: math.exp(v - top) for label, v in logp.items()}
        total = sum(weights.values())
        return {label: w / total for label, w in weights.items()}

    def _walk(self, position: int, rest: dict[str, list[int]], acc: float,
              out: dict[str, float]) -> None:
        """Label log-probabilities token by token until each label is the only one on its
        path (after that its remaining tokens are forced, so they add nothing)."""
        logp = self._last_log_softmax()
        branches: dict[int, dict[str, list[int]]] = {}
        for label, tokens in rest.items():
            branches.setdefault(tokens[0], {})[label] = tokens[1:]
        for token, labels in branches.items():
            if len(labels) == 1:
                out[next(iter(labels))] = acc + logp[token]
                continue
            self.llm.n_tokens = position
            self.llm.eval([token])
            self._walk(position + 1, labels, acc + logp[token], out)

    def _last_log_softmax(self) -> np.ndarray:
        n_vocab = self.llm.n_vocab()
        logits = np.ctypeslib.as_array(
            self.llama_cpp.llama_get_logits_ith(self.llm.ctx, -1), shape=(n_vocab,)
        ).astype(np.float64)
        logits -= logits.max()
        return logits - math.log(np.exp(logits).sum())


@lru_cache(maxsize=2)
def _scorer(model_path: Path, n_threads: int, cache_dir: Path | None) -> SectionScorer:
    """The loaded model, shared by every structurer of this process."""
    return SectionScorer(model_path, n_threads=n_threads, cache_dir=cache_dir)


# Models still loaded at exit are closed first: left to interpreter shutdown, llama_cpp's
# destructor runs after its library handles are gone and prints a TypeError traceback.
_OPEN_MODELS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_open_models() -> None:
    _scorer.cache_clear()
    for llama in list(_OPEN_MODELS):
        llama.close()


class LlmStructurer:
    """The rules' note plus a section for each unclassified sentence the model is sure of."""

    name: Literal["llm"] = "llm"

    def __init__(
        self,
        model_path: Path,
        *,
        model_id: str | None = None,
        lexicon: Lexicon | None = None,
        n_threads: int = 0,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        cache_dir: Path | None = None,
    ) -> None:
        self.model_id = model_id or Path(model_path).name
        self.rules = RulesStructurer(lexicon)
        self.min_confidence = min_confidence
        self.scorer = _scorer(Path(model_path).resolve(), n_threads, cache_dir)

    def structure(self, transcript: Transcript) -> JournalNote:
        note = self.rules.structure(transcript)
        return apply(note, self.label(note.unclassified), self.model_id, self.min_confidence)

    def label(self, sentences: Sequence[Statement]) -> tuple[Labelling, ...]:
        return tuple(
            Labelling(st, self.scorer.probabilities(st.text) if self.scorer.fits(st.text) else {})
            for st in sentences
        )


def apply(note: JournalNote, labellings: Sequence[Labelling], model_id: str,
          min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> JournalNote:
    """``note`` with each confidently labelled unclassified sentence moved to its section."""
    moved: dict[str, list] = {}
    placed: set[tuple[int, int]] = set()
    warnings = list(note.warnings)
    for lab in labellings:
        if lab.label is None:
            if TOO_LONG not in warnings:
                warnings.append(TOO_LONG)
            continue
        target = LABELS[lab.label]
        if target is None or lab.confidence < min_confidence:
            continue
        st = lab.sentence
        placed.add((st.evidence.start, st.evidence.end))
        if isinstance(target, Area):
            said = finding_assertion(st.text, st.text, cues.AREA_KEYWORDS[target])
            moved.setdefault("observations", []).append(Observation(
                **st.model_dump(), area=target, assertion=said,
                negated=said is Assertion.negated))
        else:
            moved.setdefault(target, []).append(st)
    if placed:
        warnings.append(PLACED_BY_MODEL.format(n=len(placed)))
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


def load_structurer(options: LlmOptions, lexicon: Lexicon | None = None) -> LlmStructurer:
    """The LLM backend for ``options.model`` (a registry name or a .gguf path; None: the
    registry's default LLM) in ``options.models_dir``, loaded once per process. Raises
    ``ModelMissing`` / ``InputError`` with the fix."""
    from diktat.models.registry import default_model
    from diktat.models.store import ModelStore

    _llama_cpp()  # checked before a model is assembled for nothing
    root = options.models_dir
    resolved = ModelStore(root).resolve(options.model or default_model("llm").name, kind="llm")
    return LlmStructurer(
        resolved.path, model_id=resolved.name, lexicon=lexicon, n_threads=options.threads,
        min_confidence=options.min_confidence, cache_dir=root / ".cache" / "llm",
    )
