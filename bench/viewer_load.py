"""Helpers for ``bench_viewer.py``: the app on a private database with its event loop
known, people walking inside the demo site, the 1 Hz feeder, CPU accounting, the pages
and the probes run in them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import shapely
from bench_setup import DEMO_PASSWORD, demo_database, libpq
from fastapi import FastAPI
from playwright.sync_api import Browser, Page

from gis.crs import WGS84, transformer
from twin.app import create_app
from twin.config import Settings
from twin.embedded.server import serving

SITE = "demo"
DB_NAME = "twin_bench_viewer"
WALK_SPEED_M_S = (0.8, 1.6)  # people walking, a little slower or faster than 1.2 m/s
TURN_SD_RAD = 0.35  # heading drift per second
VIEWPORT = {"width": 1920, "height": 1080}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def verdict(value: float, goal: float, higher_is_better: bool) -> str:
    if value >= goal if higher_is_better else value <= goal:
        return "met"
    off = (goal - value) / goal if higher_is_better else (value - goal) / goal
    return f"MISSED by {off:.0%}"


# --- database ----------------------------------------------------------------------------


def capture_loop(app: FastAPI) -> Future[asyncio.AbstractEventLoop]:
    """The event loop uvicorn runs ``app`` on, known once the lifespan starts.

    ``serving()`` runs the app in its own thread and loop; the Bus is not thread-safe, so
    events are handed to that loop (``call_soon_threadsafe``), as the engine's are.
    """
    found: Future[asyncio.AbstractEventLoop] = Future()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        found.set_result(asyncio.get_running_loop())
        async with inner(a) as state:
            yield state

    app.router.lifespan_context = lifespan
    return found


# --- people walking inside the site ------------------------------------------------------


@dataclass
class SiteShape:
    metric_srid: int
    boundary_m: Any  # shapely polygon in the site's metric CRS (Gauss-Krüger metres)
    lonlat_bounds: tuple[float, float, float, float]  # WGS84 west, south, east, north


def site_shape(dsn: str) -> SiteShape:
    """The site's boundary in its metric CRS and its WGS84 bounds, both from PostGIS."""
    with psycopg.connect(dsn) as conn:
        srid, wkb, w, s, e, n = conn.execute(
            "SELECT metric_srid, ST_AsBinary(ST_Transform(boundary, metric_srid)), "
            "ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
            "(SELECT *, ST_Transform(boundary, 4326) AS b FROM sites WHERE code = %s) AS q",
            (SITE,),
        ).fetchone()  # type: ignore[misc]
    polygon = shapely.from_wkb(bytes(wkb))
    shapely.prepare(polygon)
    return SiteShape(int(srid), polygon, (w, s, e, n))


@dataclass
class Plant:
    base_url: str
    token: str
    app: FastAPI
    publish: Callable[[dict[str, Any]], None]  # an event into the app's Bus, on its loop
    dsn: str
    site_id: int
    sensors: int
    shape: SiteShape


@contextmanager
def plant_running(work: Path, keep_db: bool) -> Iterator[Plant]:
    """The app under uvicorn on a fresh database holding the demo plant and accounts."""
    with ExitStack() as stack:
        url, engine = demo_database(stack, work, DB_NAME, keep_db)
        # No live plane (MQTT ingest, engine): the Bus and the stream are the app's own,
        # made by its lifespan either way, and the snapshot comes from the database.
        app = create_app(Settings(demo=True, data_dir=work), engine, live=False)
        loop_found = capture_loop(app)
        base_url = stack.enter_context(serving(app))
        loop = loop_found.result(timeout=10)
        login = {"username": "commander", "password": DEMO_PASSWORD}
        r = httpx.post(f"{base_url}/api/v1/auth/token", data=login)
        r.raise_for_status()
        token = str(r.json()["access_token"])
        r = httpx.get(
            f"{base_url}/api/v1/sites/{SITE}/sensors", headers={"Authorization": f"Bearer {token}"}
        )
        dsn = libpq(url)
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT id FROM sites WHERE code = %s", (SITE,)).fetchone()

        def publish(event: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(app.state.bus.publish, SITE, event)

        assert row is not None
        yield Plant(base_url, token, app, publish, dsn, row[0], len(r.json()), site_shape(dsn))


class Walkers:
    """``n`` people walking at their own pace, turning a little each second, bouncing off
    the site boundary. Positions are metres in the site CRS; lon/lat come from pyproj."""

    def __init__(self, shape: SiteShape, n: int, seed: int = 7) -> None:
        self.shape, self.rng = shape, np.random.default_rng(seed)
        x0, y0, x1, y1 = shape.boundary_m.bounds
        xs: list[float] = []
        ys: list[float] = []
        while len(xs) < n:  # uniform over the site: rejection sampling in its box
            x, y = self.rng.uniform(x0, x1, n), self.rng.uniform(y0, y1, n)
            inside = shapely.contains_xy(shape.boundary_m, x, y)
            xs += list(x[inside])
            ys += list(y[inside])
        self.x, self.y = np.array(xs[:n]), np.array(ys[:n])
        self.heading = self.rng.uniform(0, 2 * math.pi, n)
        self.speed = self.rng.uniform(*WALK_SPEED_M_S, n)
        self.tags = [f"BENCH-{i:05d}" for i in range(n)]
        self.to_lonlat = transformer(shape.metric_srid, WGS84)

    def step(self, dt_s: float) -> None:
        self.heading += self.rng.normal(0, TURN_SD_RAD, len(self.x))
        nx = self.x + self.speed * dt_s * np.cos(self.heading)
        ny = self.y + self.speed * dt_s * np.sin(self.heading)
        inside = shapely.contains_xy(self.shape.boundary_m, nx, ny)
        self.x, self.y = np.where(inside, nx, self.x), np.where(inside, ny, self.y)
        self.heading = np.where(inside, self.heading, self.heading + math.pi)

    def event(self, ts: str) -> dict[str, Any]:
        """A "positions" event as the PeopleTracker publishes it (twin/people/live.py)."""
        lon, lat = self.to_lonlat.transform(self.x, self.y)
        return {
            "type": "positions",
            "tags": {
                tag: {
                    "ts": ts,
                    "lon": round(float(lo), 8),
                    "lat": round(float(la), 8),
                    "x_m": round(float(x), 2),
                    "y_m": round(float(y), 2),
                    "floor": 0,
                    "accuracy_m": 0.3,
                }
                for tag, lo, la, x, y in zip(
                    self.tags, lon.tolist(), lat.tolist(), self.x, self.y, strict=True
                )
            },
        }


class Feeder(threading.Thread):
    """Publishes every walker's position once a second into the app's Bus, on its loop.

    Each batch carries its publish time as ``ts`` (ISO 8601, ms); ``published`` maps that
    string to the wall-clock ms at which the event was handed to the loop.
    """

    def __init__(self, walkers: Walkers, publish: Callable[[dict[str, Any]], None]) -> None:
        super().__init__(name="feeder", daemon=True)
        self.walkers, self.publish = walkers, publish
        self.published: dict[str, float] = {}
        self.build_ms: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.stop.is_set():
            t0 = time.perf_counter()
            self.walkers.step(1.0)
            ts = datetime.now(UTC).isoformat(timespec="milliseconds")
            event = self.walkers.event(ts)
            self.build_ms.append((time.perf_counter() - t0) * 1e3)
            self.publish(event)
            self.published[ts] = time.time() * 1e3
            next_at += 1.0
            self.stop.wait(max(0.0, next_at - time.monotonic()))


# --- CPU accounting ----------------------------------------------------------------------

CLOCK_TICKS_S = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text.split(" (", 1)[1].rsplit(") ", 1)
    return [name, *rest.split()]


def _processes() -> dict[int, tuple[str, int, float]]:
    """pid → (name, parent pid, CPU seconds) of every process."""
    out = {}
    for entry in Path("/proc").glob("[0-9]*"):
        st = _stat(entry.name)
        if st is not None:
            out[int(entry.name)] = (st[0], int(st[2]), (int(st[12]) + int(st[13])) / CLOCK_TICKS_S)
    return out


def _chromium_kind(pid: int) -> str:
    """Chromium's role for a process; zygote-forked ones rewrite their command line as one
    string, so the switch is searched for rather than split out."""
    with contextlib.suppress(OSError):
        found = re.search(rb"--type=([a-z-]+)", Path(f"/proc/{pid}/cmdline").read_bytes())
        if found:
            return {b"renderer": "page", b"gpu-process": "gpu"}.get(found[1], "browser")
    return "browser"


@dataclass
class CpuMeter:
    """CPU seconds over one phase: the app (this process, feeder included), the page's
    renderer (its web workers too), Chromium's GPU process (SwiftShader rasterises there),
    its other processes, Playwright's driver, the PostgreSQL server (all of it) and
    everything else running on the machine."""

    start: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def sample() -> dict[str, float]:
        procs = _processes()
        children: dict[int, list[int]] = {}
        for pid, (_, ppid, _) in procs.items():
            children.setdefault(ppid, []).append(pid)
        out = {"app": procs.get(os.getpid(), ("", 0, 0.0))[2], "page": 0.0, "gpu": 0.0}
        out |= {"browser": 0.0, "driver": 0.0}
        todo = list(children.get(os.getpid(), []))
        while todo:  # Chromium is started by Playwright's driver, a child of this process
            pid = todo.pop()
            todo += children.get(pid, [])
            name, _, cpu = procs[pid]
            out[_chromium_kind(pid) if name.startswith("chrom") else "driver"] += cpu
        out["postgres"] = sum(cpu for name, _, cpu in procs.values() if name == "postgres")
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4))  # not idle
        out["others"] = busy / CLOCK_TICKS_S - sum(out.values())  # whatever else runs here
        return out

    def begin(self) -> None:
        self.start = self.sample()

    def spent(self) -> dict[str, float]:
        return {k: v - self.start.get(k, 0.0) for k, v in self.sample().items()}


def cpu_note(spent: dict[str, float], wall_s: float) -> str:
    parts = ", ".join(f"{k} {v / wall_s:.0%}" for k, v in spent.items() if v / wall_s >= 0.005)
    return f"CPU (% of one core) {parts}"


# --- tiles -------------------------------------------------------------------------------


def tiles_covering(bounds: tuple[float, float, float, float], zoom: int) -> list[tuple[int, ...]]:
    """XYZ tiles (Web Mercator) that cover a WGS84 box at ``zoom``."""

    def tile(lon: float, lat: float) -> tuple[int, int]:
        n, phi = 2**zoom, math.radians(lat)
        x = int((lon + 180.0) / 360.0 * n)
        y = int((1.0 - math.asinh(math.tan(phi)) / math.pi) / 2.0 * n)
        return min(x, n - 1), min(y, n - 1)

    west, south, east, north = bounds
    (x0, y0), (x1, y1) = tile(west, north), tile(east, south)
    return [(zoom, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


# --- in the page -------------------------------------------------------------------------

# Injected before the page's own scripts on every load: the token (as if logged in) and a
# watcher noting when each step of the first meaningful paint happened (ms since
# navigation start). "done" is checked at the end of each MapLibre frame and each
# animation frame: the map has loaded its tiles, every sensor is drawn, the stream is live.
FIRST_PAINT_INIT = """
sessionStorage.setItem('token', %(token)s);
(() => {
  const b = window.__fmp = {};
  const mark = (k) => { if (b[k] === undefined) b[k] = performance.now(); };
  document.addEventListener('DOMContentLoaded', () => mark('dcl'));
  let hooked = null;
  const check = () => {
    const v = window.twinView, m = v && v.map && v.map.map;
    if (!m) return false;
    mark('map');
    if (hooked !== m) { hooked = m; m.on('render', check); m.on('load', () => mark('load')); }
    if (v.status === 'live') mark('live');
    if (b.done !== undefined || v.status !== 'live' || !m.loaded()) return b.done !== undefined;
    const codes = new Set(m.queryRenderedFeatures({layers: ['sensors']})
      .map((f) => f.properties.code));
    if (codes.size >= %(sensors)d) mark('done');
    return b.done !== undefined;
  };
  const poll = () => { if (!check()) requestAnimationFrame(poll); };
  requestAnimationFrame(poll);
})();
"""

# The baseline page: MapLibre from the app's own /vendor, the same viewport, one
# background layer, nothing to fetch but the library; "done" at its "load" event.
BARE_MAP_HTML = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/maplibre-gl/maplibre-gl.css">
<style>html, body, #map { margin: 0; height: 100%%; }</style></head>
<body><div id="map"></div><script type="module">
import * as maplibregl from "/vendor/maplibre-gl/maplibre-gl.mjs";
const map = new maplibregl.Map({container: "map", center: [%(lon)f, %(lat)f], zoom: 16,
  attributionControl: false, style: {version: 8, sources: {}, layers: [
    {id: "background", type: "background", paint: {"background-color": "#0e1a27"}}]}});
map.on("load", () => { window.__fmp = {done: performance.now()}; });
</script></body></html>"""

# Installed once the page is live. Counts animation frames and MapLibre frames while
# ``on``; wraps the people source's setData to note the newest ``ts`` handed to it, and at
# the end of the first MapLibre frame drawn with that source fully loaded (worker done,
# tiles reloaded) records [ts, Date.now()]: the batch is on screen.
FRAME_PROBE = """
(() => {
  const map = window.twinView.map.map, src = map.getSource('people');
  const b = window.__fps = {on: false, frames: 0, gaps: [], renders: 0, shown: [], sets: 0};
  let pending = null, last = 0;
  const setData = src.setData.bind(src);
  src.setData = (data) => {
    let newest = '';
    for (const f of data.features) if (f.properties.ts > newest) newest = f.properties.ts;
    pending = newest;
    b.sets += 1;
    return setData(data);
  };
  map.on('render', () => {
    if (b.on) b.renders += 1;
    if (pending !== null && map.isSourceLoaded('people')) {
      b.shown.push([pending, Date.now()]);
      pending = null;
    }
  });
  const tick = (t) => {
    if (b.on) { b.frames += 1; b.gaps.push(t - last); }
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__fpsWindow = (on) => {
    if (on) Object.assign(b, {on: true, frames: 0, gaps: [], renders: 0, t0: performance.now()});
    else { b.on = false; b.t1 = performance.now(); }
    return {frames: b.frames, gaps: b.gaps, renders: b.renders, sets: b.sets,
            seconds: ((b.t1 ?? performance.now()) - (b.t0 ?? 0)) / 1000};
  };
})();
"""


@dataclass
class Loaded:
    page: Page
    marks: dict[str, float]  # ms since navigation start (window.__fmp)
    tiles: int  # tile requests the page made
    errors: list[str]


@contextmanager
def loaded_page(browser: Browser, plant: Plant, bare: bool = False) -> Iterator[Loaded]:
    """A cold load in a new browser context, logged in, until its first meaningful paint
    (or, ``bare``, the baseline MapLibre page's "load")."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")  # type: ignore[arg-type]
    try:
        url = f"{plant.base_url}/{'__bench/bare' if bare else '?screen=wall'}"
        if bare:
            w, s, e, n = plant.shape.lonlat_bounds
            html = BARE_MAP_HTML % {"lon": (w + e) / 2, "lat": (s + n) / 2}
            context.route(url, lambda r: r.fulfill(body=html, content_type="text/html"))
        else:
            init = {"token": json.dumps(plant.token), "sensors": plant.sensors}
            context.add_init_script(FIRST_PAINT_INIT % init)
        page = context.new_page()
        errors: list[str] = []
        tiles: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: tiles.extend([r.url] if "/tiles/" in r.url else []))
        page.goto(url, wait_until="commit")
        page.wait_for_function("window.__fmp && window.__fmp.done !== undefined", timeout=60_000)
        if errors:
            raise RuntimeError(f"the page failed: {errors}")
        yield Loaded(page, page.evaluate("window.__fmp"), len(tiles), errors)
        if errors:
            raise RuntimeError(f"the page failed: {errors}")
    finally:
        context.close()
