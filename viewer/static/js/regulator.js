// The regulators' one map: read-only, hazard sources by GB 18218 grade, graded risk zones,
// the alarm summary, and the downloads (GeoPackage, GeoJSON, KML; OGC API for GIS tools).
import { applyText, dateTimeOf, lang, pick, setLang, t } from "./i18n.js";
import { api, logout, onLogout, loginForm, whoAmI } from "./session.js";
import { GRADE_COLOURS, GROUPS, HAZARD_COLOURS, PlantMap, escape } from "./map2d.js";

const $ = (id) => document.getElementById(id);
const view = { site: null, map: null, summary: null };
window.twinRegulator = view;
const FORMATS = [["gpkg", "GeoPackage", 4490], ["geojson", "GeoJSON (RFC 7946)", 4326], ["kml", "KML", 4326]];
// The one map shows the plant's risk picture, not its instruments.
const SHOWN = new Set(["zones", "risk_zones", "installations", "route_edges", "assembly_points", "rescue_resources", "exits"]);

function renderSummary() {
  const s = view.summary;
  if (!s) return;
  const rows = [
    [t("hazard_sources"), s.hazard_sources.total],
    ...[1, 2, 3, 4].map((g) => [`· ${t(`g${g}`)}`, s.hazard_sources.by_grade[g] ?? 0]),
    [t("risk_zones"), s.risk_zones.total],
    ...Object.keys(GRADE_COLOURS).map((g) => [`· ${t(g)}`, s.risk_zones.by_grade[g] ?? 0]),
    [t("active_alarms"), s.alarms.active],
    [t("unacked"), s.alarms.unacknowledged],
    [t("alarms_30d"), s.alarms.raised_30d],
  ];
  $("summary-list").innerHTML = rows.map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join("");
  $("summary-age").textContent = dateTimeOf(s.data_age.generated_utc);
}

function renderDownloads() {
  $("downloads").innerHTML = FORMATS.map(([f, label, srid]) =>
    `<button data-format="${f}" data-crs="${srid}">${escape(label)} · EPSG:${srid}</button>`).join("")
    + `<div>OGC API – Features (QGIS): <code>${escape(location.origin)}/ogc</code></div>`;
  $("downloads").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => download(b.dataset.format, b.dataset.crs)));
}

// The API wants a bearer token, which a plain link cannot carry: fetch, then save.
async function download(format, crs) {
  const blob = await api(`/api/v1/sites/${view.site}/onemap?format=${format}&crs=${crs}`);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${view.site}-onemap.${format}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function renderLegend() {
  const sw = (c) => `<span class="sw" style="background:${c}"></span>`;
  $("legend").innerHTML = `<strong>${t("legend")}</strong>`
    + Object.entries(GRADE_COLOURS).map(([g, c]) => `<div>${sw(c)}${t(g)}</div>`).join("")
    + Object.entries(HAZARD_COLOURS).map(([g, c]) => `<div>${sw(c)}${t("hazard_sources")} ${t(`g${g}`)}</div>`).join("");
}

async function openSite(code) {
  view.site = code;
  const meta = await api(`/api/v1/sites/${code}/map`);
  view.map?.remove();
  $("map").innerHTML = "";
  view.map = new PlantMap($("map"), meta, { sensorClicked: () => {}, describe: (layer, p, state) =>
    (layer === "installations" && state.grade ? [[t("grade"), t(`g${state.grade}`)]] : [["code", p.code]]) });
  await view.map.ready;
  for (const [group] of GROUPS) view.map.setVisible(group, SHOWN.has(group));
  for (const h of await api(`/api/v1/sites/${code}/hazard-sources`)) {
    const grade = h.live?.grade ?? h.registered?.grade;
    if (grade) view.map.setHazardGrade(h.code, grade);
  }
  await refresh();
}

async function refresh() {
  view.summary = await api(`/api/v1/sites/${view.site}/onemap/summary`);
  renderSummary();
}

async function start() {
  $("login").classList.add("hidden");
  ["app", "site", "logout"].forEach((id) => $(id).classList.remove("hidden"));
  const sites = await api("/api/v1/sites");
  $("site").innerHTML = sites.map((s) => `<option value="${s.code}">${escape(pick(s.name, s.name_en))}</option>`).join("");
  renderLegend();
  renderDownloads();
  if (sites.length) await openSite(sites[0].code);
  setInterval(refresh, 30_000);
}

function showLogin() {
  $("login").classList.remove("hidden");
  ["app", "site", "logout"].forEach((id) => $(id).classList.add("hidden"));
}

loginForm(start);
$("lang").value = lang;
$("lang").addEventListener("change", (e) => {
  setLang(e.target.value);
  renderSummary();
  renderLegend();
  view.map?.relabel();
});
$("site").addEventListener("change", (e) => openSite(e.target.value));
$("logout").addEventListener("click", logout);
onLogout(showLogin);
applyText();
whoAmI().then((me) => (me ? start() : showLogin())).catch(showLogin);
