"""The regulators' one map of a site (一张图): major hazard sources with their live
GB 18218 grade and R, graded risk zones and zones, hazard sources and zones with their
alarm summary. Served as files (GeoPackage, GeoJSON, KML), as figures for the regulator
page and as a self-contained HTML report map.

Grades come from :mod:`twin.hazards.service`, layer rows and file writing from
:mod:`twin.transfer.service` and :mod:`gis.io`; nothing here re-derives them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from gis.crs import CGCS2000, WGS84
from gis.io import write_layers
from twin.alarms.models import Alarm
from twin.errors import ValidationFailed
from twin.hazards import service as hazards
from twin.onemap import folium_map
from twin.onemap.labels import (
    BASIS_ZH,
    HAZARD_GRADE_ZH,
    LAYER_TITLES,
    NOT_MAJOR_ZH,
    RISK_COLOURS,
    RISK_GRADE_ZH,
    RISK_GRADES,
    ZONE_KIND_ZH,
)
from twin.onemap.schemas import (
    AlarmTotals,
    DataAge,
    HazardSourceCounts,
    OneMapSummary,
    RiskZoneCounts,
)
from twin.plant.layers import LAYERS
from twin.plant.models import Installation, RiskZone, Sensor, Zone
from twin.readings.models import LatestReading
from twin.sites import service as sites
from twin.sites.models import Site
from twin.transfer import service as transfer

# "Alarms of the last month" on the regulator page.
ALARM_WINDOW = timedelta(days=30)
# Installations, zones and risk zones are all stored as MULTIPOLYGON; declaring it keeps
# an empty layer typed in the GeoPackage.
GEOMETRY_TYPES = dict.fromkeys(LAYER_TITLES, "MultiPolygon")

HAZARD_FIELDS = (
    "code",
    "name",
    "name_en",
    "kind",
    "zone_code",
    "grade",
    "grade_zh",
    "r",
    "s",
    "is_major",
    "grade_registered",
    "r_registered",
    "s_registered",
    "alpha",
    "basis",
    "basis_zh",
    "level_pct",
    "level_ts_utc",
    "chemicals",
    "responsible",
    "rule_version",
    "assessment_error",
    "alarms_active",
    "alarms_30d",
    "alarms_unacked",
)


@dataclass(frozen=True, slots=True)
class AlarmCounts:
    """Real alarms (no drill alarms) of one hazard source, one zone or the whole site."""

    active: int = 0
    raised_30d: int = 0
    unacknowledged: int = 0

    def properties(self) -> dict[str, int]:
        return {
            "alarms_active": self.active,
            "alarms_30d": self.raised_30d,
            "alarms_unacked": self.unacknowledged,
        }


_NONE = AlarmCounts()


def _alarm_counts(
    session: Session,
    site: Site,
    now: datetime,
    key: ColumnElement[Any] | QueryableAttribute[Any] | None = None,
) -> dict[Any, AlarmCounts]:
    """Counts per ``key`` (one row under ``None`` without a key).

    An alarm belongs to the installation of its sensor, and to its own zone (flood parents
    and people alarms have no sensor) or else its sensor's zone.
    """
    since = now - ALARM_WINDOW
    counts = (
        func.count().filter(Alarm.active & ~Alarm.closed),
        func.count().filter(Alarm.raised_utc >= since),
        func.count().filter(~Alarm.acked & ~Alarm.closed),
    )
    query = (
        select(*((key,) if key is not None else ()), *counts)
        .select_from(Alarm)
        .outerjoin(Sensor, Sensor.id == Alarm.sensor_id)
        .where(
            Alarm.site_id == site.id,
            Alarm.drill_id.is_(None),
            # Every counted alarm is open or recent: keeps years of closed alarms out of
            # the scan (both columns are indexed).
            ~Alarm.closed | (Alarm.raised_utc >= since),
        )
    )
    if key is None:
        return {None: _counts(session.execute(query).one())}
    rows = session.execute(query.where(key.is_not(None)).group_by(key))
    return {row[0]: _counts(row) for row in rows}


def _counts(row: Sequence[Any]) -> AlarmCounts:
    active, raised_30d, unacknowledged = row[-3:]
    return AlarmCounts(active, raised_30d, unacknowledged)


def _hazard_record(
    row: Mapping[str, Any], assessed: Mapping[str, Any], alarms: AlarmCounts
) -> dict[str, Any]:
    live: Mapping[str, Any] = assessed.get("live") or {}
    registered: Mapping[str, Any] = assessed.get("registered") or {}
    grade = live.get("grade")
    return {
        "code": row["code"],
        "name": row["name"],
        "name_en": row["name_en"],
        "kind": row["kind"],
        "zone_code": row["zone_code"],
        "grade": grade,
        "grade_zh": (HAZARD_GRADE_ZH[grade] if grade else NOT_MAJOR_ZH) if live else None,
        "r": live.get("r"),
        "s": live.get("s"),
        "is_major": live.get("is_major"),
        "grade_registered": registered.get("grade"),
        "r_registered": registered.get("r"),
        "s_registered": registered.get("s"),
        "alpha": live.get("alpha"),
        "basis": live.get("basis"),
        "basis_zh": BASIS_ZH.get(live.get("basis", ""), live.get("basis")),
        "level_pct": live.get("level_pct"),
        "level_ts_utc": live.get("ts"),
        "chemicals": live.get("terms"),
        "responsible": row["responsible"],
        "rule_version": assessed.get("rule_version"),
        "assessment_error": assessed.get("error"),
        **alarms.properties(),
    }


def _hazard_sources(
    session: Session, site: Site, srid: int, by_installation: Mapping[str, AlarmCounts]
) -> gpd.GeoDataFrame:
    frame = transfer.layer_frame(session, LAYERS["installations"], site, srid, flatten=False)
    frame = frame[frame["is_hazard_source"].astype(bool)]
    assessed = {a["code"]: a for a in hazards.hazard_sources(session, site)}
    records = [
        _hazard_record(row, assessed.get(row["code"], {}), by_installation.get(row["code"], _NONE))
        for row in frame.to_dict("records")
    ]
    table = pd.DataFrame.from_records(records, columns=list(HAZARD_FIELDS))
    # Typed even when every value is missing (no live level anywhere); 32-bit integers
    # because KML has no 64-bit integer field.
    table = table.astype(
        {"grade": "Int32", "grade_registered": "Int32"}
        | dict.fromkeys(("r", "s", "r_registered", "s_registered", "alpha", "level_pct"), float)
        | dict.fromkeys(_NONE.properties(), "int32")
    )
    return gpd.GeoDataFrame(table, geometry=frame.geometry.values, crs=frame.crs)


def _risk_zones(session: Session, site: Site, srid: int) -> gpd.GeoDataFrame:
    frame = transfer.layer_frame(session, LAYERS["risk_zones"], site, srid, flatten=False)
    at = frame.columns.get_loc("grade") + 1
    frame.insert(at, "grade_zh", frame["grade"].map(RISK_GRADE_ZH))
    frame.insert(at + 1, "colour", frame["grade"].map(RISK_COLOURS))
    return frame


def _zones(
    session: Session, site: Site, srid: int, by_zone: Mapping[str, AlarmCounts]
) -> gpd.GeoDataFrame:
    frame = transfer.layer_frame(session, LAYERS["zones"], site, srid, flatten=False)
    frame.insert(frame.columns.get_loc("kind") + 1, "kind_zh", frame["kind"].map(ZONE_KIND_ZH))
    counts = [by_zone.get(code, _NONE).properties() for code in frame["code"]]
    for name in _NONE.properties():
        frame[name] = pd.array([c[name] for c in counts], dtype="int32")
    return frame


def one_map(
    session: Session, site: Site, srid: int = CGCS2000, now: datetime | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The one-map layers of a site in ``srid``: hazard_sources, risk_zones, zones.

    Hazard sources carry their live grade, R and S (``*_registered`` at design
    capacity); hazard sources and zones carry ``alarms_active``, ``alarms_30d`` and
    ``alarms_unacked``. Nested values (chemicals, responsible persons) stay objects.
    """
    now = now or datetime.now(UTC)
    by_installation = _alarm_counts(session, site, now, Sensor.installation_code)
    by_zone = _alarm_counts(session, site, now, func.coalesce(Alarm.zone_code, Sensor.zone_code))
    return {
        "hazard_sources": _hazard_sources(session, site, srid, by_installation),
        "risk_zones": _risk_zones(session, site, srid),
        "zones": _zones(session, site, srid, by_zone),
    }


def _flat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lists and objects as JSON text, for formats whose attributes are flat."""
    out = frame.copy()
    for name in out.columns:
        if name != out.geometry.name and out[name].dtype == object:
            out[name] = [
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for v in out[name]
            ]
    return out


def export(session: Session, site: Site, fmt: str, srid: int | None = None) -> Path:
    """Write the one map to a temporary file and return its path (the caller removes it).

    GeoPackage: one table per layer, CGCS2000 unless ``srid`` is WGS84. GeoJSON (RFC 7946,
    WGS84): one FeatureCollection whose features carry ``layer``. KML: one folder per
    layer, named in Chinese.
    """
    if srid not in (None, CGCS2000, WGS84):
        raise ValidationFailed("crs: the one map is CGCS2000 (EPSG:4490) or WGS84 (EPSG:4326)")
    frames = one_map(session, site, transfer.output_srid(fmt, srid))
    if fmt != "geojson":
        frames = {name: _flat(frame) for name, frame in frames.items()}
    path = transfer.export_path(f"{site.code}-onemap", fmt)
    write_layers(frames, path, titles=LAYER_TITLES, geometry_types=GEOMETRY_TYPES)
    return path


def _grade_key(assessed: Mapping[str, Any], which: str) -> str:
    if which not in assessed:
        return "unassessed"
    grade = assessed[which]["grade"]
    return str(grade) if grade else "not_major"


def summary(session: Session, site: Site, now: datetime | None = None) -> OneMapSummary:
    """The one map in figures: hazard sources by grade, risk zones by colour, alarm
    totals and how old the data behind them is."""
    now = now or datetime.now(UTC)
    assessed = hazards.hazard_sources(session, site)
    grades = ("1", "2", "3", "4", "not_major", "unassessed")
    live = Counter(_grade_key(a, "live") for a in assessed)
    registered = Counter(_grade_key(a, "registered") for a in assessed)
    risk = dict.fromkeys(RISK_GRADES, 0) | dict(
        session.execute(
            select(RiskZone.grade, func.count())
            .where(RiskZone.site_id == site.id)
            .group_by(RiskZone.grade)
        ).all()
    )
    total = _alarm_counts(session, site, now)[None]
    latest = session.scalar(
        select(func.max(LatestReading.ts_utc))
        .join(Sensor, Sensor.id == LatestReading.sensor_id)
        .where(Sensor.site_id == site.id)
    )
    levels = [
        datetime.fromisoformat(a["live"]["ts"])
        for a in assessed
        if a.get("live", {}).get("basis") == "level"
    ]
    edits = [
        session.scalar(select(func.max(model.updated_at)).where(model.site_id == site.id))
        for model in (Zone, Installation, RiskZone)
    ]
    return OneMapSummary(
        site=site.code,
        name=site.name,
        hazard_sources=HazardSourceCounts(
            total=len(assessed),
            by_grade={g: live[g] for g in grades},
            by_registered_grade={g: registered[g] for g in grades},
            rule_version=hazards.rules().version,
        ),
        risk_zones=RiskZoneCounts(total=sum(risk.values()), by_grade=risk),
        zones=session.scalar(select(func.count()).where(Zone.site_id == site.id)) or 0,
        alarms=AlarmTotals(
            active=total.active,
            raised_30d=total.raised_30d,
            unacknowledged=total.unacknowledged,
        ),
        data_age=DataAge(
            generated_utc=now,
            latest_reading_utc=latest,
            latest_reading_age_s=(now - latest).total_seconds() if latest else None,
            oldest_live_level_utc=min(levels, default=None),
            plant_updated_utc=max((e for e in edits if e is not None), default=None),
        ),
    )


def report_map(session: Session, site: Site, now: datetime | None = None) -> str:
    """The one map with the site's sensors as one offline HTML page (folium, Leaflet
    inline, no tiles)."""
    now = now or datetime.now(UTC)
    layers = one_map(session, site, WGS84, now)
    layers["sensors"] = transfer.layer_frame(session, LAYERS["sensors"], site, WGS84, flatten=True)
    boundary = sites.describe(session, site, WGS84)["boundary"]
    return folium_map.render_report(site.name, layers, boundary, now)
