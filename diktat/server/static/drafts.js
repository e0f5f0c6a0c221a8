// Working drafts live on the server, beside their note in its store (PUT/GET/DELETE
// /api/notes/{id}/draft, GET /api/drafts): journal text is not kept in the browser. This
// browser remembers only which note it was working on (the id, in localStorage), to reopen it
// after a reload.
//
// Saves go one at a time; edits made meanwhile wait per note and the newest wins. Each carries
// `edited_at` from a clock that never runs back (and starts past any draft read), so when two
// saves overtake each other the server keeps the later edit. A failed save is retried; leaving
// the page sends what is waiting or on its way with keepalive, and warns while a save failed.

import { api } from "./api.js";

const CURRENT = "diktat.current-note.v2";
const LEGACY = "diktat.utkast.v1"; // drafts kept whole in localStorage (before they moved)
const RETRY_MS = [1000, 3000, 10000, 30000];

const draftPath = (noteId) => `/api/notes/${encodeURIComponent(noteId)}/draft`;

function storage(action) {
  try {
    return action(localStorage);
  } catch {
    return null; // storage disabled: drafts still save, only the reload does not reopen one
  }
}

export class Drafts {
  /** onSaved({ ok, savedAt, error, superseded }) after every save attempt. */
  constructor({ onSaved }) {
    this.onSaved = onSaved;
    this.pending = new Map(); // note id → its newest unsent draft
    this.inFlight = null; // { noteId, draft } on its way
    this.failed = new Set(); // note ids whose last save failed
    this.lastEdit = new Map(); // note id → edited_at of its newest saved-or-waiting state
    this.clock = 0;
    this.retries = 0;
    this.timer = null;
    this.sending = null;
    window.addEventListener("pagehide", () => this.sendWaitingNow());
    window.addEventListener("beforeunload", (e) => {
      if (this.failed.size) e.preventDefault(); // the browser asks before edits are lost
    });
  }

  get currentId() {
    return storage((s) => s.getItem(CURRENT));
  }

  setCurrent(noteId) {
    storage((s) => (noteId ? s.setItem(CURRENT, noteId) : s.removeItem(CURRENT)));
  }

  /** The edit clock runs on from a draft read (it may come from another machine's clock). */
  seen(draft) {
    if (Number.isFinite(draft?.edited_at)) this.clock = Math.max(this.clock, draft.edited_at);
  }

  /** Save `draft` under `noteId` (and make it this browser's current note). */
  save(noteId, draft) {
    if (!noteId) return;
    this.setCurrent(noteId);
    this.clock = Math.max(Date.now(), this.clock + 1);
    this.lastEdit.set(noteId, this.clock);
    this.pending.set(noteId, { ...draft, edited_at: this.clock });
    this.kick();
  }

  /** edited_at of the newest state of `noteId` saved or waiting (for the approval). */
  editedAt(noteId) {
    return this.lastEdit.get(noteId) ?? null;
  }

  kick() {
    if (!this.sending && !this.timer) {
      this.sending = this.sendAll().finally(() => { this.sending = null; });
    }
  }

  /** Resolves once every save asked for so far has been tried. */
  async settled() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.kick();
    }
    while (this.sending) await this.sending;
  }

  async sendAll() {
    while (this.pending.size) {
      const [noteId, draft] = this.pending.entries().next().value;
      this.pending.delete(noteId);
      this.inFlight = { noteId, draft };
      try {
        const { data } = await api(draftPath(noteId), { method: "PUT", json: draft });
        this.failed.delete(noteId);
        this.retries = 0;
        this.onSaved({ ok: !data.superseded, savedAt: data.saved_at, superseded: data.superseded });
      } catch (err) {
        this.failed.add(noteId);
        if (!this.pending.has(noteId)) this.pending.set(noteId, draft); // unless a newer waits
        this.onSaved({ ok: false, error: err.message });
        this.inFlight = null;
        const wait = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)];
        this.timer = setTimeout(() => { this.timer = null; this.kick(); }, wait);
        return;
      }
      this.inFlight = null;
    }
  }

  sendWaitingNow() {
    const waiting = [...this.pending.entries()];
    if (this.inFlight && !this.pending.has(this.inFlight.noteId)) {
      waiting.push([this.inFlight.noteId, this.inFlight.draft]); // a normal fetch dies with the page
    }
    this.pending.clear();
    for (const [noteId, draft] of waiting) {
      api(draftPath(noteId), { method: "PUT", json: draft, keepalive: true }).catch(() => {});
    }
  }

  async load(noteId) {
    try {
      const { data } = await api(draftPath(noteId));
      this.seen(data);
      return data;
    } catch (err) {
      if (err.status === 404) return null;
      throw err;
    }
  }

  async discard(noteId) {
    this.pending.delete(noteId);
    this.failed.delete(noteId);
    await this.settled();
    await api(draftPath(noteId), { method: "DELETE" });
    if (this.currentId === noteId) this.setCurrent(null);
  }

  /** The unapproved drafts on the server, newest first. */
  async list() {
    return (await api("/api/drafts")).data || [];
  }

  /** A draft an older version of this page kept whole in localStorage: moved to the server when
   * it belongs to a note there. Returns it when it could not be moved (no note yet, or its note
   * is not on this server): the page shows it, and `dropLegacy` removes it once it is saved
   * under a note or discarded. */
  async moveLegacy() {
    const raw = storage((s) => s.getItem(LEGACY));
    if (!raw) return null;
    let d = null;
    try {
      d = JSON.parse(raw);
    } catch {
      this.dropLegacy(); // not a draft
      return null;
    }
    const draft = { text: d?.text || "", note: d?.note ?? null, epj: d?.epj || "",
                    uncertain: d?.uncertain || [], stale: Boolean(d?.stale) };
    const noteId = d?.note_id || d?.session_id;
    if (!noteId) return draft;
    try {
      await api(draftPath(noteId), { method: "PUT", json: draft });
    } catch (err) {
      return [404, 422].includes(err.status) ? draft : null; // server away: try next time
    }
    this.setCurrent(noteId);
    this.dropLegacy();
    return null;
  }

  dropLegacy() {
    storage((s) => s.removeItem(LEGACY));
  }
}
