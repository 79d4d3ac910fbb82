// Drawing a person's movements: a timeline (one lane a camera, a bar a stay) and the path
// across the site plan (cameras at their configured positions, numbered steps in time order).
"use strict";

import { clock, h, svg } from "./dom.js";

// steps: [{camera, camera_name?, start, end, label?}] in any order.
export function timeline(steps) {
  if (steps.length === 0) return h("p", { class: "hint" }, "Nothing to show.");
  const ordered = [...steps].sort((a, b) => a.start - b.start);
  const cameras = [...new Set(ordered.map((s) => s.camera))];
  const start = ordered[0].start;
  const end = Math.max(...ordered.map((s) => s.end), start + 1);
  const width = 760, lane = 34, left = 110, top = 10;
  const height = top + lane * cameras.length + 26;
  const x = (t) => left + ((t - start) / (end - start)) * (width - left - 10);
  const chart = svg("svg", { class: "timeline", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "timeline of sightings by camera" });
  cameras.forEach((camera, index) => {
    const y = top + index * lane;
    chart.append(
      svg("text", { x: 4, y: y + lane / 2 + 4, class: "lane-label" }, camera),
      svg("line", { x1: left, x2: width - 10, y1: y + lane / 2, y2: y + lane / 2, class: "lane" }),
    );
  });
  ordered.forEach((step, index) => {
    const y = top + cameras.indexOf(step.camera) * lane;
    const x1 = x(step.start);
    const bar = svg("rect", { x: x1, y: y + 7, width: Math.max(x(step.end) - x1, 4), height: lane - 14, rx: 3, class: "stay", dataset: { step: index + 1 } });
    bar.append(svg("title", {}, `${index + 1}. ${step.camera} ${clock(step.start)}–${clock(step.end)}${step.label ? ` · ${step.label}` : ""}`));
    chart.append(bar, svg("text", { x: x1 + 2, y: y + lane / 2 + 4, class: "step-number" }, String(index + 1)));
  });
  chart.append(
    svg("text", { x: left, y: height - 6, class: "axis" }, clock(start)),
    svg("text", { x: width - 10, y: height - 6, class: "axis end" }, clock(end)),
  );
  return chart;
}

// site: {name, width, height}; cameras: [{id, name, position: {x, y} | null}]; steps as above.
export function sitePath(site, cameras, steps) {
  const scale = 600 / Math.max(site.width, site.height);
  const width = site.width * scale, height = site.height * scale;
  const pad = 20;
  const plan = svg("svg", { class: "site-plan", viewBox: `${-pad} ${-pad} ${width + 2 * pad} ${height + 2 * pad}`, role: "img", "aria-label": `path across ${site.name}` });
  plan.append(svg("rect", { x: 0, y: 0, width, height, class: "site" }));
  const where = new Map();
  for (const camera of cameras) {
    if (!camera.position) continue;
    const point = [camera.position.x * scale, camera.position.y * scale];
    where.set(camera.id, point);
    plan.append(
      svg("circle", { cx: point[0], cy: point[1], r: 7, class: "camera-dot", dataset: { camera: camera.id } }),
      svg("text", { x: point[0] + 10, y: point[1] - 10, class: "camera-name" }, camera.name || camera.id),
    );
  }
  const ordered = [...steps].sort((a, b) => a.start - b.start);
  const points = ordered.map((s) => where.get(s.camera)).filter(Boolean);
  const path = [];
  for (const point of points) {
    const last = path[path.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) path.push(point);
  }
  if (path.length > 1) {
    plan.append(svg("polyline", { points: path.map((p) => p.join(",")).join(" "), class: "path", "marker-end": "url(#arrow)" }));
  }
  plan.prepend(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }))));
  path.forEach((point, index) => {
    plan.append(svg("text", { x: point[0] - 4, y: point[1] + 22, class: "path-step" }, String(index + 1)));
  });
  const missing = ordered.filter((s) => !where.has(s.camera)).length;
  const note = missing ? h("p", { class: "hint" }, `${missing} sighting(s) on cameras without a position on the plan.`) : null;
  return h("div", { class: "plan-box" }, plan, note);
}
