// The operator's view: the store's inventory (ids, kinds, states, ages, sizes, when retention
// deletes each) from /api/store/inventory — never content or owners.
import { apiOnce } from "./api.js";

const KINDS = { session: "Diktat", note: "Notat", upload: "Opplasting" };
const STATES = {
  draft: "utkast", approved: "godkjent", finished: "ferdig", recovered: "gjenopprettet",
  recording: "tas opp", unfinished: "uavsluttet", waiting: "venter", damaged: "skadet",
  unreadable: "kan ikke leses",
};

export async function showInventory() {
  const body = document.getElementById("inventory-rows");
  const status = document.getElementById("inventory-status");
  try {
    const { data } = await apiOnce("/api/store/inventory");
    body.replaceChildren(...data.map((item) => {
      const row = document.createElement("tr");
      for (const cell of [
        item.id, KINDS[item.kind] || item.kind, STATES[item.state] || item.state, item.changed_at.replace("T", " "),
        `${(item.size_bytes / 1e6).toFixed(1)} MB`,
        item.deletes_at ? item.deletes_at.replace("T", " ") : "ikke av seg selv",
      ]) {
        const td = document.createElement("td");
        td.textContent = cell;
        row.append(td);
      }
      return row;
    }));
    status.textContent = `${data.length} i lageret.`;
  } catch (err) {
    status.textContent = `Lageroversikten kunne ikke hentes: ${err.message}`;
  }
}
