"""File names of a note's draft and approval in the store (in a dictation session's folder, or
in ``<notes>/<t-id>/`` for a note made from text): the server writes them, retention reads them."""

import re

APPROVED_JSON = "approved-note.json"
APPROVED_TEXT = "approved-note.txt"
DRAFT_JSON = "draft.json"
TEXT_NOTE_ID = re.compile(r"t-[0-9a-f]{16}")  # a note made from text; whole ids only (fullmatch)
