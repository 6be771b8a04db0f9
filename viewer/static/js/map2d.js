// The 2D map: the plant's own layers as vector tiles cut by PostGIS are the base map;
// live state (sensor alarms, hazard grades) is laid over as feature state keyed on the
// feature code, and people come as a GeoJSON source redrawn at most once per frame.
import * as maplibregl from "/vendor/maplibre-gl/maplibre-gl.mjs";
import { bearer } from "./session.js";
import { pick, t } from "./i18n.js";

export const GRADE_COLOURS = { red: "#e53935", orange: "#fb8c00", yellow: "#fdd835", blue: "#1e88e5" };
// GB 18218 grade 1 is the most dangerous.
export const HAZARD_COLOURS = { 1: "#e53935", 2: "#fb8c00", 3: "#fdd835", 4: "#1e88e5" };
// Threat-zone levels of concern: 3 most severe (e.g. AEGL-3, 10 kW/m², 8 psi).
export const THREAT_COLOURS = { 1: "#ffd600", 2: "#ff6d00", 3: "#d50000" };
export const STATE_COLOURS = {
  ok: "#26c6da", high_1: "#ff9800", high_2: "#e53935", low: "#ffb300", rate: "#ffb300",
  fault: "#ab47bc", stale: "#78909c", nodata: "#455a64",
};
const PERSON_COLOURS = { employee: "#ffffff", contractor: "#ffd54f", visitor: "#f48fb1" };
const POINT_STYLES = {
  equipment: ["#90a4ae", 2.5], cameras: ["#b39ddb", 3.5], base_stations: ["#80cbc4", 3.5],
  exits: ["#66bb6a", 6], assembly_points: ["#00e676", 9], rescue_resources: ["#ff7043", 4.5],
};
const ZONE_KIND_COLOURS = ["match", ["get", "kind"],
  "process_unit", "#26384d", "tank_farm", "#2b3b4f", "warehouse", "#2f3a46", "control_room", "#1f3b3a",
  "office", "#243447", "#1d3349"];

// Map layer groups the switcher toggles, in drawing order.
export const GROUPS = [
  ["zones", ["zones", "zones-outline"]],
  ["risk_zones", ["risk_zones", "risk_zones-outline"]],
  ["route_edges", ["route_edges", "route_edges-crowd"]],
  ["installations", ["installations", "installations-outline"]],
  ["equipment", ["equipment"]],
  ["cameras", ["cameras"]],
  ["base_stations", ["base_stations"]],
  ["exits", ["exits"]],
  ["assembly_points", ["assembly_points"]],
  ["rescue_resources", ["rescue_resources"]],
  ["sensors", ["sensors"]],
  ["people_layer", ["people"]],
  ["threats", ["threats", "threats-outline", "routes", "leaks"]],
];

// Map symbols are sized in pixels; the page's text is sized from the viewport (app.css).
// Scaling symbols by the same factor keeps a 3840×2160 wall as legible as 1920×1080.
function uiScale() {
  return Math.max(1, parseFloat(getComputedStyle(document.documentElement).fontSize) / 16);
}

function layers(k) {
  const plant = (id, type, extra) => ({ id, type, source: "plant", "source-layer": id.split("-")[0], ...extra });
  const out = [
    { id: "background", type: "background", paint: { "background-color": "#0e1a27" } },
    plant("zones", "fill", { paint: { "fill-color": ZONE_KIND_COLOURS, "fill-opacity": 0.85 } }),
    plant("zones-outline", "line", { paint: { "line-color": "#4f6f8f", "line-width": k } }),
    plant("risk_zones", "fill", { paint: {
      "fill-color": ["match", ["get", "grade"], ...Object.entries(GRADE_COLOURS).flat(), "#888"],
      "fill-opacity": 0.28 } }),
    plant("risk_zones-outline", "line", { paint: {
      "line-color": ["match", ["get", "grade"], ...Object.entries(GRADE_COLOURS).flat(), "#888"],
      "line-width": 1.5 * k, "line-dasharray": [3, 2] } }),
    plant("route_edges", "line", { paint: {
      "line-color": ["match", ["get", "kind"], "road", "#7f93a8", "#566b80"],
      "line-width": ["match", ["get", "kind"], "road", 3 * k, 1.2 * k] } }),
    // A simulated drill's crowd on each link (persons/m²), drawn over the network: SFPE
    // walking slows from about 0.54 and stops near 3.8.
    plant("route_edges-crowd", "line", { paint: {
      "line-color": ["interpolate", ["linear"], ["coalesce", ["feature-state", "density"], 0],
        0, "#ffee58", 1, "#ff9800", 2, "#e53935", 3.5, "#6a1b9a"],
      "line-width": ["interpolate", ["linear"], ["coalesce", ["feature-state", "density"], 0],
        0, 0, 0.05, 2 * k, 3.5, 7 * k],
      "line-opacity": ["case", [">", ["coalesce", ["feature-state", "density"], 0], 0], 0.9, 0] } }),
    plant("installations", "fill", { paint: {
      "fill-color": ["match", ["coalesce", ["feature-state", "grade"], 0],
        ...Object.entries(HAZARD_COLOURS).flatMap(([g, c]) => [Number(g), c]), "#8d6e63"],
      "fill-opacity": ["case", ["to-boolean", ["feature-state", "grade"]], 0.75, 0.6] } }),
    plant("installations-outline", "line", { paint: { "line-color": "#d7ccc8", "line-width": k } }),
  ];
  for (const [name, [colour, radius]] of Object.entries(POINT_STYLES)) {
    out.push(plant(name, "circle", { paint: {
      "circle-color": colour, "circle-radius": radius * k, "circle-stroke-color": "#0b1420", "circle-stroke-width": k } }));
  }
  const state = ["coalesce", ["feature-state", "state"], "nodata"];
  out.push(plant("sensors", "circle", { paint: {
    "circle-color": ["match", state, ...Object.entries(STATE_COLOURS).flat(), STATE_COLOURS.nodata],
    "circle-radius": ["match", state, ["high_1", "high_2"], 9 * k, ["fault", "low", "rate"], 7 * k, 5 * k],
    "circle-stroke-color": ["match", state, ["high_1", "high_2"], "#ffffff", "#0b1420"],
    "circle-stroke-width": ["match", state, ["high_1", "high_2"], 2.5 * k, k] } }));
  // Threat zones of open incidents, most severe on top, and their routes.
  out.splice(out.findIndex((l) => l.id === "route_edges") + 1, 0,
    { id: "threats", type: "fill", source: "threats", paint: {
      "fill-color": ["match", ["get", "level"], 3, THREAT_COLOURS[3], 2, THREAT_COLOURS[2], THREAT_COLOURS[1]],
      "fill-opacity": 0.28 } },
    { id: "threats-outline", type: "line", source: "threats", paint: {
      "line-color": ["match", ["get", "level"], 3, THREAT_COLOURS[3], 2, THREAT_COLOURS[2], THREAT_COLOURS[1]],
      "line-width": 2 * k } });
  out.push({ id: "routes", type: "line", source: "routes", layout: { "line-cap": "round", "line-join": "round" },
    paint: {
      // Evacuation green, the fire engine blue, the rescue team on foot orange.
      "line-color": ["match", ["get", "purpose"], "rescue", "#2979ff", "rescue_team", "#ff9100", "#00e676"],
      "line-width": ["match", ["get", "purpose"], "rescue", 4 * k, "rescue_team", 3.5 * k, 3 * k],
      "line-dasharray": ["match", ["get", "purpose"], "rescue", ["literal", [2, 1]],
        "rescue_team", ["literal", [1, 1]], ["literal", [1, 0]]] } });
  // Where each incident's zones are drawn from: the leak the detectors point to.
  out.push({ id: "leaks", type: "circle", source: "leaks", paint: {
    "circle-color": "#ffffff", "circle-radius": 6 * k,
    "circle-stroke-color": THREAT_COLOURS[3], "circle-stroke-width": 3 * k } });
  out.push({ id: "people", type: "circle", source: "people", paint: {
    "circle-color": ["match", ["get", "kind"], ...Object.entries(PERSON_COLOURS).flat(), "#ffffff"],
    "circle-radius": ["case", ["get", "sos"], 8 * k, 4.5 * k],
    // SOS, or inside a threat zone: a red ring.
    "circle-stroke-color": ["case", ["any", ["get", "sos"], ["to-boolean", ["feature-state", "threat"]]], "#ff1744", "#000000"],
    "circle-stroke-width": ["case", ["any", ["get", "sos"], ["to-boolean", ["feature-state", "threat"]]], 3 * k, k] } });
  return out;
}

export class PlantMap {
  constructor(container, meta, hooks) {
    this.meta = meta;
    this.hooks = hooks; // { sensorClicked(code), featureClicked(layer, props) }
    this.people = new Map();
    this.peopleDirty = false;
    const sources = {
      plant: {
        type: "vector", tiles: [location.origin + meta.tiles], maxzoom: 20, bounds: meta.bounds,
        promoteId: { sensors: "code", installations: "code", route_edges: "code" },
      },
      people: { type: "geojson", data: { type: "FeatureCollection", features: [] }, promoteId: "tag" },
      threats: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      routes: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      leaks: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    };
    const style = { version: 8, sources, layers: layers(uiScale()) };
    if (meta.basemap) {
      sources.basemap = { type: "raster", tiles: [meta.basemap], tileSize: 256 };
      style.layers.splice(1, 0, { id: "basemap", type: "raster", source: "basemap" });
    }
    this.map = new maplibregl.Map({
      container, style, bounds: meta.bounds, fitBoundsOptions: { padding: 30 },
      maxZoom: meta.max_zoom, attributionControl: false, fadeDuration: 0,
      // Tiles come from our API: the token goes along (browsers send no header by default).
      transformRequest: (url) => (url.startsWith(`${location.origin}/api/`)
        ? { url, headers: { Authorization: `Bearer ${bearer()}` } } : { url }),
    });
    this.map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), "top-right");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "metric", maxWidth: 160 }), "bottom-left");
    this.ready = new Promise((resolve) => this.map.on("load", resolve));
    // The style is in (layers and sources exist): layout and feature state may be set, the
    // tiles may still be on their way. Comes a frame after construction, long before "load".
    this.styled = new Promise((resolve) => this.map.once("style.load", resolve));
    // Names as HTML markers: MapLibre's own text needs glyph files from a font server,
    // which an air-gapped plant does not have; the browser's CJK font draws these.
    this.labels = meta.labels.map((l) => {
      const el = document.createElement("div");
      el.className = `label label-${l.layer}`;
      el.dataset.code = l.code;
      return { l, el, marker: new maplibregl.Marker({ element: el }).setLngLat(l.lonlat).addTo(this.map) };
    });
    this.relabel();
    // Hazard-source names only when zoomed in enough for them not to collide; a larger
    // screen at the same zoom shows a wider area per label, hence the scale.
    const near = () => container.classList.toggle("near", this.map.getZoom() - Math.log2(uiScale()) >= 17);
    this.map.on("zoom", near);
    near();
    this.map.on("click", (e) => this.click(e));
    for (const id of ["sensors", "installations", "people", "assembly_points", "rescue_resources", "exits"]) {
      this.map.on("mouseenter", id, () => { this.map.getCanvas().style.cursor = "pointer"; });
      this.map.on("mouseleave", id, () => { this.map.getCanvas().style.cursor = ""; });
    }
    const redraw = () => {
      if (this.removed) return;
      if (this.peopleDirty && this.map.getSource("people")) {
        this.peopleDirty = false;
        this.map.getSource("people").setData({ type: "FeatureCollection", features: [...this.people.values()] });
      }
      requestAnimationFrame(redraw);
    };
    requestAnimationFrame(redraw);
  }

  click(e) {
    const hits = this.map.queryRenderedFeatures(e.point, {
      layers: ["people", "sensors", "assembly_points", "rescue_resources", "exits", "cameras", "installations", "risk_zones", "zones"],
    });
    if (!hits.length) return;
    const f = hits[0];
    if (f.layer.id === "sensors") this.hooks.sensorClicked(f.properties.code);
    const title = f.layer.id === "people" ? f.properties.person || f.properties.tag : pick(f.properties.name, f.properties.name_en) || f.properties.code;
    const rows = this.hooks.describe(f.layer.id, f.properties, f.state || {});
    const html = `<div class="popup"><strong>${escape(t(f.layer.id === "people" ? "people_layer" : f.layer.id))} · ${escape(title)}</strong>`
      + `<dl>${rows.map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join("")}</dl></div>`;
    new maplibregl.Popup({ maxWidth: "24rem" }).setLngLat(e.lngLat).setHTML(html).addTo(this.map);
  }

  // Opening another site replaces the map: stop drawing and free its WebGL context.
  remove() {
    this.removed = true;
    this.map.remove();
  }

  relabel() {
    for (const { l, el } of this.labels) el.textContent = pick(l.name, l.name_en) || l.code;
  }

  setVisible(group, visible) {
    if (group === "zones" || group === "installations") {
      for (const { l, el } of this.labels) if (l.layer === group) el.classList.toggle("hidden", !visible);
    }
    const ids = GROUPS.find(([g]) => g === group)?.[1] || [];
    for (const id of ids) this.map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
  }

  setSensorState(code, state) {
    this.map.setFeatureState({ source: "plant", sourceLayer: "sensors", id: code }, { state });
  }

  setHazardGrade(code, grade) {
    this.map.setFeatureState({ source: "plant", sourceLayer: "installations", id: code }, { grade });
  }

  setThreats(features) {
    this.map.getSource("threats")?.setData({ type: "FeatureCollection", features });
  }

  setRoutes(features) {
    this.map.getSource("routes")?.setData({ type: "FeatureCollection", features });
  }

  // ``edges``: route edge code → persons/m²; links not named are empty again.
  setDensity(edges) {
    for (const code of this.crowded || []) {
      if (!(code in edges)) this.map.setFeatureState({ source: "plant", sourceLayer: "route_edges", id: code }, { density: 0 });
    }
    for (const [code, density] of Object.entries(edges)) {
      this.map.setFeatureState({ source: "plant", sourceLayer: "route_edges", id: code }, { density });
    }
    this.crowded = Object.keys(edges);
  }

  setLeaks(features) {
    this.map.getSource("leaks")?.setData({ type: "FeatureCollection", features });
  }

  markPersonInThreat(tag, level) {
    this.map.setFeatureState({ source: "people", id: tag }, { threat: level || 0 });
  }

  setPerson(tag, p) {
    this.people.set(tag, {
      type: "Feature", geometry: { type: "Point", coordinates: [p.lon, p.lat] },
      properties: { tag, person: p.person, kind: p.kind, sos: Boolean(p.sos), ts: p.ts },
    });
    this.peopleDirty = true;
  }

  clearPeople() {
    this.people.clear();
    this.peopleDirty = true;
  }

  flyTo(lonLat) {
    this.map.flyTo({ center: lonLat, zoom: Math.max(this.map.getZoom(), 18), speed: 1.6 });
  }
}

export function escape(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
