// The command map page: login, then the site's map with its live stream, alarm panel,
// headcount, wind, trend chart and a time slider to look back over the last day.
import { applyText, dateTimeOf, lang, pick, setLang, t } from "./i18n.js";
import { api, logout, onLogout, loginForm, user, whoAmI } from "./session.js";
import { LiveStream, STALE_AFTER_MS } from "./stream.js";
import { sensorState as stateOf } from "./states.js";
import { GROUPS, PlantMap, STATE_COLOURS, GRADE_COLOURS, HAZARD_COLOURS } from "./map2d.js";
import { renderAlarms, renderHeadcount, renderIncidents, renderWind, Trend } from "./panels.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// ?screen=wall: the control-room wall (no scrolling); ?rotate=20 cycles the side panels.
if (params.get("screen") === "wall") document.body.classList.add("wall");


const view = {
  site: null, map: null, stream: null, trend: new Trend(),
  sensors: new Map(), // code → sensor with set points and latest reading
  alarms: new Map(), // id → alarm (active, or cleared but not yet acknowledged)
  zones: new Map(), // code → headcount row
  positions: new Map(), // tag → {person, kind}
  incidents: new Map(), // id → the incident in full (zones, people, plan, resources)
  lookingBackAt: null, // Date while the slider is off "live"
  status: "offline",
};
window.twinView = view; // for the end-to-end tests and the browser console

function sensorState(code) {
  return stateOf(code, view.alarms, view.sensors);
}

function paintSensors(codes) {
  if (!view.map) return;
  for (const code of codes) if (view.sensors.has(code)) view.map.setSensorState(code, sensorState(code));
}

function describe(layer, props, state) {
  if (layer === "sensors") {
    const s = view.sensors.get(props.code) || props;
    const rows = [[t("value"), s.latest ? `${s.latest.value ?? "—"} ${s.unit}` : "—"],
      [t("quality"), t(`s_${state.state || "nodata"}`)]];
    if (s.latest) rows.push([t("time"), dateTimeOf(s.latest.ts)]);
    if (s.alarm_high_1 !== null && s.alarm_high_1 !== undefined) rows.push([t("setpoint_1"), `${s.alarm_high_1} ${s.unit}`]);
    if (s.alarm_high_2 !== null && s.alarm_high_2 !== undefined) rows.push([t("setpoint_2"), `${s.alarm_high_2} ${s.unit}`]);
    return rows;
  }
  if (layer === "installations" && state.grade) return [[t("grade"), t(`g${state.grade}`)], ["code", props.code]];
  if (layer === "people") return [["tag", props.tag], ["", t(props.kind)], [t("time"), dateTimeOf(props.ts)]];
  if (layer === "risk_zones") return [["", t(props.grade)], ["code", props.code]];
  return [["code", props.code], ...(props.kind ? [["", props.kind]] : [])];
}

// Same matrix as twin/auth/permissions.py ("incidents:command"); the server decides.
const COMMAND_ROLES = new Set(["admin", "commander", "safety_engineer"]);

const refreshing = new Map();
// The full incident (zones, people in them, plan, resources) is fetched on every change,
// at most every 2 s per incident: the live loop recomputes every few seconds.
function refreshIncident(id) {
  if (refreshing.has(id)) return;
  refreshing.set(id, setTimeout(async () => {
    refreshing.delete(id);
    const full = await api(`/api/v1/sites/${view.site}/incidents/${id}`);
    if (full.state === "open") view.incidents.set(id, full);
    else view.incidents.delete(id);
    paintIncidents();
    schedulePanels();
  }, view.incidents.has(id) ? 2000 : 0));
}

function paintIncidents() {
  const open = [...view.incidents.values()];
  view.map.setThreats(open.flatMap((i) => i.zones.features.map((f) => ({ ...f, properties: { ...f.properties, incident: i.id } }))));
  view.map.setRoutes(open.flatMap((i) => i.situation?.routes?.features || []));
  view.map.setLeaks(open.filter((i) => i.situation?.source).map((i) => ({
    type: "Feature", geometry: { type: "Point", coordinates: i.situation.source.lonlat },
    properties: { incident: i.id, located: i.situation.source.located } })));
  const inside = new Map(open.flatMap((i) => i.people.map((p) => [p.tag, p.level])));
  for (const tag of view.map.people.keys()) view.map.markPersonInThreat(tag, inside.get(tag));
}

// Opens a toxic-release incident at the alarm's detector; the loop draws its zones.
async function declare(alarmId) {
  try {
    const incident = await api(`/api/v1/sites/${view.site}/incidents`, {
      method: "POST", json: { kind: "toxic_release", alarm_id: alarmId },
    });
    refreshIncident(incident.id);
  } catch (err) {
    alert(`${t("command_failed")}: ${err.message}`);
  }
}

async function command(id, text) {
  try {
    await api(`/api/v1/sites/${view.site}/incidents/${id}/commands`, { method: "POST", json: { text } });
  } catch (err) {
    alert(`${t("command_failed")}: ${err.message}`);
  }
}

function renderPanels() {
  renderIncidents(view.incidents, { command, canCommand: () => COMMAND_ROLES.has(user()?.role) });
  renderAlarms(view.alarms, view.sensors, {
    acknowledge, locate, lookingBack: () => view.lookingBackAt !== null,
    declare,
    canDeclare: (a) => view.lookingBackAt === null && COMMAND_ROLES.has(user()?.role)
      && a.sensor && view.sensors.get(a.sensor)?.kind === "gas" && ["high_1", "high_2"].includes(a.kind)
      && ![...view.incidents.values()].some((i) => i.alarm_id === a.id),
    zoneName: (code) => (code ? pick(view.zones.get(code)?.name, view.zones.get(code)?.name_en) || code : ""),
  });
  renderHeadcount(view.zones);
  const wind = [...view.sensors.values()].find((s) => s.kind === "wind" && s.unit === "m/s" && s.latest);
  const direction = [...view.sensors.values()].find((s) => s.kind === "wind" && s.unit === "°" && s.latest);
  renderWind(wind ? wind.latest.value : null, direction ? direction.latest.value : null);
}

let panelsQueued = false;
function schedulePanels() {
  if (panelsQueued) return;
  panelsQueued = true;
  requestAnimationFrame(() => { panelsQueued = false; renderPanels(); });
}

function keepAlarm(alarm) {
  // A cleared alarm stays listed until someone acknowledges it; a closed one leaves.
  if (alarm.closed || (!alarm.active && alarm.acked) || alarm.drill_id) view.alarms.delete(alarm.id);
  else view.alarms.set(alarm.id, { ...view.alarms.get(alarm.id), ...alarm, sensor: alarm.sensor ?? view.alarms.get(alarm.id)?.sensor ?? null });
}

function onEvent(e) {
  if (view.lookingBackAt !== null && e.type !== "snapshot") return;
  if (e.type === "snapshot") {
    view.sensors = new Map(e.sensors.map((s) => [s.code, s]));
    view.alarms.clear();
    e.alarms.forEach(keepAlarm);
    view.zones = new Map(e.headcount.map((z) => [z.zone, z]));
    view.map.clearPeople();
    view.positions = new Map(e.positions.map((p) => [p.tag, p]));
    e.positions.forEach((p) => view.map.setPerson(p.tag, p));
    view.incidents.clear();
    paintIncidents();
    (e.incidents || []).forEach((i) => refreshIncident(i.id));
    if (view.lookingBackAt !== null) return;
    paintSensors(view.sensors.keys());
  } else if (e.type === "readings") {
    for (const [code, r] of Object.entries(e.sensors)) {
      const s = view.sensors.get(code);
      if (s) s.latest = r;
      view.trend.append(code, r);
    }
    paintSensors(Object.keys(e.sensors));
  } else if (e.type === "alarm") {
    keepAlarm(e.alarm);
    if (e.alarm.sensor) paintSensors([e.alarm.sensor]);
  } else if (e.type === "incident") {
    // The loop's recomputations come whole (zones, people, routes); a person's step only
    // says that something changed.
    if (e.incident.zones) {
      if (e.incident.state === "open") view.incidents.set(e.incident.id, e.incident);
      else view.incidents.delete(e.incident.id);
      paintIncidents();
    } else refreshIncident(e.incident.id);
  } else if (e.type === "headcount") {
    for (const [zone, people] of Object.entries(e.zones)) {
      const z = view.zones.get(zone) || { zone, name: zone, restricted: false, max_people: null, tags: [] };
      view.zones.set(zone, { ...z, people });
    }
  } else if (e.type === "positions") {
    for (const [tag, p] of Object.entries(e.tags)) {
      const known = view.positions.get(tag) || {};
      view.map.setPerson(tag, { ...known, ...p });
    }
  }
  schedulePanels();
}

async function acknowledge(id) {
  try {
    const alarm = await api(`/api/v1/sites/${view.site}/alarms/${id}/acknowledge`, { method: "POST", json: {} });
    keepAlarm(alarm);
    schedulePanels();
  } catch (err) {
    alert(`${t("ack_failed")}: ${err.message}`);
  }
}

async function locate(id) {
  const alarm = view.alarms.get(id);
  if (!alarm) return;
  if (alarm.sensor) {
    const f = await api(`/api/v1/sites/${view.site}/layers/sensors/${encodeURIComponent(alarm.sensor)}`);
    view.map.flyTo(f.geometry.coordinates);
    view.trend.open(view.site, view.sensors.get(alarm.sensor));
  } else if (alarm.tag && view.map.people.has(alarm.tag)) {
    view.map.flyTo(view.map.people.get(alarm.tag).geometry.coordinates);
  }
}

function setStatus(state) {
  view.status = state;
  updateStatus();
}

function updateStatus() {
  const el = $("status");
  let state = view.status;
  const age = view.stream ? view.stream.ageMs() : Infinity;
  if (view.lookingBackAt) state = "past";
  else if (state === "live" && age > STALE_AFTER_MS) state = "stale";
  el.dataset.state = state;
  const ageText = Number.isFinite(age) && !view.lookingBackAt ? ` · ${t("data_age")} ${Math.round(age / 1000)} ${t("seconds")}` : "";
  $("status-text").textContent = t(`status_${state}`) + ageText;
  $("clock").textContent = (view.lookingBackAt || new Date()).toLocaleString(lang, { hour12: false });
}

function buildLayerSwitcher() {
  // Detail layers start hidden; a choice survives a language switch.
  view.visible ??= new Map(GROUPS.map(([g]) => [g, !["equipment", "base_stations", "cameras"].includes(g)]));
  $("layer-list").innerHTML = `<strong>${t("layers")}</strong>` + GROUPS.map(([g]) =>
    `<label><input type="checkbox" data-group="${g}" ${view.visible.get(g) ? "checked" : ""}>${t(g)}</label>`).join("");
  $("layer-list").querySelectorAll("input").forEach((box) => {
    view.map.setVisible(box.dataset.group, box.checked);
    box.addEventListener("change", () => {
      view.visible.set(box.dataset.group, box.checked);
      view.map.setVisible(box.dataset.group, box.checked);
    });
  });
  const sw = (colour, round) => `<span class="sw${round ? " round" : ""}" style="background:${colour}"></span>`;
  $("legend").innerHTML = `<strong>${t("legend")}</strong>`
    + Object.entries(GRADE_COLOURS).map(([g, c]) => `<div>${sw(c)}${t(g)}</div>`).join("")
    + Object.entries(HAZARD_COLOURS).map(([g, c]) => `<div>${sw(c)}${t("hazard_sources")} ${t(`g${g}`)}</div>`).join("")
    + ["ok", "high_1", "high_2", "fault", "stale", "nodata"].map((s) => `<div>${sw(STATE_COLOURS[s], true)}${t(`s_${s}`)}</div>`).join("");
}

async function lookBack(seconds) {
  if (seconds >= 0) {
    view.lookingBackAt = null;
    $("slider-label").textContent = t("live");
    view.stream?.close();
    startStream();
    return;
  }
  const at = new Date(Date.now() + seconds * 1000);
  view.lookingBackAt = at;
  view.stream?.close();
  $("slider-label").textContent = dateTimeOf(at.toISOString());
  const past = await api(`/api/v1/sites/${view.site}/at?ts=${encodeURIComponent(at.toISOString())}`);
  if (view.lookingBackAt !== at) return;
  for (const s of view.sensors.values()) s.latest = past.sensors[s.code] || null;
  view.alarms.clear();
  past.alarms.forEach(keepAlarm);
  view.map.clearPeople();
  for (const [tag, p] of Object.entries(past.positions)) view.map.setPerson(tag, { ...(view.positions.get(tag) || {}), ...p });
  paintSensors(view.sensors.keys());
  updateStatus();
  schedulePanels();
}

function startStream() {
  view.stream = new LiveStream(view.site, { event: onEvent, state: setStatus });
}

async function openSite(code) {
  view.stream?.close();
  view.trend.close();
  view.site = code;
  const meta = await api(`/api/v1/sites/${code}/map`);
  view.map?.remove();
  $("map").innerHTML = "";
  view.map = new PlantMap($("map"), meta, {
    sensorClicked: (c) => view.sensors.has(c) && view.trend.open(view.site, view.sensors.get(c)),
    describe,
  });
  // Hazard grades and the stream's snapshot are asked for while the map fetches its tiles
  // and are laid on as soon as its style is in: MapLibre keeps feature state for tiles
  // still loading, so the first full picture already shows them. Waiting for map "load"
  // first put two round trips and a redraw each after the tiles: about 0.3 s of the wall
  // screen's first meaningful paint (bench/bench_viewer.py; software WebGL redraws slowly).
  // The order stays: grades are painted before the stream goes live.
  const map = view.map;
  const hazards = api(`/api/v1/sites/${code}/hazard-sources`);
  hazards.catch(() => {}); // awaited below; no "unhandled rejection" meanwhile
  await map.styled;
  if (view.map !== map) return; // another site was opened meanwhile
  buildLayerSwitcher();
  for (const h of await hazards) {
    const grade = h.live?.grade ?? h.registered?.grade;
    if (grade) map.setHazardGrade(h.code, grade);
  }
  if (view.map === map) startStream();
}

async function start() {
  $("login").classList.add("hidden");
  ["app", "site", "logout", "status", "to-3d"].forEach((id) => $(id).classList.remove("hidden"));
  const sites = await api("/api/v1/sites");
  $("site").innerHTML = sites.map((s) => `<option value="${s.code}">${pick(s.name, s.name_en)}</option>`).join("");
  const wanted = params.get("site");
  const first = sites.find((s) => s.code === wanted) || sites[0];
  if (first) {
    $("site").value = first.code;
    await openSite(first.code);
  }
  const rotate = Number(params.get("rotate"));
  if (rotate > 0) rotatePanels(rotate);
}

// Wall mode with ?rotate=N: the side panels take turns filling the column every N seconds.
function rotatePanels(seconds) {
  const panels = ["alarms-panel", "headcount-panel"];
  let i = 0;
  setInterval(() => {
    i = (i + 1) % panels.length;
    panels.forEach((id, k) => { $(id).style.flex = k === i ? "1 1 80%" : "0 1 20%"; });
  }, seconds * 1000);
}

function showLogin() {
  view.stream?.close();
  $("login").classList.remove("hidden");
  ["app", "site", "logout", "status", "to-3d"].forEach((id) => $(id).classList.add("hidden"));
}

loginForm(start);
$("lang").addEventListener("change", (e) => {
  setLang(e.target.value);
  if (view.map) {
    buildLayerSwitcher();
    view.map.relabel();
  }
  renderPanels();
  updateStatus();
});
$("logout").addEventListener("click", logout);
$("site").addEventListener("change", (e) => openSite(e.target.value));
$("slider").addEventListener("change", (e) => lookBack(Number(e.target.value)));
$("live-btn").addEventListener("click", () => { $("slider").value = 0; lookBack(0); });
onLogout(showLogin);
setInterval(updateStatus, 1000);

$("lang").value = lang;
applyText();
$("slider-label").textContent = t("live");
whoAmI().then((me) => (me ? start() : showLogin())).catch(showLogin);
