"""LocalAgreement: commit the words that successive decodes of a growing window agree on.

Each decode of the audio buffer gives a hypothesis (timestamped words). A word is committed once
the last `n` hypotheses agree on it and on everything before it (after what is already
committed); committed words are never taken back. The same idea as whisper_streaming's
HypothesisBuffer (Macháček et al., 2023), written for diktat's `Word`:

- successive decodes shift word timestamps a little, so a hypothesis word counts as new only if
  it starts after the last committed word's end (minus `time_tolerance_s`);
- a re-decoded window often repeats the last committed words with changed timestamps, so a
  hypothesis that starts with the tail of the committed text (up to `max_overlap_words` words)
  has that overlap removed;
- words are compared case- and punctuation-blind (decodes disagree on "Vi"/"vi", "sete"/"sete.");
  the newest decode's spelling and times are the ones committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import takewhile

from diktat.stt.guards import normalise_for_matching
from diktat.types import Word


def word_key(word: Word) -> str:
    return normalise_for_matching(word.text)


class LocalAgreement:
    """Commit policy over successive hypotheses of one audio buffer (`StreamingPolicy`)."""

    def __init__(
        self,
        n: int = 2,
        *,
        time_tolerance_s: float = 0.1,
        overlap_window_s: float = 1.0,
        max_overlap_words: int = 5,
    ) -> None:
        if n < 2:
            raise ValueError("agreement needs at least two hypotheses (n >= 2)")
        self.n = n
        self.time_tolerance_s = time_tolerance_s
        self.overlap_window_s = overlap_window_s
        self.max_overlap_words = max_overlap_words
        self._committed: list[Word] = []  # committed words still inside the audio buffer
        self._last_end = 0.0
        self._tails: list[list[Word]] = []  # uncommitted tails of the last n-1 hypotheses

    @property
    def last_committed_end(self) -> float:
        return self._last_end

    @property
    def committed(self) -> tuple[Word, ...]:
        """Committed words still inside the audio buffer."""
        return tuple(self._committed)

    @property
    def tentative(self) -> tuple[Word, ...]:
        """The newest hypothesis' words after the committed text."""
        return tuple(self._tails[-1]) if self._tails else ()

    def update(
        self, hypothesis: Sequence[Word], *, commit_until: float | None = None
    ) -> list[Word]:
        """Take one decode's words (stream times); return the words newly committed. Words
        ending after `commit_until` stay tentative even when the hypotheses agree on them."""
        tail = self._new_part(hypothesis)
        agreed = 0
        if len(self._tails) == self.n - 1:
            agreed = min(_common_prefix(previous, tail) for previous in self._tails)
        if commit_until is not None:
            heard = len(list(takewhile(lambda w: w.end <= commit_until, tail)))
            agreed = min(agreed, heard)
        commit = self._accept(tail[:agreed])
        kept = [t[agreed:] for t in self._tails] + [tail[agreed:]]
        self._tails = kept[-(self.n - 1) :]
        return commit

    def commit_tentative(self) -> list[Word]:
        """Commit the newest hypothesis' tail as it is (the utterance has ended)."""
        commit = self._accept(list(self.tentative))
        self._tails = []
        return commit

    def commit_through(self, until: float) -> list[Word]:
        """Commit the newest hypothesis' words that end by `until` without waiting for another
        decode to agree (a live session that fell too far behind catches up)."""
        tail = list(self.tentative)
        heard = list(takewhile(lambda w: w.end <= until, tail))
        if not heard:
            return []
        commit = self._accept(heard)
        self._tails = [tail[len(heard):]]  # older tails began before what is committed now
        return commit

    def forget_before(self, time: float) -> None:
        """The audio buffer now starts at `time`: committed words that ended by then can no
        longer be re-decoded, so they stop taking part in overlap matching."""
        self._committed = [w for w in self._committed if w.end > time]

    def reset(self) -> None:
        """Start over for a new utterance (the buffer was emptied)."""
        self._committed = []
        self._tails = []

    def _new_part(self, hypothesis: Sequence[Word]) -> list[Word]:
        new = [w for w in hypothesis if w.start > self._last_end - self.time_tolerance_s]
        if not new or not self._committed:
            return new
        if abs(new[0].start - self._last_end) >= self.overlap_window_s:
            return new
        for size in range(min(len(self._committed), len(new), self.max_overlap_words), 0, -1):
            committed_tail = [word_key(w) for w in self._committed[-size:]]
            if committed_tail == [word_key(w) for w in new[:size]]:
                return new[size:]
        return new

    def _accept(self, words: list[Word]) -> list[Word]:
        """Record words as committed, clamping times so the committed text never runs back."""
        accepted = []
        for w in words:
            start = max(w.start, self._last_end)
            w = w.model_copy(update={"start": start, "end": max(w.end, start)})
            self._last_end = w.end
            accepted.append(w)
        self._committed.extend(accepted)
        return accepted


def _common_prefix(a: Sequence[Word], b: Sequence[Word]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if word_key(x) != word_key(y):
            break
        n += 1
    return n
