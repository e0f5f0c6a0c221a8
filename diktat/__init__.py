"""diktat: local, closed Norwegian speech-to-text for nurses' dictation."""

from diktat.types import Segment, Transcript, Word

__version__ = "0.1.0"

__all__ = ["Segment", "Transcript", "Word", "__version__"]
