"""Sign-in and sign-out with the identity provider, and who is signed in.

    GET  /auth/login      → the provider's sign-in page (authorization code + PKCE)
    GET  /auth/callback   ← the provider sends the browser back; the session cookie is set
    POST /auth/logout     the session ends (its CSRF token in X-CSRF-Token)
    GET  /api/me          who is signed in, her role, and the session's CSRF token

The login under way is kept on the server under its `state`, tied to this browser by a short
``SameSite=Lax`` cookie (the provider's redirect back is a cross-site navigation, on which a
Strict cookie would not be sent); a callback from another browser, a replayed one and one
after 10 minutes are refused. The session cookie is HttpOnly, Secure and SameSite=Strict; the
callback answers with a page that moves on to the app by a same-site navigation, so the Strict
cookie is sent from the first page load on. No token, code or session id is ever put in a URL
of ours or written to a log.
"""

from __future__ import annotations

import html
import logging
import secrets
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from diktat.auth.oidc import SignInFailed
from diktat.auth.principal import Principal, pseudonym
from diktat.auth.signin import (
    CSRF_HEADER,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SignIn,
    csrf_matches,
)
from diktat.server.deps import PrincipalDep, ServicesDep
from diktat.server.identity import cookie_value
from diktat.server.schemas import Me
from diktat.server.services import Services

log = logging.getLogger(__name__)
router = APIRouter()

NO_SIGN_IN = "Innlogging er ikke satt opp på denne tjeneren. / Sign-in is not configured here."
NOT_ALLOWED = ("Du har ikke tilgang til diktat (rollen mangler hos identitetsleverandøren). / "
               "Your account lacks the role this server requires.")
FAILED = ("Innloggingen kunne ikke fullføres. Gå tilbake til diktat og prøv igjen. / The "
          "sign-in could not be completed; go back and try again.")
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/auth/login", include_in_schema=False)
async def login(request: Request, services: ServicesDep, popup: bool = False) -> Response:
    if services.oidc is None:
        raise HTTPException(404, NO_SIGN_IN)
    redirect_uri = f"{_own_origin(request)}/auth/callback"
    try:
        url, pending = await run_in_threadpool(
            services.oidc.begin, redirect_uri, "/auth/done" if popup else "/")
    except SignInFailed as exc:
        log.error("sign-in cannot start: %s", exc)
        return _page(503, FAILED)
    services.signins.remember_pending(pending)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(LOGIN_COOKIE, pending.browser, max_age=600, path="/auth",
                        secure=True, httponly=True, samesite="lax")
    return response


@router.get("/auth/callback", include_in_schema=False)
async def callback(request: Request, services: ServicesDep) -> Response:
    if services.oidc is None:
        raise HTTPException(404, NO_SIGN_IN)
    params = request.query_params
    pending = services.signins.take_pending(params.get("state"))
    browser = cookie_value(request.headers.get("cookie", ""), LOGIN_COOKIE)
    if (pending is None or browser is None or not params.get("code")
            or not secrets.compare_digest(browser.encode(), pending.browser.encode())):
        return _page(400, FAILED)
    try:
        identity = await run_in_threadpool(services.oidc.finish, pending, params["code"])
    except SignInFailed as exc:
        log.warning("sign-in failed: %s", exc)
        return _page(400, FAILED)
    auth = services.settings.auth
    if auth.operator_role in identity.roles:
        role = "operator"
    elif auth.nurse_role is None or auth.nurse_role in identity.roles:
        role = "nurse"
    else:
        return _page(403, NOT_ALLOWED)
    secret = await run_in_threadpool(services.users.secret)
    user_id = pseudonym(secret, identity.issuer, identity.subject)
    principal = Principal(user_id, role, "person", identity.username, identity.name)
    await run_in_threadpool(services.users.remember, user_id, identity.username,
                            identity.name, role)
    await run_in_threadpool(lambda: services.audit.record(
        "user.signed_in", actor=user_id, role=role))
    session = services.signins.start(principal)
    target = pending.return_to
    response = _page(200, "Du er logget inn. / Signed in.", refresh=target)
    response.set_cookie(SESSION_COOKIE, session.id, max_age=int(services.signins.lifetime_s),
                        path="/", secure=True, httponly=True, samesite="strict")
    response.delete_cookie(LOGIN_COOKIE, path="/auth", secure=True, httponly=True,
                           samesite="lax")
    return response


@router.get("/auth/done", include_in_schema=False)
async def signed_in_again() -> Response:
    """Where a sign-in in a second window ends: the page that opened it carries on by itself."""
    return _page(200, "Du er logget inn igjen. Lukk dette vinduet og fortsett der du var. / "
                      "Signed in again: close this window and carry on.")


@router.post("/auth/logout", status_code=204, include_in_schema=False)
async def logout(request: Request, services: ServicesDep) -> Response:
    session = _session_of(request, services)
    if session is not None:
        if not csrf_matches(session, request.headers.get(CSRF_HEADER)):
            raise HTTPException(403, "CSRF token missing or wrong")
        services.signins.end(session.id)
        await run_in_threadpool(lambda: services.audit.record(
            "user.signed_out", actor=session.principal.actor, role=session.principal.role))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True,
                           samesite="strict")
    return response


@router.get("/api/me")
async def me(request: Request, services: ServicesDep, principal: PrincipalDep) -> Me:
    session = _session_of(request, services)
    return Me(sign_in=services.oidc is not None, kind=principal.kind, role=principal.role,
              username=principal.username, name=principal.name or principal.username,
              csrf=session.csrf if session else None,
              expires_at=int(session.expires) if session else None)


def _session_of(request: Request, services: Services) -> SignIn | None:
    return services.signins.get(cookie_value(request.headers.get("cookie", ""), SESSION_COOKIE))


def _own_origin(request: Request) -> str:
    """This server as the browser reached it (the Guard has checked the Host)."""
    return f"{request.url.scheme}://{request.headers['host']}"


def _page(status: int, message: str, *, refresh: str | None = None) -> HTMLResponse:
    meta = (f'<meta http-equiv="refresh" content="0;url={quote(refresh, safe="/")}">'
            if refresh else "")
    body = (f'<!doctype html><html lang="nb"><head><meta charset="utf-8">{meta}'
            f'<title>diktat</title><link rel="stylesheet" href="/static/style.css"></head>'
            f'<body><main><p>{html.escape(message)}</p><p><a href="/">Til diktat</a></p>'
            f"</main></body></html>")
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)
