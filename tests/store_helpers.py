"""Reading the sealed journal store in tests, with the session's store key (the key file every
diktat the tests start uses, `DIKTAT_STORE__KEY_FILE` from conftest)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from diktat.store.keys import StoreRoots, open_keyring
from diktat.store.sealed import Keyring, Reader, read_file, write_document


def test_keys() -> Keyring:
    return open_keyring(Path(os.environ["DIKTAT_STORE__KEY_FILE"]), StoreRoots(()))


def sealed_bytes(path: Path) -> bytes:
    return read_file(test_keys(), Path(path))


def sealed_text(path: Path) -> str:
    return sealed_bytes(path).decode("utf-8")


def sealed_json(path: Path) -> Any:
    return json.loads(sealed_bytes(path))


def sealed_wav(path: Path) -> tuple[np.ndarray, int]:
    """(samples float32, rate) of a sealed WAV (a finished session's audio.wav)."""
    with Reader(test_keys(), Path(path)) as wav:
        return sf.read(wav, dtype="float32")


def sealed_pcm(path: Path) -> np.ndarray:
    """The int16 samples of a session's sealed audio.pcm (its whole records)."""
    return np.frombuffer(sealed_bytes(path), dtype="<i2")


def write_sealed(path: Path, content: str | bytes) -> None:
    """Put `content` into the store as diktat would (sealed), e.g. a damaged document."""
    write_document(test_keys(), Path(path), content)
