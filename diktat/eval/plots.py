"""PNG plots drawn from ``report.json`` documents, with matplotlib's Agg backend (no display).

matplotlib is the optional ``eval`` extra; it is imported only here, when a plot is drawn, and
:func:`require_matplotlib` lets a command fail before any work when it is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from diktat.errors import DiktatError

__all__ = ["COMPARE_PNG", "PLOT_NAMES", "require_matplotlib", "write_compare_plot", "write_plots"]

PLOT_NAMES = ("wer_by_group.png", "error_types.png", "wer_per_clip.png",
              "time_saved_sensitivity.png")
COMPARE_PNG = "compare_wer_by_group.png"
TORNADO_ROWS = 10
_DPI = 110


def require_matplotlib() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, or a clear error naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise DiktatError("The evaluation plots need matplotlib, which is not installed: "
                          "pip install 'diktat[eval]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_plots(data: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Every plot ``data`` has material for, as PNGs in ``out_dir``; their paths."""
    if "asr" not in data and "time_saved" not in data:
        return []  # nothing to draw: a notes-only report needs no matplotlib
    plt = require_matplotlib()
    drawers: dict[str, Callable[[Any, Mapping[str, Any]], Any]] = {
        "wer_by_group.png": _wer_by_group,
        "error_types.png": _error_types,
        "wer_per_clip.png": _wer_per_clip,
        "time_saved_sensitivity.png": _tornado,
    }
    written = []
    for name, draw in drawers.items():
        figure = draw(plt, data)
        if figure is not None:
            written.append(_save(plt, figure, Path(out_dir) / name))
    return written


def write_compare_plot(reports: Sequence[Mapping[str, Any]], labels: Sequence[str],
                       out: Path) -> Path | None:
    """Corpus and group WER of several runs side by side (None when no run has ASR)."""
    plt = require_matplotlib()
    rows = _group_rows(reports)
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.45 * len(rows) * len(reports)))
    height = 0.8 / len(reports)
    for i, (report, label) in enumerate(zip(reports, labels, strict=True)):
        found = _bars_by_label(report)
        ys = [r - 0.4 + height * (i + 0.5) for r in range(len(rows))]
        values = [found.get(row, (None, None))[0] for row in rows]
        errors = [found.get(row, (None, None))[1] for row in rows]
        ax.barh(ys, [100 * (v or 0) for v in values], height=height, label=label,
                xerr=_xerr(values, errors), capsize=3)
    ax.set_yticks(range(len(rows)), rows)
    ax.invert_yaxis()
    ax.set_xlabel("WER (%)")
    ax.set_title("WER by group (95 % bootstrap CI)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(reports))
    return _save(plt, fig, out)


def _save(plt: Any, figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=_DPI, format="png", bbox_inches="tight")
    plt.close(figure)
    return path


def _bars_by_label(data: Mapping[str, Any]) -> dict[str, tuple[float, list[float] | None]]:
    """'all' and 'attribute = value' → (WER, CI)."""
    asr = data.get("asr")
    if not asr:
        return {}
    bars = {"all": (asr["corpus"]["wer"], asr["corpus"]["wer_ci"])}
    for attribute, groups in asr["groups"].items():
        for g in groups:
            bars[f"{attribute} = {g['value']} (n={g['items']})"] = (g["wer"], g["wer_ci"])
    return bars


def _group_rows(reports: Sequence[Mapping[str, Any]]) -> list[str]:
    rows: list[str] = []
    for report in reports:
        rows += [label for label in _bars_by_label(report) if label not in rows]
    return rows


def _xerr(values: Sequence[float | None], cis: Sequence[list[float] | None]) -> list[list[float]]:
    low = [100 * (v - ci[0]) if v is not None and ci else 0.0 for v, ci in zip(values, cis,
                                                                               strict=True)]
    high = [100 * (ci[1] - v) if v is not None and ci else 0.0 for v, ci in zip(values, cis,
                                                                                strict=True)]
    return [[max(x, 0.0) for x in low], [max(x, 0.0) for x in high]]


def _wer_by_group(plt: Any, data: Mapping[str, Any]) -> Any:
    bars = _bars_by_label(data)
    if not bars:
        return None
    labels = list(bars)
    values = [bars[label][0] for label in labels]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.4 * len(labels)))
    ax.barh(range(len(labels)), [100 * v for v in values], color="#4c72b0",
            xerr=_xerr(values, [bars[label][1] for label in labels]), capsize=3)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("WER (%)")
    ax.set_title("WER by group (95 % bootstrap CI)")
    return fig


def _error_types(plt: Any, data: Mapping[str, Any]) -> Any:
    asr = data.get("asr")
    if not asr:
        return None
    kinds = ("substitutions", "deletions", "insertions")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    width = 0.38
    for offset, unit, colour in ((-width / 2, "words", "#4c72b0"), (width / 2, "chars",
                                                                   "#dd8452")):
        counts = asr["corpus"][unit]
        rates = [100 * counts[k] / max(counts["reference"], 1) for k in kinds]
        bars = ax.bar([i + offset for i in range(3)], rates, width, label=unit, color=colour)
        ax.bar_label(bars, labels=[str(counts[k]) for k in kinds], fontsize=8)
    ax.set_xticks(range(3), kinds)
    ax.set_ylabel("% of reference units")
    ax.set_title("Error types (bar labels: counts)")
    ax.legend()
    return fig


def _wer_per_clip(plt: Any, data: Mapping[str, Any]) -> Any:
    asr = data.get("asr")
    wers = [100 * item["wer"] for item in (asr or {}).get("items", ())
            if item["reference_words"]]
    if not wers:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.5))
    top = max(100.0, max(wers))
    ax.hist(wers, bins=[5 * i for i in range(int(top // 5) + 2)], color="#4c72b0",
            edgecolor="white")
    ax.axvline(100 * asr["corpus"]["wer"], color="#c44e52", linestyle="--",
               label=f"corpus WER {100 * asr['corpus']['wer']:.1f} %")
    ax.set_xlabel("WER per clip (%)")
    ax.set_ylabel("clips")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"Per-clip WER ({len(wers)} clips with a reference)")
    ax.legend()
    return fig


def _tornado(plt: Any, data: Mapping[str, Any]) -> Any:
    ts = data.get("time_saved")
    if not ts:
        return None
    base = ts["minutes_saved_per_vakt"]
    rows = list(reversed(ts["sensitivity"][:TORNADO_ROWS]))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.45 * len(rows)))
    for y, row in enumerate(rows):
        for end, colour in (("low", "#dd8452"), ("high", "#4c72b0")):
            value = row[f"minutes_at_{end}"]
            ax.barh(y, value - base, left=base, color=colour,
                    label=f"parameter at its {end} end" if y == 0 else None)
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(range(len(rows)),
                  [f"{r['parameter']} ({r['low']:g}–{r['high']:g})" for r in rows])
    ax.set_xlabel("minutes saved per employee per vakt")
    ax.set_title(f"Time saved: one parameter at a time (as used: {base:.1f} min)")
    ax.legend(loc="lower right", fontsize=8)
    return fig
