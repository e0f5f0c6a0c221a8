"""`diktat keys ...`: API keys for programs (create, list, revoke); an operator's task."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from diktat.cli.app import app
from diktat.cli.common import (
    SessionsDir,
    announce_new_key,
    cli_actor,
    say,
    store_settings,
    user_errors,
)
from diktat.store.apikeys import SCOPES, ApiKeys
from diktat.store.audit import AuditLog
from diktat.store.keys import using_store

keys_app = typer.Typer(
    name="keys",
    help=f"API keys for programs, with scopes ({', '.join(SCOPES)}); kept as hashes only.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
@user_errors
def create(
    name: Annotated[str, typer.Argument(help="Who or what uses it (e.g. 'batch-opplasting').")],
    scope: Annotated[list[str], typer.Option(
        "--scope", help=f"What it may call: {', '.join(SCOPES)} (repeat the option).")],
    sessions_dir: SessionsDir = None,
) -> None:
    """Make a key and print it once: it is not kept, only its hash. Send it as
    'Authorization: Bearer <key>'."""
    settings = store_settings(sessions_dir)
    with using_store(settings, on_created=announce_new_key) as keys:
        audit = AuditLog(settings.audit_log_path)
        record, key = ApiKeys(settings.users_dir, keys).create(name, scope)
        audit.record("key.created", actor=cli_actor(), key_id=record.id)
    say(f"API key {record.id} ({record.name}; {', '.join(record.scopes)}):")
    say(key)
    say("It is shown only now; keep it where the program reads it, never in a URL.")


@keys_app.command("list")
@user_errors
def list_keys(sessions_dir: SessionsDir = None,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key with its name, scopes and state (never a secret)."""
    settings = store_settings(sessions_dir)
    with using_store(settings) as keys:
        records = ApiKeys(settings.users_dir, keys).all()
    for r in records:
        row = {"id": r.id, "name": r.name, "scopes": list(r.scopes), "created": r.created,
               "revoked": r.revoked}
        say(json.dumps(row) if as_json else
             f"{r.id}  {r.name}  {','.join(r.scopes)}  {r.created}  "
             f"{'revoked ' + r.revoked if r.revoked else 'active'}")
    if not records and not as_json:
        say("No API keys.")


@keys_app.command("revoke")
@user_errors
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (diktat keys list).")],
           sessions_dir: SessionsDir = None) -> None:
    """Revoke a key: a running server refuses it from its next request on."""
    settings = store_settings(sessions_dir)
    with using_store(settings) as keys:
        audit = AuditLog(settings.audit_log_path)
        audit.record("key.revoked", actor=cli_actor(), key_id=key_id)
        ApiKeys(settings.users_dir, keys).revoke(key_id)
    say(f"API key {key_id} is revoked.")
