// The API's bearer token, kept for the browser tab only (sessionStorage), and the one
// login form every page shows.
import { applyText, t } from "./i18n.js";

let token = sessionStorage.getItem("token");
let me = null;
const listeners = [];

export function bearer() {
  return token;
}

export function user() {
  return me;
}

export function onLogout(fn) {
  listeners.push(fn);
}

export async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${token}` };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options = { ...options, body: JSON.stringify(options.json) };
  }
  const r = await fetch(path, { ...options, headers });
  if (r.status === 401) {
    logout();
    throw new Error("unauthorised");
  }
  const body = r.headers.get("content-type")?.includes("json") ? await r.json() : await r.blob();
  if (!r.ok) {
    // The status and the server's reasons go along: a form shows each next to its field.
    const err = new Error(body.message || `${r.status}`);
    err.status = r.status;
    err.detail = body.detail;
    throw err;
  }
  return body;
}

export async function login(username, password) {
  const r = await fetch("/api/v1/auth/token", { method: "POST", body: new URLSearchParams({ username, password }) });
  const data = await r.json();
  if (!r.ok) throw new Error(data.message || `${r.status}`);
  token = data.access_token;
  sessionStorage.setItem("token", token);
  return whoAmI();
}

export async function whoAmI() {
  if (!token) return null;
  me = await api("/api/v1/auth/me");
  return me;
}

export function logout() {
  token = null;
  me = null;
  sessionStorage.removeItem("token");
  listeners.forEach((fn) => fn());
}

// The same matrix as twin/auth/permissions.py: the server decides, the page only hides
// buttons that would be refused.
const ACK_ROLES = new Set(["admin", "commander", "safety_engineer", "operator"]);

export function canAcknowledge() {
  return Boolean(me && ACK_ROLES.has(me.role));
}

const FORM = `<strong data-i18n="login"></strong>
  <input id="username" autocomplete="username" data-i18n-placeholder="username">
  <input id="password" type="password" autocomplete="current-password" data-i18n-placeholder="password">
  <button type="submit" data-i18n="signin"></button>
  <div id="login-error"></div>`;

// Fills the page's <form id="login"> and calls signedIn() after a successful login.
export function loginForm(signedIn) {
  const form = document.getElementById("login");
  form.innerHTML = FORM;
  applyText(form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const error = document.getElementById("login-error");
    try {
      await login(form.querySelector("#username").value, form.querySelector("#password").value);
      error.textContent = "";
      await signedIn();
    } catch (err) {
      error.textContent = `${t("failed")}: ${err.message}`;
    }
  });
}
