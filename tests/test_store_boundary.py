"""No module outside `diktat/store/` builds a path inside the journal store (issue 17): none
names a file the store keeps (as a string, or by importing the store's name constants), so
every read and write of journal material goes through the store's own operations."""

from __future__ import annotations

import ast
from pathlib import Path

from diktat.store import names, sessions, uploads

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "diktat"
STORE = PACKAGE / "store"

# The file names the store keeps, taken from the store itself: a note's draft and approval, a
# dictation session's files, the upload spool's prefix.
NAME_CONSTANTS = {
    "diktat.store.names": ("APPROVED_JSON", "APPROVED_TEXT", "DRAFT_JSON"),
    "diktat.store.sessions": ("SESSION_FILE", "LOCK_FILE", "AUDIO_PCM", "AUTOSAVE_FILE",
                              "AUDIO_WAV", "TRANSCRIPT_JSON", "TEXT_TXT", "NOTE_TXT",
                              "NOTE_JSON"),
    "diktat.store.uploads": ("UPLOAD_PREFIX",),
}
_MODULES = {"diktat.store.names": names, "diktat.store.sessions": sessions,
            "diktat.store.uploads": uploads}
STORE_NAMES = {getattr(_MODULES[mod], const): const
               for mod, consts in NAME_CONSTANTS.items() for const in consts}
# Too short to search for as text (".lock" is any lock file): only its import is checked.
_NOT_SEARCHED = {".lock"}

# Strings that look like a store name but are not a path in the store.
NOT_STORE_PATHS = {
    # `diktat transcribe -o DIR` writes `<name>.note.txt` / `.note.json` beside the user's
    # recording: the user's files, not the store's.
    ("diktat/cli/transcribe.py", "note.txt"),
    ("diktat/cli/transcribe.py", "note.json"),
}


def _strings(tree: ast.Module) -> list[tuple[int, str]]:
    """String constants (f-string parts too), docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def _name_imports(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in NAME_CONSTANTS:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names
                      if alias.name in NAME_CONSTANTS[node.module] or alias.name == "*"]
        elif isinstance(node, ast.Attribute) and node.attr in STORE_NAMES.values():
            found.append((node.lineno, node.attr))
    return found


def store_path_references() -> dict[str, list[str]]:
    """module → what in it names a file of the store, for every module outside the store."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if STORE in path.parents:
            continue
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        hits = [f"line {line}: {ref}" for line, ref in _name_imports(tree)]
        for line, text in _strings(tree):
            hits += [f"line {line}: {name!r}" for name in STORE_NAMES
                     if name not in _NOT_SEARCHED and name in text
                     and (rel, name) not in NOT_STORE_PATHS]
        if hits:
            found[rel] = hits
    return found


def test_no_module_outside_the_store_builds_a_path_inside_it():
    found = store_path_references()
    assert not found, (
        "these modules name files inside the journal store; give the store an operation for "
        f"what they do instead: {found}"
    )


def test_the_scan_sees_what_it_looks_for():
    """The scan finds a store name in a string and an imported name constant (not in a
    docstring)."""
    tree = ast.parse('"""draft.json"""\nfrom diktat.store.names import DRAFT_JSON\n'
                     'p = f"x/draft.json{1}"\n')
    assert _name_imports(tree) == [(2, "diktat.store.names.DRAFT_JSON")]
    assert [text for _, text in _strings(tree)] == ["x/draft.json"]
    assert {"draft.json", "approved-note.json", "audio.wav", "upload-"} <= STORE_NAMES.keys()
