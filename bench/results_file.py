"""Where every benchmark keeps its figures: bench/results/<name>-<UTC time>.json (not in git)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_results(name: str, report: dict, folder: Path = RESULTS) -> Path:
    """Write `report` as `<folder>/<name>-<time>.json` (the folder is made when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out
