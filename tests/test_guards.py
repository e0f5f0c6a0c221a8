"""Hallucination guards on decoder output (pure logic; real-model paths: test_transcribe)."""

import pytest

from diktat.stt.guards import apply_guards, collapse_repeats, is_stock_credit
from diktat.types import Segment, Word


@pytest.mark.parametrize(
    "text",
    [
        "Teksting av Nicolai Winther",
        "Teksting av Nicolai Winther.",
        "Tekst: NRK",
        "Norsk tekst: Mediatekst",
        "Undertekster av Amara.org-fellesskapet",
        "Takk for at du så på!",
        "Takk for at dere så på.",
        "Tekstet av NRK",
        "Subtitles by the Amara.org community",
    ],
)
def test_stock_credits_are_recognised(text):
    assert is_stock_credit(text)


@pytest.mark.parametrize(
    "text",
    [
        "Pasienten fikk Paracet 1 g klokka åtte.",
        "Teksten i journalen ble lest opp for pasienten og pårørende før besøket var ferdig i dag.",
        "Takk for hjelpen, sa hun.",
        "Hun har ikke hatt avføring på tre dager.",
    ],
)
def test_real_dictation_is_not_a_credit(text):
    assert not is_stock_credit(text)


def _keep(text):
    tokens = text.split()
    return " ".join(tokens[i] for i in collapse_repeats(tokens))


def test_looped_ngrams_collapse_to_one():
    assert _keep("og så og så og så og så da") == "og så da"
    assert _keep("hun sov godt hun sov godt hun sov godt i natt") == "hun sov godt i natt"
    assert _keep("nei nei nei nei nei") == "nei"


def test_ordinary_repetition_survives():
    assert _keep("ja ja det går bra") == "ja ja det går bra"
    assert _keep("to og to og fem") == "to og to og fem"


def _seg(text, start=0.0, end=1.0, words=True, **kw):
    ws = ()
    if words:
        toks = text.split()
        step = (end - start) / max(len(toks), 1)
        ws = tuple(
            Word(start=start + i * step, end=start + (i + 1) * step, text=" " + t, probability=0.9)
            for i, t in enumerate(toks)
        )
    return Segment(start=start, end=end, text=" " + text, words=ws, **kw)


def test_apply_guards_drops_credit_and_no_speech_and_collapses_loops():
    segs = [
        _seg("Pasienten sov godt", 0, 2),
        _seg("Teksting av Nicolai Winther", 2, 4),
        _seg("hmm", 4, 5, no_speech_prob=0.9, avg_logprob=-1.5),
        _seg("Hun fikk fikk fikk fikk fikk mat", 5, 8),
    ]
    kept, actions = apply_guards(segs)
    assert [s.text.strip() for s in kept] == ["Pasienten sov godt", "Hun fikk mat"]
    assert [w.text for w in kept[1].words] == [" Hun", " fikk", " mat"]
    assert {(a.guard, a.action) for a in actions} == {
        ("stock_credit", "dropped_segment"),
        ("no_speech", "dropped_segment"),
        ("repetition", "collapsed_repetition"),
    }
    assert next(a for a in actions if a.guard == "repetition").words_removed == 4


def test_same_segment_looped_three_times_is_kept_once_but_a_single_repeat_stays():
    looped = [_seg("Blodtrykket var fint", i, i + 1) for i in range(4)]
    kept, actions = apply_guards(looped)
    assert len(kept) == 1 and len(actions) == 3
    twice = [_seg("Blodtrykket var fint", 0, 1), _seg("Blodtrykket var fint", 1, 2)]
    kept, actions = apply_guards(twice)
    assert len(kept) == 2 and not actions


def test_guard_actions_carry_no_text():
    _, actions = apply_guards([_seg("Teksting av Nicolai Winther")])
    assert "Winther" not in actions[0].model_dump_json()


def test_prompt_echo_is_dropped_but_one_drug_in_a_sentence_is_kept():
    prompt = "Paracet, Pinex, OxyNorm, Furix, Eliquis"
    echo = _seg("Pasienten fikk Paracet, Furix, OxyNorm, Eliquis.")
    real = _seg("Hun fikk Paracet 1 g klokka åtte og sov godt etterpå.")
    kept, actions = apply_guards([echo, real], prompt=prompt)
    assert [s.text for s in kept] == [real.text]
    assert actions[0].guard == "prompt_echo"
    kept, actions = apply_guards([echo], prompt=None)
    assert kept == [echo] and not actions
