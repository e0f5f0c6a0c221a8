"""File names of a note's draft and approval in the store (in a dictation session's folder, or
in ``<notes>/<t-id>/`` for a note made from text): the server writes them, retention reads them."""

APPROVED_JSON = "approved-note.json"
APPROVED_TEXT = "approved-note.txt"
DRAFT_JSON = "draft.json"
