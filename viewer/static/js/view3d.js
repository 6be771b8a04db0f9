// The 3D view: the plant scene built by the server (pyvista → glTF from PostGIS), sensors
// recoloured live from the stream, people as markers placed in the site's metric CRS.
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { applyText, lang, pick, setLang, t } from "./i18n.js";
import { api, bearer, loginForm, whoAmI } from "./session.js";
import { LiveStream } from "./stream.js";
import { sensorState as stateOf } from "./states.js";
import { STATE_COLOURS, escape } from "./map2d.js";

const $ = (id) => document.getElementById(id);
const PERSON_HEIGHT_M = 1.7;

const view = {
  site: new URLSearchParams(location.search).get("site") || "demo",
  nodes: new Map(), // "sensor:GD-1" → Object3D
  sensors: new Map(), alarms: new Map(), people: new Map(), origin: null, rendered: 0, status: "offline",
};
window.twinScene = view; // for the end-to-end tests

const canvas = $("scene");
const renderer = new THREE.WebGLRenderer({ canvas, antialias: true });
renderer.setPixelRatio(window.devicePixelRatio);
const scene = new THREE.Scene();
scene.background = new THREE.Color(0x0b1420);
const camera = new THREE.PerspectiveCamera(45, 1, 1, 20000);
const controls = new OrbitControls(camera, canvas);
controls.maxPolarAngle = Math.PI / 2.05; // never under the ground
scene.add(new THREE.HemisphereLight(0xdde8f0, 0x202830, 1.6));
const sun = new THREE.DirectionalLight(0xffffff, 1.4);
sun.position.set(300, 600, 200);
scene.add(sun);
// People drawn larger than life so a wall screen shows them plant-wide.
const personGeometry = new THREE.CylinderGeometry(2.5, 2.5, PERSON_HEIGHT_M * 2, 12);
const personMaterials = {
  employee: new THREE.MeshLambertMaterial({ color: 0xffffff }),
  contractor: new THREE.MeshLambertMaterial({ color: 0xffd54f }),
  visitor: new THREE.MeshLambertMaterial({ color: 0xf48fb1 }),
};

function resize() {
  const { clientWidth: w, clientHeight: h } = canvas.parentElement;
  renderer.setSize(w, h, false);
  camera.aspect = w / Math.max(h, 1);
  camera.updateProjectionMatrix();
}

function loop() {
  controls.update();
  renderer.render(scene, camera);
  view.rendered += 1;
  requestAnimationFrame(loop);
}

function sensorState(code) {
  return stateOf(code, view.alarms, view.sensors);
}

function paint(code) {
  const node = view.nodes.get(`sensor:${code}`);
  if (!node) return;
  const state = sensorState(code);
  node.userData.state = state;
  node.traverse((o) => { if (o.isMesh) o.material.color.set(STATE_COLOURS[state]); });
}

// Metric site coordinates → scene: x east, y up, z south, relative to the scene's origin.
function toScene(p, height) {
  return new THREE.Vector3(p.x_m - view.origin.x_m, height, -(p.y_m - view.origin.y_m));
}

function placePerson(tag, p) {
  if (p.x_m === undefined) return;
  let mesh = view.people.get(tag);
  if (!mesh) {
    mesh = new THREE.Mesh(personGeometry, personMaterials[p.kind] || personMaterials.employee);
    mesh.userData = { layer: "people", code: tag, person: p.person, kind: p.kind };
    view.people.set(tag, mesh);
    scene.add(mesh);
  }
  mesh.position.copy(toScene(p, PERSON_HEIGHT_M));
}

function onEvent(e) {
  if (e.type === "snapshot") {
    view.sensors = new Map(e.sensors.map((s) => [s.code, s]));
    view.alarms = new Map(e.alarms.map((a) => [a.id, a]));
    e.positions.forEach((p) => placePerson(p.tag, p));
    view.sensors.forEach((_, code) => paint(code));
  } else if (e.type === "readings") {
    for (const [code, r] of Object.entries(e.sensors)) {
      const s = view.sensors.get(code);
      if (s) s.latest = r;
      paint(code);
    }
  } else if (e.type === "alarm") {
    if (e.alarm.closed) view.alarms.delete(e.alarm.id);
    else view.alarms.set(e.alarm.id, { ...view.alarms.get(e.alarm.id), ...e.alarm, sensor: e.alarm.sensor ?? view.alarms.get(e.alarm.id)?.sensor });
    if (e.alarm.sensor) paint(e.alarm.sensor);
  } else if (e.type === "positions") {
    for (const [tag, p] of Object.entries(e.tags)) placePerson(tag, { ...(view.people.get(tag)?.userData || {}), ...p });
  }
}

function showDetails(data) {
  const rows = [];
  if (data.layer === "sensors") {
    const s = view.sensors.get(data.code);
    rows.push([t("value"), s?.latest ? `${s.latest.value ?? "—"} ${s.unit}` : "—"], [t("quality"), t(`s_${sensorState(data.code)}`)]);
  } else if (data.kind) rows.push(["", data.kind]);
  const name = data.layer === "sensors" ? pick(view.sensors.get(data.code)?.name, view.sensors.get(data.code)?.name_en) : data.person || "";
  $("details").innerHTML = `<strong>${escape(t(data.layer === "people" ? "people_layer" : data.layer))} · ${escape(data.code)} ${escape(name)}</strong>`
    + `<dl>${rows.map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join("")}</dl>`;
}

const raycaster = new THREE.Raycaster();
canvas.addEventListener("click", (e) => {
  const box = canvas.getBoundingClientRect();
  const pointer = new THREE.Vector2(((e.clientX - box.left) / box.width) * 2 - 1, -((e.clientY - box.top) / box.height) * 2 + 1);
  raycaster.setFromCamera(pointer, camera);
  for (const hit of raycaster.intersectObjects(scene.children, true)) {
    let o = hit.object;
    while (o && !o.userData?.layer) o = o.parent;
    if (o && o.userData.layer !== "sites" && o.userData.layer !== "zones") {
      showDetails(o.userData);
      return;
    }
  }
});

async function start() {
  $("login").classList.add("hidden");
  $("app").classList.remove("hidden");
  resize();
  const meta = await api(`/api/v1/sites/${view.site}/scene.json`);
  view.origin = meta.origin;
  const glb = await fetch(`/api/v1/sites/${view.site}/scene.glb`, { headers: { Authorization: `Bearer ${bearer()}` } });
  const gltf = await new GLTFLoader().parseAsync(await glb.arrayBuffer(), "");
  // three.js drops ":" from node names; the glTF name is kept in userData.name.
  gltf.scene.traverse((o) => { if (o.userData?.name) view.nodes.set(o.userData.name, o); });
  scene.add(gltf.scene);
  const bounds = new THREE.Box3().setFromObject(gltf.scene);
  const size = bounds.getSize(new THREE.Vector3()).length();
  const centre = bounds.getCenter(new THREE.Vector3());
  controls.target.copy(centre);
  camera.position.copy(centre).add(new THREE.Vector3(size * 0.22, size * 0.3, size * 0.36));
  new LiveStream(view.site, { event: onEvent, state: (s) => { view.status = s; status(); } });
  loop();
}

function status() {
  $("status").dataset.state = view.status;
  $("status-text").textContent = t(`status_${view.status}`);
}

window.addEventListener("resize", resize);
$("lang").value = lang;
$("lang").addEventListener("change", (e) => { setLang(e.target.value); status(); });
loginForm(start);
applyText();
status();
whoAmI().then((me) => (me ? start() : $("login").classList.remove("hidden"))).catch(() => $("login").classList.remove("hidden"));
