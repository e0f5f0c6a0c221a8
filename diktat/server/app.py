"""`create_app(settings)`: the FastAPI application behind `diktat serve`.

The lifespan hook builds `Services` once (the models load at start, not per request) unless
the caller hands one in — the tests do, to share the model their session already loaded.
Errors under /v1 keep OpenAI's shape; the rest use FastAPI's ``{"detail": ...}``. Answers
under /api and /v1 carry journal text: `NoStore` forbids browsers and proxies to keep a copy.
The page is served with a Content-Security-Policy that allows only its own scripts, styles and
connections (no inline script, nothing from elsewhere, no framing) and sends no referrer (its
address can carry the token). `Guard`, the outermost middleware, checks the Host, the Origin and
the token before any route runs or any body is read (`diktat.server.guard`); `/openapi.json` is
behind the token like every path but the page and /health, and no /docs page is served.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from diktat import __version__
from diktat.config import Settings
from diktat.errors import OutputError
from diktat.server.guard import Guard, GuardOptions
from diktat.server.identity import Identify
from diktat.server.routers import auth, health, jobs, notes, openai, store, stream_ws
from diktat.server.routers.openai import openai_error
from diktat.server.services import Services
from diktat.server.uploads import BodyLimit
from diktat.store.audit import AuditUnwritable
from diktat.store.fileio import StoreFull

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
STORE_FULL = (
    "Disken på serveren er full: ingenting fra denne forespørselen er lagret. Frigjør plass og "
    "prøv igjen. / The server's disk is full: nothing from this request was kept; free space "
    "and try again."
)
NO_AUDIT = (
    "Revisjonsloggen kan ikke skrives, så forespørselen ble avvist og ingenting er lagret; "
    "kontakt driftsansvarlig. / The audit log cannot be written: the request was refused and "
    "nothing was kept (no access without its audit entry)."
)
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def create_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services if services is not None else Services.build(settings)
        app.state.services.audit.record("server.started", actor=app.state.services.actor,
                                        asr_model=app.state.services.engine.model_id,
                                        asr_model_sha256=app.state.services.engine.model_sha256,
                                        structurer=app.state.services.structuring.backend)
        # Interrupted sessions are recovered in the background, parked jobs queued again.
        app.state.services.start()
        try:
            yield
        finally:
            try:
                app.state.services.audit.record("server.stopped",
                                                actor=app.state.services.actor)
            except OutputError as exc:  # the stop goes on; its entry is missing
                log.error("the server's stop could not be audited: %s", exc)
            if owned:
                app.state.services.close()

    app = FastAPI(title="diktat", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.add_middleware(BodyLimit, limit_mb=settings.server.max_upload_mb)
    app.add_middleware(NoStore)
    app.add_middleware(Guard, options=GuardOptions.from_settings(settings.server),
                       identify=Identify(settings))  # outermost
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreFull, _store_fault)  # what a router leaves to these two
    app.add_exception_handler(AuditUnwritable, _store_fault)
    for module in (health, auth, openai, jobs, notes, store, stream_ws):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    app.add_api_route("/", _page, methods=["GET"], include_in_schema=False)
    return app


class NoStore:
    """ASGI middleware: ``Cache-Control: no-store`` on every HTTP answer under /api and /v1."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/api/", "/v1/")):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        await self.app(scope, receive, send_no_store)


def _page() -> Response:
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        return JSONResponse({"detail": "The web page is not installed."}, status_code=404)
    return FileResponse(index, headers=PAGE_HEADERS)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/v1/"):
        kind = "authentication_error" if exc.status_code == 401 else "invalid_request_error"
        response = openai_error(exc.status_code, str(exc.detail), kind)
        response.headers.update(exc.headers or {})
        return response
    return await http_exception_handler(request, exc)


async def _store_fault(request: Request, exc: Exception) -> Response:
    """A full disk (507) or an audit log that cannot be written (503): nothing was kept, and the
    client is told so in the shape of the path. Logged with the reason (paths, no content)."""
    log.error("%s refused: %s", request.url.path, exc)
    status, message = (507, STORE_FULL) if isinstance(exc, StoreFull) else (503, NO_AUDIT)
    if request.url.path.startswith("/v1/"):
        return openai_error(status, message, "server_error",
                            code="insufficient_storage" if status == 507 else "audit_unavailable")
    return JSONResponse({"detail": message}, status_code=status)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith("/v1/"):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        param = ".".join(str(p) for p in first["loc"])
        return openai_error(422, f"Invalid '{param}': {first['msg']}.", param=param)
    return await request_validation_exception_handler(request, exc)
