"""Notes: POST /api/structure (text → note with id), POST /api/notes/{id}/approve (store the
nurse's approved version; audited with ids and models only), and the note's working draft:
GET/PUT/DELETE /api/notes/{id}/draft, GET /api/drafts (the unapproved ones, newest first)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from fastapi import APIRouter, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from diktat.errors import InputError, OutputError
from diktat.server.deps import ServicesDep
from diktat.server.schemas import (
    ApproveRequest,
    ApproveResponse,
    DraftSaved,
    StructureRequest,
    StructureResponse,
)
from diktat.server.services import Services
from diktat.store.audit import AuditUnwritable
from diktat.store.documents import DocumentRejected
from diktat.store.drafts import DraftSummary, NoteDraft, StoredDraft
from diktat.store.fileio import StoreFull
from diktat.store.names import NoteId
from diktat.store.retention import deletes_at, describe_note
from diktat.structuring.render import render
from diktat.types import Transcript

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api")

APPROVE_FULL = (
    "Disken på serveren er full: notatet er ikke godkjent, og ingenting er lagret. Utkastet er "
    "som før; frigjør plass og godkjenn på nytt. / The server's disk is full: the note was not "
    "approved and nothing was kept; the draft is as it was."
)
APPROVE_NO_AUDIT = (
    "Revisjonsloggen kan ikke skrives, så notatet er ikke godkjent, og ingenting er lagret. "
    "Utkastet er som før; kontakt driftsansvarlig. / The audit log cannot be written: the note "
    "was not approved and nothing was kept."
)
STRUCTURE_FULL = (
    "Disken på serveren er full, så revisjonsloggen kan ikke skrives: notatet ble ikke laget. "
    "Teksten din er ikke sendt videre; frigjør plass og prøv igjen. / The server's disk is full: "
    "the audit log cannot be written, so no note was made."
)
STRUCTURE_NO_AUDIT = (
    "Revisjonsloggen kan ikke skrives, så notatet ble ikke laget; kontakt driftsansvarlig. / "
    "The audit log cannot be written, so no note was made (no note without its audit entry)."
)
DRAFT_FULL = (
    "Disken på serveren er full: utkastet ble ikke lagret på serveren (det som var lagret fra "
    "før, er uendret). / The server's disk is full: the draft was not saved; the stored one is "
    "unchanged."
)
DISCARD_UNAUDITED = (
    "Revisjonsloggen kan ikke skrives, så utkastet ble ikke slettet; kontakt driftsansvarlig. / "
    "The audit log cannot be written, so the draft was not deleted (no deletion unlogged)."
)


@router.post("/structure")
async def structure_text(
    body: StructureRequest, services: ServicesDep
) -> StructureResponse:
    source: Transcript | str = body.text
    if body.session_id:
        # The session's own transcript keeps the word probabilities (uncertain words), as long
        # as the text was not edited since.
        transcript = services.notes.session_transcript(body.session_id)
        if transcript is not None and transcript.text.strip() == body.text.strip():
            source = transcript
    note = await run_in_threadpool(services.structuring.structure, source)
    note_id = (NoteId.parse(body.note_id) if body.note_id
               else services.notes.note_id_for(body.session_id))
    # No note without its audit entry (Normen: access logging): if the entry cannot be
    # written, the note is not handed out.
    try:
        await run_in_threadpool(
            services.audit.record, "note.structured", actor=services.actor,
            note_id=note_id.value, session_id=note_id.value if note_id.is_session else None,
            asr_model=note.metadata.asr_model_id,
            asr_model_sha256=note.metadata.asr_model_sha256, structurer=note.metadata.backend,
        )
    except AuditUnwritable as exc:
        log.error("structure refused: %s", exc)
        if isinstance(exc, StoreFull):
            raise HTTPException(507, STRUCTURE_FULL) from None
        raise HTTPException(503, STRUCTURE_NO_AUDIT) from None
    epj = render(note, "text", review=False)
    return StructureResponse(
        note_id=note_id.value,
        note_kind=note_id.kind,
        note=note.model_dump(mode="json"),
        text=epj,
        note_text=epj,
        uncertain=[w.model_dump(mode="json") for w in note.uncertain_words],
    )


@router.post("/notes/{note_id}/approve")
async def approve_note(
    note_id: str, body: ApproveRequest, services: ServicesDep
) -> ApproveResponse:
    # The store audits, then keeps the files, then removes the draft (`NoteStore.approve`); a
    # fault at any step leaves the store as it was. The models are the server's own: nothing
    # from the client's note reaches the log.
    with _store_errors(full=APPROVE_FULL, no_audit=APPROVE_NO_AUDIT):
        named = NoteId.parse(note_id)
        approved_at = await run_in_threadpool(
            lambda: services.notes.approve(
                named, body.note, body.text, audit=services.audit, actor=services.actor,
                drafts=services.drafts, edited_at=body.edited_at, user=body.user,
                asr_model=services.engine.model_id,
                asr_model_sha256=services.engine.model_sha256,
                structurer=services.structuring.backend,
            ))
    return ApproveResponse(note_id=note_id, approved_at=approved_at)


@router.get("/drafts")
async def list_drafts(services: ServicesDep) -> list[DraftSummary]:
    def with_deletion_times() -> list[DraftSummary]:
        return [d.model_copy(update={"deletes_at": _deletes_at(services, d.note_id)})
                for d in services.drafts.summaries()]

    return await run_in_threadpool(with_deletion_times)


def _deletes_at(services: Services, note_id: str) -> str | None:
    """When retention deletes the note's folder (its draft with it), by the store's own rule."""
    item = describe_note(services.settings, NoteId.parse(note_id), services.keys)
    when = deletes_at(item, services.settings.retention) if item else None
    return when[1].isoformat(timespec="seconds") if when else None


@router.get("/notes/{note_id}/draft")
async def get_draft(note_id: str, services: ServicesDep) -> StoredDraft:
    with _store_errors():
        draft = await run_in_threadpool(services.drafts.load, NoteId.parse(note_id))
    if draft is None:
        raise HTTPException(404, f"note {note_id!r} has no draft")
    return draft


@router.put("/notes/{note_id}/draft")
async def save_draft(note_id: str, body: NoteDraft, services: ServicesDep) -> DraftSaved:
    # Saved on every edit: not audited (the audit log records approvals and deletions).
    with _store_errors(full=DRAFT_FULL):
        stored, written = await run_in_threadpool(services.drafts.save, NoteId.parse(note_id),
                                                  body)
    return DraftSaved(note_id=stored.note_id, saved_at=stored.saved_at, superseded=not written)


@router.delete("/notes/{note_id}/draft", status_code=204)
async def discard_draft(note_id: str, services: ServicesDep) -> Response:
    with _store_errors(full=DISCARD_UNAUDITED, no_audit=DISCARD_UNAUDITED):
        await run_in_threadpool(partial(services.drafts.discard, NoteId.parse(note_id),
                                        audit=services.audit, actor=services.actor))
    return Response(status_code=204)


@contextmanager
def _store_errors(*, full: str | None = None, no_audit: str | None = None) -> Iterator[None]:
    """Store errors as HTTP answers: 413/422 for a document over its bounds, 404 for an unknown
    note, 507 for a full disk (`full`: what the nurse is told), 503 for an audit log that cannot
    be written (`no_audit`), else 500 with the reason (paths and ids only, never content)."""
    try:
        yield
    except DocumentRejected as exc:
        raise HTTPException(413 if exc.too_large else 422, str(exc)) from None
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None
    except AuditUnwritable as exc:
        log.error("refused, the audit log cannot be written: %s", exc)
        if isinstance(exc, StoreFull):
            raise HTTPException(507, full or str(exc)) from None
        raise HTTPException(503, no_audit or str(exc)) from None
    except StoreFull as exc:
        # A full or read-only disk: the page keeps its copy and says it was not saved.
        log.warning("store full: %s", exc)
        raise HTTPException(507, full or str(exc)) from None
    except OutputError as exc:
        raise HTTPException(500, str(exc)) from None
