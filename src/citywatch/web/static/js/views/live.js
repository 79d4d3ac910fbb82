// The camera wall: each camera's latest frame a few times a second with the tracked objects
// drawn over it (box, class and track id). Viewers get faces blurred by the server.
"use strict";

import { api } from "../api.js";
import { h, svg } from "../dom.js";

const REFRESH_MS = 300;

function drawTracks(overlay, tracks) {
  overlay.replaceChildren();
  if (!tracks.width || !tracks.height) return;
  overlay.setAttribute("viewBox", `0 0 ${tracks.width} ${tracks.height}`);
  for (const track of tracks.tracks) {
    const [x, y, w, hgt] = track.box;
    overlay.append(
      svg("g", { class: `track ${track.label}`, dataset: { trackId: track.track_id } },
        svg("rect", { x, y, width: w, height: hgt }),
        svg("text", { x: x + 3, y: Math.max(y - 4, 12) }, `${track.label} #${track.track_id}`),
      ),
    );
  }
}

function cameraTile(camera, stopped) {
  const image = h("img", { alt: `${camera.name}, live`, class: "frame" });
  const overlay = svg("svg", { class: "overlay", preserveAspectRatio: "none", "aria-hidden": "true" });
  const status = h("span", { class: "status" }, "waiting for a frame");
  const tile = h("figure", { class: "camera", dataset: { camera: camera.id } },
    h("div", { class: "stage" }, image, overlay),
    h("figcaption", {}, h("strong", {}, camera.name), " ", status),
  );
  let lastSeq = -1;
  async function tick() {
    if (stopped()) return;
    try {
      const tracks = await api(`/api/cameras/${encodeURIComponent(camera.id)}/tracks`);
      if (tracks.seq !== lastSeq) {
        lastSeq = tracks.seq;
        const next = `/api/cameras/${encodeURIComponent(camera.id)}/snapshot?seq=${tracks.seq}`;
        await new Promise((resolve) => {
          image.onload = image.onerror = resolve;
          image.src = next;
        });
        drawTracks(overlay, tracks);
        const people = tracks.tracks.length;
        status.textContent = `${new Date(tracks.time * 1000).toLocaleTimeString()} · ${people} tracked`;
        tile.dataset.tracks = String(people);
      }
    } catch (error) {
      status.textContent = error.status === 404 ? "no live frame" : error.message;
    }
    if (!stopped()) setTimeout(tick, REFRESH_MS);
  }
  tick();
  return tile;
}

export function liveView(root) {
  let stopped = false;
  const wall = h("div", { class: "wall" });
  root.append(h("h1", {}, "Live"), wall);
  api("/api/cameras?configured=true&limit=100").then((page) => {
    if (page.items.length === 0) wall.append(h("p", {}, "No cameras are configured."));
    for (const camera of page.items) wall.append(cameraTile(camera, () => stopped));
  });
  return () => {
    stopped = true;
  };
}
