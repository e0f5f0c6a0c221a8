"""Notes: POST /api/structure (text → note with id) and POST /api/notes/{id}/approve (store the
nurse's approved version; audited with ids and models only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from starlette.concurrency import run_in_threadpool

from diktat.errors import InputError
from diktat.server.deps import ServicesDep, require_token
from diktat.server.schemas import (
    ApproveRequest,
    ApproveResponse,
    StructureRequest,
    StructureResponse,
)
from diktat.structuring.render import render
from diktat.types import Transcript

router = APIRouter(prefix="/api", dependencies=[Depends(require_token)])


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
    note = await run_in_threadpool(services.notes.structure, source)
    note_id = services.notes.note_id_for(body.session_id)
    services.audit.record(
        "note.structured", actor=services.actor, note_id=note_id,
        session_id=body.session_id if note_id == body.session_id else None,
        asr_model=note.metadata.asr_model_id, asr_model_sha256=note.metadata.asr_model_sha256,
        structurer=note.metadata.backend,
    )
    epj = render(note, "text", review=False)
    return StructureResponse(
        note_id=note_id,
        note=note.model_dump(mode="json"),
        text=epj,
        note_text=epj,
        uncertain=[w.model_dump(mode="json") for w in note.uncertain_words],
    )


@router.post("/notes/{note_id}/approve")
async def approve_note(
    note_id: str, body: ApproveRequest, services: ServicesDep
) -> ApproveResponse:
    try:
        approved_at = await run_in_threadpool(services.notes.approve, note_id, body.note,
                                              body.text)
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None
    # The models are the server's own: nothing from the client's note reaches the log.
    services.audit.record(
        "note.approved", actor=services.actor, note_id=note_id, user=body.user,
        session_id=note_id if not note_id.startswith("t-") else None,
        asr_model=services.engine.model_id, asr_model_sha256=services.engine.model_sha256,
        structurer=services.notes.backend,
    )
    return ApproveResponse(note_id=note_id, approved_at=approved_at)
