// diktat page: dictation (button or hold Space), live text, the editable note with evidence,
// approval (clipboard + JSON download), drafts kept on the server per note (a new dictation
// never replaces an unapproved one: the others are listed to reopen), batch jobs by drag and drop.

import { api } from "./api.js";
import { setLive } from "./live-text.js";
import { Dictation } from "./dictation.js";
import { Drafts } from "./drafts.js";
import { Jobs, transcriptText } from "./jobs.js";
import { copyText } from "./clipboard.js";
import { NoteForm } from "./note-form.js";
import { startSignIn } from "./signin.js";
import { TranscriptView } from "./transcript.js";

const $ = (id) => document.getElementById(id);
const STATUS_TEXT = {
  idle: "Klar", connecting: "Kobler til…", listening: "Lytter…", speech: "Lytter…",
  silence: "Lytter…", paused: "Pause", finishing: "Lager notat…", done: "Notatet er klart – kontroller og godkjenn.",
  closed: "Klar",
};

const state = {
  noteId: null, noteKind: null, sessionId: null, note: null, text: "", uncertain: [], epj: "",
  stale: false, approved: null,
};
let dictation = null;
let pttHeld = false;
let lastLiveSave = 0;
let touches = 0; // the nurse's actions on the page (see catchUp)
for (const kind of ["input", "keydown", "pointerdown"]) {
  document.addEventListener(kind, () => { touches += 1; }, true);
}
const timeOf = (iso, style) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? "" : at.toLocaleString("nb-NO", style);
};
const drafts = new Drafts({
  onSaved: ({ ok, savedAt, error, superseded }) => {
    const out = $("draft-status");
    out.className = ok ? "help" : "error";
    out.textContent = ok ? `Utkast lagret kl. ${timeOf(savedAt, { timeStyle: "medium" })}.`
      : superseded ? "Ikke lagret: et nyere utkast av dette notatet er lagret fra en annen fane " +
        "eller maskin. Last inn siden på nytt for å se det."
      : `Utkastet ble ikke lagret (prøver igjen): ${error}`;
    document.body.dataset.draftSaved = ok ? savedAt : "";
  },
});

const view = new TranscriptView($("transcript-view"));
const form = new NoteForm($("note-form"), {
  onChange: (note) => {
    state.note = note;
    changed();
  },
  onEvidence: (ev) => showEvidence(ev),
});

// --- status and errors ------------------------------------------------------------------------
function setStatus(key) {
  const s = $("status");
  s.textContent = STATUS_TEXT[key] ?? key;
  s.dataset.status = key;
  const active = dictation && ["connecting", "live", "paused"].includes(dictation.state);
  $("record").disabled = Boolean(active) || dictation?.state === "finishing";
  $("pause").disabled = !(dictation && ["live", "paused"].includes(dictation.state));
  $("stop").disabled = !(dictation && ["live", "paused"].includes(dictation.state));
  const paused = dictation?.state === "paused";
  $("pause").textContent = paused ? "Fortsett" : "Pause";
  document.body.classList.toggle("recording", dictation?.state === "live");
}

function showError(text) {
  const e = $("error");
  e.textContent = text;
  e.hidden = !text;
}

// --- dictation --------------------------------------------------------------------------------
async function startDictation({ ptt = false } = {}) {
  if (dictation && !["closed", "idle"].includes(dictation.state)) return;
  showError("");
  setLive({ text: "", pending: "", tentative: "" });
  dictation = new Dictation({
    onStatus: (key) => setStatus(key === "closed" && dictation?.finished ? "done" : key),
    onView,
    onDone,
    onError: showError,
    onLevel: (db) => {
      $("level").style.width = `${Math.max(0, Math.min(1, (db + 60) / 60)) * 100}%`;
    },
  });
  try {
    await dictation.start();
    if (ptt && !pttHeld) dictation.pause(); // the key was released while connecting
  } catch (err) {
    showError(err.message);
    setStatus("idle");
  }
}

function onView(msg) {
  setLive(msg);
  $("live").dataset.recordedS = msg.recorded_s ?? "";
  const key = msg.status === "paused" || dictation?.state === "paused" ? "paused"
    : msg.status === "finishing" || dictation?.state === "finishing" ? "finishing" : "listening";
  setStatus(key);
  if (msg.document_deferred) {
    $("status").textContent = key === "finishing"
      ? `Tjeneren er travel – notatet venter på den bedre teksten (${Math.ceil(msg.document_backlog_s)} s lyd igjen)…`
      : `${$("status").textContent} Tjeneren er travel: notatet venter på den bedre teksten.`;
  }
  if (msg.busy && key === "listening") {
    $("status").textContent = `${$("status").textContent} Tjeneren er travel: teksten kommer senere enn vanlig.`;
  }
  $("status").dataset.busy = msg.busy ? "1" : "";
  $("status").dataset.server = msg.status;
  $("status").dataset.deferred = msg.document_deferred ? "1" : "";
  const now = Date.now();
  if (msg.text && dictation?.sessionId && now - lastLiveSave > 2000) {
    lastLiveSave = now; // a reload mid-dictation keeps the text, in the session's draft
    drafts.save(dictation.sessionId, { text: msg.text, note: null, epj: "", uncertain: [], stale: true });
  }
}

function parseNote(note) {
  return typeof note === "string" ? JSON.parse(note) : note;
}

function onDone(msg) {
  setLive({ text: msg.text, pending: "", tentative: "" });
  load({
    noteId: msg.note_id,
    noteKind: msg.note_kind,
    sessionId: msg.session_id,
    note: parseNote(msg.note),
    text: transcriptText(msg.transcript) || msg.text || "",
    uncertain: msg.uncertain || [],
    epj: msg.note_text || "",
  });
  showPreviewChanges(msg.preview_changes);
  setStatus("done");
}

// Where the note's text (the document decode) differs from the preview she watched.
function showPreviewChanges(runs) {
  const box = $("preview-changes-box");
  const changes = (runs || []).filter((r) => typeof r !== "string");
  box.hidden = !runs;
  box.open = false;
  $("preview-changes-count").textContent = String(changes.length);
  const out = $("preview-changes");
  out.replaceChildren();
  for (const run of runs || []) {
    if (out.childNodes.length) out.append(" ");
    if (typeof run === "string") {
      out.append(run);
      continue;
    }
    if (run.document) out.append(Object.assign(document.createElement("ins"), { textContent: run.document }));
    if (run.document && run.preview) out.append(" ");
    if (run.preview) out.append(Object.assign(document.createElement("del"), { textContent: run.preview }));
  }
}

// --- result: transcript, note, EPJ text -------------------------------------------------------
// The note's kind ("session" or "text") comes from the server with its id, never from the id.
function load({ noteId, noteKind = null, sessionId = null, note, text, uncertain, epj, stale = false },
              { save = true } = {}) {
  const another = noteId !== state.noteId;
  if (another) {
    $("draft-notice").hidden = true; // it spoke of the note left
    $("draft-status").textContent = "";
    $("preview-changes-box").hidden = true;
  }
  Object.assign(state, { noteId, noteKind, sessionId, note, text, uncertain, epj, stale, approved: null });
  $("result").hidden = false;
  $("result").dataset.noteId = noteId || "";
  $("transcript-edit").value = text;
  setEditing(false);
  view.set(text, uncertain);
  form.render(note);
  if (!note) {
    $("note-form").replaceChildren(Object.assign(document.createElement("p"), {
      className: "empty", textContent: "Ikke laget ennå – trykk «Lag notat på nytt fra teksten».",
    }));
  }
  renderUncertain();
  $("epj-text").value = epj;
  $("approve-status").textContent = "";
  $("download").disabled = true;
  markStale(stale);
  if (save) changed(); // a draft just read from the server is not written back
  if (another) refreshDraftList(); // the note left is listed with the other drafts
}

function renderUncertain() {
  const list = $("uncertain-list");
  list.replaceChildren();
  $("uncertain-box").hidden = !state.uncertain.length;
  for (const u of state.uncertain) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = u.drug_like ? "unc-word drug" : "unc-word";
    b.textContent = `«${u.word}»` + (u.drug_like ? ` – legemiddel?${u.suggestion ? ` ${u.suggestion}` : ""}` : "") +
      ` (sikkerhet ${Math.round(u.probability * 100)} %)`;
    b.addEventListener("click", () => showEvidence(u.evidence));
    const li = document.createElement("li");
    li.append(b);
    list.append(li);
  }
}

function showEvidence(ev) {
  if (state.stale) return;
  setEditing(false);
  const found = view.highlight(ev);
  $("transcript-view").dataset.highlight = found ? `${ev.start}-${ev.end}` : "";
}

function setEditing(on) {
  $("transcript-edit").hidden = !on;
  $("transcript-view").hidden = on;
  $("edit-transcript").textContent = on ? "Vis markeringer" : "Rediger transkripsjon";
  if (!on) view.set(state.text, state.uncertain);
}

function markStale(stale) {
  state.stale = stale;
  $("transcript-stale").hidden = !stale;
  form.setEvidenceEnabled(!stale);
}

function changed() {
  if (!state.noteId) return;
  drafts.save(state.noteId, {
    text: state.text, note: state.note, epj: state.epj, uncertain: state.uncertain, stale: state.stale,
  });
  drafts.dropLegacy(); // an old page's draft shown here is now saved under its note
}

async function restructure() {
  const text = state.text.normalize("NFC").trim();
  if (!text) return;
  const btn = $("restructure");
  btn.disabled = true;
  try {
    const json = state.sessionId ? { text, session_id: state.sessionId }
      : state.noteKind === "text" ? { text, note_id: state.noteId } : { text };
    const { data } = await api("/api/structure", { method: "POST", json });
    load({
      noteId: data.note_id, noteKind: data.note_kind, sessionId: state.sessionId,
      note: parseNote(data.note), text,
      uncertain: data.uncertain || [],
      epj: data.note_text ?? data.text ?? "",
    });
    showError("");
  } catch (err) {
    showError(`Kunne ikke lage notatet: ${err.message}`);
  } finally {
    btn.disabled = false;
  }
}

// --- approval -----------------------------------------------------------------------------------
function download() {
  if (!state.approved) return;
  const blob = new Blob([JSON.stringify(state.approved, null, 2)], { type: "application/json" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `notat-${state.approved.note_id}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

async function approve() {
  const out = $("approve-status");
  if (!state.noteId || !state.note) {
    out.textContent = "Lag notatet først (trykk «Lag notat på nytt fra teksten»).";
    return;
  }
  const text = $("epj-text").value;
  $("approve").disabled = true;
  try {
    await drafts.settled(); // a save still on its way would bring the draft back after approval
    const { data } = await api(`/api/notes/${encodeURIComponent(state.noteId)}/approve`, {
      method: "POST", json: { note: state.note, text, edited_at: drafts.editedAt(state.noteId) },
    });
    state.approved = { note_id: data.note_id, approved_at: data.approved_at, text, note: state.note };
    const copied = await copyText(text);
    download();
    $("download").disabled = false;
    drafts.setCurrent(null);
    $("draft-notice").hidden = true;
    $("draft-status").textContent = ""; // the server removed the draft: the approval replaces it
    refreshDraftList();
    const at = timeOf(data.approved_at, { hour: "2-digit", minute: "2-digit" });
    const time = at ? ` kl. ${at}` : "";
    out.className = copied ? "ok" : "error";
    out.textContent = `Godkjent${time}. ` + (copied ? "Teksten er kopiert – lim den inn i journalen. "
      : "Kopiering feilet: marker teksten og kopier med Ctrl+C. ") + `JSON lastet ned (notat-${data.note_id}.json).`;
  } catch (err) {
    out.className = "error";
    out.textContent = `Godkjenning feilet: ${err.message}`;
  } finally {
    $("approve").disabled = false;
  }
}

// --- drafts -------------------------------------------------------------------------------------
function showDraft(d, how) {
  load({ noteId: d.note_id, noteKind: d.note_kind, note: d.note ?? null,
         sessionId: d.note_kind === "session" ? d.note_id : null,
         text: d.text || "", uncertain: d.uncertain || [], epj: d.epj || "", stale: Boolean(d.stale) },
       { save: false });
  drafts.setCurrent(d.note_id);
  const at = timeOf(d.saved_at, { dateStyle: "short", timeStyle: "short" });
  notice(`${how}${at ? ` (lagret ${at})` : ""}.`);
}

function notice(text) {
  $("draft-notice-text").textContent = text;
  $("draft-notice").hidden = false;
}

async function restoreDraft() {
  const legacy = await drafts.moveLegacy();
  if (legacy && (legacy.text || legacy.epj)) {
    load({ noteId: null, note: legacy.note, text: legacy.text, uncertain: legacy.uncertain,
           epj: legacy.epj, stale: true }, { save: false });
    notice("Utkast fra en eldre versjon av siden gjenopprettet. " +
      "Lag notatet på nytt fra teksten for å lagre det.");
    return;
  }
  const id = drafts.currentId;
  if (!id) return;
  try {
    const d = await drafts.load(id);
    if (d && (d.text || d.note || d.epj)) {
      showDraft(d, "Utkast gjenopprettet");
      catchUp(id, d.edited_at);
    } else if (!d) {
      drafts.setCurrent(null);
    }
  } catch (err) {
    showError(`Kunne ikke hente utkastet: ${err.message}`);
  }
}

/** The last edit of the page just left is sent as it goes and may land a moment after this page
 * read the draft: look again shortly, and show the newer one — unless the nurse has done
 * anything on this page meanwhile (typed, clicked, pressed a key), which it never overrides. */
async function catchUp(noteId, shownEdit) {
  const start = touches;
  const untouched = () => touches === start && state.noteId === noteId &&
    drafts.editedAt(noteId) === null;
  for (const wait of [500, 1500, 3000]) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    if (!untouched()) return;
    let d = null;
    try {
      d = await drafts.load(noteId);
    } catch {
      return;
    }
    if (!untouched()) return;
    if (d && (d.edited_at ?? 0) > (shownEdit ?? 0)) {
      showDraft(d, "Utkast gjenopprettet");
      return;
    }
  }
}

async function openDraft(noteId) {
  try {
    const d = await drafts.load(noteId);
    if (!d) throw new Error("Utkastet finnes ikke lenger.");
    showDraft(d, "Utkast åpnet");
    $("result").scrollIntoView({ behavior: "smooth" });
  } catch (err) {
    showError(`Kunne ikke åpne utkastet: ${err.message}`);
    refreshDraftList();
  }
}

async function forget(noteId) {
  if (!window.confirm("Forkaste utkastet? Det kan ikke angres.")) return false;
  try {
    await drafts.discard(noteId);
    return true;
  } catch (err) {
    showError(`Kunne ikke forkaste utkastet: ${err.message}`);
    return false;
  } finally {
    refreshDraftList();
  }
}

async function discardDraft() {
  if (state.noteId && !(await forget(state.noteId))) return;
  if (!state.noteId) drafts.dropLegacy();
  drafts.setCurrent(null);
  Object.assign(state, { noteId: null, noteKind: null, sessionId: null, note: null, text: "",
                         uncertain: [], epj: "", stale: false });
  $("result").hidden = true;
  $("draft-notice").hidden = true;
  form.render(null);
  setLive({ text: "", pending: "", tentative: "" });
  $("record").focus();
}

/** The other unapproved drafts on the server, to reopen one a new dictation moved aside. */
let listAsked = 0;
async function refreshDraftList() {
  const asked = ++listAsked;
  let list;
  try {
    list = await drafts.list();
  } catch {
    return; // the server is away: the list stays as it was
  }
  if (asked !== listAsked) return; // a newer answer is on its way
  list = list.filter((d) => d.note_id !== state.noteId);
  const ul = $("draft-list");
  ul.replaceChildren();
  for (const d of list) {
    const li = document.createElement("li");
    li.dataset.noteId = d.note_id;
    const label = document.createElement("span");
    const at = timeOf(d.saved_at, { dateStyle: "short", timeStyle: "short" });
    const gone = d.deletes_at ? timeOf(d.deletes_at, { dateStyle: "short" }) : "";
    label.textContent = `${at ? `${at} – ` : ""}${d.preview || "(tomt)"}${gone ? ` (slettes ${gone})` : ""}`;
    if (d.recovered) {
      const mark = Object.assign(document.createElement("em"), {
        className: "recovered", textContent: " (gjenopprettet etter avbrudd)" });
      label.append(mark);
    }
    const open = Object.assign(document.createElement("button"), { type: "button", textContent: "Åpne" });
    open.addEventListener("click", () => openDraft(d.note_id));
    const drop = Object.assign(document.createElement("button"), { type: "button", textContent: "Forkast" });
    drop.addEventListener("click", () => forget(d.note_id));
    li.append(label, open, drop);
    ul.append(li);
  }
  $("drafts").hidden = !list.length;
}

// --- keyboard push-to-talk ----------------------------------------------------------------------
function typingTarget(t) {
  return t instanceof HTMLElement && (t.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT", "BUTTON", "A", "SUMMARY", "LABEL"].includes(t.tagName));
}

document.addEventListener("keydown", (e) => {
  if (e.code !== "Space" || e.ctrlKey || e.altKey || e.metaKey || typingTarget(e.target)) return;
  e.preventDefault();
  if (e.repeat || pttHeld) return;
  pttHeld = true;
  if (!dictation || ["closed", "idle"].includes(dictation.state)) startDictation({ ptt: true });
  else if (dictation.state === "paused") dictation.resume();
});

document.addEventListener("keyup", (e) => {
  if (e.code !== "Space" || !pttHeld) return;
  pttHeld = false;
  if (dictation?.state === "live") dictation.pause();
});

// --- wiring -------------------------------------------------------------------------------------
$("record").addEventListener("click", () => startDictation());
$("pause").addEventListener("click", () => {
  if (dictation?.state === "live") dictation.pause();
  else if (dictation?.state === "paused") dictation.resume();
});
$("stop").addEventListener("click", () => dictation?.stop());
$("edit-transcript").addEventListener("click", () => setEditing($("transcript-edit").hidden));
$("transcript-edit").addEventListener("input", (e) => {
  state.text = e.target.value;
  markStale(true);
  changed();
});
$("restructure").addEventListener("click", restructure);
$("epj-text").addEventListener("input", (e) => {
  state.epj = e.target.value;
  changed();
});
$("approve").addEventListener("click", approve);
$("download").addEventListener("click", download);
$("discard-draft").addEventListener("click", discardDraft);
new Jobs({
  drop: $("dropzone"), input: $("file-input"), list: $("jobs"),
  onOpen: (job) => {
    const text = transcriptText(job.transcript);
    if (job.note && job.note_id) {
      load({ noteId: job.note_id, noteKind: job.note_kind, note: parseNote(job.note), text,
             uncertain: job.note.uncertain_words || [], epj: job.note_text || "" });
    } else {
      load({ noteId: null, note: null, text, uncertain: [], epj: "", stale: true });
      restructure();
    }
    $("result").scrollIntoView({ behavior: "smooth" });
  },
});

setStatus("idle");
try {
  if (await startSignIn({ beforeSignOut: () => drafts.settled() })) {
    await restoreDraft().finally(refreshDraftList);
  }
} finally {
  document.body.dataset.ready = "true";
}
