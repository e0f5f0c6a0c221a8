"""`diktat structure` and `diktat lexicon` through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diktat.cli import app
from diktat.structuring.note import JournalNote
from diktat.stt.formats import to_json
from diktat.types import Segment, Transcript, Word

DICTATIONS = Path(__file__).parent / "data" / "dictations"
runner = CliRunner()


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    """The user lexicon lives beside the models folder: keep it in this test's tmp dir."""
    monkeypatch.setenv("DIKTAT_MODELS_DIR", str(tmp_path / "data" / "models"))


def test_structure_text_file():
    res = _cli("structure", DICTATIONS / "01_morgenbesok_hjemmetjeneste.txt")
    assert res.exit_code == 0, res.output
    assert "Vitale parametere: BT 140/80, puls 72" in res.stdout
    assert "NEWS2 3" in res.stdout


def test_structure_transcript_json_to_file(tmp_path):
    words = (Word(start=0, end=0.5, text=" Parasett", probability=0.2),
             Word(start=0.5, end=0.8, text=" gitt.", probability=0.9))
    t = Transcript(segments=(Segment(start=0, end=1, text=" Parasett gitt.", words=words),),
                   language="no", duration=1.0, model_id="whisper-base", model_sha256="ab" * 32)
    src = tmp_path / "opptak.json"
    src.write_text(to_json(t, {"name": "opptak.wav"}), encoding="utf-8")
    out = tmp_path / "notes" / "opptak.note.json"
    res = _cli("structure", src, "-f", "json", "-o", out, "--service", "sykehjem")
    assert res.exit_code == 0, res.output
    note = JournalNote.model_validate_json(out.read_text(encoding="utf-8"))
    assert note.metadata.source_file == "opptak.json"
    assert note.metadata.service == "sykehjem"
    assert note.metadata.asr_model_id == "whisper-base"
    assert [(w.word, w.suggestion) for w in note.uncertain_words] == [("Parasett", "Paracet")]


def test_empty_file_gives_the_empty_note_message(tmp_path):
    empty = tmp_path / "tom.txt"
    empty.write_text("", encoding="utf-8")
    res = _cli("structure", empty)
    assert res.exit_code == 0, res.output
    assert "Ingen strukturerbare opplysninger" in res.stdout
    empty_json = tmp_path / "tom.json"
    empty_json.write_text("", encoding="utf-8")
    assert _cli("structure", empty_json).exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ('{"segments": 3}', "not a diktat transcript")],
)
def test_malformed_json_is_a_clear_input_error(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    res = _cli("structure", bad)
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output


def test_bad_arguments(tmp_path):
    txt = tmp_path / "a.txt"
    txt.write_text("Puls 72.", encoding="utf-8")
    assert _cli("structure", tmp_path / "missing.txt").exit_code == 2
    assert _cli("structure", tmp_path).exit_code == 2
    assert _cli("structure", txt, "--backend", "gpt").exit_code == 2
    assert _cli("structure", txt, "--format", "pdf").exit_code == 2
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Smerter i hæl".encode("latin-1"))
    res = _cli("structure", latin1)
    assert res.exit_code == 2 and "UTF-8" in res.output


def test_auto_backend_falls_back_with_a_warning_and_llm_says_what_is_missing(tmp_path):
    txt = tmp_path / "a.txt"
    txt.write_text("Puls 72.", encoding="utf-8")
    missing = tmp_path / "nope.gguf"
    res = _cli("structure", txt, "--backend", "auto", "--llm-model", missing, "-f", "json")
    assert res.exit_code == 0, res.output
    assert "regelbasert" in res.stderr
    assert json.loads(res.stdout)["metadata"]["backend"] == "rules"
    res = _cli("structure", txt, "--backend", "llm", "--llm-model", missing)
    assert res.exit_code == 3, res.output
    assert "nope.gguf" in " ".join(res.output.split())


def test_lexicon_import_list_and_use(tmp_path):
    csv = tmp_path / "NorMedTerm.csv"
    csv.write_text("Brilinta Tab 90 mg\tSUBSTANCE\tFEST\tN/A\tN/A\n"
                   "hjertesvikt\tCONDITION\tMO\tN/A\tautomatic\n", encoding="utf-8")
    res = _cli("lexicon", "import", csv)
    assert res.exit_code == 0, res.output
    assert "1 new names added" in res.stdout
    assert (tmp_path / "data" / "lexicon" / "drugs_user.txt").is_file()
    listed = _cli("lexicon", "list", "--all")
    assert listed.exit_code == 0 and "Brilinta" in listed.stdout and "Paracet" in listed.stdout
    note = tmp_path / "n.txt"
    note.write_text("Fikk Brilinta 90 mg klokka åtte.", encoding="utf-8")
    res = _cli("structure", note)
    assert "- Brilinta 90 mg kl. 08:00: gitt" in res.stdout


def test_lexicon_import_errors(tmp_path):
    assert _cli("lexicon", "import", tmp_path / "nope.csv").exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("one column only\n", encoding="utf-8")
    res = _cli("lexicon", "import", bad)
    assert res.exit_code == 2 and "NorMedTerm" in res.output


def test_the_real_normedterm_imports(tmp_path):
    real = DICTATIONS.parents[2].parent / "shared" / "data" / "text" / "normedterm"
    if not (real / "NorMedTerm.csv").is_file():
        pytest.skip(f"NorMedTerm absent: {real}")
    shutil.copy(real / "NorMedTerm.csv", tmp_path / "NorMedTerm.csv")
    res = _cli("lexicon", "import", tmp_path / "NorMedTerm.csv")
    assert res.exit_code == 0, res.output
    assert "new names added" in res.stdout


def test_the_llm_backend_looks_in_the_models_dir_given_on_the_command_line(tmp_path, monkeypatch):
    """`serve --models-dir X` with the llm backend loads the LLM from X, not the default folder."""
    pytest.importorskip("llama_cpp")
    from diktat.errors import ModelMissing
    from diktat.models.store import ModelStore

    def resolve(store, name, kind=None):  # no model anywhere: say where it was looked for
        raise ModelMissing(f"no {kind} model {name} in {store.root}")

    monkeypatch.setattr(ModelStore, "resolve", resolve)
    monkeypatch.setenv("DIKTAT_STRUCTURING__BACKEND", "llm")
    empty = tmp_path / "empty-models"
    res = _cli("serve", "--models-dir", empty, "--sessions-dir", tmp_path / "sessions")
    assert res.exit_code == 3, res.output
    assert f"in {empty}" in " ".join(res.output.split())
