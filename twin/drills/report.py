"""The drill evaluation report (Chinese and English): one run, or two side by side.

Measures against the plan's targets with their verdict and where each figure comes from
(measured, simulated, assumed); a map per run drawn from PostGIS in the site's metric CRS
(the plant, the route network coloured by the crowd's peak density in a simulation or
the people's tracks in a live drill, the threat zones at their largest, the assembly
points); the muster curves on one plot with the target; bottlenecks, exposure, route
deviations and the timeline. The PDF is the same HTML printed by headless Chromium.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt
import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from shapely import from_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from twin.drills.hazard import run_hazard
from twin.drills.models import DrillRun, DrillScenario
from twin.drills.schemas import Scenario
from twin.incidents.report import CJK_FONT, LEVEL_COLOURS, MAP_MARGIN_M, draw_polygons
from twin.incidents.situation import LOCAL_TIME
from twin.sites.models import Site

__all__ = ["MEASURE_NAMES", "run_report"]

MEASURE_NAMES = {
    "alarm_to_ack_s": ("报警→确认", "Alarm → acknowledge"),
    "first_command_s": ("首条指令", "First command"),
    "muster_complete_s": ("清点完成", "Muster complete"),
    "missing_at_muster": ("清点缺失人数", "Missing at muster"),
    "route_deviations": ("偏离路线人数", "Route deviations"),
    "exposure_severe_person_min": ("最高级区域暴露", "Exposure, most severe zone"),
}
BASIS_NAMES = {
    "measured": "实测 measured",
    "simulated": "模拟 simulated",
    "assumed": "假定 assumed",
}
RUN_COLOURS = ("#1565c0", "#c62828")
# Zones are drawn at their largest over the drill: looked for on this grid of times.
ZONE_SEARCH_STEP_S = 30.0
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html"])
)
_PLANT = text("SELECT ST_AsBinary(ST_Transform(geom, :srid)) FROM zones WHERE site_id = :site")
_BOUNDARY = text("SELECT ST_AsBinary(ST_Transform(boundary, :srid)) FROM sites WHERE id = :site")
_EDGES = text("""
SELECT code, ST_AsBinary(ST_Transform(geom, :srid)) FROM route_edges WHERE site_id = :site
""")
_POINTS = text("""
SELECT code, ST_X(ST_Transform(ST_PointOnSurface(geom), :srid)),
       ST_Y(ST_Transform(ST_PointOnSurface(geom), :srid))
FROM assembly_points WHERE site_id = :site ORDER BY code
""")
_TRACKS = text("""
SELECT t.code, ST_X(ST_Transform(p.geom, :srid)), ST_Y(ST_Transform(p.geom, :srid))
FROM positions p JOIN tags t ON t.id = p.tag_id
WHERE t.site_id = :site AND p.ts_utc >= :start AND p.ts_utc <= :end ORDER BY t.code, p.ts_utc
""")


def run_report(session: Session, site: Site, runs: list[DrillRun]) -> str:
    """The report of one run, or of two compared (HTML, self-contained)."""
    views = [_view(session, site, run) for run in runs]
    return _TEMPLATES.get_template("report_template.html").render(
        site=site,
        runs=views,
        measures=_measure_rows(views),
        muster_png=_png(_muster_figure(views)),
        basis=BASIS_NAMES,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _view(session: Session, site: Site, run: DrillRun) -> dict[str, Any]:
    row = session.get(DrillScenario, run.scenario_id)
    assert row is not None
    scenario = Scenario.model_validate(row.body)
    result = run.result or {}
    return {
        "run": run,
        "scenario": scenario,
        "version": row.version,
        "result": result,
        "local_start": run.plant_start_utc.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M:%S"),
        "map_png": _png(_map_figure(session, site, run, scenario, result)) if result else None,
    }


def _measure_rows(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for key, (zh, en) in MEASURE_NAMES.items():
        cells = []
        for v in views:
            m = next((m for m in v["result"].get("measures", []) if m["key"] == key), None)
            cells.append(m)
        rows.append({"zh": zh, "en": en, "cells": cells})
    return rows


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _muster_figure(views: list[dict[str, Any]]) -> Any:
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=110)
    for colour, v in zip(RUN_COLOURS, views, strict=False):
        curve = v["result"].get("muster_curve") or []
        if not curve:
            continue
        t, n = np.array(curve, dtype=float).T
        label = f"#{v['run'].id} {v['scenario'].name} ({v['run'].mode})"
        ax.step(t / 60.0, n, where="post", color=colour, label=label)
        expected = v["result"].get("people", {}).get("expected")
        if expected:
            ax.axhline(expected, color=colour, linestyle=":", linewidth=0.8)
        target = v["result"].get("plan", {}).get("targets", {}).get("muster_complete_s")
        first = v["result"].get("first_alarm_s") or 0.0
        if target:
            ax.axvline((first + target) / 60.0, color=colour, linestyle="--", linewidth=0.8)
    ax.set_xlabel("时间 / time since drill start (min)", fontname=CJK_FONT)
    ax.set_ylabel("已清点 / mustered", fontname=CJK_FONT)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(prop={"family": CJK_FONT, "size": 8}, loc="lower right")
    return fig


def _map_figure(
    session: Session, site: Site, run: DrillRun, scenario: Scenario, result: dict[str, Any]
) -> Any:
    params = {"srid": site.metric_srid, "site": site.id}
    boundary = from_wkb(bytes(session.scalar(_BOUNDARY, params)))
    fig, ax = plt.subplots(figsize=(8, 6), dpi=110)
    for (wkb,) in session.execute(_PLANT, params):
        plant = from_wkb(bytes(wkb))
        draw_polygons(ax, plant, facecolor="#eceff1", edgecolor="#90a4ae", lw=0.5)
    hazard = run_hazard(session, site, scenario, run)
    times = np.arange(0.0, scenario.duration_s + 1e-9, ZONE_SEARCH_STEP_S)
    largest = max(
        (hazard.zones(float(t)) for t in times),
        key=lambda zs: sum(z.geometry.area for z in zs),
    )
    for z in sorted(largest, key=lambda z: z.level):
        colour = LEVEL_COLOURS.get(z.level, "#999")
        draw_polygons(ax, z.geometry, facecolor=colour, alpha=0.3, edgecolor=colour, lw=1.0)
    density = (result.get("evacuation") or {}).get("peak_density_p_m2", {})
    peak = max(density.values(), default=1.0)
    cmap = plt.get_cmap("inferno_r")
    for code, wkb in session.execute(_EDGES, params):
        line = from_wkb(bytes(wkb))
        x, y = line.xy
        d = density.get(code, 0.0)
        if d:
            ax.plot(x, y, color=cmap(0.15 + 0.85 * d / peak), lw=0.6 + 3.0 * d / peak, zorder=2)
        else:
            ax.plot(x, y, color="#b0bec5", lw=0.5, zorder=2)
    if run.mode == "live":
        _tracks(session, site, run, ax)
    for code, x, y in session.execute(_POINTS, params):
        ax.plot([x], [y], marker="s", markersize=9, color="#2e7d32", zorder=4)
        ax.annotate(code, (x, y), xytext=(5, 5), textcoords="offset points", fontsize=8)
    ax.plot(*hazard.source_xy, marker="*", markersize=15, color="#b71c1c", zorder=5)
    minx, miny, maxx, maxy = boundary.bounds
    ax.set_xlim(minx - MAP_MARGIN_M, maxx + MAP_MARGIN_M)
    ax.set_ylim(miny - MAP_MARGIN_M, maxy + MAP_MARGIN_M)
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.set_title(f"#{run.id} {scenario.name}", fontname=CJK_FONT, fontsize=11)
    ax.set_xlabel(f"EPSG:{site.metric_srid} x (m)")
    return fig


def _tracks(session: Session, site: Site, run: DrillRun, ax: Any) -> None:
    """Each tag's track during the drill, thin and blue."""
    end = run.plant_end_utc or run.ended_utc or run.plant_start_utc + timedelta(hours=1)
    rows = session.execute(
        _TRACKS,
        {"srid": site.metric_srid, "site": site.id, "start": run.plant_start_utc, "end": end},
    )
    tracks: dict[str, list[tuple[float, float]]] = {}
    for tag, x, y in rows:
        tracks.setdefault(tag, []).append((x, y))
    for points in tracks.values():
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, color="#1565c0", lw=0.8, alpha=0.6, zorder=3)
