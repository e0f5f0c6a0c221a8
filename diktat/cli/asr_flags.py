"""The speech-recognition options, defined once for every command that transcribes.

A command asks for them with `@asr_flags` and one parameter `asr: AsrFlags`; the decorator
puts the options into the signature typer reads, and gathers what was given into `AsrFlags`.
A new ASR flag is added here only.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

import typer

from diktat.cli.common import with_options
from diktat.config import Settings, load_settings

F = TypeVar("F", bound=Callable)

MODEL_OPT = typer.Option(None, "--model", "-m", help="Registry name or CTranslate2 Whisper dir.")
THREADS_OPT = typer.Option(None, "--threads", help="CPU threads (0 = all cores).")
LANGUAGE_OPT = typer.Option(None, "--language", "-l", help="no (bokmål) or nn (nynorsk).")
VOCAB_OPT = typer.Option(
    None, "--vocabulary", help="'default', 'none' or a word-list file replacing the default."
)
MODELS_DIR_OPT = typer.Option(None, "--models-dir", help="Where assembled models are kept.")

# (name, annotation, typer option), in the order `--help` lists them.
_OPTIONS: tuple[tuple[str, object, object], ...] = (
    ("model", str, MODEL_OPT),
    ("device", str, typer.Option(None, "--device", help="auto, cpu or cuda.")),
    ("compute_type", str,
     typer.Option(None, "--compute-type", help="auto, int8, float16, int8_float16, ...")),
    ("threads", int, THREADS_OPT),
    ("language", str, LANGUAGE_OPT),
    ("beam_size", int, typer.Option(None, "--beam-size", help="Beam width (default 5).")),
    ("vad", bool,
     typer.Option(None, "--vad/--no-vad", help="Silero VAD before decoding (default on).")),
    ("vocabulary", str, VOCAB_OPT),
    ("add_vocabulary", list[Path], typer.Option(
        None, "--add-vocabulary",
        help="Extra word-list file, placed before the vocabulary; repeatable.")),
    ("models_dir", Path, MODELS_DIR_OPT),
)


@dataclass(frozen=True)
class AsrFlags:
    """What the command line said about speech recognition; None means "not given"."""

    model: str | None = None
    device: str | None = None
    compute_type: str | None = None
    threads: int | None = None
    language: str | None = None
    beam_size: int | None = None
    vad: bool | None = None
    vocabulary: str | None = None
    add_vocabulary: tuple[Path, ...] = ()
    models_dir: Path | None = None

    def settings(self, base: Settings | None = None) -> Settings:
        """`base` (the config file and environment by default) with these flags on top."""
        section = {f.name: getattr(self, f.name) for f in fields(self)
                   if f.name not in ("add_vocabulary", "models_dir")}
        return with_options(base or load_settings(), "asr", section, models_dir=self.models_dir)


def asr_flags(func: F) -> F:
    """Replace `func`'s `asr: AsrFlags` parameter by the ASR options, for typer."""
    signature = inspect.signature(func)
    params = [p for p in signature.parameters.values() if p.name != "asr"]
    if len(params) == len(signature.parameters):
        raise TypeError(f"{func.__name__} has no 'asr' parameter for @asr_flags")
    names = [name for name, _, _ in _OPTIONS]
    clash = set(names) & {p.name for p in params}
    if clash:
        raise TypeError(f"{func.__name__} already has parameters {sorted(clash)}")
    options = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                                 annotation=annotation)
               for name, annotation, option in _OPTIONS]

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        given = {name: kwargs.pop(name, None) for name in names}
        given["add_vocabulary"] = tuple(given["add_vocabulary"] or ())
        return func(*args, asr=AsrFlags(**given), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*params, *options])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {
        **{k: v for k, v in func.__annotations__.items() if k != "asr"},
        **{name: annotation for name, annotation, _ in _OPTIONS},
    }
    return wrapper  # type: ignore[return-value]
