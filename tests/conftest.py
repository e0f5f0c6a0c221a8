"""Shared fixtures: one real Whisper model per session, real audio (synthetic and ../shared)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
NPSC = SHARED / "data" / "speech" / "npsc"
ARTIFACTS = REPO / "test-artifacts"
# The browser tests' fixtures (one server and one Chromium for the session), shared by modules.
pytest_plugins = ["tests.web_fixtures"]
# Fixtures that load Whisper or the LLM (directly or through another fixture): a test using one
# is `slow`, so that `pytest -m "not slow"` is the quick loop.
MODEL_FIXTURES = frozenset({"whisper_model", "engine", "llm"})


def pytest_collection_modifyitems(config, items) -> None:
    unmarked = [item.nodeid for item in items
                if MODEL_FIXTURES & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError(
            "these tests load a model but are not marked slow (add @pytest.mark.slow): "
            + ", ".join(unmarked))


@pytest.fixture(scope="session")
def models_root(tmp_path_factory) -> Path:
    """A private model store for the session, so tests never touch the user's data dir."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(models_root, tmp_path_factory):
    """Point diktat's settings at the session store and away from any user config file; the
    journal store's master key is made in the session's config folder on first use."""
    cfg = tmp_path_factory.mktemp("config") / "config.toml"
    old = {k: os.environ.get(k) for k in ("DIKTAT_MODELS_DIR", "DIKTAT_CONFIG",
                                          "DIKTAT_STORE__KEY_FILE")}
    os.environ["DIKTAT_MODELS_DIR"] = str(models_root)
    os.environ["DIKTAT_CONFIG"] = str(cfg)
    os.environ["DIKTAT_STORE__KEY_FILE"] = str(cfg.parent / "store.key")
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def whisper_model(models_root):
    from diktat.models.store import ModelStore

    return ModelStore(models_root).resolve("whisper-base", kind="asr")


@pytest.fixture(scope="session")
def engine(whisper_model):
    """The real bundled Whisper base model, loaded once for the whole session: two workers, as
    the server and live dictation load it (so the server's live streams decode in parallel
    here too), with two threads each so that batch tests run as fast as on one worker."""
    from diktat.stt.options import EngineOptions
    from diktat.stt.whisper import WhisperEngine

    return WhisperEngine(
        whisper_model.path,
        model_id=whisper_model.name,
        model_sha256=whisper_model.sha256,
        options=EngineOptions(device="cpu", workers=2, threads=2),
    )


@pytest.fixture(scope="session")
def npsc_dir() -> Path:
    if not (NPSC / "manifest.jsonl").exists():
        pytest.skip(f"real Norwegian speech (NPSC) not available: {NPSC} is absent")
    return NPSC


@pytest.fixture(scope="session")
def espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng; `make test` does it)")
    return exe


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("synth")


def norwegian_wer(reference: str, hypothesis: str) -> float:
    """WER after the evaluation's Norwegian normalisation (case, punctuation, number words)."""
    import jiwer

    from diktat.eval.textnorm import NORWEGIAN

    return jiwer.wer(reference, hypothesis or "-", reference_transform=NORWEGIAN,
                     hypothesis_transform=NORWEGIAN)


def write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    sf.write(str(path), samples.astype(np.float32), rate, subtype="PCM_16")
    return path


@pytest.fixture(scope="session")
def store_keys(_isolated_settings):
    """The session's journal store keyring (the key file every diktat the tests start uses),
    for tests that open the store's parts directly."""
    from diktat.store.keys import StoreRoots, open_keyring

    return open_keyring(Path(os.environ["DIKTAT_STORE__KEY_FILE"]), StoreRoots(()))
