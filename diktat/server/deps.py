"""Request dependencies: the shared services, and the WebSocket's token.

The bearer token of HTTP requests is checked by `diktat.server.guard.Guard` before routing (and
before any body is read). The WebSocket takes ``?token=`` instead (browsers cannot set headers
on it): its route checks it after the handshake, so the page can show why it was closed.
Without a token — only allowed on loopback, see `diktat.server.run.check_bind` — nothing is
checked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, WebSocket

from diktat.server.guard import token_matches
from diktat.server.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def websocket_token_ok(websocket: WebSocket) -> bool:
    expected = websocket.app.state.services.settings.server.token
    return token_matches(expected, websocket.query_params.get("token"))
