// The DRILL banner of the command map. While a live drill runs (or a replay shows one),
// amber and black stripes cross the top of the screen with the drill's name and elapsed
// time, the latest inject for a moment and, for a simulation, the muster count: from
// across the control room nobody may take a drill for the real thing. Drill alarms and
// incidents stay in their panels, marked with drillBadge().
import "./text-drills.js";
import { message, t } from "./i18n.js";
import { escape } from "./map2d.js";

// An inject stays on the ticker this long in wall-clock time: at ×60 a replay would
// otherwise flash it by unread.
const INJECT_SHOWN_MS = 15_000;
// The server's own prefix on drill alarm messages and drill incident titles: the badge
// says it once, and larger.
const SERVER_MARK = /^演练 DRILL · /;

export function drillBadge(item) {
  return item?.drill_id ? `<span class="drill-badge">${escape(t("drill_mark"))}</span>` : "";
}

export function unmarked(text) {
  return String(text ?? "").replace(SERVER_MARK, "");
}

export function clockOf(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, "0"));
  return (hms[0] === "00" ? hms.slice(1) : hms).join(":");
}

export class DrillBanner {
  // hooks: { now() → the Date on screen (plant time in a replay), origin(drill) → Date
  // its clock started or null, canStop(drill), stop(drill) }
  constructor(el, hooks) {
    this.el = el;
    this.hooks = hooks;
    this.drills = new Map(); // drill_id → its "running" message
    this.inject = null;
    this.muster = null;
    el.addEventListener("click", (e) => {
      const d = this.drills.get(e.target.dataset?.stop);
      if (d) this.hooks.stop(d);
    });
  }

  get active() {
    return this.drills.size > 0;
  }

  reset(drills = []) {
    this.drills = new Map(drills.map((d) => [d.drill_id, d]));
    this.inject = null;
    this.muster = null;
    this.render();
  }

  // Takes drill, inject and muster messages; returns the id of a drill that just ended.
  onEvent(e) {
    let ended = null;
    if (e.type === "drill" && e.state === "running") this.drills.set(e.drill_id, e);
    else if (e.type === "drill") {
      this.drills.delete(e.drill_id);
      ended = e.drill_id;
      if (this.inject?.drill_id === ended) this.inject = null;
      if (this.muster?.drill_id === ended) this.muster = null;
    } else if (e.type === "inject") this.inject = { ...e, shownAt: Date.now() };
    else if (e.type === "muster") this.muster = e;
    // Injects and muster counts change the ticker only (a replay sends one each second).
    if (e.type === "drill") this.render();
    else this.tick();
    return ended;
  }

  render() {
    document.body.classList.toggle("drilling", this.active);
    this.el.classList.toggle("hidden", !this.active);
    if (!this.active) {
      this.el.innerHTML = "";
      return;
    }
    const list = [...this.drills.values()];
    const simulated = list.some((d) => d.mode === "simulation");
    const stoppable = list.find((d) => this.hooks.canStop(d));
    this.el.innerHTML = `<div class="drill-plate">`
      + `<span class="drill-title">${escape(t("drill_mark"))} — ${escape(list.map((d) => d.name).join(" · "))}</span>`
      + (simulated ? `<span class="drill-mode">${escape(t("simulation_mark"))}</span>` : "")
      + `<span class="drill-elapsed" title="${escape(t("elapsed"))}"></span></div>`
      + `<div class="drill-ticker"></div>`
      + (stoppable ? `<button class="drill-stop" data-stop="${escape(stoppable.drill_id)}">${escape(t("stop_drill"))}</button>` : "");
    this.tick();
  }

  // Every second: the elapsed time, and the inject leaves the ticker when its time is up.
  tick() {
    if (!this.active) return;
    const now = this.hooks.now().getTime();
    const first = this.drills.values().next().value;
    const origin = this.hooks.origin(first) ?? new Date(first.started_utc);
    const elapsed = this.el.querySelector(".drill-elapsed");
    if (elapsed) elapsed.textContent = `${t("elapsed")} ${clockOf((now - origin.getTime()) / 1000)}`;
    if (this.inject && Date.now() - this.inject.shownAt > INJECT_SHOWN_MS) this.inject = null;
    const ticker = this.el.querySelector(".drill-ticker");
    if (ticker) ticker.innerHTML = this.tickerHtml();
  }

  tickerHtml() {
    const parts = [];
    if (this.inject) {
      const i = this.inject;
      parts.push(`<span class="drill-inject">T+${escape(clockOf(i.at_s))} · ${escape(t(`inject_${i.inject}`))}`
        + `${i.target ? ` · ${escape(i.target)}` : ""}${i.text ? ` · ${escape(message(i.text))}` : ""}</span>`);
    }
    if (this.muster) {
      const counts = Object.entries(this.muster.counts || {});
      const total = counts.reduce((n, [, c]) => n + c, 0);
      parts.push(`<span class="drill-muster">${escape(t("mustered"))} <b>${total}</b> / ${escape(this.muster.of)}`
        + (counts.length ? ` (${escape(counts.map(([ap, c]) => `${ap || "?"} ${c}`).join(" · "))})` : "") + "</span>");
    }
    return parts.join("");
  }
}
