"""The journal store: everything diktat keeps (dictation sessions with their audio, transcript
and autosave; notes made from text; drafts and approvals; uploads waiting for a job), its
retention rules and the audit log. No module outside this package builds a path inside the
store (`tests/test_store_boundary.py`).

    names       NoteId (the one note-id scheme) and the note files' names
    fileio      durable writes (temp file, fsync, rename), private folders, StoreFull
    documents   the depth and size bounds of the JSON documents kept
    sessions    dictation sessions: audio appended as captured, autosave, finish, recovery
    notes       approved notes and the folder of a note
    drafts      the working draft of each note
    uploads     the upload spool
    retention   what is kept how long, and deletion
    audit       the hash-chained audit log
"""
