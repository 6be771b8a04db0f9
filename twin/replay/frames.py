"""Replay: any period of a site's timeline, as its maps saw it, one second at a time.

A replay starts with a snapshot of the plant at its start (the same message a live map
gets on connect) and then walks the timeline in frames of :data:`FRAME` plant time: the
newest reading of each sensor and position of each tag within the frame, then the logged
events (alarm transitions, incident steps and recomputations, headcount, drill events)
in the order they happened. Everything comes from the database, frames are cut at fixed
offsets from the start, and ties are broken by the log's own order, so the same period
replayed twice gives the same messages and the same picture.

Two scopes: the real plant (what its maps showed, live drills with their banner
included), or one simulated drill run, which has its own clock and lives only in the
event log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from twin.people.service import position
from twin.readings import service as readings
from twin.readings.lookback import POSITION_LOOKBACK, READING_LOOKBACK
from twin.readings.models import QUALITY_NAMES
from twin.sites.models import Site

__all__ = ["CHUNK", "FRAME", "Frame", "Scope", "chunk_frames", "frames", "snapshot_at"]

FRAME = timedelta(seconds=1)
# Plant time fetched per round of queries: large enough to keep queries few at ×60,
# small enough that a seek or a pause never waits long.
CHUNK = timedelta(seconds=30)
# How far back a snapshot looks for the state of alarms, incidents and drills.
ALARM_LOOKBACK = timedelta(days=30)
INCIDENT_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Scope:
    """``simulation``: the drill id of a simulated run; None for the real plant."""

    simulation: str | None = None

    def where(self) -> str:
        if self.simulation is None:
            # Live drills were on the real maps (under their banner); simulations never.
            return "(e.drill_id IS NULL OR e.drill_id LIKE 'drill-%')"
        return "e.drill_id = :drill"

    def params(self) -> dict[str, Any]:
        return {} if self.simulation is None else {"drill": self.simulation}


@dataclass(frozen=True, slots=True)
class Frame:
    """The events of one frame, ending (exclusive) at ``end``."""

    end: datetime
    events: list[dict[str, Any]]


_READINGS = text("""
SELECT s.code, r.ts_utc, r.value, r.quality
FROM readings r JOIN sensors s ON s.id = r.sensor_id
WHERE s.site_id = :site AND r.ts_utc >= :a AND r.ts_utc < :b
ORDER BY r.ts_utc, s.code
""")
_POSITIONS = text("""
SELECT t.code, p.ts_utc, ST_X(p.geom), ST_Y(p.geom),
       ST_X(ST_Transform(p.geom, s.metric_srid)), ST_Y(ST_Transform(p.geom, s.metric_srid)),
       p.floor, p.accuracy_m
FROM positions p JOIN tags t ON t.id = p.tag_id JOIN sites s ON s.id = t.site_id
WHERE t.site_id = :site AND p.ts_utc >= :a AND p.ts_utc < :b
ORDER BY p.ts_utc, t.code
""")


def _log(scope: Scope) -> str:
    return f"""
SELECT e.ts_utc, e.payload FROM event_log e
WHERE e.site_id = :site AND e.ts_utc >= :a AND e.ts_utc < :b AND {scope.where()}
ORDER BY e.ts_utc, e.id
"""


def frames(
    session: Session, site: Site, start: datetime, end: datetime, scope: Scope
) -> Iterator[Frame]:
    """Every frame from ``start`` to ``end``, fetched a chunk at a time."""
    chunk_start = start
    while chunk_start < end:
        chunk_end = min(chunk_start + CHUNK, end)
        yield from chunk_frames(session, site, start, chunk_start, chunk_end, scope)
        chunk_start = chunk_end


def chunk_frames(
    session: Session,
    site: Site,
    origin: datetime,
    a: datetime,
    b: datetime,
    scope: Scope,
) -> list[Frame]:
    """The frames covering [a, b) of a replay that started at ``origin`` (frames are cut
    at whole multiples of :data:`FRAME` from it; ``a`` must be one of those cuts)."""
    slots = _chunk(session, site, origin, a, b, scope)
    first = (a - origin) // FRAME
    last = -((origin - b) // FRAME)  # ceiling: a partial last frame counts
    out = []
    for frame_no in range(first, last):
        items = sorted(slots.get(frame_no, []), key=lambda x: (x[0], x[1]))
        out.append(Frame(min(origin + (frame_no + 1) * FRAME, b), [e for *_, e in items]))
    return out


Slot = tuple[int, datetime, dict[str, Any]]


def _chunk(
    session: Session, site: Site, start: datetime, a: datetime, b: datetime, scope: Scope
) -> dict[int, list[Slot]]:
    """The events of [a, b) by frame number: readings first, then positions, then the
    log's events in their order (an alarm follows the reading that raised it)."""
    params = {"site": site.id, "a": a, "b": b, **scope.params()}
    slots: dict[int, list[Slot]] = {}

    def put(ts: datetime, order: int, event: dict[str, Any]) -> None:
        slots.setdefault((ts - start) // FRAME, []).append((order, ts, event))

    if scope.simulation is None:
        for frame_no, values in _newest(session.execute(_READINGS, params), start).items():
            put(start + frame_no * FRAME, 0, {"type": "readings", "sensors": values})
        for frame_no, tags in _newest_positions(session.execute(_POSITIONS, params), start):
            put(start + frame_no * FRAME, 1, {"type": "positions", "tags": tags})
    for ts, payload in session.execute(text(_log(scope)), params):
        put(ts, 2, payload)
    return slots


def _newest(rows: Any, start: datetime) -> dict[int, dict[str, Any]]:
    """The newest reading of each sensor within each frame (rows in time order)."""
    out: dict[int, dict[str, Any]] = {}
    for code, ts, value, quality in rows:
        out.setdefault((ts - start) // FRAME, {})[code] = {
            "ts": ts.isoformat(),
            "value": value,
            "quality": QUALITY_NAMES[quality],
        }
    return out


def _newest_positions(rows: Any, start: datetime) -> list[tuple[int, dict[str, Any]]]:
    out: dict[int, dict[str, Any]] = {}
    for tag, ts, *where in rows:
        out.setdefault((ts - start) // FRAME, {})[tag] = position(ts, *where)
    return sorted(out.items())


# --- the snapshot at an instant ---------------------------------------------------------

_READINGS_AT = text("""
SELECT DISTINCT ON (r.sensor_id) s.code, r.ts_utc, r.value, r.quality
FROM readings r JOIN sensors s ON s.id = r.sensor_id
WHERE s.site_id = :site AND r.ts_utc < :t AND r.ts_utc >= :since
ORDER BY r.sensor_id, r.ts_utc DESC
""")
_POSITIONS_AT = text("""
SELECT DISTINCT ON (p.tag_id) t.code, t.person_name, t.person_kind, t.company, p.ts_utc,
       ST_X(p.geom), ST_Y(p.geom),
       ST_X(ST_Transform(p.geom, s.metric_srid)), ST_Y(ST_Transform(p.geom, s.metric_srid)),
       p.floor, p.accuracy_m
FROM positions p JOIN tags t ON t.id = p.tag_id JOIN sites s ON s.id = t.site_id
WHERE t.site_id = :site AND p.ts_utc < :t AND p.ts_utc >= :since
ORDER BY p.tag_id, p.ts_utc DESC
""")
_HEADCOUNT_AT = text("""
WITH here AS (
  SELECT DISTINCT ON (p.tag_id) p.tag_id, p.geom FROM positions p JOIN tags t ON t.id = p.tag_id
  WHERE t.site_id = :site AND p.ts_utc < :t AND p.ts_utc >= :since
  ORDER BY p.tag_id, p.ts_utc DESC
)
SELECT z.code, z.name, z.name_en, z.restricted, z.max_occupancy, count(t.code),
       coalesce(array_agg(t.code ORDER BY t.code) FILTER (WHERE t.code IS NOT NULL), '{}')
FROM zones z LEFT JOIN here ON ST_Covers(z.geom, here.geom)
LEFT JOIN tags t ON t.id = here.tag_id
WHERE z.site_id = :site
GROUP BY z.code, z.name, z.name_en, z.restricted, z.max_occupancy ORDER BY z.code
""")


def _latest_logged(scope: Scope, kind: str, key: str) -> Any:
    """The newest logged payload of ``kind`` per ``key`` (a JSON path) before :t."""
    return text(f"""
SELECT DISTINCT ON ({key}) e.payload FROM event_log e
WHERE e.site_id = :site AND e.kind = '{kind}' AND e.ts_utc < :t AND e.ts_utc >= :since
  AND {scope.where()}
ORDER BY {key}, e.ts_utc DESC, e.id DESC
""")


def snapshot_at(session: Session, site: Site, t: datetime, scope: Scope) -> dict[str, Any]:
    """The plant as its maps showed it just before ``t``: the live snapshot's message."""
    base = {"site": site.id, "t": t, **scope.params()}
    alarms = [
        row[0]["alarm"]
        for row in session.execute(
            _latest_logged(scope, "alarm", "(e.payload->'alarm'->>'id')"),
            base | {"since": t - ALARM_LOOKBACK},
        )
    ]
    incidents = [
        row[0]["incident"]
        for row in session.execute(
            _latest_logged(scope, "incident", "(e.payload->'incident'->>'id')"),
            base | {"since": t - INCIDENT_LOOKBACK},
        )
    ]
    drills = [
        row[0]
        for row in session.execute(
            _latest_logged(scope, "drill", "e.drill_id"),
            base | {"since": t - INCIDENT_LOOKBACK},
        )
    ]
    sensors = readings.sensors_with_latest(session, site)
    if scope.simulation is None:
        sensors, headcount, positions = _plant_at(session, site, t, sensors)
    else:
        headcount, positions = _simulated_people_at(session, site, t, scope)
        for s in sensors:
            s["latest"] = None
    return {
        "type": "snapshot",
        "site": site.code,
        "sensors": sensors,
        "alarms": sorted(
            (a for a in alarms if _displayed(a)), key=lambda a: a["raised_utc"], reverse=True
        ),
        "headcount": headcount,
        "positions": positions,
        "incidents": sorted((i for i in incidents if i["state"] == "open"), key=lambda i: i["id"]),
        "drills": [d for d in drills if d.get("state") == "running"],
    }


def _displayed(alarm: dict[str, Any]) -> bool:
    """What a map lists: not closed, and active or not yet acknowledged."""
    return alarm["state"] != "closed" and (alarm["active"] or not alarm["acked"])


def _plant_at(
    session: Session, site: Site, t: datetime, sensors: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    values = {
        code: {"ts": ts.isoformat(), "value": value, "quality": QUALITY_NAMES[quality]}
        for code, ts, value, quality in session.execute(
            _READINGS_AT, {"site": site.id, "t": t, "since": t - READING_LOOKBACK}
        )
    }
    for s in sensors:
        s["latest"] = values.get(s["code"])
    people = {"site": site.id, "t": t, "since": t - POSITION_LOOKBACK}
    headcount = [
        {
            "zone": code,
            "name": name,
            "name_en": name_en,
            "restricted": restricted,
            "max_people": limit,
            "people": count,
            "tags": list(tags),
        }
        for code, name, name_en, restricted, limit, count, tags in session.execute(
            _HEADCOUNT_AT, people
        )
    ]
    positions = [
        {"tag": code, "person": name, "kind": kind, "company": company, **position(*where)}
        for code, name, kind, company, *where in sorted(
            session.execute(_POSITIONS_AT, people), key=lambda r: r[0]
        )
    ]
    return sensors, headcount, positions


_FRAMES_SINCE_KEYFRAME = text("""
SELECT e.payload FROM event_log e
WHERE e.site_id = :site AND e.drill_id = :drill AND e.kind = 'positions' AND e.ts_utc < :t
  AND e.ts_utc >= (SELECT max(k.ts_utc) FROM event_log k
                   WHERE k.site_id = :site AND k.drill_id = :drill AND k.kind = 'positions'
                     AND k.ts_utc < :t AND k.ts_utc >= :since
                     AND (k.payload->>'keyframe')::boolean)
ORDER BY e.ts_utc, e.id
""")


def _simulated_people_at(
    session: Session, site: Site, t: datetime, scope: Scope
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A simulation's people and headcount at ``t``: its newest keyframe of everyone's
    positions with the moves logged after it, and its newest headcount."""
    base = {"site": site.id, "t": t, "since": t - INCIDENT_LOOKBACK, **scope.params()}
    tags: dict[str, Any] = {}
    for (payload,) in session.execute(_FRAMES_SINCE_KEYFRAME, base):
        tags.update(payload["tags"])
    counts: dict[str, int] = {}
    for (payload,) in session.execute(_latest_logged(scope, "headcount", "e.site_id"), base):
        counts = payload["zones"]
    headcount = [
        {**z, "people": counts.get(z["zone"], 0), "tags": []} for z in zone_list(session, site)
    ]
    positions = [
        {"tag": tag, "person": p.get("person", tag), "kind": p.get("kind", "employee"), **p}
        for tag, p in sorted(tags.items())
    ]
    return headcount, positions


_ZONES = text("""
SELECT code, name, name_en, restricted, max_occupancy FROM zones WHERE site_id = :site
ORDER BY code
""")


def zone_list(session: Session, site: Site) -> list[dict[str, Any]]:
    """The site's zones as the headcount lists them, without counts."""
    return [
        {"zone": c, "name": n, "name_en": e, "restricted": r, "max_people": m}
        for c, n, e, r, m in session.execute(_ZONES, {"site": site.id})
    ]
