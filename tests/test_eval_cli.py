"""`diktat eval ...` end to end: the real CLI, the real Whisper model, real and synthetic audio."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diktat.cli import app
from diktat.config import AsrSettings
from diktat.eval.note_metrics import aggregate, load_gold, score_note
from diktat.eval.run import RESULTS_NAME, ItemResult, run_fingerprint
from diktat.eval.time_saved import estimate, parameters
from diktat.structuring.pipeline import load_transcript, structure
from diktat.stt.factory import decode_options
from tests.conftest import SHARED

runner = CliRunner()
DICTATIONS = Path(__file__).parent / "data" / "dictations"
ANCHORS = SHARED / "anchors" / "WER_ANCHORS.md"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ASR_PLOTS = ("wer_by_group.png", "error_types.png", "wer_per_clip.png")


def _cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def _report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _results(out: Path) -> list[ItemResult]:
    lines = (out / RESULTS_NAME).read_text(encoding="utf-8").splitlines()
    return [ItemResult.model_validate_json(line) for line in lines]


def _assert_pngs(out: Path, names) -> None:
    image = pytest.importorskip("matplotlib.image")
    for name in names:
        path = out / name
        assert path.read_bytes().startswith(PNG_MAGIC), name
        height, width = image.imread(path).shape[:2]
        assert height > 100 and width > 100, name


def _flat(text: str) -> str:
    return " ".join(text.split())


# --- real speech (../shared NPSC) -----------------------------------------------------------------
@pytest.fixture(scope="module")
def npsc_run(npsc_dir, whisper_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("npsc_run")
    anchors = ("--anchors", ANCHORS) if ANCHORS.is_file() else ()
    res = _cli("eval", "asr", npsc_dir / "manifest.jsonl", "--out", out, *anchors)
    assert res.exit_code == 0, res.output
    return out, res


@pytest.mark.slow
@pytest.mark.speech
def test_asr_on_npsc_writes_json_markdown_and_plots(npsc_run):
    out, res = npsc_run
    data = _report(out)
    assert data["schema"] == "diktat-eval/1" and data["kind"] == "asr"
    assert data["counts"] == {"items_in_source": 2, "items_scored": 2, "problems": 0,
                              "reused_from_earlier_run": 0}
    assert data["model"]["model_id"] == "whisper-base" and len(data["model"]["model_sha256"]) == 64
    assert data["normaliser"]["name"] == "diktat.eval.textnorm.NORWEGIAN"
    corpus = data["asr"]["corpus"]
    assert 0 < corpus["wer"] < 0.9 and 0 < corpus["cer"] < corpus["wer"]
    assert corpus["wer_ci"][0] <= corpus["wer"] <= corpus["wer_ci"][1]
    assert corpus["words"]["reference"] == 22
    assert [g["items"] for g in data["asr"]["groups"]["speaker"]] == [1, 1]
    assert {"drugs", "numbers", "hallucination", "top_substitutions"} <= data["asr"].keys()
    assert all("hypothesis" not in item for item in data["asr"]["items"])  # text stays out
    perf = data["performance"]
    assert perf["items"] == 2 and abs(perf["audio_s"] - 11.36) < 0.1
    assert 0 < perf["rtf"] < 5 and perf["latency_median_s"] > 0
    assert perf["peak_rss_mib"] > 100 and perf["model_load_s"] > 0
    assert data["measured"]["wer"]["value"] == corpus["wer"]

    results = _results(out)
    assert [r.status for r in results] == ["done", "done"]
    assert "lovlig" in results[0].hypothesis.lower() and results[0].rtf > 0

    md = _flat((out / "report.md").read_text(encoding="utf-8"))
    assert "Items scored: 2 of 2 in the source; 0 problem(s)" in md
    assert "diktat.eval.textnorm.NORWEGIAN" in md and "WER by group" in md
    if ANCHORS.is_file():
        assert "Published figures for other systems on other data" in md
    _assert_pngs(out, ASR_PLOTS)
    assert "WER" in res.output and "real-time factor" in res.output


@pytest.mark.slow
@pytest.mark.speech
def test_time_saved_from_a_report_uses_the_measured_wer(npsc_run, tmp_path):
    out, _ = npsc_run
    res = _cli("eval", "time-saved", "--from-report", out / "report.json", "-o", tmp_path)
    assert res.exit_code == 0, res.output
    used = {p["name"]: p for p in _report(tmp_path)["time_saved"]["parameters"]}
    assert used["wer"]["value"] == _report(out)["asr"]["corpus"]["wer"]
    assert used["wer"]["overridden"] and "measured" in used["wer"]["source"]
    assert "measured" in used["asr_real_time_factor"]["source"]


@pytest.mark.slow
@pytest.mark.speech
def test_compare_two_runs(npsc_run, npsc_dir, tmp_path):
    base, _ = npsc_run
    greedy = tmp_path / "greedy"
    res = _cli("eval", "asr", npsc_dir / "manifest.jsonl", "-o", greedy, "--beam-size", "1")
    assert res.exit_code == 0, res.output
    res = _cli("eval", "compare", base, greedy / "report.json", tmp_path / "cmp",
               "--label-a", "beam5", "--label-b", "beam1")
    assert res.exit_code == 0, res.output
    result = json.loads((tmp_path / "cmp" / "compare.json").read_text(encoding="utf-8"))
    wer = next(r for r in result["metrics"] if r["metric"] == "WER")
    assert wer["a"] == _report(base)["asr"]["corpus"]["wer"]
    assert wer["delta"] == pytest.approx(wer["b"] - wer["a"])
    assert result["items"]["shared"] == 2 and result["items"]["only_a"] == 0
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "A: beam5" in md and "B: beam1" in md and "B − A" in md and "WER by group" in md
    _assert_pngs(tmp_path / "cmp", ["compare_wer_by_group.png"])


@pytest.mark.slow
@pytest.mark.speech
def test_bad_lines_missing_and_corrupt_audio_are_reported_and_skipped(npsc_dir, whisper_model,
                                                                      tmp_path):
    shutil.copy(npsc_dir / "norwegian-short-3s.16k.wav", tmp_path / "good.wav")
    (tmp_path / "corrupt.wav").write_bytes(os.urandom(4000))
    lines = [
        json.dumps({"id": "good", "audio": "good.wav", "text": "Stortingets møte er lovlig satt"}),
        '{"id": "broken", "audio": ',
        json.dumps({"id": "gone", "audio": "missing.wav", "text": "finnes ikke"}),
        json.dumps({"id": "corrupt", "audio": "corrupt.wav", "text": "ødelagt fil"}),
    ]
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"

    res = _cli("eval", "asr", manifest, "-o", out)

    assert res.exit_code == 1, res.output
    data = _report(out)
    assert data["counts"]["items_in_source"] == 4
    assert data["counts"]["items_scored"] == 1 and data["counts"]["problems"] == 3
    problems = {p["id"] or f"line {p['line']}": p["message"] for p in data["problems"]}
    assert "bad JSON" in problems["line 2"]
    assert "audio file missing" in problems["gone"]
    assert "corrupt.wav" in problems["corrupt"]
    assert [item["id"] for item in data["asr"]["items"]] == ["good"]
    assert [(r.id, r.status) for r in _results(out)] == [("good", "done"), ("corrupt", "failed")]
    md = _flat((out / "report.md").read_text(encoding="utf-8"))
    assert "Items scored: 1 of 4 in the source; 3 problem(s)" in md
    assert "Problems (3, skipped)" in md and "item `corrupt`" in md
    output = _flat(res.output)
    assert "bad JSON" in output and "audio file missing" in output and "corrupt.wav" in output


@pytest.mark.slow
@pytest.mark.speech
def test_an_interrupted_run_resumes_without_transcribing_again(npsc_dir, engine, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    fp = run_fingerprint(engine, decode_options(AsrSettings()))
    short = npsc_dir / "norwegian-short-3s.16k.wav"
    medium = npsc_dir / "norwegian-medium-8s.16k.wav"

    def recorded(item_id: str, audio: Path, fingerprint: str) -> str:
        st = audio.stat()
        return ItemResult(id=item_id, status="done", hypothesis="FORHÅNDSUTFYLT",
                          duration_s=3.35, latency_s=0.5, audio=str(audio), size=st.st_size,
                          mtime_ns=st.st_mtime_ns, fingerprint=fingerprint).model_dump_json()

    (out / RESULTS_NAME).write_text(
        recorded("norwegian-short-3s.16k", short, fp) + "\n"
        + recorded("norwegian-medium-8s.16k", medium, "another-model") + "\n"
        + '{"id": "norwegian-medium-8s.16k", "status": "do',  # the line a kill cut short
        encoding="utf-8")

    res = _cli("eval", "asr", npsc_dir / "manifest.jsonl", "-o", out, "--device", "cpu")

    assert res.exit_code == 0, res.output
    results = {r.id: r for r in _results(out)}
    assert results["norwegian-short-3s.16k"].hypothesis == "FORHÅNDSUTFYLT"  # not redone
    assert "permit" in results["norwegian-medium-8s.16k"].hypothesis.lower()  # stale: redone
    data = _report(out)
    assert data["counts"]["reused_from_earlier_run"] == 1
    short_item = next(i for i in data["asr"]["items"] if i["id"] == "norwegian-short-3s.16k")
    assert short_item["wer"] == 1.0  # the recorded hypothesis is what was scored


# --- synthetic speech -----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.speech
def test_all_on_a_synthetic_corpus_built_with_make_corpus(espeak, whisper_model, tmp_path):
    dictation = DICTATIONS / "04_negasjoner.txt"
    texts = tmp_path / "texts.jsonl"
    texts.write_text(
        json.dumps({"id": "negasjoner", "text": dictation.read_text(encoding="utf-8")}) + "\n"
        + json.dumps({"id": "kort", "text": "Pasienten sov godt i natt."}) + "\n",
        encoding="utf-8")
    corpus = tmp_path / "corpus"
    res = _cli("eval", "make-corpus", texts, corpus, "--variants", "normal",
               "--silence-clips", "1", "--silence-seconds", "2")
    assert res.exit_code == 0, res.output
    manifest = corpus / "manifest.jsonl"
    records = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["negasjoner.normal", "kort.normal", "silence_000",
                                          "noise_000"]
    records[0]["gold_note"] = load_gold(dictation.with_suffix(".expected.json"))
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                        encoding="utf-8")
    out = tmp_path / "out"

    res = _cli("eval", "all", manifest, "-o", out, "-p", "notes_per_vakt=12")

    assert res.exit_code == 0, res.output
    data = _report(out)
    assert data["kind"] == "all"
    assert data["counts"]["items_scored"] == 4 and data["counts"]["problems"] == 0
    assert [(g["value"], g["items"]) for g in data["asr"]["groups"]["synthetic"]] == [(True, 4)]
    assert data["asr"]["hallucination"]["silent_items"] == 2
    assert 0 < data["asr"]["corpus"]["wer"] < 1.0  # espeak + Whisper base: poor, not nothing
    notes = data["notes"]
    assert notes["from_reference"]["notes"] == notes["from_transcript"]["notes"] == 1
    assert notes["from_reference"]["total"]["f1"] == 1.0  # the rules on the exact text
    used = {p["name"]: p for p in data["time_saved"]["parameters"]}
    assert used["wer"]["value"] == data["asr"]["corpus"]["wer"]
    assert used["notes_per_vakt"]["value"] == 12 and used["notes_per_vakt"]["overridden"]
    assert "measured" in used["words_per_note"]["source"]
    md = _flat((out / "report.md").read_text(encoding="utf-8"))
    assert "4 of 4 clips are synthetic speech" in md and "Structured notes" in md
    assert "Time saved per vakt" in md
    _assert_pngs(out, (*ASR_PLOTS, "time_saved_sensitivity.png"))

    res = _cli("eval", "asr", manifest, "-o", out)  # same folder: every clip is reused
    assert res.exit_code == 0, res.output
    assert _report(out)["counts"]["reused_from_earlier_run"] == 4


# --- no audio needed ------------------------------------------------------------------------------
def test_notes_on_the_dictations_gives_note_metrics_micro_f1(tmp_path):
    res = _cli("eval", "notes", DICTATIONS, "-o", tmp_path)
    assert res.exit_code == 0, res.output
    expected = aggregate(
        score_note(structure(load_transcript(p), source_file=p.name),
                   load_gold(p.with_suffix(".expected.json")), load_transcript(p))
        for p in sorted(DICTATIONS.glob("*.txt"))
    )
    data = _report(tmp_path)
    assert data["counts"]["items_scored"] == len(list(DICTATIONS.glob("*.txt")))
    assert data["notes"]["from_text"]["total"]["f1"] == expected.total.f1
    assert data["notes"]["from_text"]["total"]["tp"] == expected.total.tp
    assert "micro total" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_notes_from_a_manifest_reports_items_without_gold(tmp_path):
    gold = load_gold(DICTATIONS / "04_negasjoner.expected.json")
    text = (DICTATIONS / "04_negasjoner.txt").read_text(encoding="utf-8")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps({"id": "a", "audio": "none.wav", "text": text, "gold_note": gold}) + "\n"
        + json.dumps({"id": "b", "audio": "none.wav", "text": "Sov godt."}) + "\n",
        encoding="utf-8")
    res = _cli("eval", "notes", manifest)
    assert res.exit_code == 1
    assert "[b] no gold_note" in _flat(res.output) and "1.00" in res.output


def test_time_saved_with_an_override_and_bad_parameters(tmp_path):
    res = _cli("eval", "time-saved", "--param", "typing_wpm=40", "-o", tmp_path)
    assert res.exit_code == 0, res.output
    data = _report(tmp_path)
    used = {p["name"]: p for p in data["time_saved"]["parameters"]}
    assert used["typing_wpm"]["value"] == 40 and used["typing_wpm"]["overridden"]
    assert "--param" in used["typing_wpm"]["source"]
    want = estimate(parameters({"typing_wpm": 40})).minutes_saved_per_vakt
    assert data["time_saved"]["minutes_saved_per_vakt"] == pytest.approx(want)
    _assert_pngs(tmp_path, ["time_saved_sensitivity.png"])

    for bad, needle in (("typing_wp=40", "did you mean 'typing_wpm'"),
                        ("typing_wpm", "NAME=VALUE"),
                        ("wer=-0.1", "'wer' must be >= 0"),
                        ("typing_wpm=fast", "not a number")):
        res = _cli("eval", "time-saved", "-p", bad)
        assert res.exit_code == 2, (bad, res.output)
        assert needle in _flat(res.output), (bad, res.output)


def test_unusable_inputs_are_clear_errors(tmp_path):
    res = _cli("eval", "asr", tmp_path / "missing.jsonl", "-o", tmp_path / "out")
    assert res.exit_code == 2 and "does not exist" in res.output
    res = _cli("eval", "make-corpus", tmp_path / "t.jsonl", tmp_path / "c", "--variants", "loud")
    assert res.exit_code == 2 and "loud" in res.output
    res = _cli("eval", "compare", tmp_path, tmp_path, tmp_path / "cmp")
    assert res.exit_code == 2 and "no such report" in _flat(res.output)


def test_import_a_folder_corpus(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.wav").write_bytes(b"RIFF")
    (src / "a.txt").write_text("Pasienten sov godt.", encoding="utf-8")
    (src / "b.wav").write_bytes(b"RIFF")
    res = _cli("eval", "import", "folder", src, tmp_path / "m.jsonl")
    assert res.exit_code == 1  # b has no reference: listed, not dropped silently
    assert "b" in res.output and "1 item(s)" in res.output
    lines = (tmp_path / "m.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a"]
