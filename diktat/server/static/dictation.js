// One dictation over the WebSocket /ws/dictate: PCM frames up; view/done/error messages down.

import { wsUrl } from "./api.js";
import { Capture } from "./capture.js";

export const BUSY_CODE = 1013;
const POLICY_CODE = 1008;
const MAX_EARLY_FRAMES = 100; // 10 s of audio held while connecting

function closeText(e, otherwise = "Forbindelsen til tjeneren ble brutt.") {
  if (e.code === BUSY_CODE) return "Tjeneren er opptatt, prøv igjen om litt.";
  if (e.code === POLICY_CODE) return e.reason || "Ingen tilgang til diktat på denne tjeneren.";
  return otherwise;
}

export class Dictation {
  /** handlers: onStatus(key), onView(msg), onDone(msg), onError(text), onLevel(dbfs). */
  constructor(handlers) {
    this.h = handlers;
    this.state = "idle"; // idle | connecting | live | paused | finishing | closed
    this.finished = false;
    this.early = [];
  }

  async start({ paused = false } = {}) {
    this.state = "connecting";
    this.h.onStatus("connecting");
    this.capture = new Capture({
      onFrame: (buf) => this.frame(buf),
      onLevel: (db) => this.h.onLevel?.(db),
    });
    const ws = new WebSocket(wsUrl("/ws/dictate"));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    const ready = new Promise((resolve, reject) => {
      ws.onmessage = (e) => this.message(e, resolve);
      ws.onerror = () => reject(new Error("Får ikke kontakt med diktat-tjeneren."));
      ws.onclose = (e) => {
        this.closed(e);
        reject(new Error(closeText(e)));
      };
    });
    try {
      await Promise.all([ready, this.capture.start()]);
    } catch (err) {
      this.abort();
      throw err;
    }
    if (this.state !== "connecting") return; // closed meanwhile
    this.state = paused ? "paused" : "live";
    if (paused) this.send({ type: "pause" });
    this.h.onStatus(this.state === "live" ? "listening" : "paused");
  }

  frame(buf) {
    // Audio keeps flowing while paused: the server marks it unheard (never stored or decoded)
    // and ends the utterance at the pause. Words said while the socket still connects are
    // kept and sent once it is open, so the first words are not lost.
    if (!["connecting", "live", "paused"].includes(this.state)) return;
    if (this.ws?.readyState !== WebSocket.OPEN) {
      if (this.early.length < MAX_EARLY_FRAMES) this.early.push(buf);
      return;
    }
    for (const b of this.early.splice(0)) this.ws.send(b);
    this.ws.send(buf);
  }

  message(e, resolveReady) {
    if (typeof e.data !== "string") return;
    let msg;
    try {
      msg = JSON.parse(e.data);
    } catch {
      return;
    }
    if (msg.type === "ready") {
      this.sessionId = msg.session_id;
      this.readyOnce = true;
      resolveReady();
    } else if (msg.type === "view") {
      this.h.onView(msg);
    } else if (msg.type === "done") {
      this.finished = true;
      this.state = "closed";
      this.capture?.stop();
      this.h.onDone(msg);
      this.ws?.close(1000);
    } else if (msg.type === "error") {
      this.errored = true;
      this.h.onError(msg.message || "Ukjent feil på tjeneren.");
    }
  }

  closed(e) {
    const wasOpen = this.state !== "closed" && this.state !== "idle";
    this.state = "closed";
    this.capture?.stop();
    if (!this.finished && wasOpen && this.readyOnce && !this.errored) {
      this.h.onError(closeText(e, "Forbindelsen til tjeneren ble brutt før notatet var ferdig."));
    }
    this.h.onStatus("closed");
  }

  send(obj) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(obj));
  }

  pause() {
    if (this.state !== "live") return;
    this.state = "paused";
    this.send({ type: "pause" });
    this.h.onStatus("paused");
  }

  resume() {
    if (this.state !== "paused") return;
    this.state = "live";
    this.send({ type: "resume" });
    this.h.onStatus("listening");
  }

  stop() {
    if (this.state !== "live" && this.state !== "paused") return;
    this.state = "finishing";
    this.capture.stop();
    this.send({ type: "stop" });
    this.h.onStatus("finishing");
  }

  abort() {
    this.state = "closed";
    this.capture?.stop();
    try {
      this.ws?.close();
    } catch {
      /* ignore */
    }
  }
}
