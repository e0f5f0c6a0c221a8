"""`Principal`: who a request comes from, as the routers and the store see it.

A person signed in through the identity provider is known by a pseudonym (``u-`` and 16 hex
digits: an HMAC of the issuer and her subject under a key derived from the store's master key),
so the audit log names nobody while the municipality, holding the store, can still answer who
did what (`diktat store access-log`). Without sign-in there is one local user (on loopback) or
the holder of the shared token; both own what they make under the owner ``local``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

Role = Literal["nurse", "operator"]
Kind = Literal["person", "local", "token", "key"]
LOCAL_OWNER = "local"


@dataclass(frozen=True)
class Principal:
    user_id: str  # the owner recorded on what she makes, and the audit log's actor
    role: Role
    kind: Kind
    username: str = ""  # shown to her on the page, never written to the audit log
    name: str = ""
    scopes: tuple[str, ...] = ()  # an API key's: what it may call (nothing else)

    @property
    def actor(self) -> str:
        """Her name in the audit log: the pseudonym, "local", a key's or the token's id."""
        return self.user_id

    @property
    def reads_content(self) -> bool:
        """Operators keep the store (inventory, retention, audit) and never read its content."""
        return self.role == "nurse"

    def owns(self, owner: str | None, shared_with: tuple[str, ...] | list[str] = ()) -> bool:
        """She may open `owner`'s item (an item from before owners were kept is the local
        user's)."""
        return self.reads_content and (
            (owner or LOCAL_OWNER) == self.user_id or self.user_id in shared_with)


LOCAL = Principal(LOCAL_OWNER, "nurse", "local", "lokal", "Lokal bruker")


PROGRAM_SCOPES = ("transcribe", "structure", "jobs")


def token_holder(actor: str) -> Principal:
    """A program with the shared server token: an API key with every scope, owning the jobs it
    sends (under the token's fingerprint)."""
    return Principal(actor, "nurse", "token", actor, "Servertoken", PROGRAM_SCOPES)


def key_holder(key_id: str, name: str, scopes: tuple[str, ...]) -> Principal:
    """A program with an API key: it owns the jobs it sends, and reaches only its scopes."""
    return Principal(f"k-{key_id}", "nurse", "key", name, name, scopes)


def pseudonym(secret: bytes, issuer: str, subject: str) -> str:
    digest = hmac.new(secret, f"{issuer}\n{subject}".encode(), hashlib.sha256).hexdigest()
    return f"u-{digest[:16]}"
