// The audit log (admins): who did what, in which case and why, newest first; and a check of
// the hash chain that says which entry, if any, was edited, deleted or reordered.
"use strict";

import { api, query } from "../api.js";
import { act, h, pager, when } from "../dom.js";

export function auditView(root) {
  const rows = h("tbody");
  const verdict = h("span", { id: "audit-verdict", class: "meta" });
  const verify = h("button", { type: "button", id: "verify-chain" }, "Verify chain");
  verify.addEventListener("click", () => act(verify, async () => {
    const report = await api("/api/audit/verify");
    verdict.textContent = report.intact
      ? `intact: ${report.entries} entries`
      : `BROKEN at entry ${report.first_broken}: ${report.why}`;
    verdict.className = report.intact ? "meta ok" : "meta broken";
  }));
  const filter = h("input", { placeholder: "action, e.g. search.", id: "audit-action", size: 16 });
  filter.addEventListener("change", () => load());
  root.append(h("h1", {}, "Audit log"), h("p", {}, verify, " ", verdict, " ", filter),
    h("section", { class: "card" }, h("table", { id: "audit" },
      h("thead", {}, h("tr", {}, ...["#", "When", "Who", "Action", "Outcome", "Case", "Purpose", "Target", "Detail"].map((t) => h("th", {}, t)))), rows)));

  async function load(offset = 0) {
    if (offset === 0) rows.replaceChildren();
    const page = await api(`/api/audit${query({ action: filter.value.trim(), limit: 100, offset })}`);
    for (const e of page.items) {
      rows.append(h("tr", { dataset: { action: e.action } },
        h("td", {}, String(e.id)), h("td", {}, when(e.time)), h("td", {}, e.actor), h("td", {}, e.action),
        h("td", {}, e.outcome), h("td", {}, e.case || ""), h("td", {}, e.purpose || ""), h("td", {}, e.target || ""),
        h("td", { class: "detail" }, JSON.stringify(e.detail))));
    }
    const more = pager(page, load);
    if (more) rows.append(h("tr", {}, h("td", { colspan: 9 }, more)));
  }
  load();
}
