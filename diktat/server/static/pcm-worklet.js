// AudioWorklet: microphone samples (context rate) → 16 kHz mono little-endian int16 PCM frames of
// ~100 ms, posted to the page together with the frame's level (RMS in dBFS).
// Downsampling averages the input samples that fall into each output sample's interval (a box
// filter), which removes most energy above 8 kHz before decimation; no library, no network.

const TARGET_RATE = 16000;
const FRAME_SAMPLES = 1600; // 100 ms at 16 kHz

class PcmWorklet extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / TARGET_RATE; // input samples per output sample
    this.acc = 0; // sum of input samples in the current output interval
    this.count = 0; // how much of the interval (in input samples) is accumulated
    this.frame = new Float32Array(FRAME_SAMPLES);
    this.filled = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0 || !input[0]) return true;
    const channels = input.length;
    const n = input[0].length;
    for (let i = 0; i < n; i++) {
      let x = 0;
      for (let c = 0; c < channels; c++) x += input[c][i];
      x /= channels;
      // Spread this input sample over output intervals (handles non-integer ratios).
      let weight = 1;
      while (weight > 0) {
        const room = this.ratio - this.count;
        const take = Math.min(room, weight);
        this.acc += x * take;
        this.count += take;
        weight -= take;
        if (this.count >= this.ratio - 1e-9) {
          this.push(this.acc / this.ratio);
          this.acc = 0;
          this.count = 0;
        }
      }
    }
    return true;
  }

  push(sample) {
    this.frame[this.filled++] = sample;
    if (this.filled < FRAME_SAMPLES) return;
    this.filled = 0;
    const bytes = new ArrayBuffer(FRAME_SAMPLES * 2);
    const view = new DataView(bytes);
    let sum = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const s = Math.max(-1, Math.min(1, this.frame[i]));
      sum += s * s;
      view.setInt16(i * 2, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true);
    }
    const rms = Math.sqrt(sum / FRAME_SAMPLES);
    const dbfs = rms > 0 ? 20 * Math.log10(rms) : -120;
    this.port.postMessage({ pcm: bytes, dbfs }, [bytes]);
  }
}

registerProcessor("pcm-worklet", PcmWorklet);
