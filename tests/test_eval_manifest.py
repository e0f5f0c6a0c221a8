"""diktat.eval.manifest: JSONL manifests with line-numbered problems, on real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from diktat.errors import InputError
from diktat.eval.importers import import_corpus
from diktat.eval.manifest import ManifestItem, load_manifest, write_manifest

KING = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "king"
GOLD_NOTE = json.loads(
    (Path(__file__).parent / "data" / "dictations" / "02_nynorsk_sjukeheim.expected.json")
    .read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def king_dir() -> Path:
    if not (KING / "manifest.jsonl").exists():
        pytest.skip(f"real Norwegian speech (king) not available: {KING} is absent")
    return KING


def _clip(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / name, np.zeros(1600, dtype=np.float32), 16_000, subtype="PCM_16")
    return folder / name


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_loads_the_shared_npsc_manifest_as_it_is(npsc_dir: Path):
    manifest = load_manifest(npsc_dir / "manifest.jsonl")
    assert manifest.problems == ()
    assert len(manifest) == 2
    short = manifest.items[0]
    assert short.id == "norwegian-short-3s.16k"  # no "id" in the file: the audio stem
    assert short.audio == (npsc_dir / "norwegian-short-3s.16k.wav").absolute()
    assert short.text == "Stortingets møte er lovlig satt"
    assert short.written_standard == "nb"
    assert short.duration_s == pytest.approx(3.35)
    assert short.speaker and short.domain
    assert short.extra["licence"] == "CC0-1.0"
    assert not short.synthetic


def test_loads_the_shared_king_manifest_as_it_is(king_dir: Path):
    manifest = load_manifest(king_dir / "manifest.jsonl")
    assert manifest.problems == ()
    (king,) = manifest.items
    assert king.id == "king"
    assert king.audio.is_file()
    assert king.dialect_region == "øst"
    assert king.gender == "male"
    assert len(king.text.split()) > 100
    assert "reference" in king.extra  # a description of the text, kept, not the text itself


def test_npsc_importer_reads_our_npsc_manifest_like_load_manifest(npsc_dir: Path):
    imported = import_corpus("npsc", npsc_dir / "manifest.jsonl")
    assert imported.problems == ()
    assert imported.items == load_manifest(npsc_dir / "manifest.jsonl").items


def test_every_bad_line_is_reported_with_its_line_number(tmp_path: Path):
    _clip(tmp_path / "clips", "a.wav")
    _clip(tmp_path / "clips", "b.wav")
    (tmp_path / "clips" / "folder.wav").mkdir()
    path = _write_lines(tmp_path / "manifest.jsonl", [
        json.dumps({"id": "a", "audio": "clips/a.wav", "text": "Pasienten sov godt."}),
        '{"id": "broken", "audio": ',
        json.dumps({"id": "gone", "audio": "clips/missing.wav", "text": "Hei."}),
        json.dumps({"id": "empty", "audio": "clips/b.wav", "text": "  "}),
        json.dumps({"id": "a", "audio": "clips/b.wav", "text": "Igjen."}),
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "noaudio", "text": "Hei."}),
        json.dumps({"id": "notext", "audio": "clips/b.wav"}),
        json.dumps({"id": "dir", "audio": "clips/folder.wav", "text": "Hei."}),
        json.dumps({"id": "quiet", "audio": "clips/b.wav", "text": "", "expect_silence": True}),
        json.dumps({"id": "badnote", "audio": "clips/b.wav", "text": "Hei.", "gold_note": [1]}),
        json.dumps({"id": 7, "audio": "clips/b.wav", "text": "Hei."}),
        json.dumps({"id": "b", "audio": "clips/b.wav", "text": "Blodtrykk 120 over 80.",
                    "written_standard": "nn-NO", "gold_note": GOLD_NOTE, "ward": "3B"}),
    ])

    manifest = load_manifest(path)

    assert [item.id for item in manifest.items] == ["a", "quiet", "b"]
    found = {p.line: p for p in manifest.problems}
    assert sorted(found) == [2, 3, 4, 5, 7, 8, 9, 10, 12, 13]
    assert found[2].message.startswith("bad JSON")
    assert found[3].message.startswith("audio file missing") and found[3].item_id == "gone"
    assert "text is empty" in found[4].message and found[4].item_id == "empty"
    assert found[5].message == "duplicate id (first used on line 1)"
    assert found[7].message == "not a JSON object but list"
    assert found[8].message == "missing field 'audio'"
    assert found[9].message == "missing field 'text'"
    assert found[10].message.startswith("audio path is a folder")
    assert found[12].message.startswith("gold_note:")
    assert found[13].message.startswith("id:")
    assert str(found[5]) == "manifest.jsonl:5: [a] duplicate id (first used on line 1)"

    b = manifest.items[-1]
    assert b.written_standard == "nn"
    assert b.gold_note == GOLD_NOTE
    assert b.extra == {"ward": "3B"}


def test_write_then_load_round_trips_with_relative_audio(tmp_path: Path):
    audio = _clip(tmp_path / "corpus" / "audio", "x.wav")
    outside = _clip(tmp_path / "elsewhere", "y.wav")
    items = [
        ManifestItem(id="x", audio=audio, text="Hun fikk Paracet 1 g.", gold_note=GOLD_NOTE,
                     synthetic=True, synth={"voice": "nb", "speed_wpm": 130},
                     extra={"text_id": "t1"}),
        ManifestItem(id="y", audio=outside, text="", expect_silence=True, duration_s=0.1),
    ]
    path = write_manifest(items, tmp_path / "corpus" / "manifest.jsonl")

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["audio"] == "audio/x.wav"
    assert lines[0]["text_id"] == "t1"  # extra keys go back to the top level
    assert lines[1]["audio"] == str(outside)
    assert sorted(p.name for p in path.parent.iterdir()) == ["audio", "manifest.jsonl"]
    loaded = load_manifest(path)
    assert loaded.problems == ()
    assert loaded.items == tuple(items)


def test_write_refuses_duplicate_ids(tmp_path: Path):
    audio = _clip(tmp_path, "x.wav")
    item = ManifestItem(id="x", audio=audio, text="Hei.")
    with pytest.raises(InputError, match="'x' occurs more than once"):
        write_manifest([item, item], tmp_path / "manifest.jsonl")
    assert not (tmp_path / "manifest.jsonl").exists()


def test_item_rules_hold_when_built_in_code():
    with pytest.raises(ValueError, match="text is empty"):
        ManifestItem(id="x", audio=Path("x.wav"), text="")
    with pytest.raises(ValueError, match="must have an empty text"):
        ManifestItem(id="x", audio=Path("x.wav"), text="Hei.", expect_silence=True)
    with pytest.raises(ValueError):
        ManifestItem(id="x", audio=Path("x.wav"), text="Hei.", written_standard="da")
    item = ManifestItem(id="x", audio=Path("x.wav"), text="Hei.", ward="3B")
    assert item.extra == {"ward": "3B"}


def test_unusable_manifest_files_raise_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="does not exist"):
        load_manifest(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="is a folder"):
        load_manifest(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(InputError, match="is empty"):
        load_manifest(empty)
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(b'{"id": "a", "audio": "a.wav", "text": "ok"}\n'
                       + '{"text": "s\xf8vn"}\n'.encode("latin-1"))
    with pytest.raises(InputError, match=r"not UTF-8 text \(first bad byte on line 2\)"):
        load_manifest(latin1)


def test_check_audio_can_be_turned_off(tmp_path: Path):
    path = _write_lines(tmp_path / "m.jsonl", [
        json.dumps({"audio_filepath": "later.wav", "text": "Hei.", "duration": 1.5}),
    ])
    assert len(load_manifest(path)) == 0
    (item,) = load_manifest(path, check_audio=False).items
    assert (item.id, item.duration_s) == ("later", 1.5)  # NeMo's names are accepted
