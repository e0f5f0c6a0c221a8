"""`Guard`: what every request must pass before routing (ASGI middleware, outermost).

1. **Host** — the request names this server: 127.0.0.1, localhost or [::1] on the server's port,
   the address it binds (unless a wildcard such as 0.0.0.0), or a name in `[server]
   allowed_hosts`. Anything else is answered 421 before any route runs. This stops DNS
   rebinding: a web page under a name of its own that is made to resolve to 127.0.0.1 reaches
   the server with its own name in `Host`.
2. **Origin** — a request that carries an `Origin` (every browser does on a WebSocket handshake
   and on POST/PUT/PATCH/DELETE) must come from this server's own page: the scheme the request
   arrived with (https behind TLS) and an allowed host and port. `Origin: null` and `Sec-Fetch-
   Site: cross-site` on a state-changing request or a WebSocket are refused too (403). This
   stops other web pages from uploading, approving or dictating (cross-site request forgery and
   cross-site WebSocket hijacking). Clients without an Origin (the `openai` client, curl) are
   not browsers: for them only the token counts.
3. **Who** — `diktat.server.identity.Identify`: a signed-in session (with its CSRF token on a
   change), a program's key within its scopes, or the local user; settled here before the body
   is read (an unauthenticated client cannot make the server read or parse a large body) and
   handed to the routes as ``request.state.principal``. Paths not listed as public need it,
   `/openapi.json` included. No credential is ever taken from a URL.

Refusals are JSON in the shape of the path (`{"error": {...}}` under /v1, as OpenAI clients
expect; `{"detail", "code"}` elsewhere) and close the connection, since a body may be unread.
The options are built once from the settings (`GuardOptions.from_settings`) and never change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from diktat.config import ServerSettings
from diktat.server.identity import SAFE_METHODS, Identify, is_public
from diktat.server.run import is_wildcard

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
FOREIGN_SITES = frozenset({"cross-site", "same-site"})
DEFAULT_PORTS = {"http": 80, "https": 443}

UNKNOWN_HOST = (
    "Ukjent vertsnavn: denne tjeneren svarer bare på navnene den er satt opp med. / Unknown host "
    "name: this server answers only to 127.0.0.1, localhost and [::1] on its port, the address "
    "it listens on and the names in [server] allowed_hosts; add the name clients use there."
)
FOREIGN_ORIGIN = (
    "Avvist: forespørselen kom fra en annen nettside enn diktat-siden på denne tjeneren. / "
    "Refused: the request comes from another web page (its Origin is not this server's own); "
    "only the page this server serves may send it."
)


@dataclass(frozen=True)
class GuardOptions:
    """Which hosts and origins are this server's."""

    names: frozenset[str]  # host names (lower case, IPv6 in brackets) on the server's own port
    authorities: frozenset[tuple[str, int]]  # (host name, port) pairs allowed as they are
    port: int | None  # the server's port; None (port 0 in the settings): the one connected to

    @classmethod
    def from_settings(cls, server: ServerSettings) -> GuardOptions:
        names = set(LOOPBACK_HOSTS)
        authorities = set()
        if not is_wildcard(server.host):
            names.add(split_authority(server.host)[0])
        for entry in server.allowed_hosts:
            host, port = split_authority(entry)
            if port is None:
                names.add(host)
            else:
                authorities.add((host, port))
        return cls(frozenset(names), frozenset(authorities), server.port or None)

    def allows(self, host: str, port: int, server_port: int | None) -> bool:
        own_port = self.port or server_port
        return (host, port) in self.authorities or (host in self.names and port == own_port)


def split_authority(value: str) -> tuple[str, int | None]:
    """``host[:port]`` → (lower-case host, IPv6 in brackets; port or None). ValueError if it is
    not one (a scheme, a path, user info, a port out of range)."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        host, rest = value[:end + 1], value[end + 1:]
        if end < 0 or (rest and not rest.startswith(":")):
            raise ValueError(f"not a host[:port]: {value!r}")
        port = rest[1:] if rest else None
    elif value.count(":") > 1:  # a bare IPv6 address, as a bind address is written
        host, port = f"[{value}]", None
    else:
        host, colon, rest = value.partition(":")
        port = rest if colon else None
    if not host or any(c in host for c in "/@?#\\ ") or port == "":
        raise ValueError(f"not a host[:port]: {value!r}")
    if port is None:
        return host, None
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not a port: {port!r}")
    return host, int(port)


class Guard:
    """ASGI middleware: Host, then Origin, then who (see the module's doc)."""

    def __init__(self, app, options: GuardOptions, identify: Identify) -> None:
        self.app = app
        self.options = options
        self.identify = identify

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await _refuse_websocket(scope, send, *refusal)
        else:
            await _refuse_http(scope, send, *refusal)

    def refusal(self, scope) -> tuple[int, str, str] | None:
        """(status, code, message) of the first check the request fails, or None."""
        headers = _headers(scope)
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        server = scope.get("server")
        server_port = server[1] if server else None
        try:
            host, port = split_authority(headers.get("host", ""))
        except ValueError:
            return 421, "unknown_host", UNKNOWN_HOST
        if not self.options.allows(host, port or DEFAULT_PORTS[scheme], server_port):
            return 421, "unknown_host", UNKNOWN_HOST
        origin = headers.get("origin")
        if origin is not None and not self._own_origin(origin, scheme, server_port):
            return 403, "foreign_origin", FOREIGN_ORIGIN
        # Sec-Fetch-Site (sent by current browsers) says whether another site's page made the
        # request; "same-site" covers another port on localhost. Such a page may link to the
        # page itself, but may neither change anything nor fetch the API, even blindly.
        changes = scope["type"] == "websocket" or scope["method"] not in SAFE_METHODS
        foreign_site = headers.get("sec-fetch-site") in FOREIGN_SITES
        if foreign_site and (changes or not is_public(scope["path"])):
            return 403, "foreign_origin", FOREIGN_ORIGIN
        who = self.identify(scope, headers)
        if isinstance(who, tuple):
            return who
        if who is not None:
            scope.setdefault("state", {})["principal"] = who
        return None

    def _own_origin(self, origin: str, scheme: str, server_port: int | None) -> bool:
        given_scheme, sep, authority = origin.strip().lower().partition("://")
        if not sep or given_scheme != scheme:
            return False  # "null" (a sandboxed or file: page), or http against https
        try:
            host, port = split_authority(authority)
        except ValueError:
            return False
        return self.options.allows(host, port or DEFAULT_PORTS[scheme], server_port)


def _headers(scope) -> dict[str, str]:
    """The request's headers by lower-case name (the first of repeated ones)."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _body(scope, status: int, code: str, message: str) -> bytes:
    if scope["path"].startswith("/v1/"):
        kind = {401: "authentication_error", 403: "permission_error"}.get(
            status, "invalid_request_error")
        body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    else:
        body = {"detail": message, "code": code}
    return json.dumps(body, ensure_ascii=False).encode()


def _response_headers(payload: bytes, status: int) -> list[tuple[bytes, bytes]]:
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(payload)).encode()),
               (b"x-content-type-options", b"nosniff")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    return headers


async def _refuse_http(scope, send, status: int, code: str, message: str) -> None:
    payload = _body(scope, status, code, message)
    # The body (if any) is left unread: the connection closes after the answer.
    headers = [*_response_headers(payload, status), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _refuse_websocket(scope, send, status: int, code: str, message: str) -> None:
    """Refuse the handshake: an HTTP answer with the reason where the server can send one
    (the ASGI denial-response extension), else a plain close (the server answers 403)."""
    if "websocket.http.response" in scope.get("extensions", {}):
        payload = _body(scope, status, code, message)
        await send({"type": "websocket.http.response.start", "status": status,
                    "headers": _response_headers(payload, status)})
        await send({"type": "websocket.http.response.body", "body": payload})
    else:
        await send({"type": "websocket.close", "code": 1008})
