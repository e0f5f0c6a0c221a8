"""Finishing a dictation session a dead process left behind (a crash, SIGKILL, power loss).

The capture thread wrote every heard chunk to the session's audio before decoding it, and the
committed words were autosaved as they came; `recover` replays those words through the voice
commands and transcribes the audio after the last finished utterance with the batch engine.
"""

from __future__ import annotations

import time

from diktat.store.sessions import ActiveSession, SessionStore
from diktat.stt.engine import SttEngine
from diktat.stt.options import DecodeOptions
from diktat.stt.streaming.commands import DEFAULT_COMMANDS, CommandApplier, VoiceCommand
from diktat.stt.streaming.dictation import DictationResult, NoteMaker, finish_session
from diktat.stt.streaming.document import words_of


def recover(
    session: ActiveSession,
    engine: SttEngine,
    *,
    decode: DecodeOptions,
    commands: tuple[VoiceCommand, ...] = DEFAULT_COMMANDS,
    make_note: NoteMaker | None = None,
) -> DictationResult:
    """Finish a session a dead process left: replay its autosaved words, transcribe the audio
    after the last finished utterance with the batch engine (keeping only words after the last
    autosaved one), and write the outputs as `recovered`."""
    saved = session.load_autosave()
    applier = CommandApplier(commands)
    for i, utterance in enumerate(saved.utterances):
        applier.feed(utterance)
        if i < saved.closed_utterances:
            applier.flush()
    committed_end = max((w.end for u in saved.utterances for w in u), default=0.0)
    audio = session.read_audio(saved.transcribed_until)
    # Word timestamps are needed here, and the plain pipeline keeps them for long audio too.
    whole = decode.model_copy(update={"batched_min_duration_s": 24 * 3600.0})
    tick = time.perf_counter()
    transcript = engine.transcribe(audio, whole) if len(audio) else None
    transcribe_s = time.perf_counter() - tick
    if transcript is not None:
        offset = saved.transcribed_until
        new = [
            w.model_copy(update={"start": w.start + offset, "end": w.end + offset})
            for w in words_of(transcript.segments)
        ]
        applier.feed([w for w in new if (w.start + w.end) / 2 > committed_end])
    applier.flush()
    return finish_session(
        session, applier, engine, decode, make_note, state="recovered", stopped_by="recovery",
        transcribe_s=transcribe_s,
        options={**whole.model_dump(mode="json"), "pipeline": "recovery",
                 "recovered_from_s": saved.transcribed_until},
    )


def recover_all(
    store: SessionStore,
    engine: SttEngine,
    *,
    decode: DecodeOptions,
    commands: tuple[VoiceCommand, ...] = DEFAULT_COMMANDS,
    make_note: NoteMaker | None = None,
) -> list[DictationResult]:
    results = []
    for meta in store.recoverable():
        session = store.resume(meta.id)
        try:
            results.append(
                recover(session, engine, decode=decode, commands=commands, make_note=make_note)
            )
        finally:
            session.close()
    return results

