// The watchlist: who is enrolled, why, on what legal basis and until when; enrol from photos.
"use strict";

import { api } from "../api.js";
import { act, field, h, pager, toast, when } from "../dom.js";
import { casePicker, caseQuery } from "./cases.js";

function inDays(days) {
  const date = new Date(Date.now() + days * 86400 * 1000);
  return date.toISOString().slice(0, 10);
}

export function watchlistView(root) {
  const rows = h("tbody");
  // Enrolments and removals are made within a case, with a purpose (both audited).
  const picker = casePicker();
  const form = h("form", { id: "enrol", class: "card" },
    h("h2", {}, "Enrol a person"),
    picker,
    field("Name", h("input", { name: "name", required: true, maxlength: 200 })),
    field("Reason", h("input", { name: "reason", required: true, maxlength: 2000 })),
    field("Legal basis", h("input", { name: "legal_basis", required: true, maxlength: 2000 })),
    field("Expires", h("input", { name: "expires", type: "date", required: true, value: inDays(30) })),
    field("Photos of the face", h("input", { name: "photos", type: "file", accept: "image/*", multiple: true, required: true })),
    h("button", { type: "submit" }, "Enrol"),
  );
  root.append(
    h("h1", {}, "Watchlist"),
    h("div", { class: "columns" },
      h("section", { class: "card grow" },
        h("table", {}, h("thead", {}, h("tr", {}, ...["Name", "Reason", "Legal basis", "Photos", "Expires", "By", ""].map((t) => h("th", {}, t)))), rows)),
      form),
  );
  async function load(offset = 0) {
    if (offset === 0) rows.replaceChildren();
    const page = await api(`/api/watchlist?limit=50&offset=${offset}`);
    for (const entry of page.items) {
      const remove = h("button", { type: "button", class: "quiet" }, "Remove");
      remove.addEventListener("click", () => act(remove, async () => {
        if (!picker.querySelector("[name=case]").reportValidity() || !picker.querySelector("[name=purpose]").reportValidity()) return;
        await api(`/api/watchlist/${entry.id}${caseQuery(picker)}`, { method: "DELETE" });
        toast(`${entry.name} removed from the watchlist`);
        load();
      }));
      rows.append(h("tr", { dataset: { entryId: entry.id } },
        h("td", {}, entry.name), h("td", {}, entry.reason), h("td", {}, entry.legal_basis),
        h("td", {}, String(entry.photos)), h("td", {}, when(entry.expires_at)), h("td", {}, entry.enrolled_by || ""), h("td", {}, remove)));
    }
    const more = pager(page, load);
    if (more) rows.append(h("tr", {}, h("td", { colspan: 7 }, more)));
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const entry = await act(button, () => api("/api/watchlist", { method: "POST", form: new FormData(form) }));
    if (entry) {
      toast(`${entry.name} enrolled (${entry.photos} photo${entry.photos === 1 ? "" : "s"})`);
      const chosen = form.elements.case.value;
      form.reset();
      form.elements.case.value = chosen;
      form.expires.value = inDays(30);
      load();
    }
  });
  load();
}
