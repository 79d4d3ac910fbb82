// The public display (display.html): counts and blurred snapshots, refreshed every few seconds.
//
// A kiosk opens /static/display.html#key=cw_... : the key stays in the URL fragment, which the
// browser never sends to a server or puts in a Referer, and travels only as the X-API-Key
// header. Without a key the page uses the signed-in session's cookie (a person trying it out).
// Everything it shows comes from /api/display/, which answers aggregate counts and pictures
// with faces and whole persons blurred, whoever asks.
"use strict";

import { clear, h } from "./dom.js";

const COUNTS_EVERY_MS = 3000;
const PICTURES_EVERY_MS = 5000;

const key = new URLSearchParams(window.location.hash.slice(1)).get("key");
const headers = key ? { "X-API-Key": key } : {};
const pictures = new Map(); // camera id -> object URL of its latest blurred snapshot

async function get(path) {
  const answer = await fetch(path, { headers, credentials: "same-origin", cache: "no-store" });
  if (!answer.ok) {
    let detail = `${answer.status} ${answer.statusText}`;
    try {
      detail = (await answer.json()).detail || detail;
    } catch {
      // not JSON: keep the status line
    }
    const error = new Error(detail);
    error.status = answer.status;
    throw error;
  }
  return answer;
}

function problem(text) {
  const box = document.getElementById("problem");
  box.hidden = !text;
  box.textContent = text || "";
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function countLine(counts) {
  return h(
    "div",
    { class: "counts" },
    h("span", {}, h("span", { class: "n" }, String(counts.people)), counts.people === 1 ? "person" : "people"),
    h("span", {}, h("span", { class: "n" }, String(counts.vehicles)), counts.vehicles === 1 ? "vehicle" : "vehicles"),
    h("span", {}, h("span", { class: "n" }, String(counts.bicycles)), counts.bicycles === 1 ? "bicycle" : "bicycles"),
  );
}

function zoneLine(zones) {
  const names = Object.keys(zones || {});
  if (!names.length) return null;
  return h(
    "div",
    { class: "zones" },
    names.map((name) => `${name}: ${plural(zones[name].people, "person", "people")}`).join(" · "),
  );
}

function cameraCard(camera) {
  const picture = pictures.get(camera.id);
  const image = picture
    ? h("img", { src: picture, alt: `${camera.name}, people blurred` })
    : h("div", { class: "none" }, camera.updated_at === null ? "no picture yet" : "loading");
  return h(
    "section",
    { class: "camera", dataset: { camera: camera.id } },
    image,
    h("h2", {}, camera.name),
    countLine(camera),
    zoneLine(camera.zones),
  );
}

let latest = null;

function render() {
  if (!latest) return;
  const wall = clear(document.getElementById("wall"));
  wall.append(...latest.cameras.map(cameraCard));
  const totals = latest.totals;
  document.getElementById("totals").textContent =
    `${plural(totals.people, "person", "people")} · ${plural(totals.vehicles, "vehicle", "vehicles")} in view`;
  document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function refreshCounts() {
  try {
    latest = await (await get("/api/display/counts")).json();
    problem(null);
    render();
  } catch (error) {
    problem(
      error.status === 401
        ? "Not signed in: open this page as /static/display.html#key=<a viewer's API key>."
        : `Counts unavailable: ${error.message}`,
    );
  }
}

async function refreshPictures() {
  if (!latest) return;
  for (const camera of latest.cameras) {
    if (camera.updated_at === null) continue;
    try {
      const blob = await (await get(`/api/display/cameras/${encodeURIComponent(camera.id)}/snapshot`)).blob();
      const old = pictures.get(camera.id);
      pictures.set(camera.id, URL.createObjectURL(blob));
      if (old) URL.revokeObjectURL(old);
    } catch {
      // this camera has no picture now; keep the last one and try again next time
    }
  }
  render();
}

async function start() {
  await refreshCounts();
  await refreshPictures();
  setInterval(refreshCounts, COUNTS_EVERY_MS);
  setInterval(refreshPictures, PICTURES_EVERY_MS);
}

start();
