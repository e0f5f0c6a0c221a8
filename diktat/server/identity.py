"""Who a request comes from, settled by the Guard before routing (and before any body is read).

People: with sign-in configured (`[auth] issuer`), a request under /api, /v1 or /ws needs a
signed-in session (its cookie) — and, when it changes anything, the session's CSRF token in
``X-CSRF-Token``. Without sign-in and without a shared token, on loopback, every request is the
one local user's (a single-user workstation, zero configuration).

Programs send a bearer key: an API key (``dk_...``, `diktat keys`) or the shared server token
(`[server] token`, one such key with every scope). A key reaches only the paths of its scopes —
`transcribe` /v1/audio/transcriptions, `structure` /api/structure, `jobs` /api/jobs — and never
a draft, a note or a live dictation; no key is ever taken from a URL. With a token and no
sign-in, people have no way in but the page's own files: a server shared by several people
signs them in.

The page, its files, /health and /auth/* are open to all (sign-in starts there).
"""

from __future__ import annotations

import secrets
from http.cookies import CookieError, SimpleCookie

from diktat.auth.principal import LOCAL, Principal, key_holder, token_holder
from diktat.auth.signin import CSRF_HEADER, SESSION_COOKIE, csrf_matches
from diktat.config import Settings
from diktat.store.apikeys import PREFIX as KEY_PREFIX
from diktat.store.audit import actor_for

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/", "/health"})
PUBLIC_PREFIXES = ("/static/", "/auth/")

BAD_TOKEN = ("Missing or wrong access token: programs send 'Authorization: Bearer <key>' (an "
             "API key from `diktat keys`, or the token the server was started with); people "
             "sign in (configure [auth]).")
SIGNED_OUT = ("Du er ikke logget inn (eller økten er utløpt); logg inn igjen. / Not signed in, or "
              "the sign-in has expired: sign in again.")
NO_CSRF = ("Forespørselen manglet sikkerhetskoden til økten; last siden på nytt. / The request "
           "lacks the session's CSRF token (X-CSRF-Token): reload the page.")

BAD_KEY = "Unknown or revoked API key (diktat keys list)."
OUT_OF_SCOPE = ("This key's scopes do not reach this path (diktat keys list): keys and the "
                "server token transcribe, structure and run jobs, and never open drafts, notes "
                "or live dictation; people sign in.")
SCOPE_PATHS = (("/v1/audio/transcriptions", "transcribe"), ("/api/structure", "structure"),
               ("/api/jobs", "jobs"))

Refusal = tuple[int, str, str]


class Identify:
    def __init__(self, settings: Settings) -> None:
        self.sign_in = settings.auth.enabled
        self.token = settings.server.token or None

    def __call__(self, scope, headers: dict[str, str]) -> Principal | Refusal | None:
        """The request's principal, a refusal (status, code, message), or None for an
        anonymous request to a public path."""
        public = is_public(scope["path"])
        websocket = scope["type"] == "websocket"
        bearer = _bearer(headers)
        # Without a server token, a bearer that is no API key counts for nothing (the OpenAI
        # client always sends one): on loopback she is still the local user.
        if bearer is not None and not public and (self.token or bearer.startswith(KEY_PREFIX)):
            return self._program(scope, bearer)
        if self.sign_in:
            signins = scope["app"].state.services.signins
            session = signins.get(cookie_value(headers.get("cookie", ""), SESSION_COOKIE))
            if session is not None:
                changes = not websocket and scope["method"] not in SAFE_METHODS
                if changes and not public and not csrf_matches(session, headers.get(CSRF_HEADER)):
                    return 403, "csrf", NO_CSRF
                return session.principal
            return None if public else (401, "signed_out", SIGNED_OUT)
        if self.token is None:
            return LOCAL
        return None if public else (401, "invalid_token", BAD_TOKEN)

    def _program(self, scope, presented: str) -> Principal | Refusal:
        """An API key or the shared token, within its scopes."""
        if presented.startswith(KEY_PREFIX):
            key = scope["app"].state.services.api_keys.verify(presented)
            if key is None:
                return 401, "invalid_key", BAD_KEY
            holder = key_holder(key.id, key.name, key.scopes)
        elif self._token_ok(presented):
            holder = token_holder(actor_for(presented))
        else:
            return 401, "invalid_token", BAD_TOKEN
        needed = next((s for prefix, s in SCOPE_PATHS if scope["path"].startswith(prefix)),
                      None)
        if needed is None or needed not in holder.scopes or scope["type"] == "websocket":
            return 403, "scope", OUT_OF_SCOPE
        return holder

    def _token_ok(self, given: str) -> bool:
        return self.token is not None and token_matches(self.token, given)


def token_matches(expected: str | None, given: str | None) -> bool:
    if not expected:
        return True
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def is_public(path: str) -> bool:
    """The page, its files, /health and sign-in: open to all."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _bearer(headers: dict[str, str]) -> str | None:
    kind, _, given = headers.get("authorization", "").partition(" ")
    return given.strip() if kind.lower() == "bearer" and given.strip() else None


def cookie_value(header: str, name: str) -> str | None:
    """The value of cookie `name` in a Cookie header; None when absent or unparsable."""
    try:
        jar = SimpleCookie(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None
