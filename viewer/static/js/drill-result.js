// A drill run's evaluation on the drills page: the score, each measure against the plan's
// target (met or missed, and whether measured, simulated or assumed), who mustered, the
// muster curve (uPlot) and the way to the report and, for a simulation, its replay.
import uPlot from "/vendor/uplot/uPlot.esm.js";
import "./text-drills.js";
import { dateTimeOf, pick, t } from "./i18n.js";
import { escape } from "./map2d.js";

const UNITS = { s: "seconds_short", people: "people_short", "person-min": "person_min" };

function amount(value, unit) {
  if (value === null || value === undefined) return "—";
  const shown = Number.isInteger(value) ? String(value) : Number(value).toFixed(1);
  return `${shown} ${UNITS[unit] ? t(UNITS[unit]) : unit}`;
}

function verdict(m) {
  if (m.passed === null || m.passed === undefined) return `<span class="verdict none">${escape(t("no_target"))}</span>`;
  return `<span class="verdict ${m.passed ? "met" : "missed"}">${escape(t(m.passed ? "met" : "missed"))}</span>`;
}

// The simulated run's replay on the command map, over the run's own clock.
export function replayHref(run) {
  const q = new URLSearchParams({ replay: run.drill_id, start: run.plant_start_utc, speed: "30" });
  if (run.plant_end_utc) q.set("end", run.plant_end_utc);
  return `/?${q}`;
}

// Fills box with the run's evaluation; returns the chart (to destroy before the next).
// hooks: { report(run, format) }
export function renderResult(box, run, hooks) {
  const head = `<h2><span>${escape(t("result"))} · ${escape(run.drill_id)}</span>`
    + `<small>${escape(run.scenario.code)} v${run.scenario.version} · ${escape(t(`mode_${run.mode}`))} · ${escape(t(`st_${run.state}`))}</small></h2>`;
  const r = run.result;
  if (run.state === "running" || !r) {
    box.innerHTML = head + `<p class="muted" data-state="running">${escape(t(run.mode === "simulation" ? "simulating" : "live_running"))}</p>`;
    return null;
  }
  if (run.state === "failed" || r.error) {
    box.innerHTML = head + `<p class="error">${escape(t("run_failed"))}: ${escape(r.error || "")}</p>`;
    return null;
  }
  const score = r.score === null || r.score === undefined ? "—" : `${Math.round(r.score * 100)}%`;
  const people = r.people || {};
  const rows = (r.measures || []).map((m) => `<tr data-key="${escape(m.key)}" class="${m.passed === false ? "missed" : ""}">`
    + `<td>${escape(t(`m_${m.key}`))}</td><td class="n">${escape(amount(m.value, m.unit))}</td>`
    + `<td class="n">${escape(amount(m.target, m.unit))}</td><td>${verdict(m)}</td><td>${escape(t(`b_${m.basis}`))}</td></tr>`).join("");
  const plan = r.plan ? `${pick(r.plan.name, r.plan.name_en)} (${r.plan.code} · ${r.plan.version})` : "—";
  box.innerHTML = head
    + `<div class="score"><b data-score>${escape(score)}</b><span>${escape(t("score"))}</span>`
    + `<span>${escape(t("expected"))} <b>${escape(people.expected ?? "—")}</b> · ${escape(t("mustered"))} <b>${escape(people.mustered ?? "—")}</b>`
    + ` · ${escape(t("missing"))} <b>${escape((people.missing || []).length)}</b></span></div>`
    + `<div class="muted">${escape(t("plan"))}: ${escape(plan)} · ${escape(dateTimeOf(run.started_utc))}</div>`
    + `<table class="measures"><thead><tr><th>${escape(t("measure"))}</th><th>${escape(t("value"))}</th><th>${escape(t("target"))}</th>`
    + `<th>${escape(t("verdict"))}</th><th>${escape(t("basis"))}</th></tr></thead><tbody>${rows}</tbody></table>`
    + `<h3>${escape(t("muster_curve"))}</h3><div id="muster-chart"></div>`
    + `<div class="links"><button type="button" data-report="html">${escape(t("report"))} HTML</button>`
    + `<button type="button" class="quiet" data-report="pdf">${escape(t("report"))} PDF</button>`
    + (run.mode === "simulation" ? `<a class="button" id="replay-link" href="${escape(replayHref(run))}">${escape(t("replay_on_map"))}</a>` : "")
    + `</div>`;
  box.querySelectorAll("button[data-report]").forEach((b) => b.addEventListener("click", () => hooks.report(run, b.dataset.report)));
  return musterChart(box.querySelector("#muster-chart"), r.muster_curve || [], people.expected);
}

function musterChart(el, curve, expected) {
  if (!curve.length) return null;
  const xs = curve.map(([s]) => s);
  const series = [{ label: t("seconds_short") },
    { label: t("mustered"), stroke: "#00e676", width: 2, fill: "rgba(0, 230, 118, .12)", points: { show: false } }];
  const data = [xs, curve.map(([, n]) => n)];
  if (expected) {
    series.push({ label: t("expected"), stroke: "#ffb300", dash: [6, 4], width: 1.5, points: { show: false } });
    data.push(xs.map(() => expected));
  }
  return new uPlot({
    width: Math.max(300, el.clientWidth), height: 220, series,
    scales: { x: { time: false } }, legend: { live: false },
    axes: [{ stroke: "#8fa6bc", grid: { stroke: "#23384d" }, label: t("seconds_short") },
      { stroke: "#8fa6bc", grid: { stroke: "#23384d" } }],
  }, data, el);
}
