"""LocalAgreement on hand-made hypotheses (pure logic, no model)."""

from __future__ import annotations

import pytest

from diktat.stt.streaming.policy import LocalAgreement
from diktat.types import Word


def words(text: str, start: float = 0.0, step: float = 0.5) -> list[Word]:
    """Words of `text`, each `step` long, the first starting at `start`."""
    return [
        Word(start=start + i * step, end=start + (i + 1) * step, text=" " + t, probability=0.9)
        for i, t in enumerate(text.split())
    ]


def text(ws) -> str:
    return "".join(w.text for w in ws).strip()


def test_first_hypothesis_commits_nothing_and_is_tentative():
    policy = LocalAgreement()
    assert policy.update(words("pasienten sov godt")) == []
    assert text(policy.tentative) == "pasienten sov godt"


def test_two_agreeing_hypotheses_commit_their_common_prefix():
    policy = LocalAgreement()
    policy.update(words("pasienten sov got"))
    committed = policy.update(words("pasienten sov godt i natt"))
    assert text(committed) == "pasienten sov"
    assert text(policy.tentative) == "godt i natt"
    assert policy.last_committed_end == pytest.approx(1.0)


def test_committed_words_are_not_committed_again_when_redecoded_with_shifted_times():
    policy = LocalAgreement()
    policy.update(words("pasienten sov godt"))
    assert text(policy.update(words("pasienten sov godt"))) == "pasienten sov godt"
    # The same audio decoded again, timestamps jittered by up to 80 ms, plus new words.
    policy.update(words("pasienten sov godt i natt", start=0.08))
    committed = policy.update(words("pasienten sov godt i natt uten", start=0.05))
    assert text(committed) == "i natt"


def test_repeated_committed_tail_with_later_timestamps_is_recognised_as_overlap():
    policy = LocalAgreement()
    policy.update(words("blodtrykk målt til"))
    policy.update(words("blodtrykk målt til"))  # commits all three, ending at 1.5 s
    # A re-decode places "målt til" after the committed end (alignment drift), then new words.
    shifted = words("målt til hundre og førti", start=1.45)
    assert policy.update(shifted) == []
    assert text(policy.tentative) == "hundre og førti"
    assert text(policy.update(shifted)) == "hundre og førti"


def test_agreement_ignores_case_and_punctuation_and_keeps_the_newest_spelling():
    policy = LocalAgreement()
    policy.update(words("Puls åtti. Temp"))
    committed = policy.update(words("puls åtti, temp 37"))
    assert text(committed) == "puls åtti, temp"


def test_a_disagreeing_hypothesis_commits_nothing_and_never_retracts():
    policy = LocalAgreement()
    policy.update(words("gitt paracet"))
    first = policy.update(words("gitt paracet en gram"))
    later = policy.update(words("fikk paralgin en gram", start=0.0))
    assert text(first) == "gitt paracet"
    # "fikk paralgin" lies before the committed end: it cannot replace committed words.
    assert text(later) == "en gram"


def test_committed_times_never_run_backwards():
    policy = LocalAgreement()
    policy.update(words("a b c"))
    out = policy.update(words("a b c"))
    overlapping = [Word(start=1.45, end=1.9, text=" d", probability=0.9)]
    policy.update(overlapping)
    out += policy.update(overlapping)
    starts = [w.start for w in out]
    ends = [w.end for w in out]
    assert starts == sorted(starts) and ends == sorted(ends)
    assert out[-1].start >= out[-2].end


def test_words_ending_after_commit_until_stay_tentative():
    policy = LocalAgreement()
    policy.update(words("gitt morfin fem"))
    committed = policy.update(words("gitt morfin fem mg"), commit_until=1.0)
    assert text(committed) == "gitt morfin"
    assert text(policy.tentative) == "fem mg"


def test_three_hypotheses_must_agree_when_n_is_3():
    policy = LocalAgreement(n=3)
    policy.update(words("sår på hælen"))
    assert policy.update(words("sår på hælen")) == []
    assert text(policy.update(words("sår på hælen stell"))) == "sår på hælen"


def test_commit_tentative_commits_the_newest_tail_as_it_is():
    policy = LocalAgreement()
    policy.update(words("har spist"))
    policy.update(words("har spist litt"))
    assert text(policy.commit_tentative()) == "litt"
    assert policy.tentative == ()


def test_forgotten_words_take_no_part_in_overlap_matching():
    policy = LocalAgreement()
    policy.update(words("ja ja"))
    policy.update(words("ja ja"))
    policy.forget_before(1.0)  # the buffer was trimmed after both words
    repeated = words("ja", start=1.05)
    policy.update(repeated)
    assert text(policy.update(repeated)) == "ja"


def test_reset_forgets_the_tentative_tail():
    policy = LocalAgreement()
    policy.update(words("litt uro"))
    policy.reset()
    assert policy.tentative == ()
    assert policy.update(words("litt uro", start=2.0)) == []


def test_agreement_needs_at_least_two_hypotheses():
    with pytest.raises(ValueError):
        LocalAgreement(n=1)
