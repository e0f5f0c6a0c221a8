"""Sign-in sessions, kept on the server: the browser holds only a random id in an HttpOnly,
Secure, SameSite=Strict cookie, and each session has its own CSRF token that the page sends
back on every change (``X-CSRF-Token``). A session ends at sign-out or `lifetime_s` after it
began; a server restart ends them all (the page then asks to sign in again, keeping what the
nurse was editing).

Logins under way (`PendingLogin`, from the provider's redirect until its callback) are kept for
at most `PENDING_S`, at most `MAX_PENDING` at once (the oldest go first), so a flood of
unfinished sign-ins cannot grow the server's memory.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from diktat.auth.oidc import PendingLogin
from diktat.auth.principal import Principal

SESSION_COOKIE = "diktat_session"
LOGIN_COOKIE = "diktat_login"
CSRF_HEADER = "x-csrf-token"
PENDING_S = 600.0
MAX_PENDING = 1000
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class SignIn:
    id: str
    principal: Principal
    csrf: str
    expires: float  # Unix time


class SignIns:
    def __init__(self, lifetime_s: float) -> None:
        self.lifetime_s = lifetime_s
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, SignIn] = OrderedDict()
        self._pending: OrderedDict[str, PendingLogin] = OrderedDict()

    def start(self, principal: Principal) -> SignIn:
        session = SignIn(secrets.token_urlsafe(32), principal, secrets.token_urlsafe(32),
                         time.time() + self.lifetime_s)
        with self._lock:
            self._drop_expired()
            while len(self._sessions) >= MAX_SESSIONS:
                self._sessions.popitem(last=False)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> SignIn | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and session.expires <= time.time():
                del self._sessions[session_id]
                return None
            return session

    def end(self, session_id: str | None) -> SignIn | None:
        with self._lock:
            return self._sessions.pop(session_id, None) if session_id else None

    def remember_pending(self, pending: PendingLogin) -> None:
        with self._lock:
            cutoff = time.time() - PENDING_S
            while self._pending and next(iter(self._pending.values())).started < cutoff:
                self._pending.popitem(last=False)
            while len(self._pending) >= MAX_PENDING:
                self._pending.popitem(last=False)
            self._pending[pending.state] = pending

    def take_pending(self, state: str | None) -> PendingLogin | None:
        """The login `state` names, once (a replayed callback finds nothing)."""
        with self._lock:
            pending = self._pending.pop(state, None) if state else None
        if pending is None or pending.started < time.time() - PENDING_S:
            return None
        return pending

    def _drop_expired(self) -> None:
        now = time.time()
        for key in [k for k, s in self._sessions.items() if s.expires <= now]:
            del self._sessions[key]


def csrf_matches(session: SignIn, given: str | None) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), session.csrf.encode())
