// Sign-in page: talks to /api/auth with the session cookie; keeps the CSRF token in memory.
"use strict";

let csrfToken = null;

function show(me) {
  document.getElementById("login").hidden = me !== null;
  document.getElementById("signed-in").hidden = me === null;
  if (me !== null) {
    document.getElementById("who").textContent = me.user;
    document.getElementById("role").textContent = me.role;
    csrfToken = me.csrf_token;
  }
}

async function detail(response) {
  try {
    return (await response.json()).detail || response.statusText;
  } catch {
    return response.statusText;
  }
}

async function refresh() {
  const response = await fetch("/api/auth/me", { credentials: "same-origin" });
  show(response.ok ? await response.json() : null);
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("login-error");
  error.textContent = "";
  const response = await fetch("/api/auth/login", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.username.value, password: form.password.value }),
  });
  form.password.value = "";
  if (!response.ok) {
    error.textContent = await detail(response);
    return;
  }
  await refresh();
}

async function signOut() {
  await fetch("/api/auth/logout", {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken || "" },
  });
  csrfToken = null;
  show(null);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", signIn);
  document.getElementById("logout").addEventListener("click", signOut);
  refresh();
});
