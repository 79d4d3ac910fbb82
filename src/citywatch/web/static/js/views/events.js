// Rule events (zone intrusion, loitering, line crossing, ...) with their evidence: a thumbnail
// for everyone (faces blurred for viewers) and the clip for investigators.
"use strict";

import { api, query } from "../api.js";
import { act, download, h, pager, toast, when } from "../dom.js";
import { caseFields, casePicker } from "./cases.js";

function values(event) {
  return Object.entries(event.values)
    .filter(([, value]) => typeof value !== "object")
    .map(([key, value]) => `${key}: ${typeof value === "number" ? Math.round(value * 100) / 100 : value}`)
    .join(", ");
}

function exportButton(event, picker) {
  const button = h("button", { type: "button", class: "quiet export" }, "Export");
  button.addEventListener("click", () => act(button, async () => {
    const within = caseFields(picker);
    if (!within.case || !within.purpose.trim()) {
      toast("Choose a case and give a purpose above to export", "error");
      return;
    }
    const zip = await api("/api/exports", { method: "POST", json: { kind: "event", id: event.id, ...within } });
    download(zip, `citywatch-event-${event.id}.zip`);
    toast(`Event ${event.id} exported (faces redacted)`);
  }));
  return button;
}

function eventRow(event, fresh = false, picker = null) {
  return h("li", { class: `event${fresh ? " fresh" : ""}`, dataset: { eventId: event.id } },
    event.thumbnail_url
      ? h("img", { src: event.thumbnail_url, alt: "evidence", class: "thumb", loading: "lazy" })
      : h("span", { class: "thumb none" }, "—"),
    h("div", {},
      h("div", {}, h("strong", {}, event.rule), ` (${event.type})`, event.offence ? h("span", { class: "tag" }, "offence") : null),
      h("div", { class: "meta" }, `${event.camera} · ${when(event.time)}`),
      h("div", { class: "meta" }, values(event)),
      event.clip_url ? h("a", { href: event.clip_url, target: "_blank", rel: "noopener" }, "clip") : null,
      picker ? exportButton(event, picker) : null,
    ),
  );
}

export function eventsView(root, { feeds, may }) {
  // Investigators export evidence within a case, for a purpose (both audited).
  const picker = may("investigator") ? casePicker() : null;
  const list = h("ul", { class: "list", id: "event-list" });
  const filters = h("form", { class: "filters" },
    h("input", { name: "camera", placeholder: "camera id" }),
    h("select", { name: "type" }, h("option", { value: "" }, "all types"),
      ...["intrusion", "loitering", "line_crossing", "running", "crowding", "wrong_way", "left_behind", "red_light"].map((t) => h("option", { value: t }, t.replace("_", " ")))),
    h("button", { type: "submit" }, "Filter"),
  );
  root.append(h("h1", {}, "Events"),
    picker ? h("details", { class: "card", id: "export-case" }, h("summary", {}, "Export evidence within a case"), picker) : null,
    h("section", { class: "card" }, filters, list));
  let newest = 0;
  async function page(offset) {
    const form = new FormData(filters);
    return api(`/api/events${query({ camera: form.get("camera"), type: form.get("type"), limit: 25, offset })}`);
  }
  async function load(offset = 0) {
    const found = await page(offset);
    if (offset === 0 && found.items.length === 0) list.append(h("li", { class: "hint empty" }, "No events."));
    for (const event of found.items) {
      newest = Math.max(newest, event.id);
      list.append(eventRow(event, false, picker));
    }
    const more = pager(found, load);
    if (more) list.append(h("li", {}, more));
  }
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    list.replaceChildren();
    newest = 0;
    load();
  });
  load();
  // A live event carries no id of the stored row: fetch the first page and put the new ones
  // on top (the store commits within a second or two of the event).
  return feeds.on("event", () => {
    setTimeout(async () => {
      const found = await page(0);
      const fresh = found.items.filter((event) => event.id > newest).reverse();
      for (const event of fresh) {
        newest = Math.max(newest, event.id);
        list.querySelector(".empty")?.remove();
        list.prepend(eventRow(event, true, picker));
      }
    }, 2000);
  });
}
