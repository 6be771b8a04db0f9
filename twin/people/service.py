"""Tags, where people are now, how many are in each zone, and where they have been."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from twin.audit import service as audit
from twin.errors import Conflict, NotFound, ValidationFailed
from twin.people.geofence import PRESENCE_TIMEOUT
from twin.people.models import Tag
from twin.sites.models import Site

_HEADCOUNT = text("""
SELECT z.code, z.name, z.name_en, z.restricted, z.max_occupancy, count(lp.tag_id) AS people,
       coalesce(array_agg(t.code ORDER BY t.code) FILTER (WHERE t.code IS NOT NULL), '{}')
FROM zones z
LEFT JOIN latest_positions lp ON ST_Covers(z.geom, lp.geom) AND lp.ts_utc >= :since
LEFT JOIN tags t ON t.id = lp.tag_id AND t.site_id = z.site_id
WHERE z.site_id = :site
GROUP BY z.code, z.name, z.name_en, z.restricted, z.max_occupancy ORDER BY z.code
""")
_LATEST = text("""
SELECT t.code, t.person_name, t.person_kind, t.company, lp.ts_utc, ST_X(lp.geom), ST_Y(lp.geom),
       ST_X(ST_Transform(lp.geom, s.metric_srid)), ST_Y(ST_Transform(lp.geom, s.metric_srid)),
       lp.floor, lp.accuracy_m
FROM tags t JOIN latest_positions lp ON lp.tag_id = t.id JOIN sites s ON s.id = t.site_id
WHERE t.site_id = :site AND lp.ts_utc >= :since ORDER BY t.code
""")
_TRAJECTORY = text("""
SELECT p.ts_utc, ST_X(p.geom), ST_Y(p.geom), p.floor, p.accuracy_m
FROM positions p JOIN tags t ON t.id = p.tag_id
WHERE t.site_id = :site AND t.code = :tag AND p.ts_utc >= :start AND p.ts_utc < :end
ORDER BY p.ts_utc LIMIT :limit
""")
MAX_TRACK_POINTS = 100_000
# 8 decimals of a degree is about a millimetre.
LONLAT_DECIMALS = 8


def list_tags(session: Session, site: Site) -> list[Tag]:
    return list(session.scalars(select(Tag).where(Tag.site_id == site.id).order_by(Tag.code)))


def create_tag(session: Session, site: Site, actor: str, data: dict[str, Any]) -> Tag:
    if session.scalar(select(Tag.id).where(Tag.site_id == site.id, Tag.code == data["code"])):
        raise Conflict(f"tag {data['code']!r} exists at site {site.code!r}")
    tag = Tag(site_id=site.id, **data)
    session.add(tag)
    session.flush()
    audit.record(
        session, actor, [audit.Change("tag.create", "tag", tag.code, site.code, None, data)]
    )
    return tag


def headcount(session: Session, site: Site, now: datetime) -> list[dict[str, Any]]:
    rows = session.execute(_HEADCOUNT, {"site": site.id, "since": now - PRESENCE_TIMEOUT})
    return [
        {
            "zone": code,
            "name": name,
            "name_en": name_en,
            "restricted": restricted,
            "max_people": limit,
            "people": people,
            "tags": list(tags),
        }
        for code, name, name_en, restricted, limit, people, tags in rows
    ]


def position(
    ts: datetime,
    lon: float,
    lat: float,
    x_m: float,
    y_m: float,
    floor: int | None,
    accuracy_m: float | None,
) -> dict[str, Any]:
    """A tag's position as the stream, the API and a replay give it."""
    return {
        "ts": ts.isoformat(),
        "lon": round(lon, LONLAT_DECIMALS),
        "lat": round(lat, LONLAT_DECIMALS),
        # In the site's metric CRS too: the 3D view places people in metres.
        "x_m": round(x_m, 2),
        "y_m": round(y_m, 2),
        "floor": floor,
        "accuracy_m": accuracy_m,
    }


def latest_positions(session: Session, site: Site, now: datetime) -> list[dict[str, Any]]:
    rows = session.execute(_LATEST, {"site": site.id, "since": now - PRESENCE_TIMEOUT})
    return [
        {"tag": code, "person": name, "kind": kind, "company": company, **position(*where)}
        for code, name, kind, company, *where in rows
    ]


def trajectory(
    session: Session, site: Site, tag: str, start: datetime, end: datetime
) -> dict[str, Any]:
    if end <= start:
        raise ValidationFailed("end must be after start")
    if end - start > timedelta(days=31):
        raise ValidationFailed("ask for at most 31 days at a time")
    if not session.scalar(select(Tag.id).where(Tag.site_id == site.id, Tag.code == tag)):
        raise NotFound(f"no tag {tag!r} at site {site.code!r}")
    rows = session.execute(
        _TRAJECTORY,
        {"site": site.id, "tag": tag, "start": start, "end": end, "limit": MAX_TRACK_POINTS},
    ).all()
    return {
        "type": "Feature",
        "id": tag,
        "geometry": {"type": "LineString", "coordinates": [[x, y] for _, x, y, _, _ in rows]},
        "properties": {
            "tag": tag,
            "times": [ts.isoformat() for ts, *_ in rows],
            "floors": [f for *_, f, _ in rows],
            "truncated": len(rows) == MAX_TRACK_POINTS,
        },
    }
