// Sign-in on the page (when the server signs users in with the municipality's identity
// provider): who is signed in, sign-out, a «Logg inn» view when nobody is, the operator's view
// (no journal content), a server set up for programs only (a key, no sign-in), and a session
// that ends while the nurse works.
//
// When the session ends mid-edit, every request the page makes waits (api.js) while a banner
// asks her to sign in again in a second window; /api/me is asked every 2 s meanwhile. Signed in
// again, the page takes the new session's CSRF token and the waiting requests go again — so the
// draft she kept typing ends up on the server as she left it. Nothing she wrote is put in the
// browser's storage meanwhile: it stays in the page's memory.

import { apiOnce, useSession } from "./api.js";
import { showInventory } from "./operator.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
let me = null; // /api/me of the signed-in person
let waiting = null; // { promise, resolve, timer, popup } while the session has ended

/** Ask the server who this is and show what fits. True when the page's own work (dictation,
 * notes, drafts) goes ahead: signed in as a nurse, or no sign-in on this server at all. */
export async function startSignIn({ beforeSignOut = async () => {} } = {}) {
  let data;
  try {
    ({ data } = await apiOnce("/api/me"));
  } catch (err) {
    if (err.code === "signed_out") {
      showOnly("signed-out");
      return false;
    }
    if (err.code === "invalid_token") {
      // only a program key (`[server] token`) and no sign-in: people have no way in
      showOnly("programs-only");
      return false;
    }
    return true; // no sign-in here: errors show where they arise
  }
  if (data?.kind !== "person") return true; // the local user (loopback, no sign-in)
  me = data;
  useSession({ token: data.csrf, refused });
  $("who-name").textContent = `Innlogget som ${data.name || data.username}`;
  $("who").hidden = false;
  $("sign-out").addEventListener("click", () => signOut(beforeSignOut));
  $("sign-in-again").addEventListener("click", openSignInWindow);
  window.addEventListener("focus", () => { if (waiting) check(); });
  window.addEventListener("beforeunload", (e) => {
    if (waiting) e.preventDefault(); // what she wrote is not saved until she signs in again
  });
  if (data.role === "operator") {
    showOnly("operator");
    showInventory();
    return false;
  }
  return true;
}

function showOnly(id) {
  document.querySelector("main").hidden = true;
  // no push-to-talk either: the keys go to nothing of the page's work
  document.addEventListener("keydown", (e) => e.stopImmediatePropagation(), true);
  document.addEventListener("keyup", (e) => e.stopImmediatePropagation(), true);
  $("draft-notice").hidden = true;
  $(id).hidden = false;
}

async function signOut(beforeSignOut) {
  $("sign-out").disabled = true;
  // What is still on its way is saved first (for at most a few seconds).
  await Promise.race([beforeSignOut(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  try {
    await apiOnce("/auth/logout", { method: "POST" });
  } catch {
    // the session had already ended: the page below shows «Logg inn» all the same
  }
  location.reload();
}

/** api.js awaits this when the server refused the session (`code`): it settles once the
 * page may send again. */
async function refused(code) {
  if (code === "csrf" && !waiting) {
    try {
      const { data } = await apiOnce("/api/me");
      if (data?.kind === "person" && data.username === me.username) {
        me = data;
        useSession({ token: data.csrf });
        return;
      }
      location.reload(); // someone else signed in in this browser meanwhile
    } catch (err) {
      if (err.code !== "signed_out") return;
    }
  }
  if (!waiting) {
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    waiting = { promise, resolve, popup: null, timer: setInterval(check, POLL_MS) };
    $("popup-blocked").hidden = true;
    $("session-banner").hidden = false;
  }
  return waiting.promise;
}

function openSignInWindow() {
  if (!waiting) return;
  const popup = window.open("/auth/login?popup=1", "diktat-innlogging", "popup,width=560,height=720");
  $("popup-blocked").hidden = Boolean(popup);
  waiting.popup = popup;
}

let checking = false;
async function check() {
  if (checking || !waiting) return;
  checking = true;
  let data = null;
  try {
    ({ data } = await apiOnce("/api/me"));
  } catch {
    return; // still signed out (or the server is away): ask again shortly
  } finally {
    checking = false;
  }
  if (!waiting) return;
  if (data?.kind !== "person" || data.username !== me.username) {
    location.reload(); // another user signed in here: her draft is not to be shown to him
    return;
  }
  me = data;
  useSession({ token: data.csrf });
  clearInterval(waiting.timer);
  $("session-banner").hidden = true;
  try {
    waiting.popup?.close();
  } catch {
    // the window is gone already
  }
  const { resolve } = waiting;
  waiting = null;
  resolve(); // the waiting requests go again, with the new token
}
