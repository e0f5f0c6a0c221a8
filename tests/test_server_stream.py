"""Live dictation over WebSocket /ws/dictate against a real server with the real model: real
Norwegian clips streamed as 16-bit PCM frames, one client and two at once (each must get its
own text back), the stream limit, and the audit log."""

from __future__ import annotations

import asyncio
import json
import stat

import jiwer
import pytest

from diktat.stt.audio import load_audio
from tests.server_helpers import running_server, server_settings, stream_clip

pytestmark = [pytest.mark.slow, pytest.mark.speech]


@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    root = tmp_path_factory.mktemp("server-stream")
    with running_server(server_settings(root, max_streams=2), engine) as running:
        yield running


@pytest.fixture(scope="module")
def clips(npsc_dir, engine, server):
    """Two real clips with their offline transcription by the same model (the reference)."""
    out = {}
    for name in ("norwegian-short-3s.16k.wav", "norwegian-medium-8s.16k.wav"):
        samples = load_audio(npsc_dir / name).samples
        out[name] = (samples, engine.transcribe(samples, server.services.decode).text)
    return out


def wer(reference: str, hypothesis: str) -> float:
    norm = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(),
                          jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
                          jiwer.ReduceToListOfListOfWords()])
    return jiwer.wer(reference, hypothesis or "-", reference_transform=norm,
                     hypothesis_transform=norm)


@pytest.mark.timing
def test_one_client_gets_ready_views_and_done_with_a_note(server, clips):
    samples, offline = clips["norwegian-medium-8s.16k.wav"]
    run = asyncio.run(stream_clip(server.ws_url, samples, pace_s=0.02))
    messages = run["messages"]
    kinds = [m["type"] for m in messages]
    assert kinds[0] == "ready" and kinds[-1] == "done", kinds
    assert messages[0]["sample_rate"] == 16_000
    views = [m for m in messages if m["type"] == "view"]
    assert views and {"status", "text", "pending", "tentative", "recorded_s",
                      "recognised_s"} <= set(views[0])
    assert views[-1]["status"] == "done"
    done = messages[-1]
    assert done["session_id"] == messages[0]["session_id"] == done["note_id"]
    assert done["text"] and wer(offline, done["text"]) < 0.5, (offline, done["text"])
    assert done["transcript"]["model_id"] == "whisper-base"
    assert done["note"]["metadata"]["asr_model_id"] == "whisper-base"
    assert done["note_text"]
    assert isinstance(done["uncertain"], list)
    folder = server.settings.session_store_dir / done["session_id"]
    assert {"audio.wav", "transcript.json", "text.txt", "note.json"} <= {
        p.name for p in folder.iterdir()}
    assert stat.S_IMODE((folder / "audio.wav").stat().st_mode) == 0o600

    audit = server.settings.audit_log_path.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in audit.splitlines()]
    finished = [e for e in entries if e["action"] == "dictation.finished"]
    assert finished and finished[-1]["session_id"] == done["session_id"]
    assert finished[-1]["asr_model_sha256"] == server.services.engine.model_sha256
    for word in done["text"].lower().replace(".", " ").replace(",", " ").split():
        if len(word) > 3:
            assert word not in audit.lower(), word


@pytest.mark.timing
def test_two_clients_at_once_each_get_their_own_text(server, clips):
    names = list(clips)

    async def both():
        return await asyncio.gather(*(
            stream_clip(server.ws_url, clips[name][0], pace_s=0.03) for name in names))

    runs = asyncio.run(both())
    texts = {}
    for name, run in zip(names, runs, strict=True):
        done = run["messages"][-1]
        assert done["type"] == "done", [m["type"] for m in run["messages"]]
        texts[name] = done["text"]
    assert runs[0]["messages"][-1]["session_id"] != runs[1]["messages"][-1]["session_id"]
    for name in names:
        own = wer(clips[name][1], texts[name])
        for other in names:
            if other != name:
                assert own < wer(clips[other][1], texts[name]), (name, texts)


def test_over_the_stream_limit_the_socket_closes_with_1013(server):
    import websockets

    async def three():
        async with websockets.connect(server.ws_url) as a, websockets.connect(server.ws_url) as b:
            assert json.loads(await a.recv())["type"] == "ready"
            assert json.loads(await b.recv())["type"] == "ready"
            async with websockets.connect(server.ws_url) as c:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await c.recv()
            for ws in (a, b):
                await ws.send(json.dumps({"type": "stop"}))
                async for _ in ws:
                    pass
            return closed.value.rcvd

    rcvd = asyncio.run(three())
    assert rcvd.code == 1013 and "prøv igjen" in rcvd.reason


def test_audio_sent_while_paused_is_dropped(server, clips):
    """Audio sent while paused is neither stored nor transcribed."""
    import websockets

    from tests.server_helpers import pcm16

    samples, _ = clips["norwegian-short-3s.16k.wav"]

    async def run():
        async with websockets.connect(server.ws_url) as ws:
            await ws.send(json.dumps({"type": "pause"}))
            for start in range(0, len(samples), 1600):
                await ws.send(pcm16(samples[start:start + 1600]))
            await ws.send(json.dumps({"type": "stop"}))
            return [json.loads(m) async for m in ws]

    messages = asyncio.run(run())
    done = messages[-1]
    assert done["type"] == "done"
    assert done["transcript"]["duration"] == 0.0 and done["text"] == ""
    assert any(m.get("status") == "paused" for m in messages if m["type"] == "view")


def test_socket_source_keeps_order_around_pause_and_caps_each_handover():
    """Pure logic: audio before a pause is handed over before the pause acts; a backlog goes
    out in pieces of at most MAX_HANDOVER_S (the processor's window stays bounded)."""
    import numpy as np

    from diktat.server.live import MAX_HANDOVER_S, SocketSource
    from tests.server_helpers import pcm16

    source = SocketSource()
    seen: list = []
    source.feed(pcm16(np.full(1600, 0.25, np.float32)))
    source.control(lambda: seen.append("pause"))
    source.feed(pcm16(np.full(round(14 * 16_000), 0.5, np.float32)))
    source.end()
    for chunk in source.chunks():
        seen.append((float(chunk[0]), len(chunk) / 16_000))
        source.stepped()
    size = MAX_HANDOVER_S
    assert seen == [(0.25, 0.1), "pause", (0.5, size), (0.5, size), (0.5, 14 - 2 * size)]
