// Replay on the command map: a past period of the plant, or one simulated drill, played
// through the page's own event handler at ×1 to ×60. The server sends what the live
// stream sent (a snapshot, then events) plus a clock message after every frame; this
// module owns the socket and the time bar (play/pause, a seek bar with the period's key
// events as ticks, the speed) and gives the page its events and clock.
import "./text-drills.js";
import { api, bearer } from "./session.js";
import { dateTimeOf, message, t } from "./i18n.js";
import { escape } from "./map2d.js";

export const SPEEDS = [1, 5, 10, 30, 60];
const DEFAULT_PERIOD_MS = 15 * 60_000;
// A long period can hold thousands of key events; past this many the bar is a smear.
const MAX_TICKS = 400;
const TICK_CLASS = { alarm: "alarm", incident_step: "incident", drill: "drill", inject: "inject" };

const $ = (id) => document.getElementById(id);

// "2026-12-04T08:15:00" as a datetime-local input wants it, in the browser's time zone.
function localInput(date) {
  const p = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

// A replay asked for in the address (the drills page links to a simulated run's):
// ?replay=sim-3 (its own period unless &start= &end=) or ?replay=plant&start=&end=.
export function replayAsked(params) {
  const which = params.get("replay");
  if (!which) return null;
  // A "+" of a time zone typed into an address arrives as a space.
  const at = (key) => {
    const d = new Date(String(params.get(key) || "").replace(" ", "+"));
    return Number.isNaN(d.getTime()) ? undefined : d;
  };
  return { drill: which.startsWith("sim-") ? which : null, start: at("start"), end: at("end"), speed: Number(params.get("speed")) || 60 };
}

export class ReplayControls {
  // hooks: { site(), enter(), event(e), clock(msg), leave(resume) }
  constructor(hooks) {
    this.hooks = hooks;
    this.socket = null;
    this.period = null; // { start: Date, end: Date, drill }
    this.clock = null; // the newest clock message
    this.entered = false; // the page is off its live stream for a replay
    this.dragging = false;
    for (const id of ["replay-speed-pick", "replay-speed"]) {
      $(id).innerHTML = SPEEDS.map((s) => `<option value="${s}">×${s}</option>`).join("");
    }
    $("replay-speed-pick").value = "60";
    $("replay-open").addEventListener("click", () => this.openForm());
    $("replay-cancel").addEventListener("click", () => this.show("lookback"));
    $("replay-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const start = new Date($("replay-from").value);
      const end = new Date($("replay-to").value);
      if (!(end > start)) {
        $("replay-form-error").textContent = `${t("replay_end")} > ${t("replay_start")}`;
        return;
      }
      this.start({ start, end, speed: Number($("replay-speed-pick").value) });
    });
    $("replay-live").addEventListener("click", () => this.stop());
    $("replay-toggle").addEventListener("click", () => this.toggle());
    $("replay-speed").addEventListener("change", (e) => this.send({ cmd: "speed", value: Number(e.target.value) }));
    const seek = $("replay-seek");
    seek.addEventListener("input", () => {
      if (!this.period) return;
      this.dragging = true;
      this.label(new Date(this.period.start.getTime() + seek.value * 1000));
    });
    seek.addEventListener("change", () => {
      if (!this.period) return;
      this.dragging = false;
      this.seek(new Date(this.period.start.getTime() + seek.value * 1000));
    });
    $("replay-ticks").addEventListener("click", (e) => {
      if (e.target.dataset.ts) this.seek(new Date(e.target.dataset.ts));
    });
  }

  get active() {
    return this.entered;
  }

  show(which) {
    for (const id of ["lookback", "replay-form", "replay-bar"]) $(id).classList.toggle("hidden", id !== which);
  }

  openForm() {
    const end = new Date();
    $("replay-from").value = localInput(new Date(end.getTime() - DEFAULT_PERIOD_MS));
    $("replay-to").value = localInput(end);
    $("replay-form-error").textContent = "";
    this.show("replay-form");
  }

  // Opens the replay of { start, end, speed, drill }: a simulated run "sim-N" when drill
  // is given (its period defaults to the run's own clock), else the plant (by default
  // the last 15 minutes).
  async start({ start, end, speed = 60, drill = null }) {
    this.close();
    this.entered = true;
    this.period = null;
    this.clock = null;
    this.hooks.enter();
    let run = null;
    if (drill) {
      try {
        run = await api(`/api/v1/sites/${this.hooks.site()}/drills/runs/${encodeURIComponent(drill.replace(/^sim-/, ""))}`);
      } catch (err) {
        this.fail(err.message);
        return;
      }
      start ??= new Date(run.plant_start_utc);
      end ??= new Date(run.plant_end_utc || run.plant_start_utc);
    }
    end ??= new Date();
    start ??= new Date(end.getTime() - DEFAULT_PERIOD_MS);
    this.period = { start, end, drill, origin: run ? new Date(run.plant_start_utc) : null };
    this.clock = { state: "connecting", t: start.toISOString(), speed };
    $("replay-speed").value = String(SPEEDS.includes(speed) ? speed : 60);
    $("replay-error").textContent = "";
    $("replay-ticks").innerHTML = "";
    const seek = $("replay-seek");
    seek.max = String(Math.max(1, Math.round((end - start) / 1000)));
    seek.value = "0";
    this.show("replay-bar");
    this.render();
    const query = new URLSearchParams({ access_token: bearer(), start: start.toISOString(), end: end.toISOString(), speed: String(speed) });
    if (drill) query.set("drill", drill);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/sites/${encodeURIComponent(this.hooks.site())}/replay?${query}`);
    this.socket = socket;
    socket.onmessage = (msg) => {
      const e = JSON.parse(msg.data);
      if (e.type === "replay") {
        this.clock = e;
        this.render();
        this.hooks.clock(e);
      } else if (e.type === "error") {
        $("replay-error").textContent = e.message;
      } else this.hooks.event(e);
    };
    // The server refuses a bad period by closing with the reason (1008).
    socket.onclose = (e) => {
      if (this.socket === socket && this.clock?.state !== "ended") this.fail(e.reason || String(e.code));
    };
    this.ticks(drill);
  }

  async ticks(drill) {
    const { start, end } = this.period;
    const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString() });
    if (drill) query.set("drill", drill);
    const marks = await api(`/api/v1/sites/${this.hooks.site()}/replay/timeline?${query}`).catch(() => []);
    if (this.period?.start !== start) return; // another replay meanwhile
    const span = end - start;
    $("replay-ticks").innerHTML = marks.slice(0, MAX_TICKS).map((m) => {
      const left = ((Date.parse(m.ts) - start) / span) * 100;
      const title = `${dateTimeOf(m.ts)} · ${t(m.what)}${m.label ? ` · ${message(m.label)}` : ""}`;
      return `<button type="button" class="tick ${TICK_CLASS[m.kind] || ""}" data-ts="${escape(m.ts)}" data-what="${escape(m.what)}"`
        + ` style="left:${left.toFixed(3)}%" title="${escape(title)}" aria-label="${escape(title)}"></button>`;
    }).join("");
  }

  // The replay's own clock and state on the bar; the page shows plant time in the header.
  render() {
    const c = this.clock;
    if (!c || !this.period) return;
    const playing = c.state === "playing";
    $("replay-toggle").textContent = playing ? `❚❚ ${t("pause")}` : `▶ ${t("play")}`;
    $("replay-toggle").dataset.state = c.state;
    if (!this.dragging) {
      $("replay-seek").value = String(Math.round((Date.parse(c.t) - this.period.start) / 1000));
      this.label(new Date(c.t));
    }
  }

  label(at) {
    $("replay-time").textContent = `${dateTimeOf(at.toISOString())} · ${t(`replay_${this.clock.state}`)}`;
  }

  toggle() {
    if (!this.period) return;
    const state = this.clock?.state;
    if (state === "playing") this.send({ cmd: "pause" });
    else {
      if (state === "ended") this.send({ cmd: "seek", t: this.period.start.toISOString() });
      this.send({ cmd: "play" });
    }
  }

  seek(at) {
    const t0 = Math.min(Math.max(at.getTime(), this.period.start.getTime()), this.period.end.getTime());
    this.send({ cmd: "seek", t: new Date(t0).toISOString() });
  }

  send(command) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(command));
  }

  fail(reason) {
    $("replay-error").textContent = `${t("replay_failed")}: ${reason}`;
    if (this.clock) this.clock = { ...this.clock, state: "ended" };
    this.show("replay-bar");
  }

  close() {
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  // Back to live (the page reopens its stream), or just off when the page moves on.
  stop(resume = true) {
    if (!this.entered) return;
    this.entered = false;
    this.close();
    this.period = null;
    this.clock = null;
    this.show("lookback");
    this.hooks.leave(resume);
  }
}
