"""Convert a local Hugging Face Whisper checkpoint (e.g. a Norwegian fine-tune) to CTranslate2.

Offline by construction: the checkpoint must be a local directory, and the Hugging Face
libraries are told not to reach the hub. PyTorch and transformers come with `diktat[convert]`
and are imported only here, only when converting.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from diktat.errors import DiktatError, InputError, OutputError

QUANTIZATIONS = ("int8", "int8_float16", "int8_float32", "float16", "float32", "bfloat16")
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json")
# faster-whisper reads these beside model.bin: the tokenizer, and the mel settings
# (large-v3 models use 128 mel bins, not 80).
_COPY_FILES = ("tokenizer.json", "preprocessor_config.json")


def convert_hf_whisper(
    hf_dir: Path, out_dir: Path, quantization: str = "int8", force: bool = False
) -> Path:
    """Write a CTranslate2 Whisper model to `out_dir` and return its path.

    The result appears atomically: conversion writes to a temporary directory beside `out_dir`
    that is renamed into place only when complete. An existing `out_dir` is replaced only with
    `force`.
    """
    if quantization not in QUANTIZATIONS:
        raise InputError(
            f"Unknown quantization '{quantization}'; choose one of {', '.join(QUANTIZATIONS)}"
        )
    hf_dir = Path(hf_dir).expanduser().resolve()
    out_dir = Path(out_dir).expanduser().resolve()
    _check_checkpoint(hf_dir)
    if hf_dir.is_relative_to(out_dir):
        raise InputError(f"The output {out_dir} must not contain the checkpoint {hf_dir}")
    if out_dir.exists() and not force:
        raise InputError(f"{out_dir} already exists; pass --force to replace it")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file; give a directory path for the converted model")
    converter_class = _transformers_converter()
    copy_files = [n for n in _COPY_FILES if (hf_dir / n).is_file()]
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    except OSError as exc:
        raise OutputError(f"Cannot create {out_dir}: {exc}") from None
    try:
        converter = converter_class(str(hf_dir), copy_files=copy_files or None)
        try:
            converter.convert(str(tmp), quantization=quantization, force=True)
        except (ValueError, KeyError, NotImplementedError) as exc:
            raise InputError(f"Cannot convert {hf_dir}: {exc}") from None
        except OSError as exc:
            raise OutputError(f"Converting {hf_dir} into {out_dir} failed: {exc}") from None
        _move_into_place(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _check_checkpoint(hf_dir: Path) -> None:
    if not hf_dir.is_dir():
        raise InputError(
            f"{hf_dir} is not a directory; give a local Hugging Face Whisper checkpoint "
            "(config.json, model weights, tokenizer)"
        )
    try:
        config = json.loads((hf_dir / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{hf_dir} has no config.json: not a Hugging Face checkpoint") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"Cannot read {hf_dir / 'config.json'}: {exc}") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type != "whisper":
        raise InputError(
            f"{hf_dir} is not a Whisper checkpoint (config.json says model_type={model_type!r})"
        )
    if not any((hf_dir / n).is_file() for n in _WEIGHT_FILES):
        raise InputError(f"{hf_dir} has no model weights (looked for {', '.join(_WEIGHT_FILES)})")
    if not any((hf_dir / n).is_file() for n in _TOKENIZER_FILES):
        raise InputError(f"{hf_dir} has no tokenizer (looked for {', '.join(_TOKENIZER_FILES)})")


def _transformers_converter() -> type:
    # Belt and braces: the checkpoint is a local folder, and nothing may go to the hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise DiktatError(
            f"Converting models needs PyTorch and transformers ({exc.name} is not installed): "
            "pip install 'diktat[convert]'"
        ) from None
    from ctranslate2.converters import TransformersConverter

    return TransformersConverter


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename `tmp` to `out_dir`; an existing `out_dir` is removed only after the swap."""
    try:
        if not out_dir.exists():
            os.replace(tmp, out_dir)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
        os.replace(out_dir, old / out_dir.name)
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise OutputError(f"Cannot move the converted model into {out_dir}: {exc}") from None
