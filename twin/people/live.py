"""People in the live engine: reports and ranges become positions, positions become
stored tracks, headcount and geofence alarms."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from shapely import from_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from devices.mqtt.payloads import PositionReport
from devices.positioning import BLE, UWB, TagTracker
from devices.values import Position, RangeEpoch
from gis.crs import transformer
from twin.alarms import raising
from twin.alarms.rules import AlarmRules
from twin.events.emit import emit
from twin.events.log import HeadcountFilter
from twin.events.types import HeadcountChanged, PositionsBatch
from twin.people.geofence import SiteFences
from twin.people.service import position
from twin.readings.store import ensure_partitions

log = logging.getLogger("twin.people")

_STATIONS = text("""
SELECT b.code, ST_X(ST_Transform(b.geom, s.metric_srid)), ST_Y(ST_Transform(b.geom, s.metric_srid)),
       coalesce(b.install_height_m, 4.0)
FROM base_stations b JOIN sites s ON s.id = b.site_id WHERE s.code = :site
""")
_ZONES = text("""
SELECT z.code, ST_AsBinary(ST_Transform(z.geom, s.metric_srid)), z.restricted, z.max_occupancy
FROM zones z JOIN sites s ON s.id = z.site_id WHERE s.code = :site
""")
_INSERT = text("""
INSERT INTO positions (tag_id, ts_utc, geom, floor, accuracy_m)
VALUES (:tag_id, :ts, ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), :srid), 4490), :floor, :acc)
ON CONFLICT DO NOTHING
""")
_LATEST = text("""
INSERT INTO latest_positions (tag_id, ts_utc, geom, floor, accuracy_m)
VALUES (:tag_id, :ts, ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), :srid), 4490), :floor, :acc)
ON CONFLICT (tag_id) DO UPDATE SET ts_utc = excluded.ts_utc, geom = excluded.geom,
    floor = excluded.floor, accuracy_m = excluded.accuracy_m
WHERE latest_positions.ts_utc < excluded.ts_utc
""")


@dataclass
class SitePeople:
    site_id: int
    srid: int
    tags: dict[str, tuple[int, str]]
    fences: SiteFences
    trackers: dict[str, TagTracker]


class PeopleTracker:
    def __init__(self, rules: AlarmRules) -> None:
        self.rules = rules
        self.sites: dict[str, SitePeople] = {}
        self.counters: Counter[str] = Counter()
        self.headcounts = HeadcountFilter()

    def load(self, session: Session) -> None:
        """(Re)load tags, base stations and zones of every site that has tags."""
        sites = session.execute(
            text(
                "SELECT s.id, s.code, s.metric_srid FROM sites s "
                "WHERE EXISTS (SELECT 1 FROM tags t WHERE t.site_id = s.id)"
            )
        ).all()
        for site_id, code, srid in sites:
            tags = {
                t: (i, k)
                for i, t, k in session.execute(
                    text("SELECT id, code, person_kind FROM tags WHERE site_id = :s"),
                    {"s": site_id},
                )
            }
            stations = {c: (x, y, z) for c, x, y, z in session.execute(_STATIONS, {"site": code})}
            zones = [
                (c, from_wkb(bytes(w)), r, m)
                for c, w, r, m in session.execute(_ZONES, {"site": code})
            ]
            old = self.sites.get(code)
            fences = SiteFences.from_zones(zones)
            if old is not None:
                fences.people, fences.crowded = old.fences.people, old.fences.crowded
            trackers = (
                old.trackers
                if old is not None
                else (
                    {"uwb": TagTracker(stations, model=UWB), "ble": TagTracker(stations, model=BLE)}
                    if len(stations) >= 3
                    else {}
                )
            )
            self.sites[code] = SitePeople(site_id, srid, tags, fences, trackers)

    def handle(
        self,
        session: Session,
        items: list[PositionReport | RangeEpoch],
        undo: dict[str, Any] | None = None,
    ) -> None:
        """Positions in, stored and emitted; ``undo`` receives each touched site's prior
        state."""
        rows: dict[str, list[tuple[Position, bool]]] = {}
        for item in sorted(items, key=lambda i: i.ts_utc):
            site = self._known(session, item.site, item.tag)
            if site is None:
                self.counters["unknown_tag"] += 1
                continue
            if isinstance(item, RangeEpoch):
                tracker = site.trackers.get(item.technology)
                fix = (
                    tracker.update(item.site, item.tag, item.ts_utc, item.ranges)
                    if tracker
                    else None
                )
                if fix is None:
                    self.counters["unsolved_ranges"] += 1
                    continue
                rows.setdefault(item.site, []).append((fix, False))
            else:
                x, y = (
                    (item.x, item.y)
                    if item.metric
                    else transformer(4490, site.srid).transform(item.x, item.y)
                )
                rows.setdefault(item.site, []).append(
                    (
                        Position(
                            item.site,
                            item.tag,
                            item.ts_utc,
                            x,
                            y,
                            item.floor,
                            item.accuracy_m,
                            "mqtt",
                        ),
                        item.sos,
                    )
                )
        for code, positions in rows.items():
            if undo is not None:
                undo.setdefault(code, self.sites[code].fences.save())
            self._store_and_evaluate(session, self.sites[code], code, positions)

    def _store_and_evaluate(
        self, session: Session, site: SitePeople, code: str, positions: list[tuple[Position, bool]]
    ) -> None:
        conn = session.connection()
        ensure_partitions(
            conn, {p.ts_utc.astimezone(UTC).date() for p, _ in positions}, "positions"
        )
        params = [
            {
                "tag_id": site.tags[p.tag][0],
                "ts": p.ts_utc,
                "x": p.x_m,
                "y": p.y_m,
                "srid": site.srid,
                "floor": p.floor,
                "acc": p.accuracy_m,
            }
            for p, _ in positions
        ]
        conn.execute(_INSERT, params)
        conn.execute(_LATEST, params)
        self.counters["positions"] += len(params)
        person_events = []
        to_lonlat = transformer(site.srid, 4326)
        latest: dict[str, dict[str, Any]] = {}
        for p, sos in positions:
            person_events += site.fences.update(
                p.tag, site.tags[p.tag][1], p.ts_utc, p.x_m, p.y_m, sos
            )
            lon, lat = to_lonlat.transform(p.x_m, p.y_m)
            latest[p.tag] = position(p.ts_utc, lon, lat, p.x_m, p.y_m, p.floor, p.accuracy_m)
        now = max(p.ts_utc for p, _ in positions)
        emit(session, PositionsBatch(site=code, site_id=site.site_id, ts_utc=now, tags=latest))
        zones = site.fences.headcount(now)
        emit(
            session,
            HeadcountChanged(site=code, site_id=site.site_id, ts_utc=now, zones=zones),
            log_it=self.headcounts.changed(code, zones),
        )
        # Geofence alarms: the alarm service emits each transition.
        raising.apply_people(session, site.site_id, code, person_events, self.rules)

    def _known(self, session: Session, site: str, tag: str) -> SitePeople | None:
        """The site of a tag; a tag issued since the last load is looked up directly."""
        people = self.sites.get(site)
        if people is not None and tag in people.tags:
            return people
        row = session.execute(
            text(
                "SELECT t.id, t.person_kind FROM tags t JOIN sites s ON s.id = t.site_id "
                "WHERE s.code = :site AND t.code = :tag"
            ),
            {"site": site, "tag": tag},
        ).first()
        if row is None:
            return None
        if people is None:
            self.load(session)
            return self.sites.get(site)
        people.tags[tag] = (row[0], row[1])
        return people
