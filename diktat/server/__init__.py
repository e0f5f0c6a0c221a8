"""`diktat serve`: the local web app, live dictation over WebSocket, upload jobs, structuring,
and an OpenAI-compatible transcription endpoint, all on one shared model.

The outer shell, like `diktat.cli`: nothing inside diktat imports it. FastAPI and uvicorn come
with the `server` extra (``pip install 'diktat[server]'``).
"""

from diktat.server.app import create_app

__all__ = ["create_app"]
