// Cases: every search and enrolment is made within an open case, with a purpose. The picker
// below goes on those forms; the view lists the user's cases (admins: all, and may open,
// assign and close them).
"use strict";

import { api, query } from "../api.js";
import { act, field, h, toast, when } from "../dom.js";
import { may } from "../app.js";

// A <fieldset> with `case` (the user's open cases) and `purpose`: inside a <form>, FormData
// carries both; `caseQuery(picker)` gives them for a GET search.
export function casePicker() {
  const select = h("select", { name: "case", required: true }, h("option", { value: "" }, "loading cases…"));
  const purpose = h("input", { name: "purpose", required: true, maxlength: 2000, placeholder: "why this is needed" });
  const picker = h("fieldset", { class: "case-picker" },
    h("legend", {}, "Case"),
    field("Case", select),
    field("Purpose", purpose));
  api("/api/cases?limit=200").then((page) => {
    const options = page.items.map((c) => h("option", { value: c.ref }, `${c.ref} — ${c.title}`));
    select.replaceChildren(h("option", { value: "" }, options.length ? "choose a case" : "no open case: ask an admin"), ...options);
    if (options.length === 1) select.value = page.items[0].ref;
  }).catch((error) => toast(error.message, "error"));
  return picker;
}

export function caseFields(picker) {
  return { case: picker.querySelector("[name=case]").value, purpose: picker.querySelector("[name=purpose]").value };
}

export function caseQuery(picker, extra = {}) {
  return query({ ...extra, ...caseFields(picker) });
}

export function casesView(root) {
  const rows = h("tbody");
  const admin = may("admin");
  const form = h("form", { id: "new-case", class: "card", hidden: !admin },
    h("h2", {}, "Open a case"),
    field("Reference", h("input", { name: "ref", required: true, maxlength: 64, pattern: "[A-Za-z0-9][A-Za-z0-9._\\-]*" })),
    field("Title", h("input", { name: "title", required: true, maxlength: 200 })),
    field("Description", h("input", { name: "description", maxlength: 10000 })),
    field("Members (usernames, comma-separated)", h("input", { name: "members" })),
    h("button", { type: "submit" }, "Open case"));
  root.append(h("h1", {}, "Cases"), h("div", { class: "columns" },
    h("section", { class: "card grow" }, h("table", { id: "cases" },
      h("thead", {}, h("tr", {}, ...["Case", "Title", "Status", "Members", "Opened", ""].map((t) => h("th", {}, t)))), rows)),
    form));

  async function load() {
    const page = await api(`/api/cases${query({ include_closed: true, limit: 200 })}`);
    rows.replaceChildren(...page.items.map(row));
  }
  function row(c) {
    const actions = h("td", {});
    if (admin && c.status === "open") {
      const member = h("input", { placeholder: "username", size: 10, "aria-label": `member of ${c.ref}` });
      const add = h("button", { type: "button", class: "quiet" }, "Add member");
      add.addEventListener("click", () => act(add, async () => {
        await api(`/api/cases/${encodeURIComponent(c.ref)}/members`, { method: "POST", json: { user: member.value.trim() } });
        load();
      }));
      const close = h("button", { type: "button", class: "quiet" }, "Close");
      close.addEventListener("click", () => act(close, async () => {
        await api(`/api/cases/${encodeURIComponent(c.ref)}/close`, { method: "POST" });
        toast(`case ${c.ref} closed`);
        load();
      }));
      actions.append(member, add, close);
    }
    return h("tr", { dataset: { case: c.ref } },
      h("td", {}, c.ref), h("td", {}, c.title), h("td", {}, c.status),
      h("td", {}, c.members.join(", ")), h("td", {}, when(c.created_at)), actions);
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const members = String(data.get("members") || "").split(",").map((m) => m.trim()).filter(Boolean);
    const body = { ref: data.get("ref"), title: data.get("title"), description: data.get("description") || "", members };
    const made = await act(form.querySelector("button"), () => api("/api/cases", { method: "POST", json: body }));
    if (made) {
      toast(`case ${made.ref} opened`);
      form.reset();
      load();
    }
  });
  load();
}
