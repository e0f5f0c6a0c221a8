"""Turn what Norwegian speech corpora ship as into manifest items.

Supported layouts (``kind`` for :func:`import_corpus`):

``common-voice``
    A Common Voice release: a TSV (``test.tsv``, ``validated.tsv``, ...) with ``path`` and
    ``sentence`` columns, audio under ``clips/`` beside it. Given the language folder, its
    ``test.tsv`` is used. ``client_id`` becomes ``speaker``, ``gender`` is kept as written,
    ``accents`` (or the older ``accent``) becomes ``dialect_region``, ``locale`` nb-NO/nn-NO
    becomes ``written_standard``; ``age``, votes and other non-empty columns go to ``extra``.
``npsc``
    NPSC sentences as JSON lines (the Hugging Face ``NbAiLab/NPSC`` layout), a JSON list, or a
    JSON object with a ``sentences`` list; a folder means all its ``*.json``/``*.jsonl`` files.
    ``sentence_text`` (the verbatim transcription; else ``text``) is the reference,
    ``audio`` is a path or ``{"path": ...}`` per sentence, ``sentence_id`` (else ``id``, else
    the audio stem) the id, ``speaker_name`` (else ``speaker_id``) the speaker,
    ``sentence_language_code`` the written standard; ``end_time - start_time`` (ms) the duration.
    English (``en-US``) sentences are reported and skipped. Our own manifest fields
    (``../shared/data/speech/npsc/manifest.jsonl``) are read as well. Whole-meeting audio with
    only start/end times is not cut here: each sentence needs its own audio file.
``kaldi``
    A Kaldi data folder: ``wav.scp`` (``utt-id path``; piped commands and ark offsets are
    reported per line) and ``text``, optionally ``utt2spk`` and ``spk2gender``. A ``segments``
    file is refused: cut the utterances into files first. Relative paths in ``wav.scp``
    resolve against the data folder.
``folder``
    A folder tree of audio files, each with a same-named UTF-8 ``.txt`` reference
    (``a/b.wav`` + ``a/b.txt`` → id ``a/b``).

Every importer returns ``(items, problems)``: a record that cannot be used (no reference, a
duplicate id, missing audio, ...) is reported with its file and line, never dropped silently.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO

from diktat.errors import InputError
from diktat.eval.manifest import (
    Candidate,
    Manifest,
    ManifestItem,
    ManifestProblem,
    check_items,
    item_from_record,
    read_jsonl,
)
from diktat.stt.audio import AUDIO_EXTENSIONS

__all__ = [
    "CorpusKind",
    "import_common_voice",
    "import_corpus",
    "import_folder",
    "import_kaldi",
    "import_npsc",
]

CorpusKind = Literal["common-voice", "npsc", "kaldi", "folder"]
Imported = tuple[list[ManifestItem], list[ManifestProblem]]

_LOCALES = {"nb-NO": "nb", "nn-NO": "nn"}
_KALDI_GENDERS = {"m": "male", "f": "female"}


def import_corpus(kind: CorpusKind | str, source: Path | str) -> Manifest:
    """Import a corpus of the given ``kind`` (see the module doc) from ``source``."""
    importers: dict[str, Callable[[Path | str], Imported]] = {
        "common-voice": import_common_voice,
        "npsc": import_npsc,
        "kaldi": import_kaldi,
        "folder": import_folder,
    }
    if kind not in importers:
        raise InputError(f"Unknown corpus kind {kind!r}; use one of: {', '.join(importers)}.")
    source = Path(source)
    if not source.exists():
        raise InputError(f"{source} does not exist.")
    items, problems = importers[kind](source)
    return Manifest(items=tuple(items), problems=tuple(problems))


def import_common_voice(source: Path | str) -> Imported:
    """Common Voice: a ``*.tsv`` file, or a language folder (its ``test.tsv``)."""
    source = Path(source)
    tsv = _common_voice_tsv(source)
    clips = tsv.parent / "clips"
    candidates: list[Candidate] = []
    problems: list[ManifestProblem] = []
    with _open_text(tsv) as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE, restkey="\0extra")
        missing = {"path", "sentence"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(
                f"{tsv} is not a Common Voice TSV: no {', '.join(sorted(missing))} column."
            )
        for row in reader:
            line = reader.line_num
            if "\0extra" in row or None in row.values():
                problems.append(ManifestProblem(
                    f"expected {len(reader.fieldnames or ())} tab-separated columns",
                    line=line, source=tsv.name))
                continue
            _add(candidates, problems, _common_voice_record(row), clips, line, tsv.name)
    return _checked(candidates, problems)


def import_npsc(source: Path | str) -> Imported:
    """NPSC sentences from a ``.json``/``.jsonl`` file, or every such file in a folder."""
    source = Path(source)
    suffixes = (".json", ".jsonl")
    if source.is_file() and source.suffix not in suffixes:
        raise InputError(f"{source} is not a .json or .jsonl file of NPSC sentences.")
    files = [source] if source.is_file() else sorted(
        p for p in source.iterdir() if p.is_file() and p.suffix in suffixes
    )
    if not files:
        raise InputError(f"No .json or .jsonl files in {source}.")
    candidates: list[Candidate] = []
    problems: list[ManifestProblem] = []
    for path in files:
        records, bad = _npsc_records(path)
        problems.extend(bad)
        for line, record in records:
            mapped = _npsc_record(record)
            if isinstance(mapped, str):
                problems.append(ManifestProblem(
                    mapped, line=line, item_id=_npsc_id(record), source=path.name))
                continue
            _add(candidates, problems, mapped, path.parent, line, path.name)
    return _checked(candidates, problems)


def import_kaldi(source: Path | str) -> Imported:
    """A Kaldi data folder (``wav.scp`` + ``text``, optional ``utt2spk``, ``spk2gender``)."""
    source = Path(source)
    if not source.is_dir():
        raise InputError(f"{source} is not a folder; give the Kaldi data folder.")
    if (source / "segments").exists():
        raise InputError(
            f"{source / 'segments'} exists: utterances cut from longer recordings are not "
            "supported. Cut them into one file each first (e.g. Kaldi's extract-segments)."
        )
    problems: list[ManifestProblem] = []
    wavs = _kaldi_table(source / "wav.scp", problems, required=True)
    texts = _kaldi_table(source / "text", problems, required=True)
    speakers = _kaldi_table(source / "utt2spk", problems)
    genders = _kaldi_table(source / "spk2gender", problems)
    candidates: list[Candidate] = []
    for utt, (line, text) in texts.items():
        if utt not in wavs:
            problems.append(ManifestProblem("no entry in wav.scp for this utterance",
                                            line=line, item_id=utt, source="text"))
            continue
        wav_line, wav = wavs[utt]
        message = _kaldi_wav_problem(wav)
        if message:
            problems.append(ManifestProblem(message, line=wav_line, item_id=utt,
                                            source="wav.scp"))
            continue
        speaker = speakers.get(utt, (None, None))[1]
        gender = genders.get(speaker or "", (None, None))[1]
        record = {"id": utt, "audio": wav, "text": text, "speaker": speaker,
                  "gender": _KALDI_GENDERS.get((gender or "").lower(), gender)}
        _add(candidates, problems, record, source, line, "text")
    for utt, (line, _) in wavs.items():
        if utt not in texts:
            problems.append(ManifestProblem("no transcript in 'text' for this recording",
                                            line=line, item_id=utt, source="wav.scp"))
    return _checked(candidates, problems)


def import_folder(source: Path | str) -> Imported:
    """Audio files with a same-named ``.txt`` reference, anywhere under ``source``."""
    source = Path(source)
    if not source.is_dir():
        raise InputError(f"{source} is not a folder of audio files with .txt references.")
    audio = sorted(p for p in source.rglob("*")
                   if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)
    candidates: list[Candidate] = []
    problems: list[ManifestProblem] = []
    for path in audio:
        item_id = path.relative_to(source).with_suffix("").as_posix()
        text, message = _read_reference(path.with_suffix(".txt"))
        if message:
            problems.append(ManifestProblem(message, item_id=item_id,
                                            source=path.relative_to(source).as_posix()))
            continue
        record = {"id": item_id, "audio": str(path), "text": text}
        _add(candidates, problems, record, source, None, path.relative_to(source).as_posix())
    stems = {p.with_suffix("") for p in audio}
    for orphan in sorted(source.rglob("*.txt")):
        if orphan.with_suffix("") not in stems:
            problems.append(ManifestProblem("reference text without an audio file",
                                            source=orphan.relative_to(source).as_posix()))
    return _checked(candidates, problems)


def _checked(candidates: list[Candidate], problems: list[ManifestProblem]) -> Imported:
    items, more = check_items(candidates)
    return items, problems + more


def _add(
    candidates: list[Candidate],
    problems: list[ManifestProblem],
    record: dict[str, Any],
    root: Path,
    line: int | None,
    source: str,
) -> None:
    record = {k: v for k, v in record.items() if v is not None}
    item = item_from_record(record, root.absolute(), line=line, source=source)
    if isinstance(item, ManifestProblem):
        problems.append(item)
    else:
        candidates.append((item, source, line))


def _open_text(path: Path) -> TextIO:
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None


def _common_voice_tsv(source: Path) -> Path:
    if source.is_file():
        return source
    tsv = source / "test.tsv"
    if not tsv.is_file():
        found = ", ".join(sorted(p.name for p in source.glob("*.tsv"))) or "none"
        raise InputError(
            f"{source} has no test.tsv (TSV files there: {found}); give the TSV file to use."
        )
    return tsv


def _common_voice_record(row: dict[str, str]) -> dict[str, Any]:
    values = {k: v.strip() for k, v in row.items() if v and v.strip()}
    audio = values.pop("path", None)
    values.pop("sentence", None)
    record: dict[str, Any] = {
        "id": Path(audio).stem if audio else None,
        "audio": audio,
        "text": row["sentence"].strip(),
        "speaker": values.pop("client_id", None),
        "gender": values.pop("gender", None),
        "dialect_region": values.pop("accents", None) or values.pop("accent", None),
        "written_standard": _LOCALES.get(values.get("locale", "")),
    }
    return {**values, **record}


def _npsc_records(
    path: Path,
) -> tuple[Sequence[tuple[int | None, dict[str, Any]]], list[ManifestProblem]]:
    if path.suffix == ".jsonl":
        return read_jsonl(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"Cannot read {path} as JSON: {exc}.") from None
    sentences = data.get("sentences") if isinstance(data, dict) else data
    if not isinstance(sentences, list):
        raise InputError(f"{path} holds neither a list of sentences nor a 'sentences' list.")
    records: list[tuple[int | None, dict[str, Any]]] = []
    problems: list[ManifestProblem] = []
    for number, value in enumerate(sentences, start=1):
        if isinstance(value, dict):
            records.append((None, value))
        else:
            problems.append(ManifestProblem(
                f"sentence {number} is not a JSON object", source=path.name))
    return records, problems


def _npsc_record(record: dict[str, Any]) -> dict[str, Any] | str:
    """Map NPSC names onto manifest fields; a string says why the sentence is skipped."""
    record = dict(record)
    language = record.pop("sentence_language_code", None)
    if language is not None and language not in _LOCALES:
        return f"sentence_language_code {language!r} is not Norwegian; skipped"
    audio = record.pop("audio", None)
    if isinstance(audio, dict):
        audio = audio.get("path")
    if audio is None:
        return ("no 'audio' for this sentence: each sentence needs its own audio file "
                "(whole-meeting audio with start/end times is not supported)")
    sentence_text = record.pop("sentence_text", None)
    if sentence_text is not None:
        record["text"] = sentence_text  # verbatim; "text" is NPSC's copy of it
    speaker_name = record.pop("speaker_name", None)
    mapped: dict[str, Any] = {
        **{k: v for k, v in record.items() if not isinstance(v, dict | list)},
        "id": _npsc_id({**record, "audio": audio}),
        "audio": audio,
        "speaker": speaker_name or record.get("speaker") or _str_or_none(record.get("speaker_id")),
        "written_standard": _LOCALES.get(language) if language else record.get("written_standard"),
        "duration_s": record.get("duration_s", _npsc_duration(record)),
    }
    mapped.pop("sentence_id", None)
    return mapped


def _npsc_id(record: dict[str, Any]) -> str | None:
    for key in ("sentence_id", "id"):
        if record.get(key) is not None:
            return str(record[key])
    audio = record.get("audio")
    if isinstance(audio, dict):
        audio = audio.get("path")
    return Path(audio).stem if isinstance(audio, str) and audio else None


def _npsc_duration(record: dict[str, Any]) -> float | None:
    start, end = record.get("start_time"), record.get("end_time")
    if isinstance(start, int | float) and isinstance(end, int | float) and end >= start:
        return (end - start) / 1000.0
    return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _kaldi_table(
    path: Path, problems: list[ManifestProblem], *, required: bool = False
) -> dict[str, tuple[int, str]]:
    """``key rest-of-line`` per line → {key: (line number, rest)}; a repeated key is reported."""
    if not path.exists():
        if required:
            raise InputError(f"{path} is missing: a Kaldi data folder needs wav.scp and text.")
        return {}
    table: dict[str, tuple[int, str]] = {}
    with _open_text(path) as fh:
        for number, raw in enumerate(fh, start=1):
            key, rest = ([*raw.split(maxsplit=1), ""])[:2]
            if not key:
                continue
            if key in table:
                problems.append(ManifestProblem(
                    f"duplicate key (first on line {table[key][0]})",
                    line=number, item_id=key, source=path.name))
                continue
            table[key] = (number, rest.strip())
    return table


def _kaldi_wav_problem(wav: str) -> str | None:
    if wav.endswith("|"):
        return "wav.scp gives a piped command, not a file; write the audio to files first"
    if re.search(r"\.ark:\d+$", wav):
        return "wav.scp points into an ark archive; write the audio to files first"
    return None


def _read_reference(path: Path) -> tuple[str, str | None]:
    if not path.is_file():
        return "", f"no reference text: {path.name} is missing"
    try:
        return path.read_text(encoding="utf-8-sig").strip(), None
    except UnicodeDecodeError:
        return "", f"{path.name} is not UTF-8 text"
    except OSError as exc:
        return "", f"cannot read {path.name}: {exc.strerror or exc}"
