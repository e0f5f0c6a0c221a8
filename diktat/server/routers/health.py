"""GET /health (no token needed: for monitors) and GET /version (which models answer)."""

from __future__ import annotations

from fastapi import APIRouter

from diktat import __version__
from diktat.server.deps import ServicesDep
from diktat.server.schemas import Health, Version

router = APIRouter()


@router.get("/health")
def health() -> Health:
    return Health()


@router.get("/version")
def version(services: ServicesDep) -> Version:
    return Version(
        diktat=__version__,
        asr_model=services.engine.model_id,
        asr_model_sha256=services.engine.model_sha256,
        structurer=services.structuring.backend,
        live=services.streams.load(),
        jobs=services.jobs_load(),
    )
