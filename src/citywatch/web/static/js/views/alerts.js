// Alerts: the stored ones (newest first, pages) with new ones arriving live at the top.
"use strict";

import { api, query } from "../api.js";
import { clock, h, number, pager, when } from "../dom.js";

function faceLine(alert) {
  const face = alert.face;
  return [h("strong", {}, face.entry_name), ` distance ${number(face.distance)} (≤ ${number(face.threshold)})`];
}

function plateLine(alert) {
  const plate = alert.plate;
  return [h("strong", {}, `plate ${plate.plate}`), ` hotlist ${plate.pattern}: ${plate.reason}`];
}

export function alertRow(alert, fresh = false) {
  const evidence = alert.evidence_url
    ? h("img", { src: alert.evidence_url, alt: "evidence", class: "thumb", loading: "lazy" })
    : h("span", { class: "thumb none" }, "—");
  return h("li", { class: `alert ${alert.review}${fresh ? " fresh" : ""}`, dataset: { alertId: alert.id, kind: alert.kind } },
    evidence,
    h("div", {},
      h("div", {}, ...(alert.kind === "face" ? faceLine(alert) : plateLine(alert))),
      h("div", { class: "meta" }, `${alert.camera} · ${when(alert.time)} · `, h("span", { class: "review-state" }, alert.review)),
    ),
  );
}

export function alertsView(root, { feeds }) {
  const live = h("ul", { class: "list live-alerts", id: "live-alerts" });
  const stored = h("ul", { class: "list" });
  const filters = h("form", { class: "filters" },
    h("select", { name: "kind" }, h("option", { value: "" }, "all kinds"), h("option", { value: "face" }, "faces"), h("option", { value: "plate" }, "plates")),
    h("select", { name: "review" }, h("option", { value: "" }, "any review"), h("option", { value: "pending" }, "pending"), h("option", { value: "confirmed" }, "confirmed"), h("option", { value: "rejected" }, "rejected")),
    h("button", { type: "submit" }, "Filter"),
  );
  root.append(
    h("h1", {}, "Alerts"),
    h("section", { class: "card" }, h("h2", {}, "Arriving now"), h("p", { class: "hint" }, "Watchlist and plate alerts appear here the moment they are raised."), live),
    h("section", { class: "card" }, h("h2", {}, "Stored"), filters, stored),
  );
  async function load(offset = 0) {
    const form = new FormData(filters);
    const page = await api(`/api/alerts${query({ kind: form.get("kind"), review: form.get("review"), limit: 25, offset })}`);
    for (const alert of page.items) stored.append(alertRow(alert));
    const more = pager(page, load);
    if (more) stored.append(h("li", {}, more));
  }
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    stored.replaceChildren();
    load();
  });
  load();
  return feeds.on("alert", async (message) => {
    const kind = message.type === "plate_alert" ? "plate" : "face";
    let alert = null;
    if (kind === "face") {
      try {
        alert = await api(`/api/alerts/face/${message.alert_id}`);
      } catch {
        alert = null;
      }
    }
    if (alert !== null) {
      live.prepend(alertRow(alert, true));
    } else {
      const what = kind === "plate" ? `plate ${message.plate} (${message.reason})` : message.entry_name;
      live.prepend(h("li", { class: "alert fresh pending" }, h("div", {}, h("strong", {}, what), h("div", { class: "meta" }, `${message.camera} · ${clock(message.time)}`))));
    }
  });
}
