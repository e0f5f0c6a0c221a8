"""Settings: defaults < config file (TOML) < environment (DIKTAT_*, nested with "__") < CLI flags.

The config file is `$DIKTAT_CONFIG` if set, else `config.toml` in the user config dir
(`platformdirs.user_config_dir("diktat")`). Example::

    models_dir = "/srv/diktat/models"
    [asr]
    model = "/srv/models/nb-whisper-small-ct2"
    threads = 4
    vocabulary = "/srv/diktat/ord.txt"
    [dictate]
    device = "pulse"
    mode = "push-to-talk"
    [structuring]
    backend = "rules"
    [server]
    port = 8765
    max_upload_mb = 50
    [store]
    key_file = "/etc/diktat/store.key"
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "diktat"


def default_models_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "models"


def config_file_path() -> Path:
    env = os.environ.get("DIKTAT_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


class AsrSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        default="whisper-base",
        description="Registry name (see `diktat models list`) or path to a CTranslate2 Whisper dir",
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str = Field(default="auto", description="auto, int8, int8_float16, float16, ...")
    threads: int = Field(
        default=0, ge=0, description="CPU threads per worker; 0 = the cores shared by the workers"
    )
    workers: int = Field(
        default=0, ge=0, le=16,
        description="Decodes at once; 0 = auto (2 for live dictation, the server and grouped "
        "`diktat transcribe` on a CPU with 2 or more cores, else 1)",
    )
    language: str = Field(default="no", description="Whisper language code: no (bokmål) or nn")
    beam_size: int = Field(default=5, ge=1, le=10)
    vad: bool = True
    batch_size: int = Field(
        default=0, ge=0, le=64, description="Clips decoded at once in a batch; 0 = auto by device"
    )
    files_per_group: int = Field(
        default=0, ge=0, le=64,
        description="`diktat transcribe`: files whose speech clips are decoded together in shared "
        "batches; 0 = auto (32), 1 = file by file",
    )
    # Off by default: on real Norwegian speech the prompt made Whisper base worse (an NPSC clip
    # came out in English) and slower (temperature fallbacks); see README "Clinical vocabulary".
    vocabulary: str = Field(
        default="none",
        description="Decoder prompt words: 'none', 'default' (bundled clinical words) or a path",
    )


class LlmSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(
        default=None,
        description="Registry name or .gguf path for the llm backend; unset = the bundled default",
    )
    threads: int = Field(default=0, ge=0, description="CPU threads; 0 = number of cores")
    min_confidence: float = Field(
        default=0.7, ge=0.0, le=1.0,
        description="Move a sentence to the model's section only at this label probability",
    )


class DictateSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str | None = Field(
        default=None, description="Input device: index or (part of) its name; unset = default"
    )
    mode: Literal["toggle", "push-to-talk"] = Field(
        default="toggle",
        description="toggle: space starts/pauses; push-to-talk: listens while space is held",
    )
    pause_s: float = Field(
        default=0.6, gt=0, le=10, description="Silence that ends an utterance (VAD auto-pause)"
    )
    commands: Path | None = Field(
        default=None, description="Voice command file (phrase = action lines); unset = built-in"
    )
    low_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Words below this probability are marked"
    )
    clipboard: bool = Field(default=False, description="Copy the note text to the clipboard")
    document: bool = Field(
        default=True, description="Make the transcript and note from a batch decode of the "
        "recording in spans (the document text); off: from the live text, as it streamed")
    document_min_span_s: float = Field(
        default=20.0, ge=5.0, le=600.0,
        description="A document span ends at the first pause after this much audio")
    document_draft_step_s: float = Field(
        default=0.0, ge=0.0, le=60.0,
        description="Decode the open span at pauses, this much audio apart, while the decoder is "
        "idle, so less is left at the stop; 0 = off (on 2 cores it made a 60 s dictation's "
        "note later: 13.4 s against 6.2 s, README)")

    @model_validator(mode="before")
    @classmethod
    def _backend_moved(cls, data):
        if isinstance(data, dict) and "backend" in data:
            raise ValueError("dictate.backend has moved: write `backend = ...` under "
                             "[structuring] instead of [dictate] "
                             "(environment: DIKTAT_STRUCTURING__BACKEND)")
        return data


class StructuringSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["rules", "llm", "auto"] = Field(
        default="rules",
        description="How notes are structured: rules, llm (the [llm] model) or auto (the LLM "
        "when it loads, else the rules)",
    )


# An allowed_hosts entry: a DNS name or IPv4 address, or an IPv6 address in brackets; a port.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOST_ENTRY = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::[0-9]{{1,5}})?", re.I)


class ServerSettings(BaseModel):
    """`diktat serve`. A host other than loopback needs a token: the server refuses to start
    without one, because it would expose journal material to the network unauthenticated."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="Address to bind; loopback by default")
    port: int = Field(default=8765, ge=0, le=65535)
    token: str | None = Field(
        default=None, description="Bearer token every API call must send (required off loopback)"
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names (host or host:port; IPv6 in brackets) clients may use for this "
        "server besides 127.0.0.1, localhost, [::1] and the bind address; without a port: the "
        "server's port. Requests naming any other host are refused (DNS rebinding)",
    )
    max_upload_mb: float = Field(default=50, gt=0, description="Largest accepted upload")
    max_duration_s: float = Field(default=1800, gt=0, description="Longest accepted recording")
    max_streams: int = Field(default=8, ge=1, description="Concurrent live dictations at most")
    max_commit_lag_s: float = Field(
        default=10.0, ge=2.0, le=60.0,
        description="Committed-lag ceiling of a live dictation: a new one is refused while the "
        "engine's decode delay says the sessions running could not all keep within it, and a "
        "session's words heard longer ago than this are committed from one decode")
    live_capacity: int = Field(
        default=0, ge=0, le=1000,
        description="Live dictations the engine serves within max_commit_lag_s; 0 = measured at "
        "start on the idle engine (a live window and the document decode of the bundled "
        "sample, a few seconds of decoding in the background)")
    window_batch: int = Field(
        default=0, ge=0, le=64,
        description="Live sessions' windows decoded in one engine call at most; 0 = auto "
        "(8 on a CPU, 32 on a GPU)")
    max_pause_s: float = Field(
        default=600, gt=0, le=24 * 3600,
        description="A live dictation that sends less audio than min_audio_share of real time "
        "(paused, silent socket, or a trickle of tiny frames) for longer than this is closed "
        "and saved, so it cannot hold a slot; long enough for a nurse's pause",
    )
    min_audio_share: float = Field(
        default=0.1, gt=0, le=1,
        description="Seconds of audio per second of real time, over the last 10 s, that count "
        "a live dictation as active (0.1: 1 s of audio in 10 s)",
    )
    job_queue: int = Field(default=16, ge=1, description="Upload jobs waiting at most")
    job_ray: str = Field(
        default="",
        description="Transcribe upload jobs on Ray actors instead of the server's engine: "
        "'local' (a private Ray on this machine) or the operator's cluster HOST:PORT (with "
        "Ray's TLS on, [ray] require_tls); [ray] sets the workers. Empty = the server's engine. "
        "The server sends the decoded samples; structuring and storage stay on the server",
    )
    audit_log: Path | None = Field(
        default=None, description="Append-only audit log; unset = 'audit.log' beside the sessions"
    )
    tls_certfile: Path | None = Field(
        default=None, description="PEM certificate: serve HTTPS/WSS (give the key too)"
    )
    tls_keyfile: Path | None = Field(default=None, description="PEM private key of tls_certfile")

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, hosts: list[str]) -> list[str]:
        for entry in hosts:
            if not _HOST_ENTRY.fullmatch(entry.strip()):
                raise ValueError(f"server.allowed_hosts: {entry!r} is not a host name or "
                                 "host:port (no scheme, path or wildcard; IPv6 in brackets)")
        return [entry.strip().lower() for entry in hosts]

    @field_validator("tls_certfile", "tls_keyfile", mode="before")
    @classmethod
    def _unset_when_empty(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _tls_pair(self) -> ServerSettings:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("server.tls_certfile and server.tls_keyfile go together: give both")
        return self

    @property
    def tls(self) -> bool:
        return self.tls_certfile is not None


class RetentionSettings(BaseModel):
    """How long the store keeps journal material (Normen faktaark 25 «Lagringstid og sletting»:
    keep only as long as needed). Every deletion is written to the audit log."""

    model_config = ConfigDict(extra="forbid")

    approved_hours: float = Field(
        default=24, gt=0, le=24 * 3650,
        description="Hours an approved note is kept, with its audio, transcript and draft",
    )
    unapproved_days: float = Field(
        default=7, gt=0, le=3650,
        description="Days anything not approved (dictations, drafts, unfinished recordings) is "
        "kept after its last change",
    )


STORE_KEY_CREDENTIAL = "diktat-store-key"


class AuthSettings(BaseModel):
    """Sign-in with the municipality's identity provider (OpenID Connect, authorization code
    with PKCE). Without an issuer nobody signs in: one local user on loopback, or the token."""

    model_config = ConfigDict(extra="forbid")

    issuer: str | None = Field(
        default=None, description="The OpenID provider's issuer URL (Entra ID, Keycloak, ...); "
        "unset = no sign-in")
    client_id: str = Field(default="diktat", min_length=1)
    client_secret: str | None = Field(
        default=None, description="The client's secret (or DIKTAT_AUTH__CLIENT_SECRET)")
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile"])
    username_claim: str = Field(default="preferred_username",
                                description="The ID token claim that names the user")
    name_claim: str = Field(default="name", description="The claim with the user's full name")
    role_claim: str = Field(default="roles", description="The claim with the user's roles")
    operator_role: str = Field(
        default="diktat-operator",
        description="The role of operators (inventory, retention, audit, no journal content)")
    nurse_role: str | None = Field(
        default=None, description="When set, only users with this role (or the operator role) "
        "may sign in")
    session_minutes: float = Field(default=600, gt=0, le=24 * 60,
                                   description="How long a sign-in lasts (a shift)")
    tls_proxy: bool = Field(
        default=False, description="A TLS proxy sits in front (needed to sign in off loopback "
        "without [server] tls_certfile)")

    @property
    def enabled(self) -> bool:
        return self.issuer is not None

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"auth.issuer must be an http(s) URL, not {value!r}")
        return value.rstrip("/") if value else None


class StoreSettings(BaseModel):
    """Encryption at rest: where the store's master key is (Normen faktaark 30)."""

    model_config = ConfigDict(extra="forbid")

    key_file: Path | None = Field(
        default=None,
        description="The store's master key, owner-only (0600) and outside the store; unset = "
        "the systemd credential 'diktat-store-key' when $CREDENTIALS_DIRECTORY holds it, else "
        "store.key beside the configuration file (made on first start of an empty store)",
    )


class RaySettings(BaseModel):
    """`diktat transcribe --ray ADDRESS` and `[server] job_ray`: files spread over Ray actors that
    each hold one model (`diktat/stt/ray_pool.py`; README "Batch across machines on Ray")."""

    model_config = ConfigDict(extra="forbid")

    workers: int = Field(
        default=0, ge=0, le=256,
        description="Actors, each with one loaded model; 0 = as many as the cluster's CPUs "
        "(or GPUs, with gpus_per_worker) hold",
    )
    cpus_per_worker: float = Field(
        default=1, gt=0, description="CPUs each actor reserves (and its threads when "
        "[asr] threads is 0)")
    gpus_per_worker: float = Field(default=0, ge=0, description="GPUs each actor reserves")
    max_file_mb: float = Field(
        default=256, gt=0, le=2048,
        description="Largest recording sent to a worker; the audio travels as bytes, and the "
        "driver holds at most two files per worker in memory",
    )
    require_tls: bool = Field(
        default=True,
        description="Refuse a cluster other than a private local one unless Ray's TLS is on "
        "(RAY_USE_TLS=1): its traffic carries patient audio",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DIKTAT_", env_nested_delimiter="__", extra="forbid"
    )

    models_dir: Path = Field(default_factory=default_models_dir)
    sessions_dir: Path | None = Field(
        default=None,
        description="Session store: dictation audio, transcripts, drafts (journal material); "
        "unset = 'sessions' beside models_dir",
    )
    asr: AsrSettings = AsrSettings()
    llm: LlmSettings = LlmSettings()
    dictate: DictateSettings = DictateSettings()
    structuring: StructuringSettings = StructuringSettings()
    server: ServerSettings = ServerSettings()
    retention: RetentionSettings = RetentionSettings()
    store: StoreSettings = StoreSettings()
    auth: AuthSettings = AuthSettings()
    ray: RaySettings = RaySettings()

    @property
    def store_key_file(self) -> Path:
        """The master key: `[store] key_file`, else systemd's credential, else the default."""
        if self.store.key_file is not None:
            return self.store.key_file
        credentials = os.environ.get("CREDENTIALS_DIRECTORY")
        if credentials and (Path(credentials) / STORE_KEY_CREDENTIAL).is_file():
            return Path(credentials) / STORE_KEY_CREDENTIAL
        return Path(platformdirs.user_config_dir(APP_NAME)) / "store.key"

    @property
    def store_key_is_credential(self) -> bool:
        return self.store_key_file.name == STORE_KEY_CREDENTIAL and self.store.key_file is None

    @property
    def session_store_dir(self) -> Path:
        return self.sessions_dir or self.models_dir.parent / "sessions"

    @property
    def notes_store_dir(self) -> Path:
        """Notes made from text (not from a dictation session): their drafts and approvals."""
        return self.session_store_dir.parent / "notes"

    @property
    def uploads_dir(self) -> Path:
        """Uploads waiting for transcription (the server empties it at start)."""
        return self.session_store_dir.parent / "uploads"

    @property
    def users_dir(self) -> Path:
        """The people who signed in, by pseudonym (`diktat.store.users`)."""
        return self.session_store_dir.parent / "users"

    @property
    def audit_log_path(self) -> Path:
        return self.server.audit_log or self.session_store_dir.parent / "audit.log"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file_path())
        return (init_settings, env_settings, toml)


def load_settings(**overrides) -> Settings:
    """Read settings from file and environment; raise ConfigError with the file named on error."""
    from pydantic import ValidationError

    from diktat.errors import ConfigError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(
            f"Invalid diktat settings (config file {config_file_path()}, DIKTAT_* environment): "
            f"{exc.error_count()} error(s)\n{exc}"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read config file {config_file_path()}: {exc}") from None
