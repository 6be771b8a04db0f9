"""A self-contained HTML report map of a site's one map, drawn with folium.

Plants are often air-gapped, so the page must open from a USB stick with no network.
folium links Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs by
default. This map uses only what Leaflet draws by itself: GeoJSON layers, circle markers,
popups and tooltips built with ``L.DomUtil``, and the layer switcher. So it carries
Leaflet's JS and CSS inline, from the npm package the viewer installs, and links nothing
else. There is no tile layer either: a base map would come from the network, and Chinese
web base maps are offset (GCJ-02) from surveyed CGCS2000 data.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import folium
import geopandas as gpd
import pandas as pd
from branca.element import CssLink, Element, Figure, JavascriptLink
from shapely.geometry import shape

from twin.errors import SetupError
from twin.onemap.labels import (
    HAZARD_COLOURS,
    HAZARD_GRADE_ZH,
    LAYER_TITLES,
    NOT_MAJOR_ZH,
    RISK_COLOURS,
    RISK_GRADE_ZH,
    SENSOR_KIND_ZH,
    ZONE_COLOURS,
)

__all__ = ["LEAFLET_DIST", "leaflet_assets", "render_report"]

LEAFLET_DIST = Path(__file__).resolve().parents[2] / "viewer" / "node_modules" / "leaflet" / "dist"
# China keeps one time zone; the report is read there.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_IMAGE = re.compile(r"url\((images/[\w.-]+\.png)\)")


class _Inline(Element):
    """Text put into the page as it is: Leaflet's bundle must not pass through Jinja."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _OfflineMap(folium.Map):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Nothing from a CDN: render_report puts Leaflet inline; the rest is unused.
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []


@lru_cache(maxsize=4)
def leaflet_assets(dist: Path = LEAFLET_DIST) -> tuple[str, str]:
    """Leaflet's JS and CSS from its npm package, ready to inline.

    The source-map comment goes (nothing to fetch it from), as do the CSS comments
    (bug-tracker links); the CSS images become data URIs so the layer switcher keeps its
    icon offline.

    Raises
    ------
    SetupError
        When the package is not installed.
    """
    js_path, css_path = dist / "leaflet.js", dist / "leaflet.css"
    if not (js_path.is_file() and css_path.is_file()):
        raise SetupError(
            f"Leaflet is not installed in {dist}: run the setup, which installs it with "
            "`npm ci` in viewer/ (Leaflet 1.9.4, viewer/package-lock.json)"
        )
    js = _SOURCE_MAP.sub("", js_path.read_text(encoding="utf-8"))
    css = _CSS_COMMENT.sub("", css_path.read_text(encoding="utf-8"))

    def data_uri(match: re.Match[str]) -> str:
        image = dist / match.group(1)
        if not image.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()})"

    return js, _CSS_IMAGE.sub(data_uri, css)


def _collection(frame: gpd.GeoDataFrame, fields: Sequence[str]) -> dict[str, Any]:
    """The features with only ``fields``; strings HTML-escaped, because folium's popups
    and tooltips put property values into ``innerHTML``."""
    data: dict[str, Any] = frame[[*fields, frame.geometry.name]].to_geo_dict(
        na="null", drop_id=True
    )
    for feature in data["features"]:
        props = feature["properties"]
        feature["id"] = props["code"]
        feature["properties"] = {
            k: html.escape(v) if isinstance(v, str) else v for k, v in props.items()
        }
    return data


def _layer(
    fmap: folium.Map,
    frame: gpd.GeoDataFrame,
    title: str,
    style: Any,
    fields: Mapping[str, str],
    tooltip: Sequence[str] = ("name",),
    style_keys: Sequence[str] = (),
    **kwargs: Any,
) -> None:
    if frame.empty:
        return  # folium's popups refuse a layer without features
    keep = dict.fromkeys([*fields, *tooltip, *style_keys])
    folium.GeoJson(
        _collection(frame, list(keep)),
        name=title,
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), labels=False),
        popup=folium.GeoJsonPopup(fields=list(fields), aliases=list(fields.values())),
        **kwargs,
    ).add_to(fmap)


ALARM_FIELDS = {
    "alarms_active": "当前报警",
    "alarms_30d": "近30天报警",
    "alarms_unacked": "未确认报警",
}


def _panel(title: str, hazards: gpd.GeoDataFrame, generated_utc: datetime) -> str:
    local = generated_utc.astimezone(LOCAL_TZ)
    risk = "".join(
        f'<span class="sw" style="background:{RISK_COLOURS[g]}"></span>{RISK_GRADE_ZH[g]} '
        for g in RISK_COLOURS
    )
    grades = "".join(
        f'<span class="sw" style="background:{HAZARD_COLOURS[g]}"></span>{name} '
        for g, name in (*HAZARD_GRADE_ZH.items(), (None, NOT_MAJOR_ZH))
    )
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(str(row["name"] or row["code"])),
            html.escape(str(row["grade_zh"] or "—")),
            "—" if pd.isna(row["r"]) else f"{row['r']:.1f}",
            row["alarms_active"],
        )
        for row in hazards.to_dict("records")
    )
    return f"""
<div class="onemap-panel">
  <h1>{html.escape(title)} · 一张图</h1>
  <p>生成时间 {local:%Y-%m-%d %H:%M} 北京时间；危险源分级依 GB 18218-2018（实时量）</p>
  <p>{risk}</p>
  <p>{grades}</p>
  <table><tr><th>重大危险源</th><th>级别</th><th>R</th><th>当前报警</th></tr>{rows}</table>
</div>"""


_PANEL_CSS = """<style>
.leaflet-container { background: #f4f6f8; }
.onemap-panel { position: absolute; right: 10px; bottom: 10px; z-index: 1000; max-width: 26rem;
  background: rgba(255,255,255,.92); padding: .5rem .75rem; border-radius: 4px;
  font: 12px/1.4 system-ui, "Microsoft YaHei", "PingFang SC", sans-serif; }
.onemap-panel h1 { font-size: 14px; margin: 0 0 .25rem; }
.onemap-panel p { margin: .2rem 0; }
.onemap-panel table { border-collapse: collapse; }
.onemap-panel td, .onemap-panel th { padding: 1px 6px; text-align: left; }
.onemap-panel .sw { display: inline-block; width: 10px; height: 10px; margin-right: 3px; }
@media print { .leaflet-control-container { display: none; } }
</style>"""


def render_report(
    title: str,
    layers: Mapping[str, gpd.GeoDataFrame],
    boundary: Mapping[str, Any],
    generated_utc: datetime,
    dist: Path = LEAFLET_DIST,
) -> str:
    """The report map as one HTML page that needs no network.

    Parameters
    ----------
    title : str
        The site's name.
    layers : mapping of str to GeoDataFrame
        ``hazard_sources``, ``risk_zones``, ``zones`` (as :func:`twin.onemap.service.one_map`
        builds them) and ``sensors``, in WGS84.
    boundary : mapping
        The site boundary as GeoJSON geometry, WGS84.
    generated_utc : datetime
        When the data was read, shown on the map.
    dist : Path
        Leaflet's ``dist`` folder.

    Raises
    ------
    SetupError
        When Leaflet is not installed.
    """
    js, css = leaflet_assets(dist)
    minx, miny, maxx, maxy = shape(boundary).bounds
    fmap = _OfflineMap(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        zoom_start=16,
        max_zoom=22,
        control_scale=True,
        # No tiles to credit, and the attribution prefix is a link out of the page.
        attribution_control=False,
    )
    folium.GeoJson(
        dict(boundary),
        name="厂区边界",
        style_function=lambda _: {
            "color": "#37474f",
            "weight": 2,
            "dashArray": "6 4",
            "fill": False,
        },
        control=False,
    ).add_to(fmap)
    _layer(
        fmap,
        layers["zones"],
        LAYER_TITLES["zones"],
        lambda f: {
            "color": "#546e7a",
            "weight": 1,
            "fillColor": ZONE_COLOURS.get(f["properties"]["kind"], ZONE_COLOURS["other"]),
            "fillOpacity": 0.45,
        },
        {"name": "名称", "code": "编码", "kind_zh": "类型", **ALARM_FIELDS},
        style_keys=("kind",),
    )
    _layer(
        fmap,
        layers["risk_zones"],
        LAYER_TITLES["risk_zones"],
        lambda f: {
            "color": RISK_COLOURS[f["properties"]["grade"]],
            "weight": 2,
            "fillColor": RISK_COLOURS[f["properties"]["grade"]],
            "fillOpacity": 0.3,
        },
        {
            "name": "名称",
            "code": "编码",
            "grade_zh": "风险等级",
            "method": "评价方法",
            "score": "分值",
        },
        style_keys=("grade",),
    )
    _layer(
        fmap,
        layers["hazard_sources"],
        LAYER_TITLES["hazard_sources"],
        lambda f: {
            "color": "#212121",
            "weight": 1.5,
            "fillColor": HAZARD_COLOURS.get(f["properties"]["grade"], HAZARD_COLOURS[None]),
            "fillOpacity": 0.9,
        },
        {
            "name": "名称",
            "code": "编码",
            "grade_zh": "危险源级别",
            "r": "R 值",
            "s": "S 值",
            "basis_zh": "数量依据",
            **ALARM_FIELDS,
        },
        tooltip=("name", "grade_zh"),
        style_keys=("grade",),
    )
    sensors = layers["sensors"].assign(kind_zh=layers["sensors"]["kind"].map(SENSOR_KIND_ZH))
    _layer(
        fmap,
        sensors,
        "传感器",
        lambda _: {"color": "#006064", "weight": 1, "fillColor": "#4dd0e1", "fillOpacity": 0.9},
        {"name": "名称", "code": "编码", "kind_zh": "类型", "gas": "介质", "unit": "单位"},
        tooltip=("code", "name"),
        marker=folium.CircleMarker(radius=4, fill=True),
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])

    figure = fmap.get_root()
    assert isinstance(figure, Figure)
    figure.title = html.escape(f"{title} · 一张图")
    figure.header.add_child(_Inline(f"<style>{css}</style>"), name="leaflet_css")
    figure.header.add_child(_Inline(f"<script>{js}</script>"), name="leaflet")
    figure.header.add_child(_Inline(_PANEL_CSS), name="onemap_css")
    figure.html.add_child(
        _Inline(_panel(title, layers["hazard_sources"], generated_utc)), name="onemap_panel"
    )
    page: str = figure.render()
    # A folium upgrade that adds a CDN asset must fail here, not ship a page that goes
    # blank on an air-gapped network.
    linked = [
        child
        for child in figure.header._children.values()
        if isinstance(child, JavascriptLink | CssLink)
    ]
    if linked:
        raise RuntimeError(f"the report map links external assets: {linked}")
    return page
