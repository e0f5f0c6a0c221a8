// Working drafts live on the server, beside their note in its store (PUT/GET/DELETE
// /api/notes/{id}/draft, GET /api/drafts): journal text is not kept in the browser. This
// browser remembers only which note it was working on (the id, in localStorage), to reopen it
// after a reload.

import { api } from "./api.js";

const CURRENT = "diktat.current-note.v2";
const LEGACY = "diktat.utkast.v1"; // drafts kept whole in localStorage (before they moved)

const draftPath = (noteId) => `/api/notes/${encodeURIComponent(noteId)}/draft`;

function storage(action) {
  try {
    return action(localStorage);
  } catch {
    return null; // storage disabled: drafts still save, only the reload does not reopen one
  }
}

export class Drafts {
  /** onSaved({ ok, savedAt, error }) after every save attempt. */
  constructor({ onSaved }) {
    this.onSaved = onSaved;
    this.pending = null; // the newest unsent { noteId, draft }: edits between sends coalesce
    this.sending = null; // the promise of the send loop, while one runs
    // Leaving the page (reload, closing the tab) sends what is still waiting at once. It may
    // overtake the save in flight: `edited_at` lets the server keep the newer of the two.
    window.addEventListener("pagehide", () => this.sendPendingNow());
  }

  get currentId() {
    return storage((s) => s.getItem(CURRENT));
  }

  setCurrent(noteId) {
    storage((s) => (noteId ? s.setItem(CURRENT, noteId) : s.removeItem(CURRENT)));
  }

  /** Save `draft` under `noteId` (and make it this browser's current note). One request at a
   * time; the latest state wins. */
  save(noteId, draft) {
    if (!noteId) return;
    this.setCurrent(noteId);
    this.pending = { noteId, draft: { ...draft, edited_at: Date.now() } };
    if (!this.sending) this.sending = this.sendAll().finally(() => { this.sending = null; });
  }

  /** Resolves once every save asked for so far has been sent. */
  async settled() {
    while (this.sending) await this.sending;
  }

  async sendAll() {
    while (this.pending) {
      const { noteId, draft } = this.pending;
      this.pending = null;
      try {
        const { data } = await api(draftPath(noteId), { method: "PUT", json: draft, keepalive: true });
        this.onSaved({ ok: true, savedAt: data.saved_at });
      } catch (err) {
        this.onSaved({ ok: false, error: err.message });
      }
    }
  }

  sendPendingNow() {
    if (!this.pending) return;
    const { noteId, draft } = this.pending;
    this.pending = null;
    api(draftPath(noteId), { method: "PUT", json: draft, keepalive: true }).catch(() => {});
  }

  async load(noteId) {
    try {
      return (await api(draftPath(noteId))).data;
    } catch (err) {
      if (err.status === 404) return null;
      throw err;
    }
  }

  async discard(noteId) {
    this.pending = this.pending?.noteId === noteId ? null : this.pending;
    await this.settled();
    await api(draftPath(noteId), { method: "DELETE" });
    if (this.currentId === noteId) this.setCurrent(null);
  }

  /** The unapproved drafts on the server, newest first. */
  async list() {
    return (await api("/api/drafts")).data || [];
  }

  /** A draft an older version of this page kept whole in localStorage: moved to the server
   * (when it belongs to a note) and removed from the browser either way. */
  async moveLegacy() {
    const raw = storage((s) => s.getItem(LEGACY));
    if (!raw) return;
    let d = null;
    try {
      d = JSON.parse(raw);
    } catch {
      /* unreadable: nothing to move */
    }
    const noteId = d?.note_id || d?.session_id;
    if (noteId) {
      const draft = { text: d.text || "", note: d.note ?? null, epj: d.epj || "",
                      uncertain: d.uncertain || [], stale: Boolean(d.stale) };
      try {
        await api(draftPath(noteId), { method: "PUT", json: draft });
        this.setCurrent(noteId);
      } catch (err) {
        if (![404, 422].includes(err.status)) return; // server away: try again next time
      }
    }
    storage((s) => s.removeItem(LEGACY));
  }
}
