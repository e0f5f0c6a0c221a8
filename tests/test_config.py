"""Settings from the config file: the [structuring] section, and a clear error for the old key."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from diktat.cli import app
from diktat.config import load_settings
from diktat.errors import ConfigError


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("DIKTAT_CONFIG", str(path))
    return path


def test_the_structuring_section_sets_the_backend(config_file):
    assert load_settings().structuring.backend == "rules"
    config_file.write_text('[structuring]\nbackend = "auto"\n', encoding="utf-8")
    assert load_settings().structuring.backend == "auto"


def test_backend_under_dictate_says_to_move_it_to_structuring(config_file, tmp_path):
    config_file.write_text('[dictate]\nmode = "toggle"\nbackend = "llm"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"under \[structuring\] instead of \[dictate\]"):
        load_settings()
    text = tmp_path / "t.txt"
    text.write_text("Puls 72.", encoding="utf-8")
    res = CliRunner().invoke(app, ["structure", str(text)])
    assert res.exit_code == 2
    assert "dictate.backend has moved" in " ".join(res.output.split())
