"""The clinical part of ``report.md``: accuracy per field and per dictation, coverage, and every
dangerous error with its dictation and field (from ``report.json``'s ``notes.*.clinical``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from diktat.eval.mdformat import fmt_pct, table

__all__ = ["clinical_section"]


def _tally(t: Mapping[str, Any]) -> list[Any]:
    return [t["expected"], t["right"], t["missing"], t["wrong"], t["extra"],
            fmt_pct(t["accuracy"])]


_TALLY_HEAD = ["expected", "right", "missing", "wrong", "extra", "accuracy"]


def _rows(tallies: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    return [[name, *_tally(t)] for name, t in tallies.items() if t["expected"] or t["extra"]]


def clinical_section(name: str, notes: Mapping[str, Any]) -> list[str]:
    c = notes.get("clinical")
    if not c:
        return []
    cov = c["coverage"]
    lines = [
        f"### Clinical accuracy ({name})", "",
        "Each gold item is right, missing (the note has nothing for it: not dangerous) or wrong "
        "(the note says something else: dangerous); extra items have no gold counterpart.", "",
        *table(["measure", "value"], [
            ["value accuracy (vitals and measurements)", fmt_pct(c["value_accuracy"])],
            ["medication tuple accuracy (drug, dose, unit, time, status)",
             fmt_pct(c["medication_tuple_accuracy"])],
            ["assertion accuracy (per finding)", fmt_pct(c["assertion_accuracy"])],
            ["words visible (placed or shown unplaced)",
             f"{fmt_pct(cov['visible_share'])} ({cov['hidden']} of {cov['words']} hidden)"],
            ["words placed in a section", fmt_pct(cov["placed_share"])],
            ["dangerous errors", c["dangerous_count"]],
        ]),
        "**Values per kind**", "",
        *table(["kind", *_TALLY_HEAD], _rows(c["values"])),
        "**Medications per part**", "",
        *table(["part", *_TALLY_HEAD], _rows(c["medications"])),
        "**Assertions per gold class**", "",
        *table(["assertion", *_TALLY_HEAD], _rows(c["assertions"])),
        *table(["other", *_TALLY_HEAD], [["deviations", *_tally(c["deviations"])],
                                         ["message recipient", *_tally(c["message"])]]),
    ]
    lines += _dangerous(c)
    lines += _per_dictation(notes)
    return lines


def _dangerous(c: Mapping[str, Any]) -> list[str]:
    errors = c["dangerous"]
    if not errors:
        return ["**Dangerous errors**: none.", ""]
    by_kind = ", ".join(f"{k} {n}" for k, n in c["dangerous_by_kind"].items())
    return [f"**Dangerous errors** ({len(errors)}: {by_kind})", "",
            *table(["dictation", "field", "error", "expected", "got", "quote"],
                   [[e["dictation"], e["field"], e["kind"], e["expected"] or "–",
                     e["got"] or "–", e["quote"]] for e in errors])]


def _per_dictation(notes: Mapping[str, Any]) -> list[str]:
    rows = []
    for row in notes.get("per_note", []):
        c = row.get("clinical")
        if c is None:
            continue
        med = c["medications"]
        rows.append([row["id"], fmt_pct(c["value_accuracy"], 0),
                     f"{med['right']}/{med['expected']}" if med["expected"] else "–",
                     fmt_pct(c["assertion_accuracy"], 0),
                     fmt_pct(c["coverage"]["visible_share"], 0), c["dangerous_count"],
                     len(c["missed"])])
    if not rows:
        return []
    return ["**Per dictation**", "",
            *table(["dictation", "values", "med. tuples", "assertions", "visible",
                    "dangerous", "missing items"], rows)]
