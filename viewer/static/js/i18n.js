// Chinese for the plant floor and the command room, English beside it; the user picks.
const TEXT = {
  "zh-CN": {
    title: "危化品企业数字孪生 · 应急指挥一张图", regulator_title: "监管一张图 · 只读",
    login: "登录", username: "用户名", password: "密码", signin: "登录", logout: "退出",
    failed: "登录失败", view3d: "三维视图", view2d: "二维地图", close: "关闭", live: "实时",
    alarms: "报警", headcount: "区域人数", wind: "风", no_alarms: "当前无报警",
    ack: "确认", locate: "定位", acked: "已确认", cleared: "已消除", unacked: "未确认",
    status_live: "实时", status_stale: "数据延迟", status_offline: "离线",
    status_reconnecting: "重连中", status_past: "历史回看", data_age: "数据龄",
    seconds: "秒", people: "人", total: "合计", no_wind: "无风速数据",
    layers: "图层", legend: "图例", value: "数值", quality: "质量", time: "时间",
    setpoint_1: "一级报警值", setpoint_2: "二级报警值", grade: "重大危险源等级",
    zones: "区域", risk_zones: "风险分区", installations: "装置与危险源", equipment: "设备",
    sensors: "传感器", cameras: "视频监控", base_stations: "定位基站", route_edges: "路网",
    exits: "出口", assembly_points: "应急集合点", rescue_resources: "应急资源", people_layer: "人员",
    red: "重大风险", orange: "较大风险", yellow: "一般风险", blue: "低风险",
    s_ok: "正常", s_high_1: "一级报警", s_high_2: "二级报警", s_low: "低报警", s_rate: "变化率",
    s_fault: "故障", s_stale: "数据中断", s_nodata: "无数据",
    g1: "一级", g2: "二级", g3: "三级", g4: "四级",
    employee: "员工", contractor: "承包商", visitor: "访客",
    downloads: "下载", summary: "概况", hazard_sources: "重大危险源", active_alarms: "当前报警",
    alarms_30d: "近30天报警", read_only: "只读", ack_failed: "确认失败",
    incident: "突发事件", threats: "威胁区域", release: "泄漏速率", estimated: "由探测器反演",
    declared: "申报", in_zones: "区域内人员", plan: "应急预案", contacts: "包保责任人",
    resources_near: "最近应急资源", command: "下达指令", command_failed: "指令失败",
    wind_from: "风来自", fit: "拟合", no_safe_route: "无安全路线", declare_incident: "启动事件",
    leak_at: "泄漏点(探测器定位)", east: "东", north: "北", evacuating: "疏散",
    not_downwind: "上风/侧风集合点", engine: "消防车", team: "救援小组", routes: "路线",
    feeds_down: "数据源中断", feeds_late: "数据源延迟", feed_down: "中断", feed_late: "延迟",
    feed_live: "正常", since: "自", positioning_down: "人员定位中断", wind_down: "风速风向数据中断",
    release_basis: "速率依据",
  },
  en: {
    title: "Hazardous-chemical plant twin · command map", regulator_title: "Regulator one map · read only",
    login: "Log in", username: "Username", password: "Password", signin: "Log in", logout: "Log out",
    failed: "Login failed", view3d: "3D view", view2d: "2D map", close: "Close", live: "Live",
    alarms: "Alarms", headcount: "Headcount", wind: "Wind", no_alarms: "No active alarms",
    ack: "Ack", locate: "Locate", acked: "acknowledged", cleared: "cleared", unacked: "unacknowledged",
    status_live: "Live", status_stale: "Data late", status_offline: "Offline",
    status_reconnecting: "Reconnecting", status_past: "Looking back", data_age: "data age",
    seconds: "s", people: "people", total: "Total", no_wind: "no wind data",
    layers: "Layers", legend: "Legend", value: "Value", quality: "Quality", time: "Time",
    setpoint_1: "High alarm", setpoint_2: "High-high alarm", grade: "Major hazard grade",
    zones: "Zones", risk_zones: "Risk zones", installations: "Installations", equipment: "Equipment",
    sensors: "Sensors", cameras: "Cameras", base_stations: "Base stations", route_edges: "Routes",
    exits: "Exits", assembly_points: "Assembly points", rescue_resources: "Rescue resources",
    people_layer: "People",
    red: "Major risk", orange: "Significant risk", yellow: "General risk", blue: "Low risk",
    s_ok: "Normal", s_high_1: "High", s_high_2: "High-high", s_low: "Low", s_rate: "Rate of change",
    s_fault: "Fault", s_stale: "No data", s_nodata: "Never reported",
    g1: "Grade 1", g2: "Grade 2", g3: "Grade 3", g4: "Grade 4",
    employee: "Employee", contractor: "Contractor", visitor: "Visitor",
    downloads: "Downloads", summary: "Summary", hazard_sources: "Major hazard sources",
    active_alarms: "Active alarms", alarms_30d: "Alarms, last 30 days", read_only: "read only",
    ack_failed: "Acknowledge failed",
    incident: "Incident", threats: "Threat zones", release: "Release", estimated: "fitted to detectors",
    declared: "declared", in_zones: "People in zones", plan: "Emergency plan", contacts: "Responsible",
    resources_near: "Nearest resources", command: "Command", command_failed: "Command failed",
    wind_from: "wind from", fit: "fit", no_safe_route: "no safe route", declare_incident: "Declare incident",
    leak_at: "Leak located by the detectors", east: "E", north: "N", evacuating: "evacuating",
    not_downwind: "to upwind/crosswind points", engine: "Fire engine", team: "Rescue team", routes: "Routes",
    feeds_down: "Feed down", feeds_late: "Feed late", feed_down: "down", feed_late: "late",
    feed_live: "live", since: "since", positioning_down: "Positioning down", wind_down: "wind data down",
    release_basis: "rate basis",
  },
};

export let lang = localStorage.getItem("lang") || (navigator.language.startsWith("zh") ? "zh-CN" : "en");
if (!TEXT[lang]) lang = "zh-CN";

export function t(key) {
  return TEXT[lang][key] ?? key;
}

// A feature's own vocabulary (drills, replay) lives in its module and is added here, so
// this file stays the page's common words.
export function addText(more) {
  for (const [language, words] of Object.entries(more)) Object.assign(TEXT[language], words);
}

export function setLang(value) {
  lang = TEXT[value] ? value : "zh-CN";
  localStorage.setItem("lang", lang);
  applyText();
}

export function applyText(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
}

// Names come as (zh, en) pairs from the API; alarm messages as "中文 / English".
export function pick(zh, en) {
  return (lang === "en" && en) || zh || en || "";
}

export function message(text) {
  const [zh, en] = String(text || "").split(" / ");
  return pick(zh, en);
}

export function timeOf(iso) {
  return new Date(iso).toLocaleTimeString(lang, { hour12: false });
}

export function dateTimeOf(iso) {
  return new Date(iso).toLocaleString(lang, { hour12: false });
}
