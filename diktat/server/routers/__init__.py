"""One router per resource: health, openai (transcriptions), jobs, notes, stream_ws."""
