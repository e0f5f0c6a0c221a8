"""The ASR options are defined once and reach every command that transcribes alike."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from diktat.cli import app
from diktat.cli.asr_flags import AsrFlags, asr_flags
from diktat.config import load_settings
from diktat.errors import ConfigError

ASR_OPTIONS = {"--model", "--device", "--compute-type", "--threads", "--language", "--beam-size",
               "--vad", "--vocabulary", "--add-vocabulary", "--models-dir"}


def options_of(*path: str) -> dict[str, tuple]:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return {opt: (param.name, param.multiple, getattr(param, "is_flag", False), param.help)
            for param in command.params for opt in param.opts}


@pytest.mark.parametrize("path", [("transcribe",), ("eval", "asr"), ("eval", "all")],
                         ids=["transcribe", "eval-asr", "eval-all"])
def test_each_transcribing_command_has_the_same_asr_options(path):
    options = options_of(*path)
    reference = options_of("transcribe")
    assert set(options) >= ASR_OPTIONS
    assert {o: options[o] for o in ASR_OPTIONS} == {o: reference[o] for o in ASR_OPTIONS}


def test_flags_given_override_the_settings_and_the_rest_keep_them(tmp_path):
    base = load_settings()
    settings = AsrFlags(beam_size=2, vad=False, models_dir=tmp_path).settings(base)
    assert (settings.asr.beam_size, settings.asr.vad) == (2, False)
    assert settings.asr.model == base.asr.model and settings.asr.language == base.asr.language
    assert settings.models_dir == tmp_path


def test_a_bad_flag_value_is_a_config_error():
    with pytest.raises(ConfigError, match="beam_size"):
        AsrFlags(beam_size=0).settings(load_settings())


def test_the_command_line_gathers_the_flags_into_one_object(tmp_path):
    seen: list[AsrFlags] = []
    probe = typer.Typer()

    @probe.command()
    @asr_flags
    def run(path: Path, *, asr: AsrFlags) -> None:
        seen.append(asr)

    result = CliRunner().invoke(probe, [str(tmp_path), "--beam-size", "3", "--no-vad",
                                        "--add-vocabulary", "a.txt", "--add-vocabulary", "b.txt"])
    assert result.exit_code == 0, result.output
    assert seen == [AsrFlags(beam_size=3, vad=False,
                             add_vocabulary=(Path("a.txt"), Path("b.txt")))]


def test_a_command_without_an_asr_parameter_is_refused_at_definition():
    with pytest.raises(TypeError, match="no 'asr' parameter"):
        asr_flags(lambda path: None)
