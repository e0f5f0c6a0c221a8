"""Norwegian (bokmål) voice commands: said during dictation, applied to the text, never written.

"punktum", "komma", "ny linje", "slett siste setning", "stopp diktat", ... act on the committed
words as they arrive. A command is recognised however Whisper happens to split or spell it
within a small edit budget: the words are compared with the phrase lower-cased and with spaces,
hyphens and punctuation removed ("Nytt av snitt." = "nytt avsnitt"), allowing no edit below 8
letters ("komma" is never "kommer"), one below 11 and two from 11 letters on. Words that may be
the start of a command are held back until the next words (or the end of the utterance) decide.

"komma" between two numbers is a decimal comma ("trettisju komma fem"), kept as words for the
note's number normaliser. "kolon" is not a default command: in a clinical note it is the organ.

The list is configurable: a UTF-8 file with one ``phrase = action`` per line, the action a
punctuation mark or one of newline, paragraph, delete-sentence, delete-word, stop
(`format_commands` writes the default list in that form).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz.distance import Levenshtein

from diktat.errors import InputError
from diktat.norsk.numbers import is_number_word
from diktat.textfile import read_utf8
from diktat.types import Segment, Word

Action = Literal["mark", "newline", "paragraph", "delete-sentence", "delete-word", "stop"]
NAMED_ACTIONS: tuple[Action, ...] = (
    "newline", "paragraph", "delete-sentence", "delete-word", "stop"
)
MARKS = (".", ",", "?", "!", ":", ";", "–")
_SENTENCE_END = (".", "?", "!")
_WORD_PUNCTUATION = ".,?!:;"
_NOISE_PUNCTUATION = ".,?!:;…-–"
_DIGITS = re.compile(r"^[0-9]+([.,][0-9]+)?$")


@dataclass(frozen=True)
class VoiceCommand:
    phrase: str  # as spoken, e.g. "ny linje"
    action: Action
    mark: str = ""  # the punctuation a "mark" command inserts

    @property
    def spec(self) -> str:
        return self.mark if self.action == "mark" else self.action


DEFAULT_COMMANDS: tuple[VoiceCommand, ...] = (
    VoiceCommand("punktum", "mark", "."),
    VoiceCommand("komma", "mark", ","),
    VoiceCommand("spørsmålstegn", "mark", "?"),
    VoiceCommand("utropstegn", "mark", "!"),
    VoiceCommand("semikolon", "mark", ";"),
    VoiceCommand("tankestrek", "mark", "–"),
    VoiceCommand("ny linje", "newline"),
    VoiceCommand("nytt avsnitt", "paragraph"),
    VoiceCommand("slett siste setning", "delete-sentence"),
    VoiceCommand("angre", "delete-sentence"),
    VoiceCommand("slett siste ord", "delete-word"),
    VoiceCommand("stopp diktat", "stop"),
    VoiceCommand("avslutt diktat", "stop"),
)


def parse_commands(text: str, *, source: str = "commands") -> tuple[VoiceCommand, ...]:
    """``phrase = action`` lines (``#`` comments, blank lines ignored) → commands."""
    commands: list[VoiceCommand] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        phrase, sep, spec = (part.strip() for part in line.rpartition("="))
        where = f"{source} line {number}"
        if not sep or not phrase or not spec:
            raise InputError(f"{where}: expected 'phrase = action', e.g. 'punktum = .'")
        if not normalise(phrase):
            raise InputError(f"{where}: the phrase has no letters")
        if spec in MARKS:
            commands.append(VoiceCommand(phrase.lower(), "mark", spec))
        elif spec in NAMED_ACTIONS:
            commands.append(VoiceCommand(phrase.lower(), spec))  # type: ignore[arg-type]
        else:
            raise InputError(
                f"{where}: unknown action {spec!r}; use a mark ({' '.join(MARKS)}) "
                f"or one of {', '.join(NAMED_ACTIONS)}"
            )
    if not commands:
        raise InputError(f"{source}: no voice commands in the file")
    return tuple(commands)


def load_commands(path: Path | None) -> tuple[VoiceCommand, ...]:
    """The commands in ``path`` (replacing the defaults), or the defaults when None."""
    if path is None:
        return DEFAULT_COMMANDS
    return parse_commands(read_utf8(path, what="voice command file"), source=str(path))


def format_commands(commands: Iterable[VoiceCommand]) -> str:
    return "".join(f"{c.phrase} = {c.spec}\n" for c in commands)


def normalise(text: str) -> str:
    """Lower-case letters and digits only: how a spoken phrase is compared."""
    text = unicodedata.normalize("NFC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


def edit_budget(length: int) -> int:
    return 0 if length < 8 else 1 if length < 11 else 2


@dataclass(frozen=True)
class Piece:
    """One element of the dictated text: a word, a punctuation mark, or a line break."""

    kind: Literal["word", "mark", "break"]
    text: str  # the word as shown, the mark, or "\n" / "\n\n"
    word: Word | None = None  # the recognised word behind a "word" piece

    @property
    def ends_sentence(self) -> bool:
        return self.kind == "break" or self.text.endswith(_SENTENCE_END)


class CommandApplier:
    """Committed words in, dictated text out: commands applied, capitalisation after a sentence
    end. Feed each batch of committed words; flush at the end of an utterance and at the end."""

    def __init__(self, commands: Sequence[VoiceCommand] = DEFAULT_COMMANDS) -> None:
        self.commands = tuple(commands)
        self._forms = [(normalise(c.phrase), c) for c in self.commands]
        self._max_span = max(len(c.phrase.split()) for c in self.commands) + 2
        self._pieces: list[Piece] = []
        self._held: list[Word] = []
        self.stopped = False

    @property
    def pieces(self) -> tuple[Piece, ...]:
        return tuple(self._pieces)

    @property
    def text(self) -> str:
        return render_pieces(self._pieces)

    @property
    def pending_text(self) -> str:
        """Words held back because they may begin a command."""
        return " ".join(w.text.strip() for w in self._held if w.text.strip())

    def feed(self, words: Sequence[Word]) -> list[VoiceCommand]:
        """Add committed words; returns the commands applied."""
        if self.stopped:
            return []
        self._held.extend(words)
        return self._resolve(final=False)

    def flush(self) -> list[VoiceCommand]:
        """End of an utterance: nothing more can complete a held command."""
        return self._resolve(final=True)

    def segments(self) -> tuple[Segment, ...]:
        """The text as sentence segments whose words carry their punctuation, for a Transcript."""
        segments: list[Segment] = []
        current: list[Piece] = []
        for piece in [*self._pieces, Piece("break", "")]:
            if piece.kind != "break":
                current.append(piece)
            if piece.ends_sentence and current:
                if segment := _segment(current):
                    segments.append(segment)
                current = []
        return tuple(segments)

    def _resolve(self, *, final: bool) -> list[VoiceCommand]:
        applied: list[VoiceCommand] = []
        i = 0
        while i < len(self._held) and not self.stopped:
            match = self._match(i)
            if match is not None:
                command, span = match
                after = i + span
                if command.action == "mark" and command.mark == "," and self._after_number():
                    if after == len(self._held) and not final:
                        break  # the next word decides: "37 komma 5" or "37, og"
                    if after < len(self._held) and _is_number(self._held[after]):
                        for word in self._held[i:after]:
                            self._add_word(word)
                        i = after
                        continue
                self._apply(command)
                applied.append(command)
                i = after
                continue
            if not final and self._could_begin(i):
                break
            self._add_word(self._held[i])
            i += 1
        self._held = [] if self.stopped else self._held[i:]
        return applied

    def _match(self, i: int) -> tuple[VoiceCommand, int] | None:
        best: tuple[int, int, VoiceCommand] | None = None
        for span in range(1, min(self._max_span, len(self._held) - i) + 1):
            said = "".join(normalise(w.text) for w in self._held[i : i + span])
            if not said:
                continue
            for form, command in self._forms:
                budget = edit_budget(len(form))
                distance = Levenshtein.distance(said, form, score_cutoff=budget)
                if distance <= budget and (best is None or (distance, span) < best[:2]):
                    best = (distance, span, command)
        return None if best is None else (best[2], best[1])

    def _could_begin(self, i: int) -> bool:
        said = "".join(normalise(w.text) for w in self._held[i:])
        if not said or len(self._held) - i >= self._max_span:
            return False
        for form, _ in self._forms:
            if len(said) < len(form):
                budget = min(edit_budget(len(form)), len(said) // 4)
                if Levenshtein.distance(said, form[: len(said)], score_cutoff=budget) <= budget:
                    return True
        return False

    def _after_number(self) -> bool:
        last = self._pieces[-1] if self._pieces else None
        return last is not None and last.kind == "word" and last.word is not None and (
            _is_number(last.word)
        )

    def _add_word(self, word: Word) -> None:
        text = word.text.strip()
        if not text.strip(_NOISE_PUNCTUATION):  # Whisper's "..." when speech trails off
            return
        if not self._pieces or self._pieces[-1].ends_sentence:
            text = text[0].upper() + text[1:]
        self._pieces.append(Piece("word", text, word))

    def _apply(self, command: VoiceCommand) -> None:
        pieces = self._pieces
        if command.action == "stop":
            self.stopped = True
        elif command.action == "mark":
            if not pieces or pieces[-1].kind == "break":
                return  # nothing to punctuate
            if pieces[-1].kind == "mark":
                pieces.pop()
            else:  # replace Whisper's own punctuation on the word
                last = pieces[-1]
                pieces[-1] = Piece("word", last.text.rstrip(_WORD_PUNCTUATION) or last.text,
                                   last.word)
            pieces.append(Piece("mark", command.mark))
        elif command.action in ("newline", "paragraph"):
            if pieces:
                pieces.append(Piece("break", "\n" if command.action == "newline" else "\n\n"))
        elif command.action == "delete-word":
            while pieces and pieces[-1].kind != "word":
                pieces.pop()
            if pieces:
                pieces.pop()
        elif command.action == "delete-sentence":
            while pieces and pieces[-1].kind != "word":
                pieces.pop()  # the end of the sentence being deleted
            if pieces:
                pieces.pop()  # its last word, even when it carries Whisper's full stop
            while pieces and not pieces[-1].ends_sentence:
                pieces.pop()


def render_pieces(pieces: Iterable[Piece]) -> str:
    out: list[str] = []
    for piece in pieces:
        if piece.kind == "word" and out and not out[-1].endswith("\n"):
            out.append(" ")
        out.append(piece.text)
    return "".join(out)


def _segment(pieces: list[Piece]) -> Segment | None:
    words: list[Word] = []
    for piece in pieces:
        if piece.kind == "word" and piece.word is not None:
            words.append(piece.word.model_copy(update={"text": " " + piece.text}))
        elif piece.kind == "mark" and words:
            words[-1] = words[-1].model_copy(update={"text": words[-1].text + piece.text})
    if not words:
        return None
    return Segment(
        start=words[0].start,
        end=words[-1].end,
        text=render_pieces(p for p in pieces if p.kind != "break"),
        words=tuple(words),
    )


def _is_number(word: Word) -> bool:
    text = word.text.strip().rstrip(_WORD_PUNCTUATION)
    return bool(_DIGITS.match(text)) or (bool(text) and is_number_word(text))
