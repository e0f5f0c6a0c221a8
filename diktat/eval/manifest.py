"""Evaluation manifests: one JSON object per line, one audio clip and its reference per object.

A line looks like ``{"id": "a1", "audio": "clips/a1.wav", "text": "Pasienten sov godt."}`` plus
optional metadata (see :class:`ManifestItem`). Relative audio paths resolve against the folder
of the manifest; in memory every path is absolute, and :func:`write_manifest` writes paths under
the manifest's folder relative again, so a corpus folder can be moved as a whole.

Loading never drops a line silently: a line that cannot be used (bad JSON, missing field, empty
reference, duplicate id, missing audio) is skipped and reported as a :class:`ManifestProblem`
with its line number. Unknown keys are kept in ``extra`` and written back unchanged.

The manifests under ``../shared/data/speech`` (NPSC, king) load as they are: they have no
``id``, so the audio file's stem is used, and NeMo's ``audio_filepath``/``duration`` are
accepted for ``audio``/``duration_s``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from diktat.errors import InputError
from diktat.stt.batch import write_atomic

__all__ = [
    "Candidate",
    "Manifest",
    "ManifestItem",
    "ManifestProblem",
    "WrittenStandard",
    "check_items",
    "item_from_record",
    "load_manifest",
    "read_jsonl",
    "write_manifest",
]

WrittenStandard = Literal["nb", "nn"]

# Other manifest dialects' names for our fields, used only when our own name is absent.
_ALIASES = {"audio_filepath": "audio", "duration": "duration_s"}
_LANGUAGE_CODES = {"nb-no": "nb", "nob": "nb", "nn-no": "nn", "nno": "nn"}


class ManifestItem(BaseModel):
    """One clip to evaluate: audio, reference text and what is known about the recording."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    audio: Path
    text: str = ""
    expect_silence: bool = False  # silence/noise clip: any transcribed text is a hallucination
    speaker: str | None = None
    dialect_region: str | None = None
    gender: str | None = None
    written_standard: WrittenStandard | None = None
    domain: str | None = None
    duration_s: float | None = Field(default=None, ge=0)
    synthetic: bool = False
    synth: dict[str, Any] | None = None  # synthesis settings, for synthetic clips
    gold_note: dict[str, Any] | None = None  # as tests/data/dictations/*.expected.json
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys_to_extra(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        unknown = {k: v for k, v in data.items() if k not in cls.model_fields}
        extra = data.get("extra") or {}
        if not unknown or not isinstance(extra, dict):
            return data
        known = {k: v for k, v in data.items() if k in cls.model_fields}
        known["extra"] = {**extra, **unknown}
        return known

    @field_validator("written_standard", mode="before")
    @classmethod
    def _language_code(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return _LANGUAGE_CODES.get(value, value)
        return value

    @model_validator(mode="after")
    def _text_matches_silence(self) -> ManifestItem:
        if self.expect_silence and self.text.strip():
            raise ValueError("a clip with expect_silence: true must have an empty text")
        if not self.expect_silence and not self.text.strip():
            raise ValueError(
                "text is empty; only silence/noise clips (expect_silence: true) may have no "
                "reference"
            )
        return self

    def to_record(self, root: Path | None = None) -> dict[str, Any]:
        """The JSON object for a manifest line; ``audio`` relative to ``root`` when under it."""
        audio = self.audio
        if root is not None and audio.is_absolute() and audio.is_relative_to(root.absolute()):
            audio = audio.relative_to(root.absolute())
        rest = self.model_dump(
            mode="json", exclude_none=True, exclude_defaults=True,
            exclude={"id", "audio", "text", "extra"},
        )
        return {"id": self.id, "audio": audio.as_posix(), "text": self.text, **rest, **self.extra}


# An item with where it came from (file name, 1-based line), before duplicate and audio checks.
Candidate = tuple[ManifestItem, str | None, int | None]


@dataclass(frozen=True)
class ManifestProblem:
    """Why one line or record was skipped. ``line`` is 1-based; ``source`` names the file."""

    message: str
    line: int | None = None
    item_id: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.source, self.line) if part is not None)
        who = f"[{self.item_id}] " if self.item_id else ""
        return f"{where}: {who}{self.message}" if where else f"{who}{self.message}"


@dataclass(frozen=True)
class Manifest:
    """The usable items of a manifest (or imported corpus) and what was skipped, and why."""

    items: tuple[ManifestItem, ...]
    problems: tuple[ManifestProblem, ...] = ()
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[ManifestItem]:
        return iter(self.items)


def load_manifest(path: Path | str, *, check_audio: bool = True) -> Manifest:
    """Read a JSONL manifest; unusable lines are skipped and reported, never dropped silently.

    Raises :class:`InputError` when the file is missing, a folder, empty or not UTF-8.
    With ``check_audio`` (the default) items whose audio file is missing are skipped too.
    """
    path = Path(path)
    records, problems = read_jsonl(path)
    root = path.parent.absolute()
    candidates: list[Candidate] = []
    for line, record in records:
        item = item_from_record(record, root, line=line, source=path.name)
        if isinstance(item, ManifestProblem):
            problems.append(item)
        else:
            candidates.append((item, path.name, line))
    items, more = check_items(candidates, check_audio=check_audio)
    problems.extend(more)
    problems.sort(key=lambda p: p.line or 0)
    return Manifest(items=tuple(items), problems=tuple(problems), path=path)


def write_manifest(items: Iterable[ManifestItem], path: Path | str) -> Path:
    """Write ``items`` as JSONL atomically (temp file + rename); audio relative when possible."""
    path = Path(path)
    items = list(items)
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputError(f"Cannot write {path}: the id {item.id!r} occurs more than once.")
        seen.add(item.id)
    root = path.parent.absolute()
    lines = (json.dumps(item.to_record(root), ensure_ascii=False) for item in items)
    write_atomic(path, "".join(line + "\n" for line in lines))
    return path


def read_jsonl(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[ManifestProblem]]:
    """The JSON objects of a JSONL file with their line numbers, and the lines that are not.

    Blank lines are ignored. Raises :class:`InputError` for a missing, empty or non-UTF-8 file.
    """
    text = _read_text(path)
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[ManifestProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(ManifestProblem(f"bad JSON: {exc.msg} (column {exc.colno})",
                                            line=number, source=path.name))
            continue
        if not isinstance(value, dict):
            problems.append(ManifestProblem(
                f"not a JSON object but {type(value).__name__}", line=number, source=path.name))
            continue
        records.append((number, value))
    if not records and not problems:
        raise InputError(f"{path} is empty: a manifest needs one JSON object per line.")
    return records, problems


def item_from_record(
    record: dict[str, Any], root: Path, *, line: int | None = None, source: str | None = None
) -> ManifestItem | ManifestProblem:
    """Validate one manifest object; a relative ``audio`` is taken relative to ``root``."""
    record = _with_aliases(record)
    item_id = record.get("id")
    label = item_id if isinstance(item_id, str) else None

    def problem(message: str) -> ManifestProblem:
        return ManifestProblem(message, line=line, item_id=label, source=source)

    audio = record.get("audio")
    if audio is None:
        return problem("missing field 'audio'")
    if not isinstance(audio, str) or not audio.strip():
        return problem("'audio' must be a non-empty path string")
    if "id" not in record:
        record["id"] = label = Path(audio).stem
    if record.get("text") is None and not record.get("expect_silence"):
        return problem("missing field 'text'" if "text" not in record else
                       "text is null: no reference to score against "
                       "(set expect_silence: true for silence/noise clips)")
    record["audio"] = root / Path(audio).expanduser()
    if record.get("text") is None:
        record["text"] = ""
    try:
        return ManifestItem.model_validate(record)
    except ValidationError as exc:
        return problem(_describe(exc))


def check_items(
    candidates: Iterable[Candidate], *, check_audio: bool = True
) -> tuple[list[ManifestItem], list[ManifestProblem]]:
    """Keep the first item of each id (and, with ``check_audio``, only those whose audio exists)."""
    items: list[ManifestItem] = []
    problems: list[ManifestProblem] = []
    first: dict[str, tuple[str | None, int | None]] = {}
    for item, source, line in candidates:
        message = None
        if item.id in first:
            message = "duplicate id" + _first_use(first[item.id], source)
        elif check_audio:
            message = _audio_problem(item.audio)
        if message:
            problems.append(ManifestProblem(message, line=line, item_id=item.id, source=source))
            continue
        first[item.id] = (source, line)
        items.append(item)
    return items, problems


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputError(f"Manifest {path} does not exist.")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the manifest file (e.g. manifest.jsonl).")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path} is not UTF-8 text (first bad byte on line {line}); save it as UTF-8."
        ) from None


def _with_aliases(record: dict[str, Any]) -> dict[str, Any]:
    record = dict(record)
    for alias, name in _ALIASES.items():
        if alias in record and name not in record:
            record[name] = record.pop(alias)
    return record


def _first_use(where: tuple[str | None, int | None], source: str | None) -> str:
    first_source, first_line = where
    if first_source == source or first_source is None:
        return f" (first used on line {first_line})" if first_line else ""
    return f" (first used in {first_source}" + (f" line {first_line})" if first_line else ")")


def _audio_problem(audio: Path) -> str | None:
    if audio.is_dir():
        return f"audio path is a folder, not a file: {audio}"
    if not audio.is_file():
        return f"audio file missing: {audio}"
    return None


def _describe(exc: ValidationError) -> str:
    return "; ".join(_describe_error(err) for err in exc.errors())


def _describe_error(err: Any) -> str:
    field = ".".join(str(part) for part in err["loc"])
    if err["type"] == "missing":
        return f"missing field {field!r}"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message
