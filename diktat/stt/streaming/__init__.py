"""Streaming recognition: partial text while speaking, a committed prefix that never changes,
final text per utterance when the speaker pauses.

    options = StreamingOptions(decode=streaming_decode_options(batch_decode_options))
    gate = VadGate(StreamingProcessor(engine, options))
    for chunk in source:                 # float32 mono 16 kHz
        gate.insert_audio_chunk(chunk)
        for event in gate.process_iter():
            ...                          # tentative / committed / final
    events = gate.finish()
"""

from diktat.stt.streaming.events import StreamEvent
from diktat.stt.streaming.policy import LocalAgreement
from diktat.stt.streaming.processor import (
    StreamingOptions,
    StreamingProcessor,
    streaming_decode_options,
)
from diktat.stt.streaming.vadgate import VadGate

__all__ = [
    "LocalAgreement",
    "StreamEvent",
    "StreamingOptions",
    "StreamingProcessor",
    "VadGate",
    "streaming_decode_options",
]
