"""Clinical vocabulary: plain-text word lists that bias Whisper towards clinical terms.

Whisper accepts a short prompt prefix ("hotwords"). Entries are taken in order (user lists
first, then the bundled default) until a small character budget is spent; the full lists also
serve the structuring lexicon and low-confidence flagging, which have no such limit.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from diktat.textfile import read_utf8

DEFAULT_VOCABULARY = "default"
NO_VOCABULARY = "none"
# Measured (README, "Clinical vocabulary"): a ~100-character prompt (about a dozen drug names)
# raised drug-name hits on synthetic dictations at no speed cost; a 200-360 character prompt
# made the decoder fall back to higher temperatures so often that batched decoding took twice
# as long, with no gain on real speech.
HOTWORDS_CHAR_BUDGET = 100


def parse_word_list(text: str) -> list[str]:
    entries = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def default_entries() -> list[str]:
    text = resources.files("diktat").joinpath("data/clinical_vocabulary.txt").read_text("utf-8")
    return parse_word_list(text)


def read_word_list(path: Path) -> list[str]:
    return parse_word_list(read_utf8(path, what="vocabulary file"))


def load_vocabulary(spec: str, extra_files: tuple[Path, ...] = ()) -> list[str]:
    """Entries for `spec` ('default', 'none' or a path), with `extra_files` placed first."""
    entries: list[str] = []
    for path in extra_files:
        entries.extend(read_word_list(path))
    if spec == DEFAULT_VOCABULARY:
        entries.extend(default_entries())
    elif spec != NO_VOCABULARY:
        entries.extend(read_word_list(Path(spec)))
    seen: set[str] = set()
    unique = []
    for e in entries:
        if e.casefold() not in seen:
            seen.add(e.casefold())
            unique.append(e)
    return unique


def hotwords_from(entries: list[str], budget: int = HOTWORDS_CHAR_BUDGET) -> str | None:
    """Join entries into a decoder prompt prefix within the character budget."""
    picked: list[str] = []
    used = 0
    for e in entries:
        cost = len(e) + 2
        if used + cost > budget:
            break
        picked.append(e)
        used += cost
    return ", ".join(picked) or None
