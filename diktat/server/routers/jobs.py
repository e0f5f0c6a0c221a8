"""Upload jobs: POST /api/jobs (202, or 503 with Retry-After when the queue is full) and
GET /api/jobs/{id} (status, progress, and at the end the transcript and the note)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from diktat.server.deps import PrincipalDep, ServicesDep, reader_of_content
from diktat.server.jobqueue import Job
from diktat.server.schemas import JobCreated, JobState
from diktat.store.uploads import ParkedJob, park, spool, unpark

router = APIRouter(prefix="/api/jobs")

QUEUE_FULL = ("Køen er full; prøv igjen om litt. / The job queue is full; try again in a "
              "little while.")
# A queued dictation takes seconds to a minute on a CPU; tell clients to wait about that long.
RETRY_AFTER_S = 30


@router.post("", status_code=202)
async def create_job(request: Request, services: ServicesDep, principal: PrincipalDep):
    reader_of_content(principal)
    form = await request.form(max_files=1, max_fields=10)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "Missing the audio: send it as the multipart field 'file'.")
        path = await run_in_threadpool(
            spool, upload.file, Path(upload.filename or "").suffix, services.uploads_dir,
            services.keys)
    finally:
        await form.close()
    job = Job(filename=Path(upload.filename or "opptak").name, path=path,
              content_type=upload.content_type, owner=principal.user_id, actor=principal.actor)
    try:  # parked until it ends: a stop or crash of the server does not lose it
        await run_in_threadpool(park, ParkedJob(job.id, path, job.content_type, job.created,
                                                job.owner, job.actor), services.keys)
    except BaseException:
        unpark(path)
        raise
    if not services.jobs.submit(job):
        unpark(path)
        return JSONResponse({"detail": QUEUE_FULL}, status_code=503,
                            headers={"Retry-After": str(RETRY_AFTER_S)})
    return JobCreated(id=job.id, status=job.status, filename=job.filename)


@router.get("/{job_id}")
def get_job(job_id: str, services: ServicesDep, principal: PrincipalDep) -> JobState:
    job = services.jobs.get(job_id)
    if job is None or not principal.owns(job.owner):
        raise HTTPException(404, f"No job {job_id!r} on this server (job states are kept until "
                            "the server restarts; finished notes stay as drafts, GET /api/drafts).")
    if job.status == "done":
        services.audit.record("job.opened", actor=principal.actor, role=principal.role,
                              job_id=job.id, note_id=job.note_id.value if job.note_id else None)
    return JobState(
        id=job.id, status=job.status, filename=job.filename, progress=job.progress,
        error=job.error, transcript=job.transcript,
        note_id=job.note_id.value if job.note_id else None,
        note_kind=job.note_id.kind if job.note_id else None, note=job.note, note_text=job.note_text,
    )
