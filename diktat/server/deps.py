"""Request dependencies: the shared services, and who is asking.

Who is asking (`Principal`) is settled by `diktat.server.guard.Guard` before routing (and before
any body is read): a signed-in user's session cookie, the shared token, or on loopback without
either the one local user. The WebSocket takes ``?token=`` instead of a header (browsers cannot
set headers on it) when the shared token is used; its route checks it after the handshake, so
the page can show why it was closed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket

from diktat.auth.principal import LOCAL, Principal
from diktat.server.identity import token_matches
from diktat.server.services import Services

OPERATORS_READ_NO_CONTENT = (
    "Driftsrollen gir ikke tilgang til journalinnhold. / The operator role does not open "
    "journal content.")


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_principal(request: Request) -> Principal:
    return getattr(request.state, "principal", LOCAL)


ServicesDep = Annotated[Services, Depends(get_services)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def reader_of_content(principal: Principal) -> Principal:
    """`principal`, or 403 for an operator: she keeps the store, she does not read it."""
    if not principal.reads_content:
        raise HTTPException(403, OPERATORS_READ_NO_CONTENT)
    return principal


def websocket_principal(websocket: WebSocket) -> Principal | None:
    """Who opened the WebSocket (the Guard's finding), or None when the shared token is set
    and `?token=` does not match it."""
    principal = websocket.scope.get("state", {}).get("principal", LOCAL)
    expected = websocket.app.state.services.settings.server.token
    if principal.kind == "person":
        return principal
    return principal if token_matches(expected, websocket.query_params.get("token")) else None
