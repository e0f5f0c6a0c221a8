"""User-facing errors. Each message names the file or setting and the fix, never patient content."""

from __future__ import annotations


class DiktatError(Exception):
    """Base class: the CLI prints the message and exits non-zero, without a traceback."""

    exit_code = 1


class InputError(DiktatError):
    """Input that cannot be used: missing, empty, not audio, corrupt, wrong format."""

    exit_code = 2


class ModelMissing(DiktatError):
    """A model is neither installed nor found at the given path."""

    exit_code = 3


class ModelCorrupt(DiktatError):
    """A model's files do not match their recorded size or checksum."""

    exit_code = 3


class ConfigError(DiktatError):
    """A setting or config file is invalid."""

    exit_code = 2


class OutputError(DiktatError):
    """Output could not be written (disk full, permission denied, ...)."""

    exit_code = 4


class WorkerLost(DiktatError):
    """The process transcribing a recording died (a Ray worker killed, out of memory)."""
