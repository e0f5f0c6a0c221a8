// Server access: no credential ever travels in a URL (the page's address, the WebSocket's).
// On loopback without sign-in the server treats the page as its one local user; signed in
// (signin.js), the session cookie goes by itself and every change carries the session's CSRF
// token; a request refused because the session ended waits until she has signed in again
// (signin.js says when) and is then sent again. Keys and the server token are for programs.

export function wsUrl(path) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}${path}`;
}

const KEEPALIVE_MAX = 60_000; // bytes; Chromium allows 64 KiB in flight for keepalive

const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let csrf = null; // the signed-in session's CSRF token, from /api/me
let onRefused = null; // async (code) => settles once the session is usable again

/** The session's CSRF token, and what to await when the server refuses the session. */
export function useSession({ token, refused }) {
  csrf = token || null;
  if (refused !== undefined) onRefused = refused;
}

export class ApiError extends Error {
  constructor(status, message, detail = "", code = null) {
    super(message);
    this.status = status;
    this.detail = detail;
    this.code = code;
  }
}

function detailOf(body) {
  if (!body) return "";
  if (typeof body === "string") return body;
  const d = body.detail ?? body.message ?? body.error;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((x) => x.msg || JSON.stringify(x)).join("; ");
  return d ? JSON.stringify(d) : "";
}

/** fetch + JSON; throws ApiError with a Norwegian message on failure. `keepalive` lets a
 * request finish after the page is left (a reload right after an edit); browsers allow it for
 * small bodies only, so a large one goes without. */
export async function api(path, options = {}) {
  let csrfRetried = false;
  for (;;) {
    try {
      return await apiOnce(path, options);
    } catch (err) {
      // Signed out (the session expired): wait for her to sign in again, then send it again.
      // A stale CSRF token (signed in anew elsewhere) is fetched again once.
      const again = err.code === "signed_out" || (err.code === "csrf" && !csrfRetried);
      if (!onRefused || options.keepalive || !again) throw err;
      if (err.code === "csrf") csrfRetried = true;
      await onRefused(err.code);
    }
  }
}

/** One try of `api`, with no waiting for a new sign-in. */
export async function apiOnce(path, { method = "GET", json, form, keepalive = false } = {}) {
  const headers = {};
  if (csrf && CHANGES.has(method)) headers["X-CSRF-Token"] = csrf;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let res;
  try {
    const small = typeof body !== "string" || new TextEncoder().encode(body).length < KEEPALIVE_MAX;
    res = await fetch(path, { method, headers, body, keepalive: keepalive && small });
  } catch {
    throw new ApiError(0, "Får ikke kontakt med diktat-tjeneren. Kjører den?");
  }
  let data = null;
  const text = await res.text();
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const detail = detailOf(data);
    const code = data?.code ?? data?.error?.code;
    throw new ApiError(res.status, errorText(res.status, detail, code), detail, code ?? null);
  }
  return { status: res.status, data };
}

/** A Norwegian reason for the server's (English) explanation of a rejected upload. */
export function norwegianReason(detail) {
  const d = String(detail || "");
  if (/empty|0 bytes/i.test(d)) return "Filen er tom.";
  if (/not an audio file/i.test(d)) return "Filen er ikke en lydfil (bruk wav, mp3, m4a, ogg, flac eller webm).";
  if (/could not be decoded|corrupt|unsupported/i.test(d)) return "Lyden kunne ikke leses: filen er skadet eller i et ukjent format.";
  if (/long|max_duration/i.test(d)) return "Opptaket er for langt for denne tjeneren; del det opp.";
  if (/larger|max_upload|too large/i.test(d)) return "Filen er for stor for denne tjeneren.";
  if (/queue is full|køen er full/i.test(d)) return "Tjeneren er opptatt, prøv igjen om litt.";
  return "";
}

/** A server with only a program key (`[server] token`) and no sign-in: no way in for people. */
export const PROGRAMS_ONLY = "Denne tjeneren er satt opp for programmer (nøkkel), ikke for " +
  "nettsiden. Be driftsansvarlig sette opp innlogging.";

export function errorText(status, detail, code) {
  // The server's guard refused the page's own address (a host or origin the server does not
  // know, e.g. behind a proxy): not a sign-in problem.
  if (code === "unknown_host" || code === "foreign_origin") {
    return "Avvist av tjeneren: siden er åpnet med en adresse tjeneren ikke er satt opp for (allowed_hosts).";
  }
  if (code === "signed_out") return "Du er ikke logget inn (eller økten er utløpt): logg inn igjen.";
  if (code === "csrf") return "Forespørselen manglet sikkerhetskoden til økten: last siden på nytt.";
  if (status === 503 || status === 429) return "Tjeneren er opptatt, prøv igjen om litt.";
  if (code === "invalid_token") return PROGRAMS_ONLY;
  if (status === 401 || status === 403) return "Ingen tilgang til dette på tjeneren.";
  const reason = norwegianReason(detail);
  if (reason) return reason;
  if (status === 404) return "Fant ikke det som ble etterspurt (er tjeneren startet på nytt?).";
  if (status === 413) return "Filen er for stor.";
  if (status === 507) return "Tjeneren fikk ikke lagret (disken er full eller skrivebeskyttet).";
  if (status === 400 || status === 415 || status === 422) return "Tjeneren godtok ikke dataene.";
  return `Feil på tjeneren (kode ${status}).`;
}
