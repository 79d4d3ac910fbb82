// The web UI's shell: sign-in, the navigation each role may use, a view per #/hash, and the
// live feeds (alerts and events over Server-Sent Events) that every view can listen to.
"use strict";

import { api, setCsrf } from "./api.js";
import { clear, h, toast } from "./dom.js";
import { LiveFeeds } from "./feeds.js";
import { alertsView } from "./views/alerts.js";
import { auditView } from "./views/audit.js";
import { casesView } from "./views/cases.js";
import { eventsView } from "./views/events.js";
import { liveView } from "./views/live.js";
import { peopleView } from "./views/people.js";
import { reviewView } from "./views/review.js";
import { searchView } from "./views/search.js";
import { settingsView } from "./views/settings.js";
import { watchlistView } from "./views/watchlist.js";

const RANK = { viewer: 0, investigator: 1, admin: 2 };

// Order of the navigation; `role` is the least role that may open the view.
const VIEWS = [
  { path: "live", title: "Live", role: "viewer", render: liveView },
  { path: "alerts", title: "Alerts", role: "viewer", render: alertsView },
  { path: "events", title: "Events", role: "viewer", render: eventsView },
  { path: "search", title: "Search", role: "investigator", render: searchView },
  { path: "people", title: "People", role: "investigator", render: peopleView },
  { path: "review", title: "Review", role: "investigator", render: reviewView },
  { path: "watchlist", title: "Watchlist", role: "investigator", render: watchlistView },
  { path: "cases", title: "Cases", role: "investigator", render: casesView },
  { path: "audit", title: "Audit", role: "admin", render: auditView },
  { path: "settings", title: "Settings", role: "viewer", render: settingsView },
];

const session = { me: null, feeds: null, cleanup: null };

export function may(role) {
  return session.me !== null && RANK[session.me.role] >= RANK[role];
}

function signedOut() {
  session.me = null;
  setCsrf(null);
  if (session.feeds) session.feeds.close();
  session.feeds = null;
  leaveView();
  document.getElementById("top").hidden = true;
  clear(document.getElementById("view"));
  document.getElementById("login").hidden = false;
}

function signedIn(me) {
  session.me = me;
  setCsrf(me.csrf_token);
  document.getElementById("login").hidden = true;
  document.getElementById("top").hidden = false;
  document.getElementById("who").textContent = me.user;
  document.getElementById("role").textContent = me.role;
  const nav = clear(document.getElementById("nav"));
  for (const view of VIEWS.filter((v) => may(v.role))) {
    nav.append(h("a", { href: `#/${view.path}`, dataset: { view: view.path } }, view.title));
  }
  nav.querySelector('[data-view="alerts"]').append(h("span", { id: "alert-badge", class: "badge", hidden: true }));
  session.feeds = new LiveFeeds(onAlert);
  route();
}

function onAlert(alert) {
  const badge = document.getElementById("alert-badge");
  if (badge && currentPath() !== "alerts") {
    badge.textContent = String(Number(badge.textContent || 0) + 1);
    badge.hidden = false;
  }
  const who = alert.type === "plate_alert" ? `plate ${alert.plate}` : alert.entry_name;
  toast(`Alert: ${who} on ${alert.camera}`, "alert");
}

function currentPath() {
  const [path] = location.hash.replace(/^#\/?/, "").split("/");
  return path || "live";
}

function leaveView() {
  if (session.cleanup) session.cleanup();
  session.cleanup = null;
}

function route() {
  if (session.me === null) return;
  leaveView();
  const [path, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  let view = VIEWS.find((v) => v.path === (path || "live") && may(v.role));
  if (!view) view = VIEWS[0];
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("current", link.dataset.view === view.path);
  }
  if (view.path === "alerts") document.getElementById("alert-badge").hidden = true;
  if (view.path === "alerts") document.getElementById("alert-badge").textContent = "";
  const root = clear(document.getElementById("view"));
  root.dataset.view = view.path;
  const context = { me: session.me, may, feeds: session.feeds, args: rest.map(decodeURIComponent) };
  session.cleanup = view.render(root, context) || null;
}

async function refresh() {
  try {
    signedIn(await api("/api/auth/me"));
  } catch {
    signedOut();
  }
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    await api("/api/auth/login", {
      method: "POST",
      json: { username: form.username.value, password: form.password.value },
    });
  } catch (failure) {
    error.textContent = failure.message;
    return;
  } finally {
    form.password.value = "";
  }
  await refresh();
}

async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } finally {
    signedOut();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", signIn);
  document.getElementById("logout").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  window.addEventListener("citywatch:signed-out", () => {
    if (session.me !== null) signedOut();
  });
  refresh();
});
