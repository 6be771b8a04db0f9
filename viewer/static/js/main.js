// The command map page: login, then the site's map with its live stream, alarm panel,
// headcount, wind, trend chart, a time slider to look back over the last day, the replay
// of a past period or a simulated drill (replay.js) and the DRILL banner (drill.js).
import { applyText, dateTimeOf, lang, pick, setLang, t } from "./i18n.js";
import { api, logout, onLogout, loginForm, user, whoAmI } from "./session.js";
import { LiveStream, STALE_AFTER_MS } from "./stream.js";
import { sensorState as stateOf } from "./states.js";
import { PlantMap } from "./map2d.js";
import { buildLayerSwitcher, describe } from "./layers.js";
import { renderAlarms, renderHeadcount, renderIncidents, renderWind, rotatePanels, Trend } from "./panels.js";
import { DrillBanner } from "./drill.js";
import { ReplayControls, replayAsked } from "./replay.js";
import { Feeds, feedSummary, sinceText } from "./feeds.js";

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
  replay: null, // the replay's newest clock message while one plays instead of the stream
  status: "offline",
  feeds: new Feeds(), // each live feed's state, as the server judges it
};
window.twinView = view; // for the end-to-end tests and the browser console

function sensorState(code) {
  return stateOf(code, view.alarms, view.sensors);
}

function paintSensors(codes) {
  if (!view.map) return;
  for (const code of codes) if (view.sensors.has(code)) view.map.setSensorState(code, sensorState(code));
}

// Same matrix as twin/auth/permissions.py ("incidents:command", "drills:run"); the
// server decides.
const COMMAND_ROLES = new Set(["admin", "commander", "safety_engineer"]);
const DRILL_RUN_ROLES = new Set(["admin", "drill_planner", "commander"]);

// Looking back or replaying: the map shows the past, where nothing can be acknowledged,
// declared or stopped.
const inThePast = () => view.lookingBackAt !== null || view.replay !== null;

const refreshing = new Map();
// The full incident (zones, people in them, plan, resources) is fetched on every change,
// at most every 2 s per incident: the live loop recomputes every few seconds.
// Never in a replay: REST answers with the present, the replay's payloads are the past.
function refreshIncident(id) {
  if (refreshing.has(id) || view.replay) return;
  refreshing.set(id, setTimeout(async () => {
    refreshing.delete(id);
    if (view.replay) return;
    const full = await api(`/api/v1/sites/${view.site}/incidents/${id}`);
    if (view.replay) return; // a replay began meanwhile
    if (full.state === "open") view.incidents.set(id, full);
    else view.incidents.delete(id);
    paintIncidents();
    schedulePanels();
  }, view.incidents.has(id) ? 2000 : 0));
}

function paintIncidents() {
  const open = [...view.incidents.values()];
  view.map.setThreats(open.flatMap((i) => (i.zones?.features || []).map((f) => ({ ...f, properties: { ...f.properties, incident: i.id } }))));
  view.map.setRoutes(open.flatMap((i) => i.situation?.routes?.features || []));
  view.map.setLeaks(open.filter((i) => i.situation?.source).map((i) => ({
    type: "Feature", geometry: { type: "Point", coordinates: i.situation.source.lonlat },
    properties: { incident: i.id, located: i.situation.source.located } })));
  const inside = new Map(open.flatMap((i) => (i.people || []).map((p) => [p.tag, p.level])));
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
  renderIncidents(view.incidents, { command, canCommand: () => !inThePast() && COMMAND_ROLES.has(user()?.role) });
  renderAlarms(view.alarms, view.sensors, {
    acknowledge, locate, lookingBack: inThePast,
    declare,
    // A drill alarm never opens a real incident (the drill opens its own).
    canDeclare: (a) => !inThePast() && !a.drill_id && COMMAND_ROLES.has(user()?.role)
      && a.sensor && view.sensors.get(a.sensor)?.kind === "gas" && ["high_1", "high_2"].includes(a.kind)
      && ![...view.incidents.values()].some((i) => i.alarm_id === a.id),
    zoneName: (code) => (code ? pick(view.zones.get(code)?.name, view.zones.get(code)?.name_en) || code : ""),
  });
  // Replayed and looked-back views show the past: no feed judges them.
  const live = !view.replay && view.lookingBackAt === null;
  const positioning = live ? view.feeds.positioningDown() : null;
  renderHeadcount(view.zones, positioning && `${t("positioning_down")} ${t("since")} ${sinceText(positioning.since_utc, lang)}`);
  const windFeeds = live ? view.feeds.ofKind("wind") : [];
  const windDown = windFeeds.length > 0 && windFeeds.every((f) => f.state === "down");
  const wind = [...view.sensors.values()].find((s) => s.kind === "wind" && s.unit === "m/s" && s.latest);
  const direction = [...view.sensors.values()].find((s) => s.kind === "wind" && s.unit === "°" && s.latest);
  if (windDown) renderWind(null, null, t("wind_down"));
  else renderWind(wind ? wind.latest.value : null, direction ? direction.latest.value : null);
}

let panelsQueued = false;
function schedulePanels() {
  if (panelsQueued) return;
  panelsQueued = true;
  requestAnimationFrame(() => { panelsQueued = false; renderPanels(); });
}

function keepAlarm(alarm) {
  // A cleared alarm stays listed until someone acknowledges it; a closed one leaves.
  if (alarm.closed || (!alarm.active && alarm.acked)) view.alarms.delete(alarm.id);
  else view.alarms.set(alarm.id, { ...view.alarms.get(alarm.id), ...alarm, sensor: alarm.sensor ?? view.alarms.get(alarm.id)?.sensor ?? null });
}

// An incident as its message gives it: whole when it has zones; in a replay, a partial
// one adds to what was drawn (a replay never asks REST). Closed ones leave the map.
function placeIncident(i) {
  if (i.state === "open") view.incidents.set(i.id, i.zones ? i : { ...view.incidents.get(i.id), ...i });
  else view.incidents.delete(i.id);
  paintIncidents();
}

// A drill that ended takes its alarms and incident off the map (a simulation's log never
// closes them itself).
function dropDrill(drillId) {
  for (const [id, a] of view.alarms) if (a.drill_id === drillId) view.alarms.delete(id);
  for (const [id, i] of view.incidents) if (i.drill_id === drillId) view.incidents.delete(id);
  paintIncidents();
  paintSensors(view.sensors.keys());
}

function onEvent(e) {
  if (view.lookingBackAt !== null && e.type !== "snapshot") return;
  if (e.type === "snapshot") {
    // A drill's alarms and incident are shown while the drill runs, under its banner.
    const running = new Set((e.drills || []).map((d) => d.drill_id));
    const shown = (x) => !x.drill_id || running.has(x.drill_id);
    view.drill.reset(e.drills || []);
    view.map.setDensity({});
    view.sensors = new Map(e.sensors.map((s) => [s.code, s]));
    view.alarms.clear();
    e.alarms.filter(shown).forEach(keepAlarm);
    view.zones = new Map(e.headcount.map((z) => [z.zone, z]));
    view.feeds.reset(e.feeds);
    view.map.clearPeople();
    view.positions = new Map(e.positions.map((p) => [p.tag, p]));
    e.positions.forEach((p) => view.map.setPerson(p.tag, p));
    view.incidents.clear();
    paintIncidents();
    const incidents = (e.incidents || []).filter(shown);
    if (view.replay) incidents.forEach(placeIncident);
    else incidents.forEach((i) => refreshIncident(i.id));
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
    if (e.incident.zones || view.replay) placeIncident(e.incident);
    else refreshIncident(e.incident.id);
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
  } else if (e.type === "feed") {
    view.feeds.update(e.feed);
    updateStatus();
  } else if (e.type === "density") view.map.setDensity(e.edges);
  else if (["drill", "inject", "muster"].includes(e.type)) {
    const ended = view.drill.onEvent(e);
    if (ended) dropDrill(ended);
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
    // The trend is the last hour up to now: not what a replay is showing.
    if (!view.replay) view.trend.open(view.site, view.sensors.get(alarm.sensor));
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
  if (view.replay) {
    el.dataset.state = "replay";
    $("status-text").textContent = `${t("replay_mark")} · ×${view.replay.speed} · ${t(`replay_${view.replay.state}`)}`;
    $("clock").textContent = new Date(view.replay.t).toLocaleString(lang, { hour12: false });
    return;
  }
  let state = view.status;
  const age = view.stream ? view.stream.ageMs() : Infinity;
  if (view.lookingBackAt) state = "past";
  else if (state === "live" && age > STALE_AFTER_MS) state = "stale";
  // Never "live" while a feed is down: the stream ticking proves only that one is not.
  const worst = state === "live" ? view.feeds.worst() : { state: "live", feeds: [] };
  const feeds = feedSummary(worst, lang);
  el.dataset.state = worst.state === "down" ? "down" : worst.state === "late" ? "stale" : state;
  el.title = feeds.title;
  const ageText = Number.isFinite(age) && !view.lookingBackAt ? ` · ${t("data_age")} ${Math.round(age / 1000)} ${t("seconds")}` : "";
  $("status-text").textContent = (feeds.text || t(`status_${state}`)) + ageText;
  $("clock").textContent = (view.lookingBackAt || new Date()).toLocaleString(lang, { hour12: false });
  view.drill.tick();
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
  // An instant carries no drill banner, so no drill alarm either (replay shows drills).
  past.alarms.filter((a) => !a.drill_id).forEach(keepAlarm);
  view.drill.reset();
  view.map.clearPeople();
  for (const [tag, p] of Object.entries(past.positions)) view.map.setPerson(tag, { ...(view.positions.get(tag) || {}), ...p });
  paintSensors(view.sensors.keys());
  updateStatus();
  schedulePanels();
}

function startStream() {
  view.stream = new LiveStream(view.site, { event: onEvent, state: setStatus });
}

async function openSite(code, replayed = null) {
  view.stream?.close();
  replay.stop(false);
  view.trend.close();
  view.site = code;
  const meta = await api(`/api/v1/sites/${code}/map`);
  view.map?.remove();
  $("map").innerHTML = "";
  view.map = new PlantMap($("map"), meta, {
    sensorClicked: (c) => view.sensors.has(c) && !view.replay && view.trend.open(view.site, view.sensors.get(c)),
    describe: (layer, props, state) => describe(view, layer, props, state),
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
  buildLayerSwitcher(view);
  for (const h of await hazards) {
    const grade = h.live?.grade ?? h.registered?.grade;
    if (grade) map.setHazardGrade(h.code, grade);
  }
  if (view.map !== map) return;
  if (replayed) replay.start(replayed);
  else startStream();
}

async function start() {
  $("login").classList.add("hidden");
  ["app", "site", "logout", "status", "to-3d", "to-drills"].forEach((id) => $(id).classList.remove("hidden"));
  $("to-drills").classList.toggle("hidden", user()?.role === "regulator"); // no drills:read
  const sites = await api("/api/v1/sites");
  $("site").innerHTML = sites.map((s) => `<option value="${s.code}">${pick(s.name, s.name_en)}</option>`).join("");
  const wanted = params.get("site");
  const first = sites.find((s) => s.code === wanted) || sites[0];
  if (first) {
    $("site").value = first.code;
    await openSite(first.code, replayAsked(params));
  }
  const rotate = Number(params.get("rotate"));
  if (rotate > 0) rotatePanels(rotate);
}

function showLogin() {
  view.stream?.close();
  replay.stop(false);
  $("login").classList.remove("hidden");
  ["app", "site", "logout", "status", "to-3d", "to-drills"].forEach((id) => $(id).classList.add("hidden"));
}

view.drill = new DrillBanner($("drill-banner"), {
  now: () => (view.replay ? new Date(view.replay.t) : new Date()),
  // A simulation runs on its own clock: its drill message gives the wall-clock start.
  origin: (d) => (d.mode === "simulation" ? replay.period?.origin ?? null : null),
  canStop: (d) => d.mode === "live" && !inThePast() && DRILL_RUN_ROLES.has(user()?.role),
  stop: async (d) => {
    if (!confirm(`${t("confirm_stop")} ${d.name}`)) return;
    try {
      await api(`/api/v1/sites/${view.site}/drills/runs/${d.run}/stop`, { method: "POST", json: {} });
    } catch (err) {
      alert(`${t("command_failed")}: ${err.message}`);
    }
  },
});

const replay = new ReplayControls({
  site: () => view.site,
  enter: () => {
    view.stream?.close();
    view.stream = null;
    view.lookingBackAt = null;
    $("slider").value = 0;
    $("slider-label").textContent = t("live");
    view.trend.close();
    view.replay = { state: "connecting", t: new Date().toISOString(), speed: 1 };
    document.body.classList.add("replaying");
    updateStatus();
  },
  event: onEvent,
  clock: (c) => {
    view.replay = c;
    updateStatus();
  },
  leave: (resume) => {
    view.replay = null;
    document.body.classList.remove("replaying");
    // Live again: a reload (or the next login) must not replay the address's period.
    if (params.has("replay")) {
      ["replay", "start", "end", "speed"].forEach((key) => params.delete(key));
      history.replaceState(null, "", `${location.pathname}${params.toString() ? `?${params}` : ""}`);
    }
    if (resume) startStream();
    updateStatus();
  },
});

loginForm(start);
$("lang").addEventListener("change", (e) => {
  setLang(e.target.value);
  if (view.map) {
    buildLayerSwitcher(view);
    view.map.relabel();
  }
  renderPanels();
  view.drill.render();
  if (replay.active) replay.render();
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
