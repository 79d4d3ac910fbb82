// People followed across cameras: the identities, and one person's trajectory as a timeline
// and a path on the site plan.
"use strict";

import { api } from "../api.js";
import { act, h, pager, when } from "../dom.js";
import { sitePath, timeline } from "../plan.js";
import { caseQuery, casePicker } from "./cases.js";

async function trajectory(root, identity, picker) {
  const [page, cameras] = await Promise.all([
    api(`/api/persons/${encodeURIComponent(identity)}/trajectory${caseQuery(picker, { limit: 500 })}`),
    api("/api/cameras?limit=500"),
  ]);
  const steps = page.items.map((s) => ({ camera: s.camera, start: s.started_at, end: s.ended_at, label: s.link }));
  root.querySelector("#person-results")?.remove();
  root.append(h("div", { id: "person-results" },
    h("section", { class: "card", id: "timeline" }, h("h2", {}, "Timeline"), timeline(steps),
      h("h2", {}, "Path on the site plan"), sitePath(page.site, cameras.items, steps)),
    h("section", { class: "card" }, h("h2", {}, "Tracks"), h("ul", { class: "list hits" }, page.items.map((s, index) => h("li", { class: "hit" },
      s.thumbnail_url ? h("img", { src: s.thumbnail_url, alt: `track ${s.track_id}`, class: "thumb" }) : null,
      h("div", {}, h("strong", {}, `${index + 1}. ${s.camera_name}`), h("div", { class: "meta" }, `${when(s.started_at)} · joined by ${s.link}`)),
    )))),
  ));
}

export function peopleView(root, { args }) {
  if (args[0]) {
    // A person's movements are read within a case, for a stated purpose (and audited).
    const picker = casePicker();
    const form = h("form", { class: "card", id: "trajectory-case" }, picker, h("button", { type: "submit" }, "Show trajectory"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(form.querySelector("button"), () => trajectory(root, args[0], picker));
    });
    root.append(h("h1", {}, `Person ${args[0]}`), h("p", {}, h("a", { href: "#/people" }, "← all people")), form);
    return;
  }
  const rows = h("tbody");
  root.append(h("h1", {}, "People"), h("section", { class: "card" }, h("table", {},
    h("thead", {}, h("tr", {}, ...["Identity", "First seen", "Last seen", "Cameras"].map((t) => h("th", {}, t)))), rows)));
  async function load(offset = 0) {
    const page = await api(`/api/persons?limit=50&offset=${offset}`);
    for (const person of page.items) {
      rows.append(h("tr", {}, h("td", {}, h("a", { href: `#/people/${encodeURIComponent(person.id)}` }, person.id)),
        h("td", {}, when(person.first_seen)), h("td", {}, when(person.last_seen)), h("td", {}, String(person.cameras))));
    }
    const more = pager(page, load);
    if (more) rows.append(h("tr", {}, h("td", { colspan: 4 }, more)));
  }
  load();
}
