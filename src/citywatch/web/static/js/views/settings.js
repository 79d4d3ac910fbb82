// Settings: your password and API keys; for admins, users and cameras (camera edits are
// written to the configuration file; a running pipeline picks them up on restart).
"use strict";

import { api } from "../api.js";
import { act, field, h, toast, when } from "../dom.js";

function formJson(form, names) {
  const data = new FormData(form);
  return Object.fromEntries(names.map((name) => [name, data.get(name)]));
}

function accountCard() {
  const form = h("form", { id: "password", class: "card" },
    h("h2", {}, "Your password"),
    field("Current password", h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true })),
    field("New password", h("input", { name: "new_password", type: "password", autocomplete: "new-password", minlength: 12, required: true })),
    h("button", { type: "submit" }, "Change password"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const done = await act(form.querySelector("button"), () =>
      api("/api/auth/password", { method: "POST", json: formJson(form, ["current_password", "new_password"]) }));
    if (done !== undefined) {
      form.reset();
      toast("Password changed");
    }
  });
  return form;
}

function keysCard() {
  const rows = h("tbody");
  const shown = h("p", { class: "secret", hidden: true });
  const form = h("form", { class: "inline" },
    h("input", { name: "name", placeholder: "what the key is for", required: true, maxlength: 100 }),
    h("button", { type: "submit" }, "Create API key"));
  async function load() {
    rows.replaceChildren();
    const page = await api("/api/keys?limit=100");
    for (const key of page.items) {
      const revoke = h("button", { type: "button", class: "quiet", disabled: !key.active }, "Revoke");
      revoke.addEventListener("click", () => act(revoke, async () => {
        await api(`/api/keys/${key.id}`, { method: "DELETE" });
        load();
      }));
      rows.append(h("tr", {}, h("td", {}, key.name), h("td", {}, `cw_${key.prefix}_…`), h("td", {}, when(key.last_used_at)), h("td", {}, key.active ? "active" : "revoked"), h("td", {}, revoke)));
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = await act(form.querySelector("button"), () => api("/api/keys", { method: "POST", json: formJson(form, ["name"]) }));
    if (key) {
      shown.hidden = false;
      shown.textContent = `New key (shown once; send it as X-API-Key): ${key.key}`;
      form.reset();
      load();
    }
  });
  load();
  return h("section", { class: "card" }, h("h2", {}, "API keys"), form, shown,
    h("table", {}, h("thead", {}, h("tr", {}, ...["Name", "Key", "Last used", "State", ""].map((t) => h("th", {}, t)))), rows));
}

function usersCard() {
  const rows = h("tbody");
  const form = h("form", { id: "add-user", class: "inline" },
    h("input", { name: "username", placeholder: "username", required: true }),
    h("input", { name: "password", type: "password", placeholder: "password (12+ characters)", minlength: 12, required: true, autocomplete: "new-password" }),
    h("select", { name: "role" }, ...["viewer", "investigator", "admin"].map((r) => h("option", { value: r }, r))),
    h("button", { type: "submit" }, "Add user"));
  async function load() {
    rows.replaceChildren();
    const page = await api("/api/users?limit=200");
    for (const user of page.items) {
      const toggle = h("button", { type: "button", class: "quiet" }, user.active ? "Disable" : "Enable");
      toggle.addEventListener("click", () => act(toggle, async () => {
        await api(`/api/users/${user.id}`, { method: "PATCH", json: { disabled: user.active } });
        load();
      }));
      rows.append(h("tr", {}, h("td", {}, user.username), h("td", {}, user.role), h("td", {}, when(user.created_at)), h("td", {}, user.active ? "active" : "disabled"), h("td", {}, toggle)));
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const user = await act(form.querySelector("button"), () => api("/api/users", { method: "POST", json: formJson(form, ["username", "password", "role"]) }));
    if (user) {
      toast(`User ${user.username} added`);
      form.reset();
      load();
    }
  });
  load();
  return h("section", { class: "card" }, h("h2", {}, "Users"), form,
    h("table", {}, h("thead", {}, h("tr", {}, ...["User", "Role", "Since", "State", ""].map((t) => h("th", {}, t)))), rows));
}

function cameraForm(camera, saved) {
  const isNew = camera === null;
  const value = (key, fallback = "") => (camera && camera[key] !== null && camera[key] !== undefined ? camera[key] : fallback);
  const form = h("form", { class: "camera-form", dataset: { camera: isNew ? "" : camera.id } },
    isNew ? field("Id", h("input", { name: "id", required: true, pattern: "[a-z0-9_\\-]{1,64}" })) : h("h3", {}, camera.id),
    field("Name", h("input", { name: "name", value: value("name") })),
    field("Source", h("input", { name: "source", required: isNew, placeholder: isNew ? "rtsp://… or a file" : `${value("source")} (unchanged unless you type a new one)` })),
    field("Frames a second", h("input", { name: "fps", type: "number", min: 0.1, max: 120, step: 0.1, value: value("fps", 5) })),
    field("Plan x", h("input", { name: "x", type: "number", step: "any", value: camera && camera.position ? camera.position.x : "" })),
    field("Plan y", h("input", { name: "y", type: "number", step: "any", value: camera && camera.position ? camera.position.y : "" })),
    h("label", { class: "check" }, h("input", { name: "enabled", type: "checkbox", checked: value("enabled", true) }), " enabled"),
    h("button", { type: "submit" }, isNew ? "Add camera" : "Save"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { name: data.get("name") || null, source: data.get("source") || null, fps: Number(data.get("fps")), enabled: data.get("enabled") !== null };
    if (data.get("x") !== "" && data.get("y") !== "") body.position = { x: Number(data.get("x")), y: Number(data.get("y")) };
    const path = isNew ? "/api/cameras" : `/api/cameras/${encodeURIComponent(camera.id)}`;
    if (isNew) body.id = data.get("id");
    const done = await act(form.querySelector("button"), () => api(path, { method: isNew ? "POST" : "PUT", json: body }));
    if (done) {
      toast(`Camera ${done.id} saved`);
      saved();
    }
  });
  return form;
}

function camerasCard() {
  const list = h("div", { class: "camera-forms" });
  async function load() {
    const page = await api("/api/cameras?configured=true&limit=200");
    list.replaceChildren(...page.items.map((camera) => cameraForm(camera, load)), cameraForm(null, load));
  }
  load();
  return h("section", { class: "card" }, h("h2", {}, "Cameras"),
    h("p", { class: "hint" }, "Changes are written to the configuration file; a running pipeline takes them on restart."), list);
}

export function settingsView(root, { may }) {
  root.append(h("h1", {}, "Settings"), h("div", { class: "columns" }, accountCard(), keysCard()));
  if (may("admin")) root.append(usersCard(), camerasCard());
}
