"""A real OpenID provider on loopback (the npm package `oidc-provider`, installed by the
Makefile into tests/oidc/node_modules) and a sign-in through it as a browser would do it.

Its development login page accepts any user name; "drift" gets the operator role. The
sign-in here follows the redirects and submits the provider's own login and consent forms with
httpx; the browser tests do the same in Chromium.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests.server_helpers import free_port

OIDC_DIR = Path(__file__).parent / "oidc"
CLIENT_ID = "diktat-test"
CLIENT_SECRET = "test-hemmelighet-" + "x" * 16


@dataclass(frozen=True)
class Provider:
    issuer: str

    def auth_settings(self, **extra) -> dict:
        return {"issuer": self.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                **extra}


@contextlib.contextmanager
def oidc_provider(*redirect_uris: str) -> Iterator[Provider]:
    """The provider on a free loopback port, for a client that may return to `redirect_uris`."""
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("the test OpenID provider is not installed (node and `npm ci --prefix "
                    "tests/oidc`; `make test` installs it)")
    port = free_port()
    proc = subprocess.Popen([node, str(OIDC_DIR / "provider.mjs"), str(port), CLIENT_ID,
                             CLIENT_SECRET, *redirect_uris], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration",
                             timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the OpenID provider did not start: {proc.stdout.read()}")
            time.sleep(0.1)
        yield Provider(issuer)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@dataclass(frozen=True)
class SignedIn:
    cookie: str  # the Cookie header that carries the session
    csrf: str

    def headers(self, *, changes: bool = False) -> dict[str, str]:
        return {"Cookie": self.cookie, **({"X-CSRF-Token": self.csrf} if changes else {})}


def provider_login(location: str, username: str, until: str) -> str:
    """Follow the provider from `location` (its authorization address), sign in as `username`
    and consent; returns the address it sends the browser back to (starting with `until`)."""
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        answer = browser.get(location)
        for _ in range(20):
            if answer.status_code in (302, 303):
                target = urljoin(str(answer.url), answer.headers["location"])
                if target.startswith(until):
                    return target
                answer = browser.get(target)
                continue
            assert answer.status_code == 200, answer.text
            action = re.search(r'<form[^>]*action="([^"]+)"', answer.text)[1]
            fields = {}
            for attrs in re.findall(r"<input([^>]*)>", answer.text):
                name = re.search(r'name="([^"]*)"', attrs)
                value = re.search(r'value="([^"]*)"', attrs)
                if name:
                    fields[name[1]] = value[1] if value else ""
            if "login" in fields:
                fields |= {"login": username, "password": "hva-som-helst"}
            answer = browser.post(urljoin(str(answer.url), action), data=fields)
    raise AssertionError("the provider never sent the browser back")


def sign_in(client: httpx.Client, username: str) -> SignedIn:
    """Sign in to the diktat server `client` talks to, through the provider, as `username`."""
    started = client.get("/auth/login", follow_redirects=False)
    assert started.status_code == 303, started.text
    login_cookie = started.headers["set-cookie"].split(";")[0]
    back = provider_login(started.headers["location"], username,
                          f"{str(client.base_url).rstrip('/')}/auth/")
    done = client.get(back.removeprefix(str(client.base_url).rstrip("/")),
                      headers={"Cookie": login_cookie}, follow_redirects=False)
    assert done.status_code == 200, done.text
    session = next(c for c in done.headers.get_list("set-cookie")
                   if c.startswith("diktat_session="))
    cookie = session.split(";")[0]
    me = client.get("/api/me", headers={"Cookie": cookie})
    assert me.status_code == 200, me.text
    return SignedIn(cookie, me.json()["csrf"])
