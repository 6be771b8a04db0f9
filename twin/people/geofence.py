"""Geofence rules over people's positions, in the site's metric CRS (shapely, metres).

Pure and deterministic like the sensor alarm conditions: positions in, transitions out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from shapely import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import PreparedGeometry, prep

# GB 30871 / AQ practice cited by the seeds: at most 6 people in a flammable or explosive
# area unless the zone says otherwise.
DEFAULT_MAX_PEOPLE = 6
# No movement beyond this radius for this long: a person may be down.
STILL_RADIUS_M = 1.5
STILL_FOR = timedelta(minutes=3)
# People whose positions are older than this are no longer counted anywhere.
PRESENCE_TIMEOUT = timedelta(seconds=60)
# A tag repeats its SOS flag for a few messages; presses further apart are new calls.
SOS_DEBOUNCE = timedelta(seconds=60)


@dataclass(frozen=True)
class Fence:
    code: str
    area: PreparedGeometry
    restricted: bool
    max_people: int | None


@dataclass(frozen=True, slots=True)
class PersonEvent:
    """``raise`` / ``clear`` of ``kind`` (entry, crowding, man_down, sos) for a zone/tag."""

    action: str
    kind: str
    ts_utc: datetime
    zone: str | None
    tag: str | None
    value: float | None = None


@dataclass
class _Person:
    kind: str
    x: float = 0.0
    y: float = 0.0
    ts: datetime | None = None
    zones: frozenset[str] = frozenset()
    still_since: tuple[float, float, datetime] | None = None
    down: bool = False
    sos_at: datetime | None = None


@dataclass
class SiteFences:
    """Zones of one site and who is in them."""

    fences: list[Fence]
    people: dict[str, _Person] = field(default_factory=dict)
    crowded: set[str] = field(default_factory=set)

    @classmethod
    def from_zones(cls, zones: list[tuple[str, BaseGeometry, bool, int | None]]) -> SiteFences:
        return cls(
            [
                Fence(
                    code,
                    prep(geom),
                    restricted,
                    max_people
                    if max_people is not None
                    else (DEFAULT_MAX_PEOPLE if restricted else None),
                )
                for code, geom, restricted, max_people in zones
            ]
        )

    def save(self) -> tuple[dict[str, _Person], set[str]]:
        """State to roll back to when the batch that changes it is not stored."""
        return {tag: replace(p) for tag, p in self.people.items()}, set(self.crowded)

    def restore(self, saved: tuple[dict[str, _Person], set[str]]) -> None:
        self.people, self.crowded = saved

    def update(
        self, tag: str, person_kind: str, ts: datetime, x: float, y: float, sos: bool = False
    ) -> list[PersonEvent]:
        person = self.people.setdefault(tag, _Person(person_kind))
        person.kind = person_kind  # a tag may be reissued to someone else
        previous = person.ts
        out: list[PersonEvent] = []
        here = Point(x, y)
        inside = frozenset(f.code for f in self.fences if f.area.covers(here))
        for fence in self.fences:
            if (
                fence.code in inside - person.zones
                and fence.restricted
                and person.kind != "employee"
            ):
                out.append(PersonEvent("raise", "entry", ts, fence.code, tag))
        for fence in self.fences:
            if (
                fence.code in person.zones - inside
                and fence.restricted
                and person.kind != "employee"
            ):
                out.append(PersonEvent("clear", "entry", ts, fence.code, tag))
        person.x, person.y, person.ts, person.zones = x, y, ts, inside
        if previous is not None and ts - previous > STILL_FOR:
            # Unheard for longer than the man-down window: whether the person moved in
            # between is unknown, so the stillness clock restarts instead of firing at once.
            person.still_since = None
        out += self._stillness(person, tag, ts)
        if sos and (person.sos_at is None or ts - person.sos_at > SOS_DEBOUNCE):
            out.append(PersonEvent("raise", "sos", ts, next(iter(sorted(inside)), None), tag))
        if sos:
            person.sos_at = ts
        out += self._crowding(ts)
        return out

    def _stillness(self, person: _Person, tag: str, ts: datetime) -> list[PersonEvent]:
        anchor = person.still_since
        if (
            anchor is None
            or (person.x - anchor[0]) ** 2 + (person.y - anchor[1]) ** 2 > STILL_RADIUS_M**2
        ):
            person.still_since = (person.x, person.y, ts)
            if person.down:
                person.down = False
                return [PersonEvent("clear", "man_down", ts, None, tag)]
            return []
        if not person.down and ts - anchor[2] >= STILL_FOR:
            person.down = True
            zone = next(iter(sorted(person.zones)), None)
            return [
                PersonEvent("raise", "man_down", ts, zone, tag, (ts - anchor[2]).total_seconds())
            ]
        return []

    def headcount(self, now: datetime) -> dict[str, int]:
        counts: dict[str, int] = {f.code: 0 for f in self.fences}
        for person in self.people.values():
            if person.ts is not None and now - person.ts < PRESENCE_TIMEOUT:
                for zone in person.zones:
                    counts[zone] += 1
        return counts

    def _crowding(self, now: datetime) -> list[PersonEvent]:
        out = []
        counts = self.headcount(now)
        for fence in self.fences:
            if fence.max_people is None:
                continue
            n = counts[fence.code]
            if n > fence.max_people and fence.code not in self.crowded:
                self.crowded.add(fence.code)
                out.append(PersonEvent("raise", "crowding", now, fence.code, None, float(n)))
            elif n <= fence.max_people and fence.code in self.crowded:
                self.crowded.discard(fence.code)
                out.append(PersonEvent("clear", "crowding", now, fence.code, None, float(n)))
        return out
