// Search: by a photo of a face, by an example crop of a person, by appearance (attributes) or
// by plate. Face results are drawn as a timeline and as a path across the site plan.
"use strict";

import { api } from "../api.js";
import { act, field, h, number, when } from "../dom.js";
import { sitePath, timeline } from "../plan.js";
import { caseFields, casePicker, caseQuery } from "./cases.js";

async function siteAndCameras() {
  const [site, cameras] = await Promise.all([api("/api/site"), api("/api/cameras?limit=500")]);
  return { site, cameras: cameras.items };
}

function faceResults(page, where) {
  const steps = page.items.map((a) => ({ camera: a.camera, start: a.first_seen, end: a.last_seen, label: `distance ${number(a.distance)}` }));
  const cards = page.items.map((a, index) => h("li", { class: "hit", dataset: { camera: a.camera } },
    a.thumbnail_url ? h("img", { src: a.thumbnail_url, alt: `sighting on ${a.camera}`, class: "thumb" }) : null,
    h("div", {}, h("strong", {}, `${index + 1}. ${a.camera}`), h("div", { class: "meta" }, `${when(a.first_seen)} · ${Math.round(a.last_seen - a.first_seen)} s · distance ${number(a.distance)}`)),
  ));
  const summary = `${page.items.length} appearance(s) under distance ${number(page.threshold)} (${page.faces_in_photo} face(s) in the photo; the largest is searched)`;
  const timelinePanel = h("section", { class: "card", id: "timeline", hidden: true }, h("h2", {}, "Timeline"), timeline(steps), h("h2", {}, "Path on the site plan"), sitePath(where.site, where.cameras, steps));
  const open = h("button", { type: "button", id: "open-timeline", disabled: steps.length === 0 }, "Open timeline");
  open.addEventListener("click", () => {
    timelinePanel.hidden = false;
    timelinePanel.scrollIntoView();
  });
  return [h("p", {}, summary, " ", open), h("ul", { class: "list hits" }, cards), timelinePanel];
}

function personResults(page) {
  if (page.items.length === 0) return [h("p", { class: "hint" }, "No matching tracks.")];
  return [h("ul", { class: "list hits" }, page.items.map((hit) => h("li", { class: "hit" },
    hit.thumbnail_url ? h("img", { src: hit.thumbnail_url, alt: `track ${hit.track_id}`, class: "thumb" }) : null,
    h("div", {},
      h("strong", {}, `${hit.rank}. ${hit.camera}`),
      h("div", { class: "meta" }, `${when(hit.started_at)} · ${hit.distance !== null ? `distance ${number(hit.distance)}` : `fit ${number(hit.fit)}`}`),
      hit.identity ? h("a", { href: `#/people/${encodeURIComponent(hit.identity)}` }, "trajectory") : null),
  )))];
}

function plateResults(page) {
  if (page.items.length === 0) return [h("p", { class: "hint" }, "No plates read.")];
  return [h("ul", { class: "list hits" }, page.items.map((read) => h("li", { class: "hit" },
    read.thumbnail_url ? h("img", { src: read.thumbnail_url, alt: read.text, class: "thumb" }) : null,
    h("div", {}, h("strong", {}, read.text), h("div", { class: "meta" }, `${read.camera} · ${when(read.time)} · ${read.vehicle_colour || ""} ${read.vehicle_type || ""}`)),
  )))];
}

export function searchView(root) {
  const results = h("div", { id: "results" });
  const show = (nodes) => results.replaceChildren(...nodes);
  const byPhoto = h("form", { id: "search-face", class: "card" },
    h("h2", {}, "By photo of a face"),
    field("Photo", h("input", { name: "photo", type: "file", accept: "image/*", required: true })),
    h("button", { type: "submit" }, "Search"));
  const byCrop = h("form", { id: "search-person", class: "card" },
    h("h2", {}, "By example crop of a person"),
    field("Crop", h("input", { name: "crop", type: "file", accept: "image/*", required: true })),
    h("button", { type: "submit" }, "Search"));
  const byLook = h("form", { id: "search-attributes", class: "card" },
    h("h2", {}, "By appearance"),
    field("Where", h("input", { name: "where", placeholder: "upper=red lower=blue", required: true })),
    h("button", { type: "submit" }, "Search"));
  const byPlate = h("form", { id: "search-plates", class: "card" },
    h("h2", {}, "By plate"),
    field("Plate (wildcards * and ?)", h("input", { name: "pattern", placeholder: "LS15*", required: true })),
    h("button", { type: "submit" }, "Search"));
  // One case and purpose for every form: each search is logged with them.
  const picker = casePicker();
  const on = (form, run) => form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!picker.querySelector("[name=case]").reportValidity() || !picker.querySelector("[name=purpose]").reportValidity()) return;
    const data = new FormData(form);
    for (const [key, value] of Object.entries(caseFields(picker))) data.set(key, value);
    await act(form.querySelector("button"), async () => show(await run(data)));
  });
  on(byPhoto, async (data) => faceResults(await api("/api/search/face?limit=50", { method: "POST", form: data }), await siteAndCameras()));
  on(byCrop, async (data) => personResults(await api("/api/search/person?limit=50", { method: "POST", form: data })));
  on(byLook, async (data) => personResults(await api(`/api/search/attributes${caseQuery(picker, { where: data.get("where"), limit: 50 })}`)));
  on(byPlate, async (data) => plateResults(await api(`/api/search/plates${caseQuery(picker, { pattern: data.get("pattern"), limit: 50 })}`)));
  root.append(h("h1", {}, "Search"), picker, h("div", { class: "search-forms" }, byPhoto, byCrop, byLook, byPlate), results);
}
