"""The OpenID Connect client: the authorization code flow with PKCE (S256) and a nonce, against
any provider that publishes a discovery document (Entra ID, Keycloak, ...).

`authlib` builds the authorization request and exchanges the code; `joserfc` checks the ID
token: its signature against the provider's published keys, issuer, audience, expiry and nonce.
The discovery document and keys are fetched once and again when a token names a key not yet
seen. Nothing here touches a cookie or a request: `diktat.server.routers.auth` does.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from diktat.config import AuthSettings
from diktat.errors import DiktatError

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
_TIMEOUT_S = 10.0
_CLOCK_SKEW_S = 120


class SignInFailed(DiktatError):
    """The provider could not be reached, refused the code, or sent a token that does not
    hold (the message names which, never the token)."""


@dataclass(frozen=True)
class PendingLogin:
    """What a sign-in started (kept server side until the provider sends the user back)."""

    state: str
    code_verifier: str
    nonce: str
    redirect_uri: str
    browser: str  # the random value also set in the browser's short-lived login cookie
    return_to: str
    started: float


@dataclass(frozen=True)
class Identity:
    """The verified ID token's claims that matter here."""

    issuer: str
    subject: str
    username: str
    name: str
    roles: tuple[str, ...]


class OidcClient:
    def __init__(self, settings: AuthSettings) -> None:
        if settings.issuer is None:
            raise ValueError("no issuer configured")
        self.settings = settings
        self.issuer = settings.issuer
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def begin(self, redirect_uri: str, return_to: str) -> tuple[str, PendingLogin]:
        """The provider's sign-in address to send the browser to, and what to keep until the
        browser comes back."""
        metadata = self.metadata()
        pending = PendingLogin(
            state=secrets.token_urlsafe(32), code_verifier=secrets.token_urlsafe(64),
            nonce=secrets.token_urlsafe(32), redirect_uri=redirect_uri,
            browser=secrets.token_urlsafe(32), return_to=return_to, started=time.time())
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=pending.state, nonce=pending.nonce,
                code_verifier=pending.code_verifier)
        return url, pending

    def finish(self, pending: PendingLogin, code: str) -> Identity:
        """Exchange the code and verify the ID token; SignInFailed when anything is off."""
        metadata = self.metadata()
        try:
            with self._client(pending.redirect_uri) as client:
                token = client.fetch_token(metadata["token_endpoint"], code=code,
                                           code_verifier=pending.code_verifier)
        except Exception as exc:  # noqa: BLE001 - authlib raises several kinds; none may leak
            raise SignInFailed("the identity provider did not accept the sign-in code "
                               f"({type(exc).__name__})") from None
        id_token = token.get("id_token")
        if not id_token:
            raise SignInFailed("the identity provider sent no ID token (is 'openid' in "
                               "[auth] scopes?)")
        claims = self._verified_claims(id_token, pending.nonce)
        roles = claims.get(self.settings.role_claim) or ()
        return Identity(
            issuer=str(claims["iss"]), subject=str(claims["sub"]),
            username=str(claims.get(self.settings.username_claim) or claims["sub"]),
            name=str(claims.get(self.settings.name_claim) or ""),
            roles=tuple(str(r) for r in ([roles] if isinstance(roles, str) else roles)))

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                url = f"{self.issuer}/.well-known/openid-configuration"
                document = self._get(url)
                for field in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(document.get(field), str):
                        raise SignInFailed(f"{url} has no {field}: not an OpenID provider")
                self._metadata = document
            return self._metadata

    def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        metadata = self.metadata()
        try:
            decoded = jwt.decode(id_token, self._key_set(refresh=False), algorithms=ALGORITHMS)
        except JoseError:
            try:  # the provider may have rotated its keys since they were fetched
                decoded = jwt.decode(id_token, self._key_set(refresh=True),
                                     algorithms=ALGORITHMS)
            except (JoseError, ValueError) as exc:
                raise SignInFailed(f"the ID token's signature does not hold "
                                   f"({type(exc).__name__})") from None
        registry = jwt.JWTClaimsRegistry(
            leeway=_CLOCK_SKEW_S,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": self.settings.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise SignInFailed(f"the ID token does not hold ({exc.error}: "
                               f"{exc.description or 'claims'})") from None
        return dict(decoded.claims)

    def _key_set(self, *, refresh: bool) -> KeySet:
        jwks_uri = self.metadata()["jwks_uri"]
        with self._lock:
            if self._keys is None or refresh:
                self._keys = KeySet.import_key_set(self._get(jwks_uri))
            return self._keys

    def _client(self, redirect_uri: str) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.settings.client_id, client_secret=self.settings.client_secret,
            scope=" ".join(self.settings.scopes), redirect_uri=redirect_uri,
            code_challenge_method="S256", timeout=_TIMEOUT_S,
            token_endpoint_auth_method="client_secret_basic" if self.settings.client_secret
            else "none")

    def _get(self, url: str) -> dict[str, Any]:
        try:
            answer = httpx.get(url, timeout=_TIMEOUT_S, follow_redirects=False)
            answer.raise_for_status()
            document = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInFailed(f"cannot read {url} ({type(exc).__name__})") from None
        if not isinstance(document, dict):
            raise SignInFailed(f"{url} is not a JSON object")
        return document
