"""The incident report: HTML with a map drawn from PostGIS, and the same as PDF.

The map is drawn server-side with matplotlib in the site's metric CRS (zones of the plant,
the threat zones by level, the source, the people found inside, the routes), so the
report needs no tiles and no browser state. The PDF is the HTML printed by headless
Chromium, the browser the twin already uses for snapshots.
"""

from __future__ import annotations

import base64
import io
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt
from jinja2 import Environment, FileSystemLoader, select_autoescape
from playwright.sync_api import sync_playwright
from shapely import from_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from twin.incidents import service
from twin.incidents.models import Incident
from twin.sites.models import Site
from viewer.browser import launch

KIND_ZH = {"toxic_release": "有毒物质泄漏", "fire": "火灾", "explosion": "爆炸"}
LEVEL_COLOURS = {3: "#d50000", 2: "#ff6d00", 1: "#ffd600"}
# The plant plus this margin is drawn, even when a zone reaches kilometres away.
MAP_MARGIN_M = 150.0
CJK_FONT = "Noto Sans CJK JP"  # the fonts-noto-cjk family matplotlib finds
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(["html"]),
)

_PLANT = text("""
SELECT ST_AsBinary(ST_Transform(geom, :srid)) FROM zones WHERE site_id = :site
""")
_BOUNDARY = text("SELECT ST_AsBinary(ST_Transform(boundary, :srid)) FROM sites WHERE id = :site")
_THREATS = text("""
SELECT level, ST_AsBinary(ST_Transform(geom, :srid)) FROM threat_zones
WHERE incident_id = :incident ORDER BY level
""")


def draw_polygons(ax: Any, geom: BaseGeometry, **style: Any) -> None:
    """Fill the polygons of ``geom`` on a matplotlib axis."""
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type == "Polygon":
            x, y = part.exterior.xy
            ax.fill(x, y, **style)


def map_png(session: Session, site: Site, incident: Incident) -> bytes:
    """The incident on the plant, in metres (north up), as PNG."""
    params = {"srid": site.metric_srid, "site": site.id, "incident": incident.id}
    boundary = from_wkb(bytes(session.scalar(_BOUNDARY, params)))
    fig, ax = plt.subplots(figsize=(10, 7), dpi=110)
    for (wkb,) in session.execute(_PLANT, params):
        draw_polygons(
            ax, from_wkb(bytes(wkb)), facecolor="#eceff1", edgecolor="#90a4ae", linewidth=0.6
        )
    for level, wkb in session.execute(_THREATS, params):
        draw_polygons(
            ax,
            from_wkb(bytes(wkb)),
            facecolor=LEVEL_COLOURS.get(level, "#999"),
            alpha=0.35,
            edgecolor=LEVEL_COLOURS.get(level, "#999"),
            linewidth=1.2,
        )
    x0, y0 = service.source_xy(session, incident, site.metric_srid)
    ax.plot([x0], [y0], marker="*", markersize=16, color="#b71c1c", zorder=5)
    situation = incident.situation or {}
    routes = (situation.get("routes") or {}).get("features", [])
    ax.set_title(f"{incident.title}", fontname=CJK_FONT, fontsize=12)
    minx, miny, maxx, maxy = boundary.bounds
    ax.set_xlim(minx - MAP_MARGIN_M, maxx + MAP_MARGIN_M)
    ax.set_ylim(miny - MAP_MARGIN_M, maxy + MAP_MARGIN_M)
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.set_xlabel(f"EPSG:{site.metric_srid} x (m)")
    ax.set_ylabel("y (m)")
    if routes:
        ax.text(
            minx, maxy + MAP_MARGIN_M * 0.5, f"{len(routes)} routes (see the live map)", fontsize=8
        )
    if situation.get("wind"):
        ax.annotate(
            "",
            xy=(maxx, maxy),
            xytext=(
                maxx - 60 * _sin(situation["wind"]["from_deg"] + 180),
                maxy - 60 * _cos(situation["wind"]["from_deg"] + 180),
            ),
            arrowprops={"arrowstyle": "->", "color": "#1565c0", "lw": 2},
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _sin(deg: float) -> float:
    return math.sin(math.radians(deg))


def _cos(deg: float) -> float:
    return math.cos(math.radians(deg))


def report_html(session: Session, site: Site, incident: Incident) -> str:
    full = service.as_dict(session, incident, full=True)
    situation = incident.situation or {}
    extents = {z["level"]: z["extent_m"] for z in situation.get("zones", [])}
    zones = [
        {**f["properties"], "extent": f"{extents.get(f['properties']['level'], 0):,.0f} m"}
        for f in sorted(full["zones"]["features"], key=lambda f: -f["properties"]["level"])
    ]
    png = base64.b64encode(map_png(session, site, incident)).decode("ascii")
    return _TEMPLATES.get_template("report_template.html").render(
        incident=full,
        site=site,
        kind_zh=KIND_ZH.get(incident.kind, incident.kind),
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
        situation=situation,
        zones=zones,
        people=full["people"],
        plan=full["plan"],
        responsible=full["responsible"],
        resources=full["resources"][:6],
        timeline=full["timeline"],
        recomputations=full["recomputations"],
        map_png=png,
    )


def report_pdf(html: str) -> bytes:
    """The HTML printed to A4 by headless Chromium (CJK fonts from fonts-noto-cjk)."""
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True)
        finally:
            browser.close()
