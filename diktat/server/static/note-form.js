// The structured note (JournalNote JSON) as an editable form. Every item that carries evidence
// gets a "vis belegg" button; edits go straight into the note object and are reported through
// onChange so the page can save the draft.

const AREAS = {
  respiration_circulation: "Respirasjon og sirkulasjon", nutrition_fluids: "Ernæring og væske",
  elimination: "Eliminasjon", skin_wounds: "Hud og sår",
  activity_mobility: "Aktivitet, mobilitet og fall", sleep: "Søvn", pain: "Smerte",
  cognition_mental: "Kognisjon og psykisk tilstand", communication: "Kommunikasjon",
  social_relatives: "Sosialt og pårørende",
};
const ROUTES = {
  po: "p.o.", sc: "s.c.", iv: "i.v.", im: "i.m.", rectal: "rektalt", sublingual: "sublingualt",
  inhaled: "inhalert", transdermal: "transdermalt", topical: "utvortes",
};
const STATUSES = { given: "gitt", not_given: "ikke gitt", refused: "nektet", prn: "gitt ved behov",
                   self_administered: "tatt selv" };
const ASSERTIONS = { present: "til stede", negated: "benektet", possible: "mulig",
                     historical: "tidligere", other_person: "gjelder en annen person",
                     asked: "spørsmål (ikke et funn)" };
const KINDS = { fall: "fall", medication: "legemiddel", missed_visit: "uteblitt besøk",
                other: "annet" };
const ACVPU = { A: "A – våken", C: "C – ny forvirring", V: "V – reagerer på tiltale",
                P: "P – reagerer på smerte", U: "U – ingen respons" };
const OXYGEN = { true: "ja", false: "nei (romluft)" };
const RISKS = { low: "lav", "low-medium": "lav–middels", medium: "middels", high: "høy" };
const DEVICES = { nasal_catheter: "nesekateter", nasal_cannula: "nesebrille", mask: "maske",
                  venturi_mask: "venturimaske", reservoir_mask: "reservoarmaske",
                  high_flow: "high flow", cpap: "CPAP" };
const SCALES = { NRS: "NRS", VAS: "VAS" };
const NEWS2_PARTS = { respiratory_rate: "RF", spo2: "SpO2", oxygen: "O2", systolic: "BT",
                      blood_pressure: "BT", pulse: "puls", consciousness: "ACVPU",
                      temperature: "temp" };
const CHECKS = { unknown: "ukjent legemiddelnavn", close: "lignende navn", lookalike: "forvekslingsfare" };

// key → how to edit it; order here is the order in the form
const FIELDS = {
  drug: { label: "Legemiddel", type: "text" },
  drug_as_said: { label: "Som sagt", type: "readonly" },
  dose: { label: "Dose", type: "number", nullable: true },
  unit: { label: "Enhet", type: "text", nullable: true },
  count: { label: "Antall ganger", type: "number", nullable: true },
  route: { label: "Administrasjonsmåte", type: "select", options: ROUTES, nullable: true },
  status: { label: "Status", type: "select", options: STATUSES, nullable: true },
  systolic: { label: "Systolisk", type: "number" },
  diastolic: { label: "Diastolisk", type: "number" },
  value: { label: "Verdi", type: "number" },
  level: { label: "ACVPU", type: "select", options: ACVPU },
  on_oxygen: { label: "På oksygen", type: "bool3", options: OXYGEN, nullable: true },
  oxygen_l_min: { label: "Oksygen (l/min)", type: "number", nullable: true },
  oxygen_device: { label: "Oksygenutstyr", type: "select", options: DEVICES, nullable: true },
  scale: { label: "Skala", type: "select", options: SCALES, nullable: true },
  time: { label: "Klokkeslett", type: "time", nullable: true },
  area: { label: "Område", type: "select", options: AREAS },
  kind: { label: "Type", type: "select", options: KINDS },
  text: { label: "Tekst", type: "textarea" },
  negated: { label: "Benektet (ikke til stede)", type: "checkbox" },
  assertion: { label: "Påstand", type: "select", options: ASSERTIONS },
  reason: { label: "Indikasjon", type: "statement" },
  effect: { label: "Effekt", type: "statement" },
};

const LISTS = [
  ["situation", "Situasjon / årsak"],
  ["observations", "Observasjoner"],
  ["vital_signs", "Vitale parametere"],
  ["medications", "Legemidler"],
  ["measures", "Tiltak"],
  ["evaluation", "Evaluering"],
  ["plan", "Plan / oppfølging"],
  ["message", "Beskjed til lege/neste vakt"],
  ["deviations", "Avvik"],
  ["unclassified", "Ikke plassert – les og plasser"],
];
const VITALS = [
  ["blood_pressure", "Blodtrykk"], ["pulse", "Puls"], ["temperature", "Temperatur"],
  ["spo2", "Oksygenmetning (SpO2)"], ["respiratory_rate", "Respirasjonsfrekvens"],
  ["consciousness", "Bevissthet (ACVPU)"], ["blood_glucose", "Blodsukker (mmol/l)"],
  ["inr", "INR"], ["weight", "Vekt (kg)"], ["pain_score", "Smerteskår (0–10)"],
  ["fluid_intake", "Væskeinntak"], ["urine_output", "Diurese / urinmengde"],
  ["fluid_balance", "Væskebalanse"],
];
const ISBAR = [
  ["identification", "I – Identifikasjon"], ["situation", "S – Situasjon"],
  ["background", "B – Bakgrunn"], ["assessment", "A – Aktuell vurdering"],
  ["recommendation", "R – Råd"],
];
const VALUE_LABELS = { pulse: "Puls (/min)", temperature: "Temperatur (°C)", spo2: "SpO2 (%)",
                       respiratory_rate: "Respirasjonsfrekvens (/min)",
                       blood_glucose: "Blodsukker (mmol/l)", inr: "INR", weight: "Vekt (kg)",
                       pain_score: "Smerteskår (0–10)", fluid_intake: "Mengde",
                       urine_output: "Mengde", fluid_balance: "Væskebalanse (+ inn, − ut)" };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

let uid = 0;

export class NoteForm {
  /** onChange(note) after each edit; onEvidence(evidence) when "vis belegg" is pressed. */
  constructor(container, { onChange, onEvidence }) {
    this.container = container;
    this.onChange = onChange;
    this.onEvidence = onEvidence;
    this.note = null;
  }

  render(note) {
    this.note = note;
    const c = this.container;
    c.replaceChildren();
    if (!note) return;
    if (note.warnings?.length) {
      c.append(el("ul", { class: "warnings" }, ...note.warnings.map((w) => el("li", { text: w }))));
    }
    let any = false;
    for (const [key, title] of LISTS) {
      const section = this.section(key, title);
      if (section) {
        c.append(section);
        any = true;
      }
    }
    if (!any) c.append(el("p", { class: "empty", text: "Ingen strukturerbare opplysninger i transkripsjonen." }));
    if (note.drug_checks?.length) c.append(this.drugChecks(note.drug_checks));
    const cov = note.coverage;
    if (cov && cov.unplaced) {
      c.append(el("p", { class: "coverage",
        text: `${cov.unplaced} av ${cov.words} ord er ikke plassert – se «Ikke plassert – les og plasser».` }));
    }
    if (note.dropped?.length) {
      c.append(el("details", { class: "dropped" },
        el("summary", { text: `Forkastet av kontrollen fordi det ikke står i teksten (${note.dropped.length})` }),
        el("ul", {}, ...note.dropped.map((d) => el("li", { text: `${d.field}: ${d.value} – ${d.reason}` })))));
    }
  }

  /** Drug names to check: shown, never edited (the medication's own fields are). */
  drugChecks(checks) {
    const line = (d) => {
      if (d.kind === "close") return `hørt «${d.said}» — mente du ${d.suggestion}?`;
      if (d.kind === "unknown") return `«${d.said}» ligner et legemiddel, men er ikke i legemiddellisten`;
      return `${d.suggestion ?? d.said}: forveksles lett med ${(d.lookalikes || []).join(", ")}`;
    };
    return el("fieldset", { class: "section section-drug_checks", "data-section": "drug_checks" },
      el("legend", { text: "Kontroller legemiddelnavn" }),
      el("ul", { class: "drug-checks" }, ...checks.map((d) => el("li", { "data-kind": d.kind },
        el("span", { class: "check-kind", text: `${CHECKS[d.kind] ?? d.kind}: ` }),
        el("span", { text: line(d) }),
        d.evidence ? this.evidenceButton(d.evidence, "legemiddelnavn") : null))));
  }

  section(key, title) {
    const value = this.note[key];
    let body;
    if (key === "vital_signs") body = this.vitals(value);
    else if (key === "message") body = this.message(value);
    else body = this.list(value, [key], title);
    if (!body) return null;
    return el("fieldset", { class: `section section-${key}`, "data-section": key },
      el("legend", { text: title }), body);
  }

  list(items, path, title) {
    if (!Array.isArray(items) || items.length === 0) return null;
    const wrap = el("div", { class: "items" });
    items.forEach((item, i) => wrap.append(this.item(item, [...path, i], title)));
    return wrap;
  }

  vitals(vs) {
    if (!vs) return null;
    const wrap = el("div", { class: "vitals" });
    for (const [key, title] of VITALS) {
      const list = this.list(vs[key], ["vital_signs", key], title);
      if (list) wrap.append(el("h4", { text: title }), list);
    }
    if (!wrap.childNodes.length) return null;
    if (vs.news2) {
      const parts = Object.entries(vs.news2.parts || {}).filter(([, v]) => v)
        .map(([k, v]) => `${NEWS2_PARTS[k] ?? k} ${v}`).join(", ");
      wrap.append(el("p", { class: "news2",
        text: `NEWS2 fra diktatet: ${vs.news2.total} (${RISKS[vs.news2.risk] ?? vs.news2.risk} risiko${parts ? "; " + parts : ""}). Beregnes på nytt fra verdiene ved godkjenning.` }));
    } else if (vs.news2_missing?.length) {
      wrap.append(el("p", { class: "news2 missing",
        text: `NEWS2 ikke beregnet: mangler ${vs.news2_missing.map((k) => NEWS2_PARTS[k] ?? k).join(", ")}.` }));
    }
    return wrap;
  }

  message(msg) {
    if (!msg) return null;
    const wrap = el("div", { class: "isbar" });
    if (msg.recipient !== undefined) {
      wrap.append(this.field(msg, "recipient", ["message", "recipient"],
        { label: "Mottaker", type: "text", nullable: true }));
    }
    let parts = 0;
    for (const [key, title] of ISBAR) {
      const list = this.list(msg[key], ["message", key], title);
      if (list) {
        wrap.append(el("h4", { text: title }), list);
        parts++;
      }
    }
    return parts || msg.recipient ? wrap : null;
  }

  item(obj, path, title) {
    const box = el("div", { class: "item", "data-path": path.join(".") });
    const fields = el("div", { class: "fields" });
    for (const [key, spec] of Object.entries(FIELDS)) {
      if (!(key in obj)) continue;
      if (key === "negated" && "assertion" in obj) continue; // the assertion select says it
      if (spec.type === "statement") {
        if (obj[key]) fields.append(this.nested(obj[key], [...path, key], spec.label));
        continue;
      }
      const s = key === "value" && VALUE_LABELS[path[1]] ? { ...spec, label: VALUE_LABELS[path[1]] } : spec;
      fields.append(this.field(obj, key, [...path, key], s));
    }
    const actions = el("div", { class: "actions" });
    if (obj.evidence) actions.append(this.evidenceButton(obj.evidence, title));
    actions.append(el("button", {
      type: "button", class: "remove", text: "Fjern",
      "aria-label": `Fjern dette punktet fra ${title}`,
      onclick: () => this.remove(path),
    }));
    box.append(fields, actions);
    return box;
  }

  nested(statement, path, label) {
    const box = el("div", { class: "nested" });
    box.append(this.field(statement, "text", [...path, "text"], { label, type: "text" }));
    if (statement.evidence) box.append(this.evidenceButton(statement.evidence, label));
    return box;
  }

  evidenceButton(ev, title) {
    return el("button", {
      type: "button", class: "evidence-link", text: "vis belegg",
      "data-start": ev.start, "data-end": ev.end, "data-quote": ev.quote,
      "aria-label": `Vis belegg i transkripsjonen for ${title}: «${ev.quote}»`,
      title: `«${ev.quote}»`,
      onclick: () => this.onEvidence(ev),
    });
  }

  field(obj, key, path, spec) {
    const id = `f${++uid}`;
    const value = obj[key];
    const dataPath = path.join(".");
    const commit = (v) => {
      obj[key] = v;
      // negated and assertion say the same thing; keep them in step
      if (key === "assertion") obj.negated = v === "negated";
      if (key === "negated" && "assertion" in obj) obj.assertion = v ? "negated" : "present";
      this.onChange(this.note, dataPath);
    };
    let input;
    if (spec.type === "readonly") {
      return el("div", { class: "field readonly" }, el("span", { class: "label", text: spec.label }),
        el("span", { class: "value", "data-path": dataPath, text: value ?? "—" }));
    }
    if (spec.type === "checkbox") {
      input = el("input", { id, type: "checkbox", "data-path": dataPath });
      input.checked = Boolean(value);
      input.addEventListener("change", () => commit(input.checked));
      return el("div", { class: "field check" }, input, el("label", { for: id, text: spec.label }));
    }
    if (spec.type === "select" || spec.type === "bool3") {
      input = el("select", { id, "data-path": dataPath });
      if (spec.nullable || value === null || value === undefined) {
        input.append(el("option", { value: "", text: "ikke oppgitt" }));
      }
      for (const [v, label] of Object.entries(spec.options)) input.append(el("option", { value: v, text: label }));
      input.value = value === null || value === undefined ? "" : String(value);
      input.addEventListener("change", () => {
        const v = input.value;
        if (spec.type === "bool3") commit(v === "" ? null : v === "true");
        else commit(v === "" ? null : v);
      });
    } else if (spec.type === "textarea") {
      input = el("textarea", { id, rows: 2, "data-path": dataPath });
      input.value = value ?? "";
      input.addEventListener("input", () => commit(input.value));
    } else if (spec.type === "number") {
      input = el("input", { id, type: "text", inputmode: "decimal", "data-path": dataPath });
      input.value = value === null || value === undefined ? "" : String(value).replace(".", ",");
      input.addEventListener("input", () => {
        const raw = input.value.trim().replace(",", ".");
        const num = Number(raw);
        const bad = raw !== "" && !Number.isFinite(num);
        input.setAttribute("aria-invalid", bad ? "true" : "false");
        if (!bad) commit(raw === "" ? (spec.nullable ? null : value) : num);
      });
    } else if (spec.type === "time") {
      input = el("input", { id, type: "text", "data-path": dataPath, placeholder: "TT:MM",
                            pattern: "([01][0-9]|2[0-4]):[0-5][0-9]", inputmode: "numeric" });
      input.value = value ?? "";
      input.addEventListener("input", () => {
        const v = input.value.trim();
        const ok = v === "" || /^([01][0-9]|2[0-4]):[0-5][0-9]$/.test(v);
        input.setAttribute("aria-invalid", ok ? "false" : "true");
        if (ok) commit(v === "" ? null : v);
      });
    } else {
      input = el("input", { id, type: "text", "data-path": dataPath });
      input.value = value ?? "";
      input.addEventListener("input", () => {
        const v = input.value;
        commit(v === "" && spec.nullable ? null : v);
      });
    }
    return el("div", { class: "field" }, el("label", { for: id, text: spec.label }), input);
  }

  remove(path) {
    let parent = this.note;
    for (const p of path.slice(0, -1)) parent = parent[p];
    parent.splice(path[path.length - 1], 1);
    this.onChange(this.note, path.join("."));
    this.render(this.note);
  }

  /** Enable or disable every "vis belegg" button (stale after the transcript is edited). */
  setEvidenceEnabled(on) {
    for (const b of this.container.querySelectorAll(".evidence-link")) b.disabled = !on;
  }
}
