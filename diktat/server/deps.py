"""Request dependencies: the shared services, and who is asking.

Who is asking (`Principal`) is settled by `diktat.server.guard.Guard` before routing (and before
any body is read): a signed-in user's session cookie, a program's key, or on loopback without
sign-in or token the one local user (`diktat.server.identity`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket

from diktat.auth.principal import LOCAL, Principal
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


def websocket_principal(websocket: WebSocket) -> Principal:
    """Who opened the WebSocket: the Guard let in only a signed-in person or the local user."""
    return websocket.scope.get("state", {}).get("principal", LOCAL)
