"""The big-screen command map, its vector tiles and the regulators' one-map export.

The app runs as in production (uvicorn, PostGIS, the demo plant, the real WebSocket
stream) and the page in Debian's Chromium through Playwright, WebGL in software
(SwiftShader). Each figure stands beside a baseline measured in the same run:
  * first meaningful paint of ``/?screen=wall`` at 1920×1080, logged in (navigation →
    tiles loaded, every demo sensor drawn, the stream's snapshot in), over cold loads in
    new browser contexts vs a bare MapLibre page (background layer only) and the page's
    own DOMContentLoaded;
  * frame rate (requestAnimationFrame count) and publish → on-screen latency with 10,000
    people walking inside the site at 1 Hz, published into the app's Bus and streamed
    over its WebSocket, vs the idle page and 1,000 people;
  * vector tiles over HTTP with a bearer token (zooms 15–18 over the site) vs the same
    ST_AsMVT SQL run through psycopg;
  * the one-map export (GeoPackage, GeoJSON, KML) vs ogr2ogr reading the same tables.

Run: `.venv/bin/python bench/bench_viewer.py` (`--seconds 15` sizes each frame-rate
window, `--entities 10000`, `--loads 5`, `--keep-db` keeps the database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from bench_setup import progress_bar
from playwright.sync_api import Browser, Page, sync_playwright
from rich.console import Console
from rich.table import Table
from sqlalchemy.dialects import postgresql
from viewer_load import (
    FRAME_PROBE,
    SITE,
    CpuMeter,
    Feeder,
    Plant,
    Walkers,
    cpu_note,
    loaded_page,
    pct,
    plant_running,
    tiles_covering,
    verdict,
)

from twin.tiles.service import _TILE
from viewer.browser import launch

console = Console()
if not console.is_terminal:
    console = Console(width=160)  # piped into a log: wide enough for the table
GOAL_FIRST_PAINT_S = 2.0
GOAL_FPS = 20.0
GOAL_LATENCY_S = 1.0
TILE_ZOOMS = range(15, 19)
EXPORTS = ("gpkg", "geojson", "kml")
LATE_GRACE_S = 5.0  # a batch not on screen this long after the window counts as lost
WARMUP_S = 3.0  # people walk this long before frames are counted
Row = tuple[str, str, str, str, str]


# --- 1. first meaningful paint -----------------------------------------------------------


def first_paint(browser: Browser, plant: Plant, loads: int) -> Row:
    twin: list[dict[str, float]] = []
    bare: list[dict[str, float]] = []
    tiles = 0
    with progress_bar(console) as progress:
        task = progress.add_task("cold loads of the wall screen (and the bare map) …", total=loads)
        for i in range(loads):  # alternating which goes first: neither always pays for it
            for is_bare in (i % 2 == 1, i % 2 == 0):
                with loaded_page(browser, plant, is_bare) as loaded:
                    (bare if is_bare else twin).append(loaded.marks)
                    tiles = tiles if is_bare else loaded.tiles
            progress.update(task, completed=i + 1)

    def s(marks: list[dict[str, float]], key: str = "done") -> list[float]:
        return [m[key] / 1e3 for m in marks]

    def med(key: str) -> str:
        return f"{statistics.median(s(twin, key)):.2f}"

    median, worst = statistics.median(s(twin)), max(s(twin))
    return (
        "first meaningful paint\n/?screen=wall, 1920×1080,\nlogged in, cold",
        f"median {median:.2f} s\nmax {worst:.2f} s",
        f"bare MapLibre page: median {statistics.median(s(bare)):.2f} s, max "
        f"{max(s(bare)):.2f} s\nthis page's DOMContentLoaded: median {med('dcl')} s",
        f"≤ {GOAL_FIRST_PAINT_S:.0f} s",
        f"median {verdict(median, GOAL_FIRST_PAINT_S, False)}, max "
        f"{verdict(worst, GOAL_FIRST_PAINT_S, False)}; {loads} loads, each in a new browser "
        f"context (one browser, its first page is load 1): "
        f"{', '.join(f'{v:.2f}' for v in s(twin))} s; navigation → map loaded, all "
        f"{plant.sensors} sensors drawn, stream snapshot in. Median steps (s): "
        f"DOMContentLoaded {med('dcl')}, map created "
        f"{med('map')}, stream live {med('live')}, map 'load' ({tiles} tiles) {med('load')}, "
        f"done {med('done')}",
    )


# --- 2. frame rate and latency with people moving ----------------------------------------


@dataclass
class Motion:
    people: int
    fps: float
    gap_p99_ms: float
    gap_max_ms: float
    redraws_s: float
    latency_s: list[float]
    published: int
    drawn: int  # batches seen on screen (others were overtaken by a newer one first)
    lost: int
    cpu: str
    build_ms: float


def _window(page: Page, plant: Plant, people: int, seconds: float, label: str) -> Motion:
    feeder = Feeder(Walkers(plant.shape, people), plant.publish) if people else None
    meter = CpuMeter()
    with progress_bar(console) as progress:
        task = progress.add_task(label, total=round(WARMUP_S + seconds))
        if feeder is not None:
            feeder.start()
        time.sleep(WARMUP_S)
        progress.update(task, completed=round(WARMUP_S))
        meter.begin()
        page.evaluate("window.__fpsWindow(true)")
        t_on, end = time.time() * 1e3, time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(1.0, left))
            progress.update(task, completed=round(WARMUP_S + seconds - max(0.0, left - 1)))
        stats = page.evaluate("window.__fpsWindow(false)")
        t_off, cpu = time.time() * 1e3, meter.spent()
    latencies: list[float] = []
    lost = drawn = 0
    published: dict[str, float] = {}
    if feeder is not None:
        feeder.stop.set()
        feeder.join()
        published = {ts: t for ts, t in feeder.published.items() if t_on <= t <= t_off}
        last = max(published, default="")
        deadline = time.monotonic() + LATE_GRACE_S
        while time.monotonic() < deadline:
            shown = sorted(page.evaluate("window.__fps.shown"), key=lambda s: s[1])
            if any(ts >= last for ts, _ in shown):
                break
            time.sleep(0.2)
        for ts, at in sorted(published.items()):
            later = [ms for shown_ts, ms in shown if shown_ts >= ts]
            if later:
                latencies.append((later[0] - at) / 1e3)
            else:
                lost += 1
        drawn = len({ts for ts, _ in shown} & published.keys())
    gaps = stats["gaps"]
    return Motion(
        people,
        stats["frames"] / stats["seconds"],
        pct(gaps, 0.99),
        max(gaps, default=0.0),
        stats["renders"] / stats["seconds"],
        latencies,
        len(published),
        drawn,
        lost,
        cpu_note(cpu, seconds),
        statistics.median(feeder.build_ms) if feeder and feeder.build_ms else 0.0,
    )


def motion(
    browser: Browser, plant: Plant, seconds: float, entities: int
) -> tuple[list[Motion], str]:
    """Idle, 1,000 and ``entities`` people, in one page; and what is drawn at the end."""
    with loaded_page(browser, plant) as loaded:
        loaded.page.evaluate(FRAME_PROBE)
        out = [
            _window(loaded.page, plant, n, seconds, f"{n:,} people walking, frames counted …")
            for n in (0, min(1_000, entities), entities)
        ]
        drawn = loaded.page.evaluate(
            "new Set(window.twinView.map.map.queryRenderedFeatures({layers: ['people']})"
            ".map((f) => f.properties.tag)).size"
        )
    lagging = plant.app.state.bus.dropped_subscribers
    return out, f"{drawn:,} of {entities:,} people drawn at the end, {lagging} stream drops"


def motion_rows(phases: list[Motion], end: str, seconds: float) -> list[Row]:
    idle, small, big = phases

    def fps(m: Motion) -> str:
        return f"{m.fps:.1f} fps (frame p99 {m.gap_p99_ms:.0f} ms, max {m.gap_max_ms:.0f} ms)"

    def lat(m: Motion) -> str:
        if not m.latency_s:
            return "no batch reached the screen"
        return f"p50 {pct(m.latency_s, 0.5):.2f} s\np95 {pct(m.latency_s, 0.95):.2f} s"

    def batches(m: Motion) -> str:
        return (
            f"{m.people:,}: {m.published} batches published, {m.drawn} drawn as such, "
            f"{m.lost} never on screen, {m.build_ms:.0f} ms to build one (Python)"
        )

    p50, p95 = (pct(big.latency_s, q) if big.latency_s else float("inf") for q in (0.5, 0.95))
    return [
        (
            f"frame rate, {big.people:,} people\nwalking, 1 update/s each",
            fps(big),
            f"idle page: {fps(idle)}\n{small.people:,} people: {fps(small)}",
            f"≥ {GOAL_FPS:.0f} fps",
            f"{verdict(big.fps, GOAL_FPS, True)}; requestAnimationFrame callbacks over "
            f"{seconds:.0f} s after {WARMUP_S:.0f} s of walking (60 is Chromium's cap); the map "
            f"redrew {big.redraws_s:.1f}×/s ({small.redraws_s:.1f}×/s with {small.people:,}); "
            f"{end}. {big.people:,}: {big.cpu}. {small.people:,}: {small.cpu}. "
            f"Idle: {idle.cpu}",
        ),
        (
            f"publish → on screen,\n{big.people:,} people",
            lat(big),
            f"{small.people:,} people:\n{lat(small)}",
            f"≤ {GOAL_LATENCY_S:.0f} s\n(p50, p95)",
            f"p50 {verdict(p50, GOAL_LATENCY_S, False)}, p95 {verdict(p95, GOAL_LATENCY_S, False)}"
            "; from the Bus publish (on the app's loop, time.time()) to the end of the first "
            "MapLibre frame drawn with the people source holding that batch (Date.now() in the "
            f"page, same clock); {batches(big)}; {batches(small)}",
        ),
    ]


# --- 3. vector tiles ---------------------------------------------------------------------


def tile_rows(plant: Plant, rounds: int) -> list[Row]:
    tiles = [t for z in TILE_ZOOMS for t in tiles_covering(plant.shape.lonlat_bounds, z)]
    sql = str(_TILE.compile(dialect=postgresql.dialect()))
    http_ms: list[float] = []
    sql_ms: list[float] = []
    sizes: dict[tuple[int, ...], int] = {}
    mismatched = 0
    headers = {"Authorization": f"Bearer {plant.token}"}
    with (
        httpx.Client(base_url=plant.base_url, headers=headers) as client,
        psycopg.connect(plant.dsn, autocommit=True) as conn,
        progress_bar(console) as progress,
    ):
        task = progress.add_task("vector tiles: HTTP and bare SQL …", total=(rounds + 1) * 2)

        def over_http(t: tuple[int, ...]) -> bytes:
            r = client.get(f"/api/v1/sites/{SITE}/tiles/{t[0]}/{t[1]}/{t[2]}.mvt")
            r.raise_for_status()
            return r.content

        def direct(t: tuple[int, ...]) -> bytes:
            args = {"site": plant.site_id, "z": t[0], "x": t[1], "y": t[2]}
            return bytes(conn.execute(sql, args).fetchone()[0] or b"")  # type: ignore[index]

        for r in range(rounds + 1):  # round 0 warms both up; the order alternates
            pair = [(over_http, http_ms), (direct, sql_ms)]
            for fetch, out in pair if r % 2 else pair[::-1]:
                for t in tiles:
                    start = time.perf_counter()
                    data = fetch(t)
                    if r:
                        out.append((time.perf_counter() - start) * 1e3)
                    if fetch is direct:
                        sizes[t] = len(data)
                    elif t in sizes and sizes[t] != len(data):
                        mismatched += 1
                progress.advance(task)
    per_zoom = ", ".join(
        f"z{z}: {sum(1 for t in tiles if t[0] == z)} tiles, "
        f"median {statistics.median(s for t, s in sizes.items() if t[0] == z) / 1024:.1f} KiB"
        for z in TILE_ZOOMS
    )
    return [
        (
            f"vector tile, zooms {TILE_ZOOMS[0]}–{TILE_ZOOMS[-1]}\nover the site",
            f"p50 {pct(http_ms, 0.5):.1f} ms\np99 {pct(http_ms, 0.99):.1f} ms",
            f"same ST_AsMVT SQL via psycopg:\np50 {pct(sql_ms, 0.5):.1f} ms, "
            f"p99 {pct(sql_ms, 0.99):.1f} ms",
            "—",
            f"{len(tiles)} tiles × {rounds} rounds after a warm-up round, one at a time; HTTP "
            f"= bearer token check, session, site lookup, FastAPI, uvicorn, httpx; "
            f"{mismatched} size mismatches HTTP vs SQL",
        ),
        (
            "  tile sizes",
            f"max {max(sizes.values()) / 1024:.1f} KiB, total {sum(sizes.values()) / 1024:.0f} KiB",
            "",
            "—",
            per_zoom,
        ),
    ]


# --- 4. one-map export -------------------------------------------------------------------

_OGR_GEOJSON = (
    "SELECT 'hazard_sources' AS layer, code, name, geom FROM installations "
    "WHERE is_hazard_source UNION ALL SELECT 'risk_zones', code, name, geom FROM risk_zones "
    "UNION ALL SELECT 'zones', code, name, geom FROM zones"
)


def _ogr_args(fmt: str, pg: str, out: Path) -> list[str]:
    tables = ["installations", "risk_zones", "zones"]
    if fmt == "geojson":  # one FeatureCollection: GDAL's GeoJSON writer takes one layer
        return ["ogr2ogr", "-f", "GeoJSON", "-lco", "RFC7946=YES", str(out), pg]
    return ["ogr2ogr", "-f", {"gpkg": "GPKG", "kml": "KML"}[fmt], str(out), pg, *tables]


def export_rows(plant: Plant, repeats: int, work: Path) -> list[Row]:
    pg = "PG:" + " ".join(
        f"{k}={v}" for k, v in psycopg.conninfo.conninfo_to_dict(plant.dsn).items()
    )
    rows: list[Row] = []
    headers = {"Authorization": f"Bearer {plant.token}"}
    with (
        httpx.Client(base_url=plant.base_url, headers=headers, timeout=120) as client,
        progress_bar(console) as p,
    ):
        task = p.add_task("one-map export: the twin and ogr2ogr …", total=len(EXPORTS) * repeats)
        for fmt in EXPORTS:
            twin_s: list[float] = []
            ogr_s: list[float] = []
            size = ogr_size = 0
            out = work / f"ogr-onemap.{fmt}"
            for _ in range(repeats):
                start = time.perf_counter()
                r = client.get(f"/api/v1/sites/{SITE}/onemap", params={"format": fmt})
                r.raise_for_status()
                twin_s.append(time.perf_counter() - start)
                size = len(r.content)
                out.unlink(missing_ok=True)
                args = _ogr_args(fmt, pg, out)
                if fmt == "geojson":
                    args += ["-sql", _OGR_GEOJSON, "-nln", "onemap"]
                start = time.perf_counter()
                subprocess.run(args, check=True, capture_output=True)
                ogr_s.append(time.perf_counter() - start)
                ogr_size = out.stat().st_size
                p.advance(task)
            rows.append(
                (
                    f"one-map export, {fmt}",
                    f"median {statistics.median(twin_s) * 1e3:.0f} ms\n({size / 1024:.0f} KiB)",
                    f"ogr2ogr PG → {fmt}: median {statistics.median(ogr_s) * 1e3:.0f} ms "
                    f"({ogr_size / 1024:.0f} KiB)",
                    "—",
                    f"{repeats} each, one at a time; the twin (HTTP, token, download) grades "
                    "hazard sources live (GB 18218), counts alarms, adds Chinese labels; "
                    "ogr2ogr (process start included) copies "
                    + (
                        "code, name, geometry of the three layers (one SQL union)"
                        if fmt == "geojson"
                        else "the three tables whole (all installations)"
                    ),
                )
            )
    return rows


# --- main --------------------------------------------------------------------------------


def report(rows: list[Row], durations: dict[str, float], load_start: float) -> None:
    table = Table(
        "measure",
        "plant-twin",
        "baseline (same run)",
        "goal",
        "note",
        title=f"bench_viewer: command map, tiles, one map — {os.cpu_count()} CPUs, "
        "Chromium with SwiftShader (software WebGL)",
        caption=(
            "All on the same cores: app + feeder (one Python process), Chromium's page (its "
            "workers too), GPU process (SwiftShader rasterises there) and browser, Playwright's "
            "driver, PostgreSQL (the whole server), 'others' = the rest of the machine's busy "
            f"time. CPU % is of one core. Load average at start {load_start:.2f}, at end "
            f"{os.getloadavg()[0]:.2f}."
        ),
        show_lines=True,
    )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print("durations: " + ", ".join(f"{k} {v:.1f} s" for k, v in durations.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="each frame-rate window")
    parser.add_argument("--entities", type=int, default=10_000, help="people walking")
    parser.add_argument("--loads", type=int, default=5, help="cold loads of the page")
    parser.add_argument("--tile-rounds", type=int, default=5, help="passes over the tiles")
    parser.add_argument("--exports", type=int, default=5, help="downloads per format")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    console.print(f"CPUs: {os.cpu_count()}; load average at start: {load_start:.2f}")
    durations: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        start = time.monotonic()
        try:
            return fn()
        finally:
            durations[name] = time.monotonic() - start

    with (
        tempfile.TemporaryDirectory(prefix="twin-bench-viewer-") as tmp,
        plant_running(Path(tmp), args.keep_db) as plant,
        sync_playwright() as pw,
    ):
        browser = launch(pw)
        rows = [timed("first paint", lambda: first_paint(browser, plant, args.loads))]
        phases, end = timed("motion", lambda: motion(browser, plant, args.seconds, args.entities))
        browser.close()
        rows += motion_rows(phases, end, args.seconds)
        rows += timed("tiles", lambda: tile_rows(plant, args.tile_rounds))
        rows += timed("one map", lambda: export_rows(plant, args.exports, Path(tmp)))
    report(rows, durations, load_start)


if __name__ == "__main__":
    main()
