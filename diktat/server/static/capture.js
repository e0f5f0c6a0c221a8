// Microphone capture: getUserMedia → AudioWorklet (pcm-worklet.js) → 16 kHz int16 frames.

export class Capture {
  /** onFrame(ArrayBuffer) for each ~100 ms frame; onLevel(dbfs) for the meter. */
  constructor({ onFrame, onLevel }) {
    this.onFrame = onFrame;
    this.onLevel = onLevel;
  }

  async start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error("Nettleseren gir ikke tilgang til mikrofon her (krever localhost eller https).");
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false,
                 autoGainControl: false },
      });
    } catch (err) {
      const denied = err && (err.name === "NotAllowedError" || err.name === "SecurityError");
      throw new Error(denied ? "Mikrofonen er ikke tillatt. Gi siden tilgang til mikrofonen."
                             : "Fant ingen mikrofon.");
    }
    try {
      this.ctx = new AudioContext({ sampleRate: 16000 });
    } catch {
      this.ctx = new AudioContext(); // the worklet downsamples from whatever rate this has
    }
    await this.ctx.audioWorklet.addModule(new URL("./pcm-worklet.js", import.meta.url));
    this.source = this.ctx.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.ctx, "pcm-worklet", {
      numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: "explicit",
    });
    this.node.port.onmessage = (e) => {
      this.onLevel?.(e.data.dbfs);
      this.onFrame(e.data.pcm);
    };
    this.source.connect(this.node);
    if (this.ctx.state === "suspended") await this.ctx.resume();
  }

  async stop() {
    try {
      this.source?.disconnect();
      this.node?.port.close();
      this.stream?.getTracks().forEach((t) => t.stop());
      if (this.ctx && this.ctx.state !== "closed") await this.ctx.close();
    } catch {
      /* already stopped */
    }
    this.onLevel?.(-120);
  }
}
