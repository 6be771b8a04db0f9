// The drill scenario form: every field of twin/drills/schemas.py, pickers fed from the
// site's layers (hazard sources, sensors, equipment, zones, route edges), rows of zones
// and injects to add and remove, the checks the page can make itself, and the server's
// 422 reasons shown next to the fields they name (and all of them at the top).
import "./text-drills.js";
import { api } from "./session.js";
import { applyText, pick, t } from "./i18n.js";
import { escape } from "./map2d.js";

const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAX_DURATION_S = 8 * 3600;
const RELEASE_KINDS = ["toxic_release", "fire", "explosion"];
const INJECT_KINDS = ["alarm", "phone_report", "pump_failure", "casualty", "note"];
// What an inject names as its target (schemas.Inject); a report or a note may name a zone.
const TARGET_LAYER = { alarm: "sensors", pump_failure: "equipment", casualty: "zones", phone_report: "zones", note: "zones" };
const NEEDS_TARGET = new Set(["alarm", "pump_failure", "casualty"]);
// A new scenario starts from the server's own defaults (schemas.py).
const DEFAULTS = {
  code: "", name: "", description: "", time_of_day: "10:00", duration_s: 900,
  release: { hazard_source: "", kind: "toxic_release", chemical: null, rate_kg_s: 1, duration_s: 600, start_s: 0 },
  weather: { wind_m_s: 2, wind_from_deg: 270, stability: null },
  population: { mode: "current", template: {}, premovement: { kind: "lognormal", low_s: 30, high_s: 120 } },
  blocked_routes: [], injects: [],
  assumed_response: { alarm_to_ack_s: 60, first_command_s: 120, evacuation_order_s: 90 },
  auto_declare: true, seed: 1,
};

const field = (where, label, input, wide = false) =>
  `<label class="field${wide ? " wide" : ""}" data-where="${where}"><span data-i18n="${label}"></span>${input}<small class="err"></small></label>`;
const num = (name, extra = "") => `<input name="${name}" type="number" step="any" ${extra}>`;
const options = (values, prefix) => values.map((v) => `<option value="${v}" data-i18n="${prefix}${v}"></option>`).join("");

const FORM = `<div id="form-errors" class="form-errors hidden" role="alert"></div>
<div class="grid">
  ${field("code", "f_code", `<input name="code" maxlength="64" autocomplete="off">`)}
  ${field("name", "f_name", `<input name="name" maxlength="200">`)}
  ${field("time_of_day", "f_time_of_day", `<input name="time_of_day" type="time">`)}
  ${field("duration_s", "f_duration", num("duration_s", 'min="60"'))}
  ${field("description", "f_description", `<textarea name="description" rows="2" maxlength="4000"></textarea>`, true)}
</div>
<fieldset><legend data-i18n="f_release"></legend><div class="grid">
  ${field("release.hazard_source", "f_hazard_source", `<select name="release.hazard_source"></select>`)}
  ${field("release.kind", "f_kind", `<select name="release.kind">${options(RELEASE_KINDS, "k_")}</select>`)}
  ${field("release.chemical", "f_chemical", `<input name="release.chemical" list="chemicals" maxlength="64"><datalist id="chemicals"></datalist>`)}
  ${field("release.rate_kg_s", "f_rate", num("release.rate_kg_s", 'min="0"'))}
  ${field("release.duration_s", "f_release_duration", num("release.duration_s", 'min="0"'))}
  ${field("release.start_s", "f_start", num("release.start_s", 'min="0"'))}
</div></fieldset>
<fieldset><legend data-i18n="f_weather"></legend><div class="grid">
  ${field("weather.wind_m_s", "f_wind", num("weather.wind_m_s", 'min="0.5" max="30"'))}
  ${field("weather.wind_from_deg", "f_wind_from", num("weather.wind_from_deg", 'min="0" max="359.9"'))}
  ${field("weather.stability", "f_stability", `<select name="weather.stability"><option value="" data-i18n="auto"></option>${["A", "B", "C", "D", "E", "F"].map((c) => `<option>${c}</option>`).join("")}</select>`)}
</div></fieldset>
<fieldset data-where="population"><legend data-i18n="f_population"></legend><small class="err"></small><div class="grid">
  ${field("population.mode", "f_population", `<select name="population.mode"><option value="current" data-i18n="mode_current"></option><option value="template" data-i18n="mode_template"></option></select>`)}
  ${field("population.premovement.kind", "f_premovement", `<select name="population.premovement.kind">${options(["lognormal", "uniform", "fixed"], "pm_")}</select>`)}
  ${field("population.premovement.low_s", "f_low", num("population.premovement.low_s", 'min="0"'))}
  ${field("population.premovement.high_s", "f_high", num("population.premovement.high_s", 'min="0"'))}
</div>
<div class="rows" id="template-rows" data-where="population.template"><small class="err"></small></div>
<button type="button" class="quiet" id="add-zone" data-i18n="add_zone"></button></fieldset>
<fieldset data-where="blocked_routes"><legend data-i18n="f_blocked"></legend><small class="err"></small>
  <div id="route-chips" class="chips"></div>
  <input id="route-pick" list="route-list" autocomplete="off" aria-label="route"><datalist id="route-list"></datalist>
  <button type="button" class="quiet" id="add-route" data-i18n="add"></button></fieldset>
<fieldset data-where="injects"><legend data-i18n="f_injects"></legend><small class="err"></small>
  <div class="rows" id="inject-rows"></div>
  <button type="button" class="quiet" id="add-inject" data-i18n="add_inject"></button></fieldset>
<fieldset data-where="assumed_response"><legend data-i18n="f_response"></legend><div class="grid">
  ${field("assumed_response.alarm_to_ack_s", "f_ack", num("assumed_response.alarm_to_ack_s", 'min="0"'))}
  ${field("assumed_response.first_command_s", "f_first_command", num("assumed_response.first_command_s", 'min="0"'))}
  ${field("assumed_response.evacuation_order_s", "f_evac_order", num("assumed_response.evacuation_order_s", 'min="0"'))}
  ${field("seed", "f_seed", num("seed", 'min="0" step="1"'))}
  <label class="field check" data-where="auto_declare"><input name="auto_declare" type="checkbox"><span data-i18n="f_auto_declare"></span></label>
</div></fieldset>
<div class="actions"><button type="submit" id="save-scenario"></button>
  <button type="button" class="quiet" id="cancel-scenario" data-i18n="cancel"></button><span id="form-status"></span></div>`;

export class ScenarioForm {
  // hooks: { saved(row), cancelled() }
  constructor(form, hooks) {
    this.form = form;
    this.hooks = hooks;
    this.layers = { installations: [], sensors: [], equipment: [], zones: [], route_edges: [] };
    this.editing = null; // the code of the scenario a new version is made of; null: new
    form.noValidate = true; // the page checks, in the user's language
    form.innerHTML = FORM;
    const $ = (sel) => form.querySelector(sel);
    $("#add-zone").addEventListener("click", () => this.addZone());
    $("#add-inject").addEventListener("click", () => this.addInject());
    $("#add-route").addEventListener("click", () => this.addRoute($("#route-pick").value.trim()));
    $("#cancel-scenario").addEventListener("click", () => this.hooks.cancelled());
    form.elements["release.hazard_source"].addEventListener("change", () => this.chemicals());
    form.elements["population.mode"].addEventListener("change", () => this.templateShown());
    form.addEventListener("click", (e) => {
      if (e.target.dataset.remove === undefined) return;
      e.target.closest("[data-row]").remove();
      this.renumber();
    });
    form.addEventListener("change", (e) => {
      if (e.target.name === "kind" && e.target.closest(".inject")) this.targets(e.target.closest(".inject"));
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  async load(site) {
    this.site = site;
    const names = Object.keys(this.layers);
    const got = await Promise.all(names.map((n) => api(`/api/v1/sites/${site}/layers/${n}`)));
    names.forEach((n, i) => { this.layers[n] = got[i].features.map((f) => f.properties); });
    this.relabel();
  }

  label(layer, code) {
    const p = this.layers[layer].find((x) => x.code === code);
    return p ? `${code} · ${pick(p.name, p.name_en)}` : code;
  }

  pickerOptions(layer, selected, blank = false) {
    let rows = this.layers[layer];
    // A drill is scored against the plan covering its source: only hazard sources.
    if (layer === "installations") rows = rows.filter((p) => p.is_hazard_source);
    return (blank ? `<option value="">—</option>` : "")
      + rows.map((p) => `<option value="${escape(p.code)}" ${p.code === selected ? "selected" : ""}>${escape(this.label(layer, p.code))}</option>`).join("");
  }

  // Pickers and labels in the current language (after a language switch too).
  relabel() {
    applyText(this.form);
    const source = this.form.elements["release.hazard_source"];
    source.innerHTML = this.pickerOptions("installations", source.value);
    this.form.querySelector("#route-list").innerHTML = this.layers.route_edges
      .map((p) => `<option value="${escape(p.code)}">${escape(pick(p.name, p.name_en) || p.kind || "")}</option>`).join("");
    this.form.querySelectorAll("#template-rows [data-row] select").forEach((s) => { s.innerHTML = this.pickerOptions("zones", s.value); });
    this.form.querySelectorAll(".inject").forEach((row) => this.targets(row));
    this.form.querySelector("#save-scenario").textContent = t(this.editing ? "save_version" : "save_new");
    this.chemicals();
  }

  chemicals() {
    const code = this.form.elements["release.hazard_source"].value;
    const inventory = this.layers.installations.find((p) => p.code === code)?.inventory || [];
    this.form.querySelector("#chemicals").innerHTML = inventory.map((i) => `<option value="${escape(i.chemical)}">`).join("");
  }

  templateShown() {
    const template = this.form.elements["population.mode"].value === "template";
    this.form.querySelector("#template-rows").classList.toggle("hidden", !template);
    this.form.querySelector("#add-zone").classList.toggle("hidden", !template);
  }

  addZone(zone = "", people = 10) {
    const row = document.createElement("div");
    row.className = "row";
    row.dataset.row = "";
    row.innerHTML = `<select name="zone" aria-label="${escape(t("f_zone"))}">${this.pickerOptions("zones", zone)}</select>`
      + `<input name="people" type="number" min="0" step="1" value="${escape(people)}" aria-label="${escape(t("f_people"))}">`
      + `<span data-i18n="f_people"></span><button type="button" class="quiet" data-remove>${escape(t("remove"))}</button>`;
    applyText(row);
    this.form.querySelector("#template-rows").append(row);
  }

  addInject(inject = { at_s: 0, kind: "alarm", target: "", text: "" }) {
    const row = document.createElement("div");
    row.className = "row inject";
    row.dataset.row = "";
    row.innerHTML = `<label data-where-part="at_s"><span data-i18n="f_at"></span>`
      + `<input name="at_s" type="number" min="0" step="any" value="${escape(inject.at_s)}"><small class="err"></small></label>`
      + `<select name="kind" aria-label="${escape(t("f_kind"))}">${options(INJECT_KINDS, "inject_")}</select>`
      + `<label data-where-part="target"><span data-i18n="f_target"></span><select name="target"></select><small class="err"></small></label>`
      + `<label data-where-part="text" class="grow"><span data-i18n="f_text"></span><input name="text" maxlength="500" value="${escape(inject.text)}"></label>`
      + `<button type="button" class="quiet" data-remove>${escape(t("remove"))}</button><small class="err"></small>`;
    applyText(row);
    row.querySelector("[name=kind]").value = inject.kind;
    row.querySelector("[name=target]").dataset.value = inject.target || "";
    this.form.querySelector("#inject-rows").append(row);
    this.targets(row);
    this.renumber();
  }

  // An inject's target picker follows its kind: sensors for an alarm, and so on.
  targets(row) {
    const kind = row.querySelector("[name=kind]").value;
    const select = row.querySelector("[name=target]");
    const current = select.value || select.dataset.value || "";
    select.innerHTML = this.pickerOptions(TARGET_LAYER[kind], current, !NEEDS_TARGET.has(kind));
    select.dataset.value = "";
  }

  // Rows are named by their index, as the server's reasons name them (injects.2.target).
  renumber() {
    this.form.querySelectorAll(".inject").forEach((row, i) => {
      row.dataset.where = `injects.${i}`;
      row.querySelectorAll("[data-where-part]").forEach((l) => { l.dataset.where = `injects.${i}.${l.dataset.wherePart}`; });
    });
  }

  addRoute(code) {
    if (!code || this.routes().includes(code)) return;
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.dataset.row = "";
    chip.dataset.code = code;
    chip.innerHTML = `${escape(this.label("route_edges", code))} <button type="button" class="quiet" data-remove aria-label="${escape(t("remove"))}">×</button>`;
    this.form.querySelector("#route-chips").append(chip);
    this.form.querySelector("#route-pick").value = "";
  }

  routes() {
    return [...this.form.querySelectorAll("#route-chips .chip")].map((c) => c.dataset.code);
  }

  // Fills the form: a new scenario (row null) or the next version of row's scenario.
  edit(row) {
    this.editing = row ? row.code : null;
    const s = row ? row.scenario : DEFAULTS;
    const el = this.form.elements;
    const set = (name, value) => { el[name].value = value ?? ""; };
    set("code", s.code);
    el.code.readOnly = Boolean(row);
    set("name", s.name);
    set("description", s.description);
    set("time_of_day", String(s.time_of_day || "10:00").slice(0, 5));
    set("duration_s", s.duration_s);
    for (const k of ["kind", "chemical", "rate_kg_s", "duration_s", "start_s"]) set(`release.${k}`, s.release[k]);
    el["release.hazard_source"].innerHTML = this.pickerOptions("installations", s.release.hazard_source, !s.release.hazard_source);
    for (const k of ["wind_m_s", "wind_from_deg", "stability"]) set(`weather.${k}`, s.weather[k]);
    const pop = { ...DEFAULTS.population, ...s.population };
    set("population.mode", pop.mode);
    for (const k of ["kind", "low_s", "high_s"]) set(`population.premovement.${k}`, { ...DEFAULTS.population.premovement, ...pop.premovement }[k]);
    for (const k of Object.keys(DEFAULTS.assumed_response)) set(`assumed_response.${k}`, { ...DEFAULTS.assumed_response, ...s.assumed_response }[k]);
    el.auto_declare.checked = s.auto_declare ?? true;
    set("seed", s.seed ?? 1);
    this.form.querySelectorAll("[data-row]").forEach((r) => r.remove());
    Object.entries(pop.template || {}).forEach(([zone, n]) => this.addZone(zone, n));
    (s.blocked_routes || []).forEach((c) => this.addRoute(c));
    (s.injects || []).forEach((i) => this.addInject(i));
    this.templateShown();
    this.chemicals();
    this.showErrors([]);
    this.form.querySelector("#form-status").textContent = "";
    this.form.querySelector("#save-scenario").textContent = t(row ? "save_version" : "save_new");
  }

  read() {
    const el = this.form.elements;
    const value = (name) => el[name].value.trim();
    const number = (name) => (value(name) === "" ? NaN : Number(value(name)));
    const group = (prefix, keys) => Object.fromEntries(keys.map((k) => [k, number(`${prefix}.${k}`)]));
    const mode = value("population.mode");
    const s = {
      code: value("code"), name: value("name"), description: value("description"),
      time_of_day: value("time_of_day"), duration_s: number("duration_s"),
      release: { hazard_source: value("release.hazard_source"), kind: value("release.kind"),
        ...group("release", ["rate_kg_s", "duration_s", "start_s"]) },
      weather: group("weather", ["wind_m_s", "wind_from_deg"]),
      population: { mode, premovement: { kind: value("population.premovement.kind"), ...group("population.premovement", ["low_s", "high_s"]) } },
      blocked_routes: this.routes(),
      injects: [...this.form.querySelectorAll(".inject")].map((row) => {
        const inject = { at_s: Number(row.querySelector("[name=at_s]").value === "" ? NaN : row.querySelector("[name=at_s]").value),
          kind: row.querySelector("[name=kind]").value, text: row.querySelector("[name=text]").value.trim() };
        const target = row.querySelector("[name=target]").value;
        return target ? { ...inject, target } : inject;
      }),
      assumed_response: group("assumed_response", ["alarm_to_ack_s", "first_command_s", "evacuation_order_s"]),
      auto_declare: el.auto_declare.checked, seed: number("seed"),
    };
    if (value("release.chemical")) s.release.chemical = value("release.chemical");
    if (value("weather.stability")) s.weather.stability = value("weather.stability");
    if (mode === "template") {
      s.population.template = {};
      for (const row of this.form.querySelectorAll("#template-rows [data-row]")) {
        const zone = row.querySelector("[name=zone]").value;
        s.population.template[zone] = (s.population.template[zone] || 0) + Number(row.querySelector("[name=people]").value || 0);
      }
    }
    return s;
  }

  // What the page can tell before asking the server: required fields, numbers and their
  // ranges, injects within the drill, targets named. The server checks the rest.
  check(s) {
    const out = [];
    const bad = (where, key) => out.push({ where, reason: t(key) });
    const within = (where, v, lo, hi, open = false) => {
      if (!Number.isFinite(v)) bad(where, "err_number");
      else if (v < lo || v > hi || (open && v <= lo)) bad(where, "err_range");
    };
    if (!s.code) bad("code", "err_required");
    else if (!CODE.test(s.code)) bad("code", "err_code");
    if (!s.name) bad("name", "err_required");
    if (!s.time_of_day) bad("time_of_day", "err_required");
    within("duration_s", s.duration_s, 60, MAX_DURATION_S);
    if (!s.release.hazard_source) bad("release.hazard_source", "err_required");
    within("release.rate_kg_s", s.release.rate_kg_s, 0, 10_000, true);
    within("release.duration_s", s.release.duration_s, 0, MAX_DURATION_S, true);
    within("release.start_s", s.release.start_s, 0, MAX_DURATION_S);
    if (s.release.start_s >= s.duration_s) bad("release.start_s", "err_after_end");
    within("weather.wind_m_s", s.weather.wind_m_s, 0.5, 30);
    within("weather.wind_from_deg", s.weather.wind_from_deg, 0, 359.999);
    const pm = s.population.premovement;
    within("population.premovement.low_s", pm.low_s, 0, 3600, true);
    within("population.premovement.high_s", pm.high_s, 0, 3600, true);
    if (pm.kind !== "fixed" && pm.high_s < pm.low_s) bad("population.premovement.high_s", "err_order");
    if (s.population.mode === "template" && !Object.keys(s.population.template).length) bad("population.template", "err_zone");
    s.injects.forEach((i, n) => {
      within(`injects.${n}.at_s`, i.at_s, 0, MAX_DURATION_S);
      if (i.at_s > s.duration_s) bad(`injects.${n}.at_s`, "err_after_end");
      if (NEEDS_TARGET.has(i.kind) && !i.target) bad(`injects.${n}.target`, "err_target");
    });
    for (const k of Object.keys(s.assumed_response)) within(`assumed_response.${k}`, s.assumed_response[k], 0, 3600);
    within("seed", s.seed, 0, 2 ** 31 - 1);
    return out;
  }

  // Each reason next to the field it names (or its nearest named parent), all at the top.
  showErrors(reasons, message = "") {
    this.form.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
    this.form.querySelectorAll(".err").forEach((el) => { el.textContent = ""; });
    const top = this.form.querySelector("#form-errors");
    top.classList.toggle("hidden", !reasons.length && !message);
    top.innerHTML = (message ? `<strong>${escape(message)}</strong>` : "")
      + (reasons.length ? `<ul>${reasons.map((r) => `<li><code>${escape(r.where)}</code> ${escape(r.reason)}</li>`).join("")}</ul>` : "");
    for (const r of reasons) {
      const el = this.placeOf(String(r.where));
      if (!el) continue;
      el.classList.add("invalid");
      const err = el.querySelector(":scope > .err");
      if (err) err.textContent = [err.textContent, r.reason].filter(Boolean).join("; ");
    }
    if (reasons.length || message) top.scrollIntoView({ block: "nearest" });
  }

  placeOf(where) {
    for (let parts = where.split("."); parts.length; parts.pop()) {
      const el = this.form.querySelector(`[data-where="${CSS.escape(parts.join("."))}"]`);
      if (el) return el;
    }
    return null;
  }

  async submit() {
    const scenario = this.read();
    const problems = this.check(scenario);
    const status = this.form.querySelector("#form-status");
    status.textContent = "";
    if (problems.length) {
      this.showErrors(problems, t("form_invalid"));
      return;
    }
    this.showErrors([]);
    const base = `/api/v1/sites/${this.site}/drills/scenarios`;
    try {
      const row = this.editing
        ? await api(`${base}/${encodeURIComponent(this.editing)}`, { method: "PUT", json: scenario })
        : await api(base, { method: "POST", json: scenario });
      await this.hooks.saved(row);
      status.textContent = `${t("saved")}: ${row.code} v${row.version}`;
    } catch (err) {
      this.showErrors(Array.isArray(err.detail) ? err.detail : [], `${t("server_refused")}: ${err.message}`);
    }
  }
}
