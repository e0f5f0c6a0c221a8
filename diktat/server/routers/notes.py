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

from diktat.auth.principal import Principal
from diktat.errors import InputError, OutputError
from diktat.server.deps import PrincipalDep, ServicesDep, reader_of_content
from diktat.server.schemas import (
    ApproveRequest,
    ApproveResponse,
    DraftSaved,
    DraftSummaryShared,
    ShareRequest,
    StructureRequest,
    StructureResponse,
)
from diktat.server.services import Services
from diktat.store.audit import AuditUnwritable
from diktat.store.documents import DocumentRejected
from diktat.store.drafts import DraftSummary, NoteDraft, StoredDraft
from diktat.store.export import note_archive
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
NO_SUCH_COLLEAGUE = (
    "Fant ingen kollega med det brukernavnet (hun må ha logget inn på diktat minst én gang). / "
    "No colleague with that user name has signed in to this server.")
DISCARD_UNAUDITED = (
    "Revisjonsloggen kan ikke skrives, så utkastet ble ikke slettet; kontakt driftsansvarlig. / "
    "The audit log cannot be written, so the draft was not deleted (no deletion unlogged)."
)


@router.post("/structure")
async def structure_text(
    body: StructureRequest, services: ServicesDep, principal: PrincipalDep
) -> StructureResponse:
    reader_of_content(principal)
    source: Transcript | str = body.text
    if body.note_id:
        await _check_owner(services, principal, _note_id(body.note_id), new_ok=True)
    named_session = NoteId.match(body.session_id) if body.session_id else None
    if named_session is not None and named_session.is_session:
        await _check_owner(services, principal, named_session, new_ok=True)
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
            services.audit.record, "note.structured", actor=principal.actor,
            role=principal.role,
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
    note_id: str, body: ApproveRequest, services: ServicesDep, principal: PrincipalDep
) -> ApproveResponse:
    owner = await _check_owner(services, principal, _note_id(note_id), new_ok=True)
    # The store audits, then keeps the files, then removes the draft (`NoteStore.approve`); a
    # fault at any step leaves the store as it was. The models are the server's own: nothing
    # from the client's note reaches the log.
    with _store_errors(full=APPROVE_FULL, no_audit=APPROVE_NO_AUDIT):
        named = NoteId.parse(note_id)
        approved_at = await run_in_threadpool(
            lambda: services.notes.approve(
                named, body.note, body.text, audit=services.audit, actor=principal.actor,
                drafts=services.drafts, edited_at=body.edited_at, owner=owner,
                user=body.user, role=principal.role,
                asr_model=services.engine.model_id,
                asr_model_sha256=services.engine.model_sha256,
                structurer=services.structuring.backend,
            ))
    return ApproveResponse(note_id=note_id, approved_at=approved_at)


@router.get("/drafts")
async def list_drafts(services: ServicesDep, principal: PrincipalDep) -> list[DraftSummary]:
    """Her own drafts and those handed over to her; the list is an access (audited)."""
    reader_of_content(principal)

    def with_deletion_times() -> list[DraftSummary]:
        found = services.drafts.summaries(principal.user_id, principal.owns)
        services.audit.record("drafts.listed", actor=principal.actor, role=principal.role,
                              count=len(found))
        return [d.model_copy(update={"deletes_at": _deletes_at(services, d.note_id)})
                for d in found]

    with _store_errors():
        return await run_in_threadpool(with_deletion_times)


def _deletes_at(services: Services, note_id: str) -> str | None:
    """When retention deletes the note's folder (its draft with it), by the store's own rule."""
    item = describe_note(services.settings, NoteId.parse(note_id), services.keys)
    when = deletes_at(item, services.settings.retention) if item else None
    return when[1].isoformat(timespec="seconds") if when else None


@router.get("/notes/{note_id}/draft")
async def get_draft(note_id: str, services: ServicesDep, principal: PrincipalDep
                    ) -> StoredDraft:
    named = _note_id(note_id)
    await _check_owner(services, principal, named, new_ok=False)
    with _store_errors():
        draft = await run_in_threadpool(services.drafts.load, named)
        if draft is None:
            raise HTTPException(404, f"note {note_id!r} has no draft")
        await run_in_threadpool(partial(
            services.audit.record, "draft.opened", actor=principal.actor, role=principal.role,
            note_id=note_id))
    return draft


@router.put("/notes/{note_id}/draft")
async def save_draft(note_id: str, body: NoteDraft, services: ServicesDep,
                     principal: PrincipalDep) -> DraftSaved:
    named = _note_id(note_id)
    await _check_owner(services, principal, named, new_ok=True)
    with _store_errors(full=DRAFT_FULL):
        # every write of journal material is in the access log, recorded before it is written
        stored, written = await run_in_threadpool(partial(
            services.drafts.save, named, body, owner=principal.user_id, audit=services.audit,
            actor=principal.actor, role=principal.role))
    return DraftSaved(note_id=stored.note_id, saved_at=stored.saved_at, superseded=not written)


@router.delete("/notes/{note_id}/draft", status_code=204)
async def discard_draft(note_id: str, services: ServicesDep, principal: PrincipalDep
                        ) -> Response:
    named = _note_id(note_id)
    await _check_owner(services, principal, named, new_ok=True)
    with _store_errors(full=DISCARD_UNAUDITED, no_audit=DISCARD_UNAUDITED):
        await run_in_threadpool(partial(services.drafts.discard, named,
                                        audit=services.audit, actor=principal.actor))
    return Response(status_code=204)


@router.get("/notes/{note_id}/export")
async def export_own_note(note_id: str, services: ServicesDep, principal: PrincipalDep
                          ) -> Response:
    """Her own note's files (audio, transcript, texts, note, draft, approval) as a zip,
    decrypted for her; audited as an export."""
    named = _note_id(note_id)
    await _check_owner(services, principal, named, new_ok=False)
    with _store_errors():
        archive = await run_in_threadpool(partial(
            note_archive, services.keys, named, sessions=services.settings.session_store_dir,
            notes=services.settings.notes_store_dir, audit=services.audit,
            actor=principal.actor, role=principal.role))
    return Response(archive, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="diktat-{named.value}.zip"'})


@router.post("/notes/{note_id}/share")
async def share_note(note_id: str, body: ShareRequest, services: ServicesDep,
                     principal: PrincipalDep) -> DraftSummaryShared:
    """Hand a draft over to a named colleague (at a change of shift): audited, explicit."""
    named = _note_id(note_id)
    await _check_owner(services, principal, named, new_ok=False)
    colleague = services.users.find(body.user)
    if colleague is None:
        raise HTTPException(404, NO_SUCH_COLLEAGUE)
    with _store_errors():
        shared = await run_in_threadpool(partial(
            services.drafts.share, named, colleague.user_id, audit=services.audit,
            actor=principal.actor))
    return DraftSummaryShared(note_id=note_id, shared_with=len(shared.shared_with))


def _note_id(raw: str) -> NoteId:
    try:
        return NoteId.parse(raw)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None


async def _check_owner(services: Services, principal: Principal, note_id: NoteId, *,
                       new_ok: bool) -> str:
    """The note's owner when `principal` may open it; 404 when she may not (or it does not
    exist and `new_ok` is false), so nobody learns what others keep; 403 for an operator. A
    note the store has nothing of yet becomes hers."""
    reader_of_content(principal)
    found = await run_in_threadpool(services.notes.owner, note_id, services.drafts)
    if found is None:
        if new_ok and not note_id.is_session:
            return principal.user_id
        raise HTTPException(404, f"no note {note_id.value!r} of yours on this server")
    owner, shared_with = found
    if not principal.owns(owner, shared_with):
        raise HTTPException(404, f"no note {note_id.value!r} of yours on this server")
    return owner


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
