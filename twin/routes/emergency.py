"""The routes of an open incident: everyone inside the zones out to an assembly point,
the fire engine to a staging point outside the most severe zone, and the rescue team on
foot from there to whoever cannot get out alone.

* **Evacuation, upwind where possible.** Assembly points are sorted by the side of the
  source they lie on for the live wind (:func:`sim.consequence.zones.wind_side`). People
  are sent to the nearest reachable point that is not downwind; only someone for whom no
  such point can be reached safely goes to a downwind one. Routes never touch a zone,
  except to leave the zones a person is caught in (the safety rule of
  :mod:`gis.routing.search`).
* **Fire engine** from the nearest fire station to a staging point on a road 15 m outside
  the most severe zone (not downwind when it can be helped), around that zone.
* **Rescue team on foot** to each person who needs rescue: caught with no safe way out,
  or down (man-down, SOS) inside a zone. The team leaves the engine at the staging point
  (or walks from its base when no engine route exists). In breathing apparatus it may
  cross toxic zones; it never enters the most severe heat or blast zone.

Everything is computed in the site's metric CRS and answered as GeoJSON features in
lon/lat, ``geometry`` null with the reason where no safe route exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from gis.routing import (
    FIRE_ENGINE,
    WALK,
    NoSafeRoute,
    Place,
    Profile,
    Route,
    RouteNetwork,
    SnapError,
    find_closures,
    nearest_routes,
    shortest_route,
)
from sim.consequence.zones import WindSide, wind_side
from twin.plant import models as m
from twin.routes.service import (
    RouteCache,
    assembly_points,
    fire_stations,
    get_network,
    lonlat_line,
    people_places,
    person_features,
    places_of,
    refusal,
)
from twin.sites.models import Site

__all__ = ["STAGING_OFFSET_M", "Hazard", "incident_routes"]

# Engines stage on a road this far outside the most severe zone, not downwind when they
# can, nearest the source; when no road leads to the nearest such point, the next ones
# (this far apart, at most this many) are tried.
STAGING_OFFSET_M = 15.0
STAGING_SPACING_M = 30.0
MAX_STAGING_TRIES = 5
# Preference of assembly points by their side of the source.
SIDE_ORDER: tuple[WindSide, ...] = ("upwind", "crosswind", "downwind")


@dataclass(frozen=True, slots=True)
class Hazard:
    """What the routes need to know of an incident, in the site's metric CRS.

    ``zones`` are (label, geometry) from the least to the most severe; ``toxic`` says
    whether breathing apparatus lets a rescue team cross them.
    """

    source: tuple[float, float]
    wind_from_deg: float | None
    zones: tuple[tuple[str, BaseGeometry], ...]
    toxic: bool

    @property
    def geometries(self) -> list[BaseGeometry]:
        return [g for _, g in self.zones]

    @property
    def hot_zone(self) -> BaseGeometry:
        return self.zones[-1][1]

    def side(self, place: Place) -> WindSide | None:
        if place.x is None or place.y is None:
            return None
        return self.side_of(place.x, place.y)

    def side_of(self, x: float, y: float) -> WindSide | None:
        """The side of the source (x, y) lies on for the wind; None without a wind."""
        if self.wind_from_deg is None:
            return None
        return wind_side(x - self.source[0], y - self.source[1], self.wind_from_deg)


def incident_routes(
    session: Session,
    cache: RouteCache,
    site: Site,
    people: list[dict[str, Any]],
    hazard: Hazard,
    in_distress: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Evacuation routes for ``people`` inside the zones (``tag``, ``x_m``, ``y_m``,
    ``floor``), the fire engine's route and the rescue team's routes to the people who
    cannot leave alone (no safe route, or their tag in ``in_distress``)."""
    if not hazard.zones:
        return []
    evacuation = evacuate(session, cache, site, people, hazard)
    stranded = {
        f["id"] for f in evacuation if f["geometry"] is None and f["properties"]["no_safe_route"]
    }
    need = [p for p in people_places(people) if p.label in stranded | in_distress]
    engine, staging = engine_route(session, cache, site, hazard)
    teams = team_routes(session, cache, site, hazard, need, staging)
    return [*evacuation, *([engine] if engine else []), *teams]


def evacuate(
    session: Session,
    cache: RouteCache,
    site: Site,
    people: list[dict[str, Any]],
    hazard: Hazard,
) -> list[dict[str, Any]]:
    """One walking route per person to the nearest assembly point the zones leave
    reachable, not downwind when any other can be reached."""
    targets = assembly_points(session, site)
    if not people or not targets:
        return []
    network = get_network(session, cache, site)
    closures = find_closures(network, hazard.geometries)
    places = people_places(people)
    answers: list[Route | NoSafeRoute | None] = [None] * len(places)
    for allowed in _by_preference(targets, hazard):
        waiting = [i for i, a in enumerate(answers) if not isinstance(a, Route)]
        if not waiting:
            break
        found = nearest_routes(network, [places[i] for i in waiting], allowed, WALK, closures)
        for i, answer in zip(waiting, found, strict=True):
            answers[i] = answer
    sides = {p.label: hazard.side(p) for p in targets}
    features = person_features(
        places, [a for a in answers if a is not None], site.metric_srid, geometry=True
    )
    for f in features:
        props = f["properties"]
        props["purpose"] = "evacuation"
        if props.get("assembly_point"):
            props["wind_side"] = sides[props["assembly_point"]]
    return features


def _by_preference(targets: list[Place], hazard: Hazard) -> list[list[Place]]:
    """Growing sets of assembly points: not downwind first, then all of them."""
    if hazard.wind_from_deg is None:
        return [targets]
    safer = [p for p in targets if hazard.side(p) != "downwind"]
    return [safer, targets] if safer and len(safer) < len(targets) else [targets]


def engine_route(
    session: Session, cache: RouteCache, site: Site, hazard: Hazard
) -> tuple[dict[str, Any] | None, Place | None]:
    """The fire engine's route from the nearest reachable fire station to a staging point
    on a road just outside the most severe zone, and that staging point (None when no
    road leads to one)."""
    stations = fire_stations(session, site)
    if not stations or hazard.hot_zone.is_empty:
        return None, None
    network = get_network(session, cache, site)
    answer: Route | NoSafeRoute = NoSafeRoute(
        "no_staging", "no road the fire engine may use runs outside the most severe zone"
    )
    for staging in staging_points(network, hazard):
        answer = _route(network, stations, staging, FIRE_ENGINE, [hazard.hot_zone])
        if isinstance(answer, Route):
            break
    feature = _feature(site, answer, {"purpose": "rescue", "profile": FIRE_ENGINE.name})
    return feature, (staging if isinstance(answer, Route) else None)


def staging_points(network: RouteNetwork, hazard: Hazard) -> list[Place]:
    """Where an engine may stop: on roads it may use, at least :data:`STAGING_OFFSET_M`
    outside the most severe zone, the nearest point of each such stretch of road to the
    source; those not downwind first, then nearest first (at most
    :data:`MAX_STAGING_TRIES`, at least :data:`STAGING_SPACING_M` apart)."""
    lines = network.lines[network.usable[FIRE_ENGINE.name]]
    if not len(lines):
        return []
    stretches = shapely.get_parts(
        shapely.difference(lines, hazard.hot_zone.buffer(STAGING_OFFSET_M))
    )
    stretches = stretches[~shapely.is_empty(stretches)]
    source = shapely.Point(hazard.source)
    points = shapely.get_point(shapely.shortest_line(stretches, source), 0)
    xy = sorted(
        ((float(p.x), float(p.y)) for p in points),
        key=lambda q: (hazard.side_of(*q) == "downwind", math.dist(q, hazard.source)),
    )
    chosen: list[tuple[float, float]] = []
    for q in xy:
        if all(math.dist(q, c) >= STAGING_SPACING_M for c in chosen):
            chosen.append(q)
        if len(chosen) == MAX_STAGING_TRIES:
            break
    return [Place(x, y, label="staging") for x, y in chosen]


def team_routes(
    session: Session,
    cache: RouteCache,
    site: Site,
    hazard: Hazard,
    need: list[Place],
    staging: Place | None,
) -> list[dict[str, Any]]:
    """The rescue team's walking route to each person in ``need``: from the engine's
    staging point, else from the team's base; through toxic zones (breathing apparatus),
    never into the most severe heat or blast zone."""
    if not need:
        return []
    rescue = m.RescueResource
    bases = places_of(session, site, rescue, rescue.kind == "rescue_team") or fire_stations(
        session, site
    )
    start = [staging] if staging is not None else bases
    if not start:
        return []
    network = get_network(session, cache, site)
    barred = [] if hazard.toxic else [hazard.hot_zone]
    features = []
    for person in need:
        answer = _route(network, start, person, WALK, barred)
        props: dict[str, Any] = {
            "purpose": "rescue_team",
            "profile": WALK.name,
            "person": person.label,
            "team": bases[0].label if bases else None,
            "ppe": "SCBA" if hazard.toxic else "turnout gear",
        }
        if isinstance(answer, Route):
            props["enters_zones"] = [
                label for label, zone in hazard.zones if zone.intersects(answer.geometry)
            ]
        features.append(_feature(site, answer, props))
    return features


def _route(
    network: RouteNetwork,
    start: list[Place],
    end: Place,
    profile: Profile,
    barred: list[BaseGeometry],
) -> Route | NoSafeRoute:
    try:
        return shortest_route(network, start, end, profile, find_closures(network, barred))
    except SnapError as exc:
        return NoSafeRoute("off_network", str(exc))


def _feature(site: Site, answer: Route | NoSafeRoute, props: dict[str, Any]) -> dict[str, Any]:
    if isinstance(answer, NoSafeRoute):
        return {"type": "Feature", "geometry": None, "properties": {**props, **refusal(answer)}}
    return {
        "type": "Feature",
        "geometry": lonlat_line(answer, site.metric_srid),
        "properties": {
            **props,
            "from": answer.origin,
            "no_safe_route": False,
            "length_m": round(answer.length_m, 1),
            "eta_s": round(answer.eta_s, 1),
        },
    }
