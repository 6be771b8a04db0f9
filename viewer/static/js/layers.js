// The command map's layer switcher and legend, and the rows of a feature's popup.
import { dateTimeOf, t } from "./i18n.js";
import { GROUPS, GRADE_COLOURS, HAZARD_COLOURS, STATE_COLOURS } from "./map2d.js";

const $ = (id) => document.getElementById(id);

export function buildLayerSwitcher(view) {
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

export function describe(view, layer, props, state) {
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
