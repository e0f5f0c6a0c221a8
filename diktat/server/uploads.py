"""Uploaded audio: size limit while the body arrives, then decode and validate into samples.

The size limit is enforced on the raw request body as it streams in (`BodyLimit`, an ASGI
middleware), so an oversize upload is never held in memory or on disk: a declared
Content-Length over the limit is refused at once, and a body that grows past it is drained
(read and thrown away, so the client gets the answer instead of a broken pipe) and refused.
What is accepted is spooled sealed (`diktat.store.uploads`) and decoded, decrypted as it is
read, by `stt.audio`, which
knows nothing of HTTP; its errors become `AudioRejected` with the status code that fits. The
decoding is bounded by `max_duration_s` (counted in decoded samples, not taken from the
header), so a small file that holds hours of audio is refused after at most that much is
decoded: one upload's memory stays within about 6 bytes a sample of the bound.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from diktat.errors import InputError
from diktat.stt.audio import Audio, AudioTooLong, load_audio

# Bodies larger than the limit are drained up to this many times the limit, then cut off.
_DRAIN_FACTOR = 4
# Multipart framing and form fields travel with the file: allow for them above the file limit.
_FORM_SLACK_BYTES = 64 * 1024
# Content types that are never audio, whatever the bytes look like.
_NOT_AUDIO_TYPES = ("text/", "application/json", "application/xml", "application/pdf", "image/")


@dataclass
class AudioRejected(Exception):
    """An upload that cannot be transcribed: `status` is the HTTP code, `message` the fix."""

    status: int
    message: str
    kind: str = "invalid_request_error"

    def __str__(self) -> str:
        return self.message


def too_large_message(limit_mb: float) -> str:
    return (f"The upload is larger than this server's limit of {limit_mb:g} MB; split the "
            "recording or raise [server] max_upload_mb.")


class BodyLimit:
    """ASGI middleware: refuse POST bodies over `limit` bytes with 413 (JSON error body)."""

    def __init__(self, app, limit_mb: float) -> None:
        self.app = app
        self.limit_mb = limit_mb
        self.limit = int(limit_mb * 1024 * 1024) + _FORM_SLACK_BYTES

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._drain(receive, declared)
            await self._refuse(scope, send)
            return
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await self._drain(receive, None)
            await self._refuse(scope, send)

    async def _drain(self, receive: Callable[[], Awaitable[dict]], declared: int | None) -> None:
        if declared is not None and declared > _DRAIN_FACTOR * self.limit:
            return  # not worth reading: the connection is closed after the answer
        drained = 0
        while drained <= _DRAIN_FACTOR * self.limit:
            message = await receive()
            drained += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                return

    async def _refuse(self, scope, send) -> None:
        message = too_large_message(self.limit_mb)
        if scope["path"].startswith("/v1/"):
            body = {"error": {"message": message, "type": "invalid_request_error",
                              "code": "file_too_large"}}
        else:
            body = {"detail": message}
        payload = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": payload})


class _BodyTooLarge(Exception):
    pass


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def decode_upload(upload: BinaryIO, *, content_type: str | None, max_duration_s: float
                  ) -> Audio:
    """Decode a spooled upload (a seekable file of its bytes), or raise AudioRejected: 400 empty
    or corrupt, 413 too long, 415 not audio. Messages never repeat the file's name or
    content."""
    if upload.seek(0, 2) == 0:
        raise AudioRejected(400, "The uploaded file is empty (0 bytes); send a recording.")
    upload.seek(0)
    try:
        return load_audio(Path("upload"), max_seconds=max_duration_s, stream=upload)
    except AudioTooLong as exc:
        raise AudioRejected(413, _too_long(exc.seconds, max_duration_s)) from None
    except InputError as exc:
        raise _classify(upload, content_type, str(exc)) from None


def _too_long(seconds: float | None, limit: float) -> str:
    length = f"{seconds:.0f} s long" if seconds is not None else f"longer than {limit:.0f} s"
    return (f"The recording is {length}; this server accepts at most {limit:.0f} s. "
            "Split it or raise [server] max_duration_s.")


def _classify(upload: BinaryIO, content_type: str | None, reason: str) -> AudioRejected:
    if "no audio stream" in reason or _looks_like_text(upload) or (
        content_type and content_type.lower().startswith(_NOT_AUDIO_TYPES)
    ):
        return AudioRejected(
            415, "The upload is not an audio file; send a recording (wav, mp3, m4a, ogg, flac, "
            "webm or another format FFmpeg reads).", "unsupported_media_type")
    return AudioRejected(
        400, "The audio could not be decoded: the file is corrupt or in an unsupported format; "
        "export it again as wav, mp3, m4a, ogg, flac or webm.")


def _looks_like_text(upload: BinaryIO) -> bool:
    upload.seek(0)
    head = upload.read(4096)
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # only a character cut at the end of the sample
    return True
