"""Request dependencies: the shared services, and the bearer-token check.

With `[server] token` set, every API call must send ``Authorization: Bearer <token>``; the
WebSocket takes ``?token=`` instead (browsers cannot set headers on it). Without a token —
only allowed on loopback, see `diktat.server.run.check_bind` — nothing is checked.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket

from diktat.server.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def token_matches(expected: str | None, given: str | None) -> bool:
    if not expected:
        return True
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def require_token(request: Request) -> None:
    expected = request.app.state.services.settings.server.token
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if not token_matches(expected, given.strip() if scheme.lower() == "bearer" else None):
        raise HTTPException(
            status_code=401,
            detail="Missing or wrong access token: send 'Authorization: Bearer <token>' "
            "(the token the server was started with).",
            headers={"WWW-Authenticate": "Bearer"},
        )


def websocket_token_ok(websocket: WebSocket) -> bool:
    expected = websocket.app.state.services.settings.server.token
    return token_matches(expected, websocket.query_params.get("token"))
