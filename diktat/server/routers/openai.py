"""POST /v1/audio/transcriptions, shaped like OpenAI's, so existing clients can use diktat.

The form is parsed here (not by FastAPI's parameter binding) so that the upload's size limit,
the audio checks and the field validation all answer in OpenAI's error shape
(``{"error": {"message", "type", "param", "code"}}``), which OpenAI clients show to the user.
`model` is accepted and ignored: the server has one model loaded (see GET /version). `prompt`
becomes the decoder's prompt words (`DecodeOptions.hotwords`, where the prompt-echo guard
applies); `temperature` above 0 replaces the default fallback ladder with that one value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from diktat.server.deps import PrincipalDep, ServicesDep
from diktat.server.schemas import TranscriptionRequest
from diktat.server.services import Services
from diktat.server.uploads import AudioRejected, decode_upload
from diktat.store.uploads import open_upload, spool
from diktat.stt.formats import to_srt, to_vtt
from diktat.stt.options import DecodeOptions
from diktat.types import Transcript

router = APIRouter(prefix="/v1")

LANGUAGE_NAMES = {"no": "norwegian", "nn": "nynorsk", "en": "english", "sv": "swedish",
                  "da": "danish"}
_LANGUAGE_ALIASES = {"nb": "no", "nob": "no", "nno": "nn"}


def openai_error(status: int, message: str, kind: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


@router.post("/audio/transcriptions")
async def create_transcription(
    request: Request, services: ServicesDep, principal: PrincipalDep
) -> Response:
    form = await request.form(max_files=1, max_fields=20)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return openai_error(422, "Missing the audio: send it as the multipart field 'file'.",
                                param="file")
        try:
            params = _params(form)
        except ValidationError as exc:
            first = exc.errors()[0]
            param = ".".join(str(p) for p in first["loc"])
            return openai_error(422, f"Invalid '{param}': {first['msg']}.", param=param)
        decode = _decode_options(services.decode, params)
        try:
            transcript = await run_in_threadpool(
                _transcribe_upload, services, upload.file, Path(upload.filename or "").suffix,
                upload.content_type, decode,
            )
        except AudioRejected as exc:
            return openai_error(exc.status, exc.message, exc.kind, param="file")
        except ValueError:  # the decoder refused an option, e.g. a language Whisper lacks
            return openai_error(422, f"Unsupported language '{params.language}'; use e.g. 'no' "
                                "(bokmål) or 'nn' (nynorsk).", param="language")
    finally:
        await form.close()
    await run_in_threadpool(
        services.audit.record, "transcription.done", actor=principal.actor,
        endpoint="/v1/audio/transcriptions",
        asr_model=transcript.model_id, asr_model_sha256=transcript.model_sha256,
        audio_s=round(transcript.duration, 2),
    )
    return _response(transcript, params)


def _params(form) -> TranscriptionRequest:
    fields: dict[str, Any] = {
        k: v for k, v in form.multi_items() if isinstance(v, str) and not k.endswith("[]")
    }
    granularities = form.getlist("timestamp_granularities[]") or form.getlist(
        "timestamp_granularities")
    if granularities:
        fields["timestamp_granularities"] = tuple(granularities)
    if "language" in fields:
        lang = fields["language"].strip().lower()
        fields["language"] = _LANGUAGE_ALIASES.get(lang, lang)
    return TranscriptionRequest.model_validate(fields)


def _decode_options(base: DecodeOptions, params: TranscriptionRequest) -> DecodeOptions:
    update: dict[str, Any] = {"language": params.language}
    if params.prompt:
        update["hotwords"] = params.prompt
    if params.temperature > 0:
        update["temperatures"] = (params.temperature,)
    return base.model_copy(update=update)


def _transcribe_upload(services: Services, upload: BinaryIO, suffix: str,
                       content_type: str | None, decode: DecodeOptions) -> Transcript:
    path = spool(upload, suffix, services.uploads_dir, services.keys)
    try:
        with open_upload(services.keys, path) as spooled:
            audio = decode_upload(spooled, content_type=content_type,
                                  max_duration_s=services.settings.server.max_duration_s)
    finally:
        path.unlink(missing_ok=True)
    return services.transcribe(audio.samples, decode)


def _response(t: Transcript, params: TranscriptionRequest) -> Response:
    fmt = params.response_format
    if fmt == "text":
        return PlainTextResponse(t.text + "\n")
    if fmt == "srt":
        return PlainTextResponse(to_srt(t))
    if fmt == "vtt":
        return PlainTextResponse(to_vtt(t), media_type="text/vtt")
    if fmt == "verbose_json":
        return JSONResponse(verbose_json(t, words="word" in params.timestamp_granularities))
    return JSONResponse({"text": t.text})


def verbose_json(t: Transcript, *, words: bool) -> dict[str, Any]:
    """OpenAI's verbose_json: task, language, duration, text, segments (+ words on request).
    Token ids are not kept by diktat, so `tokens` is empty."""
    temperature = float(t.options.get("temperatures", [0.0])[0]) if t.options else 0.0
    doc: dict[str, Any] = {
        "task": "transcribe",
        "language": LANGUAGE_NAMES.get(t.language, t.language),
        "duration": round(t.duration, 3),
        "text": t.text,
        "segments": [
            {
                "id": i, "seek": 0, "start": s.start, "end": s.end, "text": s.text,
                "tokens": [], "temperature": temperature, "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio, "no_speech_prob": s.no_speech_prob,
            }
            for i, s in enumerate(t.segments)
        ],
    }
    if words:
        doc["words"] = [
            {"word": w.text.strip(), "start": w.start, "end": w.end, "probability": w.probability}
            for w in t.words
        ]
    return doc
