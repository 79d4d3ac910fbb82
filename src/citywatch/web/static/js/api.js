// Talking to /api with the session cookie: JSON in and out, the CSRF token on every change,
// and errors as ApiError carrying the server's one-line detail.
"use strict";

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export function setCsrf(token) {
  csrfToken = token;
}

async function detailOf(response) {
  try {
    return (await response.json()).detail || response.statusText;
  } catch {
    return response.statusText;
  }
}

// api("/api/events?limit=20"), api(path, {method: "POST", json: {...}}), {form: FormData}
export async function api(path, { method = "GET", json, form } = {}) {
  const headers = {};
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  if (!response.ok) {
    const error = new ApiError(response.status, await detailOf(response));
    if (response.status === 401) window.dispatchEvent(new CustomEvent("citywatch:signed-out"));
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.blob();
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
