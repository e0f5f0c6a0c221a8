// The live text while she speaks: the document text (the batch decode of the spans done, which
// replaces the preview at their start, once per span, marked for a moment), then the preview's
// committed, pending and tentative words.
const $ = (id) => document.getElementById(id);

let documentShown = "";

export function setLive({ text, pending, tentative, document_text: documentText = "" }) {
  const join = (before, part) => (part && before && !/\s$/.test(before) ? ` ${part}` : part || "");
  // The document text (the batch decode of the spans done) replaces the preview at their start,
  // once per span, marked for a moment; the preview goes on after it.
  const doc = documentText && (text || "").startsWith(documentText) ? documentText : "";
  const shown = $("live-document");
  if (doc !== documentShown) {
    shown.textContent = doc;
    if (doc.length > documentShown.length) {
      shown.classList.add("replaced");
      shown.dataset.replacements = String(Number(shown.dataset.replacements || 0) + 1);
      setTimeout(() => shown.classList.remove("replaced"), 1500);
    }
    documentShown = doc;
  }
  $("live-committed").textContent = (text || "").slice(doc.length);
  $("live-pending").textContent = join(text, pending);
  $("live-tentative").textContent = join(`${text || ""}${pending || ""}`, tentative);
}
