// The drills page: scenarios (newest version, and every version on demand), the scenario
// form and file import, simulation with its evaluation, live drills started and stopped,
// the runs with their reports, and two runs compared. Buttons a role may not use are not
// shown; the server decides all the same.
import "./text-drills.js";
import { applyText, dateTimeOf, lang, setLang, t } from "./i18n.js";
import { api, logout, onLogout, loginForm, user, whoAmI } from "./session.js";
import { escape } from "./map2d.js";
import { ScenarioForm } from "./scenario-form.js";
import { renderResult, replayHref } from "./drill-result.js";
import { clockOf } from "./drill.js";

// Same matrix as twin/auth/permissions.py ("drills:plan", "drills:run").
const PLAN_ROLES = new Set(["admin", "drill_planner", "safety_engineer"]);
const RUN_ROLES = new Set(["admin", "drill_planner", "commander"]);
// A simulation takes seconds; the runs list also shows a live drill's end soon enough.
const POLL_MS = 500;
const RUNS_EVERY_MS = 5000;
const YAML_CODE = /^code:\s*["']?([A-Za-z0-9][A-Za-z0-9_.-]*)/m;

const $ = (id) => document.getElementById(id);
const view = { site: null, scenarios: [], versions: null, runs: null, shown: null, plot: null };
window.twinDrills = view; // for the end-to-end tests and the browser console

const canPlan = () => PLAN_ROLES.has(user()?.role);
const canRun = () => RUN_ROLES.has(user()?.role);
const base = () => `/api/v1/sites/${view.site}/drills`;

const form = new ScenarioForm($("scenario-form"), {
  saved: async (row) => {
    await loadScenarios();
    form.edit(row);
  },
  cancelled: () => $("editor").classList.add("hidden"),
});

function showError(message, reasons = []) {
  $("page-error").classList.toggle("hidden", !message);
  $("page-error").innerHTML = message ? `<strong>${escape(message)}</strong>`
    + (reasons.length ? `<ul>${reasons.map((r) => `<li><code>${escape(r.where)}</code> ${escape(r.reason)}</li>`).join("")}</ul>` : "") : "";
}

function actionButtons(row, version = null) {
  const v = version === null ? "" : ` data-version="${version}"`;
  return (canPlan() ? `<button type="button" data-simulate="${escape(row.code)}"${v}>${escape(t("simulate"))}</button>` : "")
    + (canRun() && version === null ? `<button type="button" class="live" data-live="${escape(row.code)}">${escape(t("start_live"))}</button>` : "");
}

function renderScenarios() {
  const list = view.scenarios;
  $("scenario-list").innerHTML = `<thead><tr><th>${escape(t("f_code"))}</th><th>${escape(t("f_name"))}</th><th>v</th>`
    + `<th>${escape(t("created"))}</th><th></th></tr></thead><tbody>`
    + (list.length ? "" : `<tr><td colspan="5" class="muted">${escape(t("none_yet"))}</td></tr>`)
    + list.map((row) => `<tr data-code="${escape(row.code)}"><td><code>${escape(row.code)}</code></td><td>${escape(row.name)}</td>`
      + `<td class="n">${row.version}</td><td>${escape(dateTimeOf(row.created_utc))} · ${escape(row.created_by)}</td>`
      + `<td class="act">${canPlan() ? `<button type="button" class="quiet" data-edit="${escape(row.code)}">${escape(t("edit"))}</button>` : ""}`
      + `<button type="button" class="quiet" data-versions="${escape(row.code)}">${escape(t("versions"))}</button>${actionButtons(row)}</td></tr>`
      + (view.versions?.code === row.code ? versionRows(view.versions.rows) : "")).join("") + "</tbody>";
}

function versionRows(rows) {
  return rows.map((v) => `<tr class="version" data-code="${escape(v.code)}" data-version="${v.version}"><td></td>`
    + `<td>${escape(v.name)}</td><td class="n">v${v.version}</td><td>${escape(dateTimeOf(v.created_utc))} · ${escape(v.created_by)}</td>`
    + `<td class="act">${canPlan() ? `<button type="button" class="quiet" data-load="${v.version}" data-of="${escape(v.code)}">${escape(t("load"))}</button>` : ""}`
    + `${actionButtons(v, v.version)}</td></tr>`).join("");
}

function renderRuns() {
  const runs = view.runs || [];
  const picked = new Set([...document.querySelectorAll("#run-list input[data-pick]:checked")].map((b) => b.dataset.pick));
  $("run-list").innerHTML = `<thead><tr><th></th><th>#</th><th>${escape(t("scenario"))}</th><th>${escape(t("mode"))}</th>`
    + `<th>${escape(t("state"))}</th><th>${escape(t("started"))}</th><th>${escape(t("score"))}</th><th></th></tr></thead><tbody>`
    + (runs.length ? "" : `<tr><td colspan="8" class="muted">${escape(t("none_yet"))}</td></tr>`)
    + runs.map((r) => {
      const ended = r.state !== "running";
      const score = r.score === null || r.score === undefined ? "—" : `${Math.round(r.score * 100)}%`;
      return `<tr data-run="${r.id}" data-state="${escape(r.state)}" class="${view.shown === r.id ? "shown" : ""}">`
        + `<td>${ended ? `<input type="checkbox" data-pick="${r.id}" aria-label="${escape(t("compare"))}" ${picked.has(String(r.id)) ? "checked" : ""}>` : ""}</td>`
        + `<td><button type="button" class="link" data-show="${r.id}">${escape(r.drill_id)}</button></td>`
        + `<td>${escape(r.scenario.code)} v${r.scenario.version}</td><td>${escape(t(`mode_${r.mode}`))}</td>`
        + `<td><span class="state ${escape(r.state)}">${escape(t(`st_${r.state}`))}</span></td>`
        + `<td>${escape(dateTimeOf(r.started_utc))} · ${escape(r.started_by)}</td><td class="n">${escape(score)}</td><td class="act">`
        + (ended && r.state !== "failed" ? `<button type="button" class="quiet" data-report="html" data-run-id="${r.id}">${escape(t("report"))}</button>`
          + `<button type="button" class="quiet" data-report="pdf" data-run-id="${r.id}">PDF</button>` : "")
        + (r.mode === "simulation" && r.state === "finished" ? `<a class="button quiet" href="${escape(replayHref(r))}">${escape(t("replay_on_map"))}</a>` : "")
        + (r.mode === "live" && !ended && canRun() ? `<button type="button" class="live" data-stop="${r.id}">${escape(t("stop"))}</button>` : "")
        + "</td></tr>";
    }).join("") + "</tbody>";
  updateCompare();
  renderLive();
}

function updateCompare() {
  $("compare").disabled = document.querySelectorAll("#run-list input[data-pick]:checked").length !== 2;
}

// The live drill running now, with its clock and (for those who may) the stop button.
// Drawn once per drill and language; each second only its clock changes (a button
// redrawn every second would lose the click that lands on the redraw).
function renderLive() {
  const live = (view.runs || []).find((r) => r.mode === "live" && r.state === "running");
  const notice = $("live-notice");
  notice.classList.toggle("hidden", !live);
  if (!live) {
    notice.dataset.drawn = "";
    return;
  }
  if (notice.dataset.drawn !== `${live.id} ${lang}`) {
    notice.dataset.drawn = `${live.id} ${lang}`;
    notice.innerHTML = `<span class="drill-badge">${escape(t("drill_mark"))}</span>`
      + `<strong>${escape(t("live_running"))}: ${escape(live.scenario.name)}</strong> <code>${escape(live.drill_id)}</code>`
      + ` · ${escape(t("elapsed"))} <span class="clock"></span>`
      + (canRun() ? ` <button type="button" class="live" data-stop="${live.id}">${escape(t("stop"))}</button>` : "");
  }
  notice.querySelector(".clock").textContent = clockOf((Date.now() - Date.parse(live.plant_start_utc)) / 1000);
}

async function loadScenarios() {
  view.scenarios = await api(`${base()}/scenarios`);
  if (view.versions) view.versions.rows = await api(`${base()}/scenarios/${encodeURIComponent(view.versions.code)}/versions`);
  renderScenarios();
}

async function loadRuns() {
  const runs = await api(`${base()}/runs`);
  // Unchanged: no redraw, so a click on the list is never lost to one.
  if (JSON.stringify(runs) === JSON.stringify(view.runs)) return;
  view.runs = runs;
  renderRuns();
}

async function toggleVersions(code) {
  view.versions = view.versions?.code === code ? null
    : { code, rows: await api(`${base()}/scenarios/${encodeURIComponent(code)}/versions`) };
  renderScenarios();
}

async function show(runId) {
  view.shown = runId;
  view.plot?.destroy();
  view.plot = null;
  const run = await api(`${base()}/runs/${runId}`);
  if (view.shown !== runId) return;
  $("result").classList.remove("hidden");
  view.plot = renderResult($("result"), run, { report });
  renderRuns();
  return run;
}

// A simulation answers at once and finishes in the background: poll until it has ended.
async function simulate(code, version) {
  try {
    showError("");
    const run = await api(`${base()}/scenarios/${encodeURIComponent(code)}/simulate`, {
      method: "POST", json: version ? { version: Number(version) } : {},
    });
    await loadRuns();
    let shown = await show(run.id);
    while (shown?.state === "running" && view.shown === run.id) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      shown = await show(run.id);
    }
    await loadRuns();
    $("result").scrollIntoView({ block: "nearest" });
  } catch (err) {
    showError(`${t("server_refused")}: ${err.message}`, err.detail || []);
  }
}

async function startLive(code) {
  if (!confirm(t("confirm_live"))) return;
  try {
    showError("");
    await api(`${base()}/scenarios/${encodeURIComponent(code)}/live`, { method: "POST", json: {} });
  } catch (err) {
    showError(`${t("server_refused")}: ${err.message}`);
  }
  await loadRuns();
}

async function stopLive(runId) {
  if (!confirm(t("confirm_stop"))) return;
  try {
    await api(`${base()}/runs/${runId}/stop`, { method: "POST", json: {} });
  } catch (err) {
    showError(`${t("server_refused")}: ${err.message}`);
  }
  await loadRuns();
}

// Reports want the bearer token, which a plain link cannot carry: fetch, then show.
async function report(run, format) {
  await openBlob(`${base()}/runs/${run.id}/report.${format}`, format, `${view.site}-${run.drill_id}`);
}

async function openBlob(path, format, name) {
  try {
    const blob = await api(path);
    const url = URL.createObjectURL(blob);
    if (format === "html") window.open(url, "_blank");
    else {
      const a = document.createElement("a");
      a.href = url;
      a.download = `${name}.pdf`;
      a.click();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    showError(`${t("server_refused")}: ${err.message}`);
  }
}

// A scenario file as the planner keeps it: YAML or JSON, sent as it is, so the server's
// reasons name the file's own fields. An existing code becomes its next version.
async function importFile(file) {
  const text = await file.text();
  const yaml = !/\.json$/i.test(file.name);
  const headers = { "Content-Type": yaml ? "application/yaml" : "application/json" };
  showError("");
  try {
    await api(`${base()}/scenarios`, { method: "POST", body: text, headers });
  } catch (err) {
    const code = err.status === 409 && (yaml ? YAML_CODE.exec(text)?.[1] : safeJson(text)?.code);
    if (!code || !confirm(`${t("exists_new_version")} (${code})`)) {
      showError(`${t("server_refused")}: ${err.message}`, Array.isArray(err.detail) ? err.detail : []);
      return;
    }
    try {
      await api(`${base()}/scenarios/${encodeURIComponent(code)}`, { method: "PUT", body: text, headers });
    } catch (again) {
      showError(`${t("server_refused")}: ${again.message}`, Array.isArray(again.detail) ? again.detail : []);
      return;
    }
  }
  await loadScenarios();
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function openEditor(row) {
  form.edit(row);
  $("editor").classList.remove("hidden");
  $("editor").scrollIntoView({ block: "start" });
}

$("scenario-list").addEventListener("click", async (e) => {
  const d = e.target.dataset;
  if (d.edit) openEditor(view.scenarios.find((s) => s.code === d.edit));
  else if (d.versions) toggleVersions(d.versions);
  else if (d.load) openEditor(await api(`${base()}/scenarios/${encodeURIComponent(d.of)}?version=${d.load}`));
  else if (d.simulate) simulate(d.simulate, d.version);
  else if (d.live) startLive(d.live);
});
$("run-list").addEventListener("click", (e) => {
  const d = e.target.dataset;
  if (d.show) show(Number(d.show));
  else if (d.report) report(view.runs.find((r) => r.id === Number(d.runId)), d.report);
  else if (d.stop) stopLive(Number(d.stop));
});
$("run-list").addEventListener("change", updateCompare);
$("live-notice").addEventListener("click", (e) => { if (e.target.dataset.stop) stopLive(Number(e.target.dataset.stop)); });
$("compare").addEventListener("click", () => {
  const ids = [...document.querySelectorAll("#run-list input[data-pick]:checked")].map((b) => b.dataset.pick);
  if (ids.length === 2) openBlob(`${base()}/compare.html?runs=${ids.join(",")}`, "html", "compare");
});
$("new-scenario").addEventListener("click", () => openEditor(null));
$("import-file").addEventListener("change", (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (file) importFile(file);
});

async function openSite(code) {
  if (view.site && view.site !== code) {
    $("result").classList.add("hidden");
    $("editor").classList.add("hidden");
  }
  view.site = code;
  view.versions = null;
  view.shown = null;
  view.runs = null;
  try {
    await Promise.all([loadScenarios(), loadRuns(), canPlan() ? form.load(code) : null]);
  } catch (err) {
    // The regulator: drills stay inside the enterprise.
    if (err.status === 403) {
      $("forbidden").classList.remove("hidden");
      $("forbidden").innerHTML = `<strong>${escape(t("forbidden_drills"))}</strong><p class="muted">${escape(err.message)}</p>`
        + `<a href="/regulator">${escape(t("regulator_title"))}</a>`;
      $("app").classList.add("hidden");
      return;
    }
    throw err;
  }
}

async function start() {
  $("login").classList.add("hidden");
  ["app", "site", "logout"].forEach((id) => $(id).classList.remove("hidden"));
  $("forbidden").classList.add("hidden");
  $("plan-tools").classList.toggle("hidden", !canPlan());
  $("read-only").classList.toggle("hidden", canPlan());
  const sites = await api("/api/v1/sites");
  $("site").innerHTML = sites.map((s) => `<option value="${escape(s.code)}">${escape(lang === "en" && s.name_en ? s.name_en : s.name)}</option>`).join("");
  const wanted = new URLSearchParams(location.search).get("site");
  const first = sites.find((s) => s.code === wanted) || sites[0];
  if (first) {
    $("site").value = first.code;
    await openSite(first.code);
  }
}

function showLogin() {
  $("login").classList.remove("hidden");
  ["app", "site", "logout", "forbidden"].forEach((id) => $(id).classList.add("hidden"));
}

loginForm(start);
$("lang").addEventListener("change", (e) => {
  setLang(e.target.value);
  if (!view.site) return;
  renderScenarios();
  renderRuns();
  form.relabel();
  if (view.shown) show(view.shown);
});
$("logout").addEventListener("click", logout);
$("site").addEventListener("change", (e) => openSite(e.target.value));
onLogout(showLogin);
setInterval(() => { if (view.site && !$("app").classList.contains("hidden")) loadRuns().catch(() => {}); }, RUNS_EVERY_MS);
setInterval(renderLive, 1000);

$("lang").value = lang;
applyText();
whoAmI().then((me) => (me ? start() : showLogin())).catch(showLogin);
