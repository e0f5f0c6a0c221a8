"""Grouping of VAD speech regions into decode clips (pure; the Silero call is in whisper.py)."""

from __future__ import annotations

from collections.abc import Sequence

Region = tuple[float, float]


def group_regions(
    regions: Sequence[Region], *, max_clip_s: float = 29.0, max_gap_s: float = 2.0
) -> list[Region]:
    """Join neighbouring speech regions into contiguous clips for batched decoding.

    A clip is real, contiguous audio (its short pauses included), so its timestamps are true and
    each clip becomes its own segment. Regions further apart than `max_gap_s`, or whose union
    would exceed `max_clip_s`, start a new clip; faster-whisper's own grouping instead glues
    distant speech into one 30 s window, where the decoder may stop early and drop the rest.
    """
    clips: list[Region] = []
    for start, end in sorted(regions):
        if clips and start - clips[-1][1] <= max_gap_s and end - clips[-1][0] <= max_clip_s:
            clips[-1] = (clips[-1][0], max(clips[-1][1], end))
        else:
            clips.append((start, end))
    return clips
