"""Transcript → txt, json, srt, vtt. Pure rendering; writing files is the batch runner's job."""

from __future__ import annotations

import json
from typing import Literal

from diktat import __version__
from diktat.types import Transcript

OutputFormat = Literal["txt", "json", "srt", "vtt"]
FORMATS: tuple[OutputFormat, ...] = ("txt", "json", "srt", "vtt")


def _timestamp(seconds: float, decimal: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{decimal}{ms:03d}"


def to_txt(t: Transcript) -> str:
    lines = [s.text.strip() for s in t.segments if s.text.strip()]
    return "\n".join(lines) + ("\n" if lines else "")


def to_srt(t: Transcript) -> str:
    blocks = []
    for i, s in enumerate((s for s in t.segments if s.text.strip()), start=1):
        blocks.append(
            f"{i}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{s.text.strip()}\n"
        )
    return "\n".join(blocks)


def to_vtt(t: Transcript) -> str:
    cues = [
        f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{s.text.strip()}\n"
        for s in t.segments
        if s.text.strip()
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def to_json(t: Transcript, source: dict | None = None) -> str:
    doc = {
        "diktat_version": __version__,
        "source": source or {},
        "text": t.text,
        "real_time_factor": t.real_time_factor,
        "transcript": t.model_dump(mode="json"),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render(t: Transcript, fmt: OutputFormat, source: dict | None = None) -> str:
    if fmt == "txt":
        return to_txt(t)
    if fmt == "srt":
        return to_srt(t)
    if fmt == "vtt":
        return to_vtt(t)
    if fmt == "json":
        return to_json(t, source)
    raise ValueError(f"unknown output format {fmt!r}")


def parse_formats(spec: str) -> tuple[OutputFormat, ...]:
    """'txt,json' → ('txt', 'json'); raises ValueError naming the bad entry."""
    out: list[OutputFormat] = []
    for part in spec.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in FORMATS:
            raise ValueError(f"unknown output format {name!r}; choose from {', '.join(FORMATS)}")
        if name not in out:
            out.append(name)  # type: ignore[arg-type]
    if not out:
        raise ValueError("no output format given")
    return tuple(out)


