// Side panels: active alarms (newest first, acknowledge), headcount per zone, wind, and the
// trend chart of one sensor.
import uPlot from "/vendor/uplot/uPlot.esm.js";
import { api, canAcknowledge } from "./session.js";
import { message, pick, t, timeOf } from "./i18n.js";
import { escape } from "./map2d.js";
import { drillBadge, unmarked } from "./drill.js";

const $ = (id) => document.getElementById(id);

export function renderAlarms(alarms, sensors, handlers) {
  const list = [...alarms.values()].sort((a, b) => b.raised_utc.localeCompare(a.raised_utc) || b.id - a.id);
  const unacked = list.filter((a) => !a.acked).length;
  $("alarm-count").textContent = list.length ? `${list.length} · ${t("unacked")} ${unacked}` : "";
  if (!list.length) {
    $("alarms").innerHTML = `<li class="empty">${escape(t("no_alarms"))}</li>`;
    return;
  }
  const ack = canAcknowledge() && !handlers.lookingBack();
  $("alarms").innerHTML = list.map((a) => {
    const sensor = sensors.get(a.sensor);
    const where = a.sensor
      ? `${a.sensor} ${pick(sensor?.name, sensor?.name_en)}`
      : [a.tag, handlers.zoneName(a.zone)].filter(Boolean).join(" · ");
    const value = a.value === null || a.value === undefined ? "" : ` · ${a.value}${sensor?.unit ? " " + sensor.unit : ""}`;
    const state = [a.acked ? t("acked") : t("unacked"), a.active ? "" : t("cleared")].filter(Boolean).join(" · ");
    // A drill's alarm is listed like a real one, under a DRILL badge.
    return `<li data-alarm-id="${escape(a.id)}" data-kind="${escape(a.kind)}" class="${a.acked ? "" : "unacked"} ${a.active ? "" : "cleared"}${a.drill_id ? " drill" : ""}">`
      + `<span class="bar"></span><span class="what">${drillBadge(a)}${escape(message(unmarked(a.message)))}${where ? ` · ${escape(where)}` : ""}</span>`
      + `<span class="act">${ack && !a.acked ? `<button data-ack="${a.id}">${escape(t("ack"))}</button>` : ""}`
      // A gas detector's alarm can become an incident in one click (commanders only).
      + `${handlers.canDeclare(a) ? `<button class="quiet" data-declare="${a.id}">${escape(t("declare_incident"))}</button>` : ""}</span>`
      + `<span class="meta">${escape(timeOf(a.raised_utc))}${escape(value)} · ${escape(state)}</span></li>`;
  }).join("");
  $("alarms").querySelectorAll("li[data-alarm-id]").forEach((li) => {
    li.addEventListener("click", (e) => {
      // Real alarms have numbers; a simulated drill's replayed alarms have names.
      const id = alarms.has(li.dataset.alarmId) ? li.dataset.alarmId : Number(li.dataset.alarmId);
      if (e.target.dataset.ack) handlers.acknowledge(id);
      else if (e.target.dataset.declare) handlers.declare(id);
      else handlers.locate(id);
    });
  });
}

export function renderIncidents(incidents, handlers) {
  const list = [...incidents.values()];
  $("incident-panel").classList.toggle("hidden", !list.length);
  $("incident-panel").classList.toggle("drill-only", list.length > 0 && list.every((i) => i.drill_id));
  $("incident-count").textContent = list.length ? String(list.length) : "";
  $("incidents").innerHTML = list.map((i) => {
    const s = i.situation || {};
    // The rate the zones use, and on what basis (a fit, the declared rate, a rejected fit).
    const used = s.release_kg_s ?? i.release_kg_s;
    const rate = used === null || used === undefined ? "—"
      : `${used.toPrecision(3)} kg/s (${s.release_basis ? escape(s.release_basis) : t(i.release_estimated ? "estimated" : "declared")}`
        + (s.fit ? ` · ${t("fit")} R² ${s.fit.r2.toFixed(2)}, ${s.fit.detectors}` : "") + ")";
    const wind = s.wind ? ` · ${t("wind_from")} ${Math.round(s.wind.from_deg)}° ${s.wind.speed_m_s.toFixed(1)} m/s` : "";
    const plan = i.plan ? `${pick(i.plan.name, i.plan.name_en)} (${i.plan.response_level})` : "—";
    const actions = i.plan ? i.plan.actions.slice(0, 3).map((a) => `<li>${escape(pick(a.zh, a.en))}</li>`).join("") : "";
    const r = i.responsible || {};
    const contacts = [r.principal, r.technical, r.operational].filter(Boolean).join(" / ")
      + (i.plan ? ` · ☎ ${i.plan.duty_phone}` : "");
    const resources = (i.resources || []).slice(0, 4).map((x) => `${pick(x.name, x.name_en) || x.code} ${Math.round(x.distance_m)} m`).join(" · ");
    const src = s.source || {};
    const leak = src.located
      ? `<div class="meta">${escape(t("leak_at"))}: ${escape(src.equipment || "")} `
        + `${escape(t("east"))} ${src.east_m} m, ${escape(t("north"))} ${src.north_m} m</div>` : "";
    const routes = routeSummary(s);
    const cmd = handlers.canCommand() ? `<form data-command="${i.id}"><input required maxlength="2000" aria-label="${escape(t("command"))}"><button>${escape(t("command"))}</button></form>` : "";
    return `<div class="incident${i.drill_id ? " drill" : ""}" data-incident-id="${escape(i.id)}">`
      + `<div class="what">${drillBadge(i)}${escape(unmarked(i.title))} · ${escape(pick(s.chemical_name, s.chemical_name_en) || i.chemical || "")}</div>`
      + `<div class="meta">${escape(t("release"))} ${escape(rate)}${escape(wind)} · ${escape(t("in_zones"))} <b data-people>${(i.people || []).length}</b></div>`
      + leak + (routes ? `<div class="meta" data-routes>${escape(t("routes"))}: ${escape(routes)}</div>` : "")
      + `<div class="plan">${escape(t("plan"))}: ${escape(plan)}<ol>${actions}</ol></div>`
      + `<div class="contacts">${escape(t("contacts"))}: ${escape(contacts || "—")}</div>`
      + `<div class="resources">${escape(t("resources_near"))}: ${escape(resources || "—")}</div>${cmd}</div>`;
  }).join("");
  $("incidents").querySelectorAll("form[data-command]").forEach((form) => {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const input = form.querySelector("input");
      handlers.command(Number(form.dataset.command), input.value).then(() => { input.value = ""; });
    });
  });
}

// One line for the commander: who is being led out (and not downwind), when the engine
// arrives, which rescue team goes in for whom, and who has no safe way.
function routeSummary(s) {
  const features = s.routes?.features || [];
  const of = (purpose) => features.filter((f) => f.properties.purpose === purpose);
  const out = [];
  const evac = of("evacuation");
  if (evac.length) {
    const safe = evac.filter((f) => f.properties.wind_side && f.properties.wind_side !== "downwind").length;
    out.push(`${t("evacuating")} ${evac.length} (${safe} ${t("not_downwind")})`);
  }
  for (const f of of("rescue")) out.push(`${t("engine")} ${Math.round(f.properties.eta_s)} ${t("seconds")}`);
  for (const f of of("rescue_team")) out.push(`${t("team")} → ${f.properties.person} ${Math.round(f.properties.eta_s)} ${t("seconds")}`);
  const none = (s.no_safe_route || []).length;
  if (none) out.push(`${t("no_safe_route")} ${none}`);
  return out.join(" · ");
}

// ``down``: why the count cannot be trusted ("positioning down since …"), shown instead of
// a total that would read as "nobody is there".
export function renderHeadcount(zones, down = null) {
  const rows = [...zones.values()].filter((z) => z.people > 0 || z.restricted)
    .sort((a, b) => b.people - a.people || a.zone.localeCompare(b.zone));
  const total = [...zones.values()].reduce((n, z) => n + z.people, 0);
  $("headcount-panel").classList.toggle("feed-down", Boolean(down));
  $("people-total").textContent = down || `${t("total")} ${total} ${t("people")}`;
  $("headcount").innerHTML = rows.map((z) => {
    const over = z.max_people !== null && z.max_people !== undefined && z.people > z.max_people;
    return `<tr data-zone="${escape(z.zone)}" class="${z.restricted ? "restricted" : ""} ${over ? "over" : ""}">`
      + `<td>${escape(pick(z.name, z.name_en) || z.zone)}</td>`
      + `<td class="n">${z.people}${z.max_people ? ` / ${z.max_people}` : ""}</td></tr>`;
  }).join("");
}

// Wall mode with ?rotate=N: the side panels take turns filling the column every N seconds.
export function rotatePanels(seconds) {
  const panels = ["alarms-panel", "headcount-panel"];
  let i = 0;
  setInterval(() => {
    i = (i + 1) % panels.length;
    panels.forEach((id, k) => { $(id).style.flex = k === i ? "1 1 80%" : "0 1 20%"; });
  }, seconds * 1000);
}

export function renderWind(speed, directionDeg, down = null) {
  const needle = $("wind-needle");
  if (speed === null || speed === undefined) {
    $("wind-text").textContent = down || t("no_wind");
    needle.setAttribute("visibility", "hidden");
    return;
  }
  // The needle points where the wind blows to: from the direction it comes from + 180°.
  needle.setAttribute("visibility", directionDeg === null ? "hidden" : "visible");
  if (directionDeg !== null) needle.setAttribute("transform", `rotate(${(directionDeg + 180) % 360})`);
  $("wind-text").innerHTML = `${escape(t("wind"))} <b>${speed.toFixed(1)}</b> m/s`
    + (directionDeg === null ? "" : ` · ${Math.round(directionDeg)}°`);
}

// One sensor's trend: the last hour from the history API, then live points appended.
export class Trend {
  constructor() {
    this.code = null;
    this.plot = null;
    $("trend-close").addEventListener("click", () => this.close());
  }

  async open(site, sensor) {
    this.close();
    this.code = sensor.code;
    $("trend").classList.remove("hidden");
    $("trend-title").textContent = `${sensor.code} · ${pick(sensor.name, sensor.name_en)} (${sensor.unit})`;
    const start = new Date(Date.now() - 3600_000).toISOString();
    const h = await api(`/api/v1/sites/${site}/history?sensors=${encodeURIComponent(sensor.code)}&start=${encodeURIComponent(start)}&interval=10s`);
    if (this.code !== sensor.code) return;
    const points = h.series[sensor.code] || [];
    this.xs = points.map((p) => Date.parse(p.ts) / 1000);
    this.ys = points.map((p) => p.mean);
    this.limits = [sensor.alarm_high_1, sensor.alarm_high_2];
    const box = $("trend-chart");
    const series = [{}, { label: sensor.code, stroke: "#3fa7ff", width: 2 }];
    this.limits.forEach((v, i) => { if (v !== null) series.push({ label: t(i ? "setpoint_2" : "setpoint_1"), stroke: i ? "#e53935" : "#ff9800", dash: [6, 4], width: 1.5 }); });
    this.plot = new uPlot({
      width: box.clientWidth, height: box.clientHeight - 8, series,
      axes: [{ stroke: "#8fa6bc", grid: { stroke: "#23384d" } }, { stroke: "#8fa6bc", grid: { stroke: "#23384d" } }],
      legend: { show: true },
    }, this.data(), box);
  }

  data() {
    const out = [this.xs, this.ys];
    for (const v of this.limits) if (v !== null) out.push(this.xs.map(() => v));
    return out;
  }

  append(code, reading) {
    if (!this.plot || code !== this.code || reading.value === null) return;
    const x = Date.parse(reading.ts) / 1000;
    if (this.xs.length && x <= this.xs[this.xs.length - 1]) return;
    this.xs.push(x);
    this.ys.push(reading.value);
    this.plot.setData(this.data());
  }

  close() {
    this.plot?.destroy();
    this.plot = null;
    this.code = null;
    $("trend").classList.add("hidden");
  }
}
