"""`structure()`: backends, empty and foreign input, uncertain words, long transcripts, and the
rules over a real corpus of Norwegian medical text."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from diktat.structuring.options import LlmOptions
from diktat.structuring.pipeline import (
    LLM_MISSING,
    NOT_NORWEGIAN,
    RulesStructurer,
    Structurer,
    as_transcript,
    chunks,
    structure,
    uncertain_words,
)
from diktat.types import Segment, Transcript, Word

DICTATIONS = Path(__file__).parent / "data" / "dictations"
SYNTHETIC = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "text"
             / "syntetisk_med_asr" / "texts.jsonl")


def _transcript_with_words(spec: list[tuple[str, float]], language: str = "no") -> Transcript:
    words = tuple(Word(start=i * 0.5, end=i * 0.5 + 0.4, text=" " + w, probability=p)
                  for i, (w, p) in enumerate(spec))
    text = " " + " ".join(w for w, _ in spec)
    seg = Segment(start=0, end=len(spec) * 0.5, text=text, words=words)
    return Transcript(segments=(seg,), language=language, duration=len(spec) * 0.5,
                      model_id="whisper-base")


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_input_gives_an_empty_note(text):
    note = structure(text)
    assert note.is_empty and note.warnings == () and note.dropped == ()
    assert structure(Transcript(language="no", duration=0, model_id="m")).is_empty


def test_plain_text_becomes_a_transcript_without_timings():
    t = as_transcript("  Ingen smerter.  ")
    assert t.text == "Ingen smerter." and t.duration == 0 and t.segments[0].words == ()
    note = structure("  Ingen smerter.  ")
    assert note.observations[0].evidence.quote == "Ingen smerter"
    assert note.metadata.asr_model_id is None and note.metadata.backend == "rules"


def test_auto_falls_back_to_rules_without_an_llm_and_llm_refuses(tmp_path):
    from diktat.errors import ModelMissing

    missing = LlmOptions(models_dir=tmp_path, model=str(tmp_path / "nope.gguf"))
    note = structure("Puls 72.", "auto", llm=missing)
    assert note.warnings == (LLM_MISSING,)
    assert note.metadata.backend == "rules" and [p.value for p in note.vital_signs.pulse] == [72]
    with pytest.raises(ModelMissing):
        structure("Puls 72.", "llm", llm=missing)
    with pytest.raises(ValueError, match="unknown backend"):
        structure("Puls 72.", "gpt")  # type: ignore[arg-type]


def test_english_text_is_flagged_and_nothing_is_invented():
    note = structure("The patient slept well and had no pain. She ate breakfast and drank "
                     "coffee. Her daughter visited in the afternoon.")
    assert NOT_NORWEGIAN in note.warnings
    assert note.is_empty
    whisper_english = _transcript_with_words([("Hello", 0.9), ("there", 0.9)], language="en")
    assert NOT_NORWEGIAN in structure(whisper_english).warnings
    assert NOT_NORWEGIAN not in structure(
        (DICTATIONS / "02_nynorsk_sjukeheim.txt").read_text(encoding="utf-8")).warnings


def test_uncertain_words_drug_like_first_with_spans():
    t = _transcript_with_words([("Hun", 0.99), ("fikk", 0.4), ("Parasett", 0.31), ("1", 0.9),
                                ("g", 0.95), ("klokka", 0.97), ("åtte.", 0.45)])
    words = uncertain_words(t)
    assert [(w.word, w.drug_like, w.suggestion) for w in words] == [
        ("Parasett", True, "Paracet"), ("fikk", False, None), ("åtte", False, None)]
    for w in words:
        assert t.text[w.evidence.start : w.evidence.end] == w.word
    assert words[0].audio_start == 1.0
    note = structure(t)
    assert note.uncertain_words == words and note.dropped == ()
    assert note.medications[0].drug == "Paracet"


def test_a_custom_structurer_is_grounded_too():
    class Inventor:
        name = "llm"

        def structure(self, transcript):
            note = RulesStructurer().structure(transcript)
            pulse = note.vital_signs.pulse[0].model_copy(update={"value": 99})
            vitals = note.vital_signs.model_copy(update={"pulse": (pulse,)})
            return note.model_copy(update={"vital_signs": vitals})

    assert isinstance(Inventor(), Structurer)
    note = structure("Puls 72.", structurer=Inventor())
    assert note.vital_signs.pulse == () and note.metadata.backend == "llm"
    assert [d.field for d in note.dropped] == ["vital_signs.pulse[0]"]


def test_chunks_cover_the_text_and_cut_after_sentences():
    text = " ".join(f"Setning nummer {i} her." for i in range(500))
    parts = list(chunks(text, 300))
    assert "".join(p for _, p in parts) == text
    assert all(text[o : o + len(p)] == p for o, p in parts)
    assert all(p.endswith(".") for _, p in parts[:-1])


def test_chunked_result_equals_unchunked():
    text = " ".join(p.read_text(encoding="utf-8").replace("\n", " ")
                    for p in sorted(DICTATIONS.glob("*.txt")))
    t = as_transcript(text)
    small = RulesStructurer(chunk_chars=400).structure(t)
    whole = RulesStructurer(chunk_chars=10**6).structure(t)
    assert small.model_dump(exclude={"metadata"}) == whole.model_dump(exclude={"metadata"})


def test_long_transcript_is_bounded():
    text = " ".join(p.read_text(encoding="utf-8").replace("\n", " ")
                    for p in sorted(DICTATIONS.glob("*.txt")))
    words = text.split()
    long_text = " ".join((words * (20_000 // len(words) + 1))[:20_000])
    started = time.perf_counter()
    note = structure(long_text)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"{elapsed:.1f} s for 20,000 words"
    assert len(note.observations) > 100 and note.dropped == ()


def _synthetic_rows() -> list[dict]:
    if not SYNTHETIC.is_file():
        pytest.skip(f"corpus absent: {SYNTHETIC} (syntetisk_med_asr texts.jsonl)")
    return [json.loads(line) for line in SYNTHETIC.read_text(encoding="utf-8").splitlines()]


def test_synthetic_medical_corpus():
    for row in _synthetic_rows():
        note = structure(row["text"])
        assert note.dropped == (), row["id"]  # every value the rules produce is grounded
        assert NOT_NORWEGIAN not in note.warnings, row["id"]


@pytest.mark.timing
def test_synthetic_medical_corpus_is_structured_quickly():
    """The rules take far under a second a dictation; the bounds leave room for a loaded
    machine (a run beside the whole suite once took just over 1 s for the worst one)."""
    rows = _synthetic_rows()
    started, worst = time.perf_counter(), 0.0
    for row in rows:
        t0 = time.perf_counter()
        structure(row["text"])
        worst = max(worst, time.perf_counter() - t0)
    assert worst < 3.0
    assert time.perf_counter() - started < 120


def test_random_word_soup_never_crashes_and_stays_grounded():
    """Shuffled dictation words with edge values: no exception, nothing ungrounded."""
    files = sorted(DICTATIONS.glob("*.txt"))
    words = " ".join(p.read_text(encoding="utf-8") for p in files).split()
    edge_text = ("BT 999/100 0 mg 0 l 0,0 Metning puls temp RF på O2 oksygen 1000 , . : ; ? 08:00 "
                 "25:99 Paracet ikke gitt nektet ved behov Beskjed til lege: Plan: Avvik: "
                 "Smerter: ingen punktum 37,5 °C % mmHg /min")
    edge = edge_text.split()
    rng = random.Random(7)
    for _ in range(800):
        text = " ".join(rng.choice(words + edge * 3) for _ in range(rng.randint(0, 50)))
        assert structure(text).dropped == (), text
