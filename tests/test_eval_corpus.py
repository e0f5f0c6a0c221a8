"""diktat.eval.importers and diktat.eval.corpus on real files: tiny corpora, real espeak-ng WAVs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from diktat.errors import InputError
from diktat.eval.corpus import Variant, make_corpus
from diktat.eval.importers import import_corpus
from diktat.eval.manifest import load_manifest


def _wav(path: Path, seconds: float = 0.2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(round(seconds * 16_000), dtype=np.float32), 16_000,
             subtype="PCM_16")
    return path


def _by_id(manifest) -> dict:
    return {item.id: item for item in manifest.items}


def _problems(manifest) -> dict:
    return {(p.source, p.line, p.item_id): p.message for p in manifest.problems}


# --- Common Voice ---------------------------------------------------------------------------

CV_HEADER = "client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale"


def test_common_voice_tsv(tmp_path: Path):
    cv = tmp_path / "cv" / "nn-NO"
    _wav(cv / "clips" / "common_voice_nn_1.wav")
    _wav(cv / "clips" / "common_voice_nn_2.wav")
    _wav(cv / "clips" / "common_voice_nn_4.wav")
    rows = [
        CV_HEADER,
        'abc\tcommon_voice_nn_1.wav\tHo sa "god natt".\t2\t0\tthirties\tfemale_feminine\t'
        "Vestlandet\tnn-NO",
        "def\tcommon_voice_nn_2.wav\tEg et frukost.\t3\t1\t\t\t\tnn-NO",
        "ghi\tcommon_voice_nn_3.wav\tKlippet manglar.\t2\t0\t\t\t\tnn-NO",
        "jkl\tcommon_voice_nn_4.wav\t\t2\t0\t\t\t\tnn-NO",
        "mno\tcommon_voice_nn_5.wav\tFor få kolonnar.",
    ]
    (cv / "test.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    manifest = import_corpus("common-voice", cv)  # the folder: its test.tsv

    items = _by_id(manifest)
    assert sorted(items) == ["common_voice_nn_1", "common_voice_nn_2"]
    first = items["common_voice_nn_1"]
    assert first.text == 'Ho sa "god natt".'  # quotes are text, not CSV quoting
    assert first.audio == (cv / "clips" / "common_voice_nn_1.wav").absolute()
    assert (first.speaker, first.gender, first.dialect_region) == (
        "abc", "female_feminine", "Vestlandet")
    assert first.written_standard == "nn"
    assert first.extra == {"up_votes": "2", "down_votes": "0", "age": "thirties",
                           "locale": "nn-NO"}
    problems = {p.item_id or p.line: p.message for p in manifest.problems}
    assert problems["common_voice_nn_3"].startswith("audio file missing")
    assert "text is empty" in problems["common_voice_nn_4"]
    assert problems[6] == "expected 9 tab-separated columns"
    assert len(manifest.problems) == 3


def test_common_voice_needs_its_columns(tmp_path: Path):
    (tmp_path / "test.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no path, sentence column"):
        import_corpus("common-voice", tmp_path / "test.tsv")
    (tmp_path / "test.tsv").unlink()
    with pytest.raises(InputError, match="has no test.tsv"):
        import_corpus("common-voice", tmp_path)


# --- NPSC -----------------------------------------------------------------------------------


def test_npsc_json_lines(tmp_path: Path):
    _wav(tmp_path / "audio" / "20170110-095504_320246_323590.wav")
    _wav(tmp_path / "audio" / "20170110-095504_330000_331500.wav")
    sentences = [
        {"sentence_id": 49853, "sentence_order": 0, "speaker_id": 32, "meeting_date": "20170110",
         "speaker_name": "Olemic Thommessen", "sentence_text": "Stortingets møte er lovlig satt",
         "sentence_language_code": "nb-NO", "text": "Stortingets møte er lovlig satt",
         "start_time": 320246, "end_time": 323590,
         "normsentence_text": "Stortingets møte er lovlig satt",
         "audio": {"path": "audio/20170110-095504_320246_323590.wav"}},
        {"sentence_id": 49854, "speaker_id": 7, "sentence_text": "Eg er ueinig",
         "sentence_language_code": "nn-NO", "start_time": 330000, "end_time": 331500,
         "audio": "audio/20170110-095504_330000_331500.wav"},
        {"sentence_id": 49855, "sentence_text": "Thank you",
         "sentence_language_code": "en-US", "audio": "audio/x.wav"},
        {"sentence_id": 49856, "sentence_text": "Uten lyd", "sentence_language_code": "nb-NO"},
    ]
    path = tmp_path / "npsc.jsonl"
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sentences),
                    encoding="utf-8")

    manifest = import_corpus("npsc", path)

    items = _by_id(manifest)
    assert sorted(items) == ["49853", "49854"]
    first = items["49853"]
    assert first.text == "Stortingets møte er lovlig satt"
    assert (first.speaker, first.written_standard) == ("Olemic Thommessen", "nb")
    assert first.duration_s == pytest.approx(3.344)
    assert first.extra["meeting_date"] == "20170110"
    assert first.extra["normsentence_text"] == "Stortingets møte er lovlig satt"
    second = items["49854"]
    assert (second.speaker, second.written_standard) == ("7", "nn")
    problems = _problems(manifest)
    assert "not Norwegian" in problems[("npsc.jsonl", 3, "49855")]
    assert "each sentence needs its own audio file" in problems[("npsc.jsonl", 4, "49856")]


def test_npsc_json_with_a_sentences_list(tmp_path: Path):
    _wav(tmp_path / "s1.wav")
    data = {"sentences": [
        {"sentence_id": 1, "sentence_text": "Møtet er hevet", "audio": "s1.wav"},
        "not a sentence",
    ]}
    (tmp_path / "meeting.json").write_text(json.dumps(data), encoding="utf-8")

    manifest = import_corpus("npsc", tmp_path)  # a folder: every .json/.jsonl in it

    assert [item.id for item in manifest.items] == ["1"]
    assert [p.message for p in manifest.problems] == ["sentence 2 is not a JSON object"]


# --- Kaldi ----------------------------------------------------------------------------------


def _kaldi_dir(root: Path) -> Path:
    data = root / "data" / "test"
    data.mkdir(parents=True)
    a = _wav(root / "wav" / "utt1.wav")
    _wav(data / "utt2.wav")
    (data / "wav.scp").write_text(
        f"utt1 {a}\nutt2 utt2.wav\nutt3 sox x.flac -t wav - |\nutt4 {a}\nutt1 {a}\n",
        encoding="utf-8")
    (data / "text").write_text(
        "utt1 pasienten sov godt\nutt2\tblodtrykk hundre og tjue\nutt3 noe\nutt5 ingen lyd\n",
        encoding="utf-8")
    (data / "utt2spk").write_text("utt1 spk1\nutt2 spk2\n", encoding="utf-8")
    (data / "spk2gender").write_text("spk1 f\nspk2 m\n", encoding="utf-8")
    return data


def test_kaldi_data_folder(tmp_path: Path):
    data = _kaldi_dir(tmp_path)

    manifest = import_corpus("kaldi", data)

    items = _by_id(manifest)
    assert sorted(items) == ["utt1", "utt2"]
    assert items["utt1"].text == "pasienten sov godt"
    assert (items["utt1"].speaker, items["utt1"].gender) == ("spk1", "female")
    assert items["utt2"].audio == (data / "utt2.wav").absolute()  # relative to the data folder
    assert items["utt2"].gender == "male"
    assert _problems(manifest) == {
        ("wav.scp", 5, "utt1"): "duplicate key (first on line 1)",
        ("wav.scp", 3, "utt3"): "wav.scp gives a piped command, not a file; "
                                "write the audio to files first",
        ("text", 4, "utt5"): "no entry in wav.scp for this utterance",
        ("wav.scp", 4, "utt4"): "no transcript in 'text' for this recording",
    }


def test_kaldi_segments_are_refused(tmp_path: Path):
    data = _kaldi_dir(tmp_path)
    (data / "segments").write_text("utt1 rec1 0.0 1.5\n", encoding="utf-8")
    with pytest.raises(InputError, match="segments.*not supported"):
        import_corpus("kaldi", data)


# --- Folder of audio + .txt -----------------------------------------------------------------


def test_folder_of_audio_with_txt(tmp_path: Path):
    root = tmp_path / "corpus"
    _wav(root / "a.wav")
    (root / "a.txt").write_text("Pasienten sov godt.\n", encoding="utf-8")
    _wav(root / "natt" / "b.wav")
    (root / "natt" / "b.txt").write_text("Ho åt lite.", encoding="utf-8")
    _wav(root / "c.wav")
    _wav(root / "d.wav")
    (root / "d.txt").write_text("", encoding="utf-8")
    (root / "orphan.txt").write_text("Ingen lyd.", encoding="utf-8")

    manifest = import_corpus("folder", root)

    items = _by_id(manifest)
    assert sorted(items) == ["a", "natt/b"]
    assert items["a"].text == "Pasienten sov godt."
    assert items["natt/b"].audio == (root / "natt" / "b.wav").absolute()
    assert _problems(manifest) == {
        ("c.wav", None, "c"): "no reference text: c.txt is missing",
        ("d.wav", None, "d"): "text is empty; only silence/noise clips (expect_silence: true) "
                              "may have no reference",
        ("orphan.txt", None, None): "reference text without an audio file",
    }


def test_import_corpus_rejects_unknown_kinds_and_missing_sources(tmp_path: Path):
    with pytest.raises(InputError, match="Unknown corpus kind 'wav2vec'"):
        import_corpus("wav2vec", tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        import_corpus("folder", tmp_path / "nope")


# --- Synthetic corpus -----------------------------------------------------------------------

VARIANTS = (Variant("normal"), Variant("noisy", speed_wpm=160, noise_snr_db=10.0))


@pytest.fixture()
def texts(tmp_path: Path) -> Path:
    path = tmp_path / "texts.jsonl"
    path.write_text(
        json.dumps({"id": "t1", "text": "Pasienten sov godt i natt."}) + "\n"
        + "{not json\n"
        + json.dumps({"id": "t2", "text": "Blodtrykk 120 over 80."}) + "\n"
        + json.dumps({"id": "t3", "text": "Tredje tekst."}) + "\n",
        encoding="utf-8",
    )
    return path


def test_make_corpus_writes_clips_and_a_manifest(espeak, texts: Path, tmp_path: Path):
    out = tmp_path / "corpus"

    build = make_corpus(texts, out, variants=VARIANTS, limit=2, silence_clips=1,
                        silence_duration_s=1.0, domain="synthetic medical")

    ids = [item.id for item in build.manifest.items]
    assert ids == ["t1.normal", "t1.noisy", "t2.normal", "t2.noisy", "silence_000", "noise_000"]
    assert (build.made, build.reused) == (6, 0)
    assert [(p.line, p.message[:8]) for p in build.manifest.problems] == [(2, "bad JSON")]
    for item in build.manifest.items:
        info = sf.info(item.audio)
        assert info.samplerate == 16_000 and info.channels == 1
        assert info.frames / info.samplerate == pytest.approx(item.duration_s, abs=1e-3)
        assert item.duration_s > 0
        assert item.synthetic
        assert item.audio.is_relative_to(out / "audio")
    speech = _by_id(build.manifest)["t1.noisy"]
    assert speech.synth == {"engine": "espeak-ng", "variant": "noisy", "voice": "nb",
                            "speed_wpm": 160, "pitch": 50, "word_gap": 5, "noise": "white",
                            "noise_snr_db": 10.0, "seed": speech.synth["seed"]}
    assert (speech.domain, speech.extra) == ("synthetic medical", {"text_id": "t1"})
    silence = _by_id(build.manifest)["silence_000"]
    assert silence.expect_silence and silence.text == ""
    assert silence.duration_s == pytest.approx(1.0)
    noise, _ = sf.read(_by_id(build.manifest)["noise_000"].audio)
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(10 ** (-30 / 20), rel=0.05)

    loaded = load_manifest(out / "manifest.jsonl")
    assert loaded.problems == ()
    assert loaded.items == build.manifest.items


def test_make_corpus_resumes_without_redoing_work(espeak, texts: Path, tmp_path: Path):
    out = tmp_path / "corpus"
    make_corpus(texts, out, variants=VARIANTS, limit=2, silence_clips=1, silence_duration_s=1.0)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.wav")}

    again = make_corpus(texts, out, variants=VARIANTS, limit=2, silence_clips=1,
                        silence_duration_s=1.0)
    assert (again.made, again.reused) == (0, 6)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.wav")} == stamps

    (out / "audio" / "normal" / "t2.wav").unlink()
    changed = (Variant("normal"), Variant("noisy", speed_wpm=170, noise_snr_db=10.0))
    redo = make_corpus(texts, out, variants=changed, limit=3)
    # t2.normal lost its WAV, every noisy clip changed speed, t3 is new; silence is not asked for
    assert (redo.made, redo.reused) == (5, 1)
    assert [item.id for item in load_manifest(out / "manifest.jsonl").items] == [
        "t1.normal", "t1.noisy", "t2.normal", "t2.noisy", "t3.normal", "t3.noisy"]
    assert not list(out.rglob("*.tmp"))


def test_texts_that_cannot_be_spoken_are_reported(espeak, tmp_path: Path):
    texts = tmp_path / "texts.jsonl"
    texts.write_text(
        json.dumps({"id": "ok", "text": "Hun er våken."}) + "\n"
        + json.dumps({"id": "tegn", "text": "... ?!"}) + "\n"
        + json.dumps({"id": "ok", "text": "Samme id."}) + "\n"
        + json.dumps({"id": "../ut", "text": "Farlig filnavn."}) + "\n"
        + json.dumps({"id": "tom", "text": ""}) + "\n",
        encoding="utf-8",
    )

    build = make_corpus(texts, tmp_path / "corpus", variants=[Variant("normal")])

    assert [item.id for item in build.manifest.items] == ["ok.normal"]
    problems = {(p.line, p.item_id): p.message for p in build.manifest.problems}
    assert problems[(2, "tegn.normal")].startswith("not synthesised: The text produced no speech")
    assert problems[(3, "ok")] == "duplicate id"
    assert "a file name" in problems[(4, "../ut")]
    assert problems[(5, "tom")] == "'text' is missing or empty"


def test_make_corpus_rejects_bad_variants(texts: Path, tmp_path: Path):
    with pytest.raises(InputError, match="unique"):
        make_corpus(texts, tmp_path / "c", variants=[Variant("a"), Variant("a", pitch=20)])
    with pytest.raises(InputError, match="Unusable variant name"):
        make_corpus(texts, tmp_path / "c", variants=[Variant("../x")])
