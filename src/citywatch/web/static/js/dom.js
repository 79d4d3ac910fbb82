// Small DOM helpers. Pages are built with these (never innerHTML with data), so text from the
// server is always text; the content security policy forbids inline styles and scripts anyway.
"use strict";

const SVG = "http://www.w3.org/2000/svg";

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG, tag), attrs, children);
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function when(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const date = new Date(seconds * 1000);
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString(undefined, { timeStyle: "medium" });
}

export function number(value, digits = 2) {
  return value === null || value === undefined ? "" : Number(value).toFixed(digits);
}

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 5000);
}

// Run an async action from a button or form: errors become a toast, the button is disabled
// while it runs.
export async function act(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    toast(error.message || String(error), "error");
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function field(label, input) {
  return h("label", {}, label, input);
}

export function pager(page, load) {
  // "More" button for a Page {items, next_offset}: calls load(next_offset) and removes itself.
  if (page.next_offset === null || page.next_offset === undefined) return null;
  const button = h("button", { type: "button", class: "quiet more" }, "More");
  button.addEventListener("click", () => {
    button.remove();
    load(page.next_offset);
  });
  return button;
}

// Save a Blob as a file (exports): an object URL on a temporary link, released afterwards.
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
