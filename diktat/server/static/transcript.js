// The transcript view: plain text with uncertain words marked (drug-like ones more strongly, the
// lexicon suggestion as title) and one evidence span highlighted on request. Text only, built
// with DOM nodes (never innerHTML), so nothing in a transcript can become markup.

function pct(p) {
  return `${Math.round(p * 100)} %`;
}

/** Where ``ev`` lies in ``text``: its own span when the quote matches, else the quote's first
 * occurrence (the spans refer to the text the note was built from). */
export function locate(text, ev) {
  if (!ev) return null;
  if (text.slice(ev.start, ev.end) === ev.quote) return { start: ev.start, end: ev.end };
  if (!ev.quote) return null;
  const at = text.indexOf(ev.quote);
  return at < 0 ? null : { start: at, end: at + ev.quote.length };
}

export class TranscriptView {
  constructor(viewEl) {
    this.view = viewEl;
    this.text = "";
    this.uncertain = [];
    this.active = null;
  }

  set(text, uncertain = []) {
    this.text = text || "";
    this.uncertain = uncertain || [];
    this.active = null;
    this.draw();
  }

  /** Highlight one evidence span and scroll it into view; returns false when it is not found. */
  highlight(ev) {
    const span = locate(this.text, ev);
    this.active = span;
    this.draw();
    if (!span) return false;
    const first = this.view.querySelector("mark.evidence");
    first?.scrollIntoView({ block: "center", behavior: "smooth" });
    return true;
  }

  ranges() {
    const out = [];
    for (const u of this.uncertain) {
      const span = locate(this.text, u.evidence);
      if (!span) continue;
      const title = u.drug_like
        ? `Usikkert legemiddelnavn (sikkerhet ${pct(u.probability)})` +
          (u.suggestion ? `: mente du «${u.suggestion}»?` : "")
        : `Usikkert ord (sikkerhet ${pct(u.probability)})`;
      out.push({ ...span, cls: u.drug_like ? "unc unc-drug" : "unc", title });
    }
    if (this.active) out.push({ ...this.active, cls: "evidence", title: "Belegg" });
    return out;
  }

  draw() {
    const text = this.text;
    const ranges = this.ranges();
    const cuts = new Set([0, text.length]);
    for (const r of ranges) {
      cuts.add(r.start);
      cuts.add(r.end);
    }
    const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((a, b) => a - b);
    const frag = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i++) {
      const [a, b] = [points[i], points[i + 1]];
      const piece = text.slice(a, b);
      const covering = ranges.filter((r) => r.start <= a && r.end >= b);
      if (!covering.length) {
        frag.append(piece);
        continue;
      }
      let node = document.createTextNode(piece);
      // innermost: uncertain word; outermost: evidence
      for (const r of covering.sort((x, y) => (x.cls === "evidence") - (y.cls === "evidence"))) {
        const wrap = document.createElement("mark");
        wrap.className = r.cls;
        wrap.title = r.title;
        wrap.append(node);
        node = wrap;
      }
      frag.append(node);
    }
    this.view.replaceChildren(frag);
    if (!text) this.view.textContent = "";
  }
}
