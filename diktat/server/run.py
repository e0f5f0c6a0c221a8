"""Run the server: refuse an unauthenticated bind off loopback, then uvicorn, quietly.

With `tls_certfile`/`tls_keyfile` it serves HTTPS and WSS (uvicorn's TLS). Off loopback without
them the token and journal text cross the network unencrypted: `unencrypted_warning` says so
(TLS may be ended by a reverse proxy in front, so it is not refused).

uvicorn's access log is off (request paths name notes and sessions, and a misconfigured client
could put a key in a query string) and its own logging is kept at warnings (its INFO lines name
WebSocket paths with their query string); the `Server` header is not sent.

SIGTERM (what systemd sends) and SIGINT shut down gracefully and exit 0: uvicorn stops taking
connections, live dictations are finished and kept as drafts, then `Services.close` runs (queued
jobs stay parked in the upload spool and resume at the next start). uvicorn itself would raise
the signal again once it is done, killing the process (exit 143) before `Services.close` ran;
`DiktatServer` keeps the handlers but not that re-raise.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from diktat.config import ServerSettings, Settings
from diktat.errors import ConfigError

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def is_wildcard(host: str) -> bool:
    """0.0.0.0, :: or empty: every address, not one a client can name."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return not host.strip()


def check_bind(server: ServerSettings, *, sign_in: bool = False) -> None:
    """Raise ConfigError (exit code 2) for a non-loopback host without a token or sign-in."""
    if not is_loopback(server.host) and not server.token and not sign_in:
        raise ConfigError(
            f"refusing to listen on {server.host} without an access token: anyone on the network "
            "could read and write journal material. Set one with --token TOKEN or the "
            "environment variable DIKTAT_SERVER__TOKEN, configure sign-in ([auth] issuer), or "
            "bind to 127.0.0.1."
        )


def check_sign_in(settings: Settings) -> None:
    """ConfigError (exit 2) for sign-in off loopback without TLS: the session cookie is
    `Secure`, so it must only travel encrypted (TLS here, or a TLS proxy the operator states,
    `[auth] tls_proxy`)."""
    if (settings.auth.enabled and not is_loopback(settings.server.host)
            and not settings.server.tls and not settings.auth.tls_proxy):
        raise ConfigError(
            "refusing sign-in on a network address without TLS: set [server] tls_certfile and "
            "tls_keyfile, or [auth] tls_proxy = true when a TLS proxy sits in front")


def check_tls(server: ServerSettings) -> None:
    """Load the certificate and key as uvicorn will, before the models load: ConfigError (exit
    2) for an unreadable file, a key that does not fit the certificate, or an encrypted key
    (OpenSSL would otherwise ask for its pass phrase on the terminal)."""
    if not server.tls:
        return
    import ssl

    def no_pass_phrase() -> str:
        raise ConfigError(f"server.tls_keyfile {server.tls_keyfile} is encrypted; give the key "
                          "unencrypted, readable only by the user that runs diktat")

    for name, path in (("tls_certfile", server.tls_certfile), ("tls_keyfile", server.tls_keyfile)):
        if not Path(path).is_file():
            raise ConfigError(f"server.{name} {path} is not a readable file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(server.tls_certfile, server.tls_keyfile, password=no_pass_phrase)
    except OSError as exc:
        if isinstance(exc, ssl.SSLError):
            raise ConfigError(
                f"server.tls_certfile {server.tls_certfile} and tls_keyfile "
                f"{server.tls_keyfile} are not a usable PEM certificate and its key "
                f"({exc.reason or exc})") from None
        raise ConfigError(f"cannot read {exc.filename or 'the TLS files'}: "
                          f"{exc.strerror or exc}") from None


def unencrypted_warning(server: ServerSettings) -> str | None:
    if is_loopback(server.host) or server.tls:
        return None
    return (f"listening on {server.host} without TLS: the token and journal text cross the "
            "network unencrypted unless a TLS proxy is in front. Set server.tls_certfile and "
            "server.tls_keyfile to serve HTTPS.")


def hosts_warning(server: ServerSettings) -> str | None:
    """Listening on every address but answering to loopback names only (the guard refuses any
    other `Host`): say so before browsers on other machines get 421."""
    if not is_wildcard(server.host) or server.allowed_hosts:
        return None
    return (f"listening on {server.host}, but answering only to 127.0.0.1, localhost and [::1]: "
            "browsers on other machines get 421 under any name or address. List the names "
            "they use in server.allowed_hosts (e.g. DIKTAT_SERVER__ALLOWED_HOSTS="
            "'[\"diktat.example.org\"]').")


def uvicorn_config(app, server: ServerSettings):
    import uvicorn

    tls = {}
    if server.tls:
        tls = {"ssl_certfile": str(server.tls_certfile), "ssl_keyfile": str(server.tls_keyfile)}
    return uvicorn.Config(
        app, host=server.host, port=server.port, access_log=False, server_header=False,
        log_level="warning", lifespan="on", **tls,
    )


def diktat_server(config, on_shutdown: Callable[[], None] | None = None):
    """A uvicorn server whose SIGTERM/SIGINT end `run()` normally (exit 0, the caller's clean-up
    runs) instead of being raised again after the shutdown; `on_shutdown` is called as the
    shutdown begins (before the open connections are closed)."""
    import uvicorn

    class DiktatServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

        async def shutdown(self, sockets=None) -> None:
            if on_shutdown is not None:
                on_shutdown()
            await super().shutdown(sockets=sockets)

    return DiktatServer(config)


def serve(settings: Settings) -> None:
    """Check the bind, load the models (their errors surface as DiktatError, before any port
    is opened), then serve until interrupted."""
    from diktat.server.app import create_app
    from diktat.server.services import Services

    check_bind(settings.server, sign_in=settings.auth.enabled)
    check_sign_in(settings)
    check_tls(settings.server)
    services = Services.build(settings)
    try:
        app = create_app(settings, services=services)
        diktat_server(uvicorn_config(app, settings.server), services.begin_shutdown).run()
    except BaseException:
        services.close()
        raise
    if not services.close():
        # A decode still running in a native (CTranslate2) thread cannot be stopped, and the
        # interpreter's own exit would abort in C++ under it (SIGABRT, seen on SIGTERM with
        # upload jobs running). Its job stays parked and resumes at the next start, so leave
        # now with the graceful exit's code.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
