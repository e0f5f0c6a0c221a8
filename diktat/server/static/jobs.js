// Batch transcription: files dropped on the drop zone (or picked) → POST /api/jobs each, then
// poll GET /api/jobs/{id} and show progress, the text and the note, or a Norwegian error.

import { api, norwegianReason } from "./api.js";

const POLL_MS = 700;
const STATUS = { queued: "I kø", running: "Transkriberer", done: "Ferdig", failed: "Feilet" };

export function transcriptText(t) {
  if (!t) return "";
  if (typeof t === "string") return t;
  if (typeof t.text === "string") return t.text;
  if (t.transcript) return transcriptText(t.transcript);
  return (t.segments || []).map((s) => (s.text || "").trim()).filter(Boolean).join(" ");
}

function fraction(p) {
  if (typeof p !== "number" || !Number.isFinite(p)) return null;
  return Math.max(0, Math.min(1, p > 1 ? p / 100 : p));
}

export class Jobs {
  /** onOpen(job) when the user wants a finished job's transcript and note in the editor. */
  constructor({ drop, input, list, onOpen }) {
    this.list = list;
    this.onOpen = onOpen;
    input.addEventListener("change", () => {
      this.addFiles(input.files);
      input.value = "";
    });
    for (const ev of ["dragenter", "dragover"]) {
      drop.addEventListener(ev, (e) => {
        e.preventDefault();
        drop.classList.add("over");
      });
    }
    for (const ev of ["dragleave", "drop"]) {
      drop.addEventListener(ev, () => drop.classList.remove("over"));
    }
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      if (e.dataTransfer?.files?.length) this.addFiles(e.dataTransfer.files);
    });
    // A file dropped next to the zone must not make the browser navigate away from the page.
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => e.preventDefault());
  }

  addFiles(files) {
    for (const file of files) this.upload(file);
  }

  row(name) {
    const li = document.createElement("li");
    li.className = "job";
    const title = document.createElement("span");
    title.className = "job-name";
    title.textContent = name;
    const progress = document.createElement("progress");
    progress.max = 1;
    progress.setAttribute("aria-label", `Fremdrift for ${name}`);
    const status = document.createElement("span");
    status.className = "job-status";
    status.setAttribute("role", "status");
    status.textContent = "Laster opp…";
    const result = document.createElement("div");
    result.className = "job-result";
    li.append(title, progress, status, result);
    this.list.prepend(li);
    return { li, progress, status, result };
  }

  async upload(file) {
    const ui = this.row(file.name);
    const form = new FormData();
    form.append("file", file, file.name);
    let job;
    try {
      ({ data: job } = await api("/api/jobs", { method: "POST", form }));
    } catch (err) {
      this.fail(ui, file.name, err.message, err.detail);
      if (err.status === 503 || err.status === 429) this.retry(ui, file);
      return;
    }
    ui.li.dataset.jobId = job.id;
    this.poll(job.id, ui, file.name);
  }

  async poll(id, ui, name) {
    for (;;) {
      let job;
      try {
        ({ data: job } = await api(`/api/jobs/${encodeURIComponent(id)}`));
      } catch (err) {
        this.fail(ui, name, err.message, err.detail);
        return;
      }
      ui.li.dataset.status = job.status;
      const f = fraction(job.progress);
      if (job.status === "done") {
        ui.progress.value = 1;
        this.show(ui, job);
        return;
      }
      if (job.status === "failed") {
        this.fail(ui, name, norwegianReason(job.error) || "Filen kunne ikke behandles.", job.error);
        return;
      }
      if (f === null) ui.progress.removeAttribute("value");
      else ui.progress.value = f;
      ui.status.textContent = `${STATUS[job.status] ?? job.status}` +
        (f !== null && job.status === "running" ? ` – ${Math.round(f * 100)} %` : "…");
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  fail(ui, name, why, detail) {
    ui.li.dataset.status = "failed";
    ui.li.classList.add("failed");
    ui.progress.value = 0;
    ui.status.textContent = `Kunne ikke transkribere «${name}». ${why || ""}`.trim();
    if (detail) ui.status.title = `Melding fra tjeneren: ${detail}`;
    ui.status.setAttribute("role", "alert");
  }

  retry(ui, file) {
    const again = document.createElement("button");
    again.type = "button";
    again.textContent = "Prøv igjen";
    again.setAttribute("aria-label", `Prøv igjen med ${file.name}`);
    again.addEventListener("click", () => {
      ui.li.remove();
      this.upload(file);
    });
    ui.result.append(again);
  }

  show(ui, job) {
    ui.status.textContent = "Ferdig";
    const text = transcriptText(job.transcript);
    const p = document.createElement("p");
    p.className = "job-text";
    p.textContent = text || "(ingen tale funnet)";
    ui.result.append(p);
    if (job.note_text) {
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = "Notat";
      const pre = document.createElement("pre");
      pre.className = "job-note";
      pre.textContent = job.note_text;
      details.append(summary, pre);
      ui.result.append(details);
    }
    if (text) {
      const open = document.createElement("button");
      open.type = "button";
      open.className = "job-open";
      open.textContent = "Åpne i notatet";
      open.setAttribute("aria-label", `Åpne transkripsjonen av ${job.filename || "filen"} i notatet`);
      open.addEventListener("click", () => this.onOpen(job));
      ui.result.append(open);
    }
  }
}
