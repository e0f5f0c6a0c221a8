"""Note evaluation runs: structure texts into notes and score them against reviewed gold notes.

Cases come from a folder or from a manifest:

- a folder holds ``NAME.txt`` (plain text) or ``NAME.json`` (a transcript written by
  ``diktat transcribe -f json``) beside its gold note ``NAME.expected.json``, as in
  ``tests/data/dictations``;
- a manifest's items with a ``gold_note``: their reference text, or (in a full evaluation) the
  transcript of their audio.

A case that cannot be used (no gold note, no text beside a gold note, unreadable or malformed
files) is reported as a problem and skipped. Scoring is :mod:`diktat.eval.note_metrics` (facts:
P/R/F1) and :mod:`diktat.eval.clinical` (right / missing / wrong values, doses and assertions,
coverage, dangerous errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diktat.errors import InputError
from diktat.eval.clinical import ClinicalMetrics, aggregate_clinical, score_clinical
from diktat.eval.clinical_items import gold_doses, gold_findings, gold_values
from diktat.eval.manifest import ManifestItem, ManifestProblem
from diktat.eval.note_metrics import NoteMetrics, aggregate, facts, load_gold, score_note
from diktat.structuring.lexicon import Lexicon
from diktat.structuring.options import LlmOptions
from diktat.structuring.pipeline import Backend, load_transcript, structure

__all__ = [
    "GOLD_SUFFIX",
    "NoteCase",
    "NotesEvaluation",
    "cases_from_folder",
    "cases_from_manifest",
    "evaluate_notes",
]

GOLD_SUFFIX = ".expected.json"
_TEXT_SUFFIXES = (".txt", ".json")


@dataclass(frozen=True)
class NoteCase:
    id: str
    text: str  # what is structured
    gold: Mapping[str, Any]


@dataclass(frozen=True)
class NotesEvaluation:
    """Micro-averaged scores over the cases, and each case's own; ``clinical`` (value,
    medication and assertion accuracy, coverage, dangerous errors) likewise."""

    backend: str
    metrics: NoteMetrics
    per_note: tuple[tuple[str, NoteMetrics], ...]
    clinical: ClinicalMetrics | None = None
    per_note_clinical: tuple[tuple[str, ClinicalMetrics], ...] = ()


def cases_from_folder(folder: Path) -> tuple[list[NoteCase], list[ManifestProblem]]:
    """``NAME.txt``/``NAME.json`` + ``NAME.expected.json`` pairs of ``folder`` (sorted by name)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder of NAME.txt + NAME{GOLD_SUFFIX} files.")
    golds = {p.name.removesuffix(GOLD_SUFFIX): p for p in folder.glob(f"*{GOLD_SUFFIX}")}
    texts = {p.stem: p for p in sorted(folder.iterdir())
             if p.is_file() and p.suffix in _TEXT_SUFFIXES and not p.name.endswith(GOLD_SUFFIX)}
    cases: list[NoteCase] = []
    problems: list[ManifestProblem] = []
    for name in sorted(golds.keys() | texts.keys()):
        if name not in texts:
            problems.append(_problem("gold note without a text (NAME.txt or NAME.json) beside "
                                     "it", name, golds[name]))
        elif name not in golds:
            problems.append(_problem(f"no gold note {name}{GOLD_SUFFIX} beside it", name,
                                     texts[name]))
        else:
            case = _folder_case(name, texts[name], golds[name])
            (problems if isinstance(case, ManifestProblem) else cases).append(case)
    if not cases and not problems:
        raise InputError(f"{folder} holds no NAME.txt + NAME{GOLD_SUFFIX} pairs.")
    return cases, problems


def _folder_case(name: str, text: Path, gold: Path) -> NoteCase | ManifestProblem:
    try:
        case = NoteCase(id=name, text=load_transcript(text).text, gold=load_gold(gold))
        _check_clinical(case.gold)
        return case
    except InputError as exc:
        return _problem(str(exc), name, None)


def _check_clinical(gold: Mapping[str, Any]) -> None:
    """Raise ``InputError`` when the gold's values, doses or findings cannot be scored."""
    gold_values(gold)
    gold_doses(gold)
    gold_findings(gold)


def _problem(message: str, item_id: str, path: Path | None) -> ManifestProblem:
    return ManifestProblem(message, item_id=item_id, source=path.name if path else None)


def cases_from_manifest(
    items: Iterable[ManifestItem], texts: Mapping[str, str] | None = None
) -> tuple[list[NoteCase], list[ManifestProblem]]:
    """Cases for the items that have a ``gold_note``: their text from ``texts`` (by id; items
    not in it are left out) or else their reference. A malformed gold note is a problem."""
    cases: list[NoteCase] = []
    problems: list[ManifestProblem] = []
    for item in items:
        if item.gold_note is None or (texts is not None and item.id not in texts):
            continue
        try:
            facts(item.gold_note)
            _check_clinical(item.gold_note)
        except InputError as exc:
            problems.append(ManifestProblem(str(exc), item_id=item.id))
            continue
        text = item.text if texts is None else texts[item.id]
        cases.append(NoteCase(id=item.id, text=text, gold=item.gold_note))
    return cases, problems


def evaluate_notes(
    cases: Iterable[NoteCase],
    backend: Backend = "rules",
    *,
    lexicon: Lexicon | None = None,
    llm: LlmOptions | None = None,
) -> NotesEvaluation:
    """Structure each case's text with ``backend`` (``llm``: the LLM's options, which "llm" and
    "auto" need) and score the note against its gold."""
    lexicon = lexicon or Lexicon.builtin()
    per_note, clinical = [], []
    for case in cases:
        note = structure(case.text, backend, lexicon=lexicon, llm=llm,
                         source_file=case.id)
        per_note.append((case.id, score_note(note, case.gold, case.text)))
        clinical.append((case.id, score_clinical(note, case.gold, case.text, case.id)))
    return NotesEvaluation(backend=backend, metrics=aggregate(m for _, m in per_note),
                           per_note=tuple(per_note),
                           clinical=aggregate_clinical(m for _, m in clinical),
                           per_note_clinical=tuple(clinical))
