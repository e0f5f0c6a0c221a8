// The working draft in localStorage (this browser only): saved on every edit, restored on load.

const KEY = "diktat.utkast.v1";

export function saveDraft(draft) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...draft, saved_at: new Date().toISOString() }));
    return true;
  } catch {
    return false; // storage full or disabled: the page still works, only without drafts
  }
}

export function loadDraft() {
  try {
    const raw = localStorage.getItem(KEY);
    const d = raw ? JSON.parse(raw) : null;
    return d && typeof d === "object" ? d : null;
  } catch {
    return null;
  }
}

export function clearDraft() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* ignore */
  }
}
