// The review queue: every match is a candidate until a person confirms it. Oldest first, with
// the evidence and the score; rejecting needs a note (it feeds the threshold report).
"use strict";

import { api } from "../api.js";
import { act, h, number, pager, toast, when } from "../dom.js";

function card(alert, done) {
  const note = h("textarea", { name: "note", rows: 2, placeholder: "note (required to reject)", maxlength: 2000 });
  const decide = (decision) => async (event) => {
    const ok = await act(event.target, () =>
      api(`/api/review/${alert.kind}/${alert.id}`, { method: "POST", json: { decision, note: note.value } }));
    if (ok) {
      toast(`Alert ${alert.id} ${decision === "confirm" ? "confirmed" : "rejected"}`);
      done(item);
    }
  };
  const what = alert.kind === "face"
    ? [h("strong", {}, alert.face.entry_name), ` — distance ${number(alert.face.distance)} (threshold ${number(alert.face.threshold)})`]
    : [h("strong", {}, `plate ${alert.plate.plate}`), ` — hotlist ${alert.plate.pattern} (confidence ${number(alert.plate.confidence)})`];
  const item = h("li", { class: "review-item", dataset: { alertId: alert.id, kind: alert.kind } },
    alert.evidence_url ? h("img", { src: alert.evidence_url, alt: "evidence", class: "evidence" }) : null,
    h("div", {},
      h("div", {}, ...what),
      h("div", { class: "meta" }, `${alert.camera} · ${when(alert.time)} · track ${alert.track_local_id}`),
      note,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "confirm", onclick: decide("confirm") }, "Confirm match"),
        h("button", { type: "button", class: "reject", onclick: decide("reject") }, "Reject")),
    ),
  );
  return item;
}

function thresholdCard(report) {
  const rows = report.bins.map((b) => h("tr", {}, h("td", {}, `${number(b.low)}–${number(b.high)}`), h("td", {}, String(b.confirmed)), h("td", {}, String(b.rejected))));
  const suggestion = report.suggested_threshold === null
    ? "Not enough decisions for a suggestion yet."
    : `At ${number(report.suggested_threshold, 3)} (in force: ${number(report.threshold, 3)}) at most ${Math.round(report.max_rejected_share * 100)} % of reviewed matches were rejected: it keeps ${report.confirmed_kept} confirmed and avoids ${report.rejected_avoided} rejected. A suggestion; the threshold is set in the configuration.`;
  return h("section", { class: "card", id: "threshold-report" },
    h("h2", {}, "What decisions say about the threshold"),
    h("p", {}, `Confirmed ${report.confirmed}, rejected ${report.rejected}, waiting ${report.pending}.`),
    rows.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "face distance"), h("th", {}, "confirmed"), h("th", {}, "rejected"))), h("tbody", {}, rows)) : null,
    h("p", { class: "hint" }, suggestion));
}

export function reviewView(root) {
  const list = h("ul", { class: "list" });
  root.append(h("h1", {}, "Review"), h("p", { class: "hint" }, "A match is not an identification until a person confirms it."), h("section", { class: "card" }, list));
  api("/api/review/thresholds").then((report) => root.append(thresholdCard(report))).catch(() => {});
  async function load(offset = 0) {
    const page = await api(`/api/review?limit=20&offset=${offset}`);
    if (offset === 0 && page.items.length === 0) list.append(h("li", { class: "hint" }, "Nothing waits for review."));
    for (const alert of page.items) list.append(card(alert, (item) => item.remove()));
    const more = pager(page, load);
    if (more) list.append(h("li", {}, more));
  }
  load();
}
