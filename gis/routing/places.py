"""Places and how they join the network: snapping a point to its nearest usable edge.

A place off the network joins it at the nearest point of the nearest edge its profile may
use on its floor: a straight *access leg* to that point, then the edge's part to either
end node (one end only where a one-way road forbids the other). Costs are spread evenly
along an edge, so a part costs its fraction of the edge's cost; the access leg is
travelled at the profile's best speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import LineString, Point
from shapely.ops import substring

from gis.routing.closures import Closures
from gis.routing.errors import RoutingError, SnapError
from gis.routing.network import RouteNetwork
from gis.routing.profiles import Profile

__all__ = ["MAX_SNAP_M", "Place", "Snap", "snap"]

# Farthest a place may lie from the network: positioning is good to 10 m in key areas and
# 20 m elsewhere (the seeds), and a person inside a unit stands up to a cell (25 m) from
# its walkways.
MAX_SNAP_M = 50.0

XY = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Place:
    """A point in the network's metric CRS on a floor, or a route node by its code.

    ``label`` names the place in answers (a person's tag, an assembly point's code).

    Examples
    --------
    >>> Place(120.0, 35.5, label="T-0001")
    Place(x=120.0, y=35.5, floor=0, node=None, label='T-0001')
    >>> Place(node="RN-0001").node
    'RN-0001'
    """

    x: float | None = None
    y: float | None = None
    floor: int = 0
    node: str | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.node is None and (self.x is None or self.y is None):
            raise RoutingError("a place needs x and y, or the code of a route node")


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a place joins the network.

    ``along_m`` runs along the edge's geometry from its first node.
    """

    edge: str
    along_m: float
    x: float
    y: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class Leg:
    """From a place to a graph node (or from a node to a place), ready to join a path."""

    node: int
    cost_s: float
    length_m: float
    coords: tuple[XY, ...]
    edge: int | None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A place joined to the network: its legs, and the zones it lies in."""

    place: Place
    legs: tuple[Leg, ...]
    edge: int | None
    along_m: float
    zones: frozenset[int]
    access: tuple[XY, ...]
    access_m: float


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a place cannot join the network safely (becomes a ``NoSafeRoute``)."""

    reason: str
    message: str


def snap(
    network: RouteNetwork, place: Place, profile: Profile, *, max_snap_m: float = MAX_SNAP_M
) -> Snap:
    """The nearest point of the nearest edge ``profile`` may use on the place's floor.

    Parameters
    ----------
    network : RouteNetwork
    place : Place
    profile : Profile
    max_snap_m : float
        Farthest the edge may be.

    Returns
    -------
    Snap

    Raises
    ------
    SnapError
        When no such edge lies within ``max_snap_m``; the message says how far the
        nearest one is.

    Examples
    --------
    >>> from shapely import LineString
    >>> from gis.routing.network import EdgeRecord, build_network
    >>> from gis.routing.profiles import WALK
    >>> net = build_network([EdgeRecord("E1", "A", "B", "walkway", 2.0,
    ...                                 LineString([(0, 0), (100, 0)]))])
    >>> snap(net, Place(30.0, 4.0), WALK)
    Snap(edge='E1', along_m=30.0, x=30.0, y=0.0, distance_m=4.0)
    >>> snap(net, Place(30.0, 80.0), WALK, max_snap_m=50)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.routing.errors.SnapError: no edge a walk route may use ...; the nearest is 80 m away
    """
    if place.node is not None:
        n = _node(network, place.node)
        e, first = _edge_at_node(network, n)
        x, y = (float(c) for c in network.node_xy[n])
        along = 0.0 if first else float(network.lines[e].length)
        return Snap(network.edges[e].code, along, x, y, 0.0)
    found = candidates(network, [place], profile, max_snap_m)[0]
    if isinstance(found, SnapError):
        raise found
    distance, e = found[0]
    line = network.lines[e]
    point = Point(place.x, place.y)
    along = line.project(point)
    at = line.interpolate(along)
    return Snap(network.edges[e].code, along, at.x, at.y, distance)


def candidates(
    network: RouteNetwork, places: Sequence[Place], profile: Profile, max_snap_m: float
) -> list[list[tuple[float, int]] | SnapError]:
    """For each place: the edges it may join, nearest first, or why there are none.

    One spatial-index query serves every place. Places given by node code get an empty
    list (they need no snapping).
    """
    out: list[list[tuple[float, int]] | SnapError] = [[] for _ in places]
    free = [i for i, p in enumerate(places) if p.node is None]
    if not free:
        return out
    points = shapely.points([(places[i].x, places[i].y) for i in free])
    floors = np.array([places[i].floor for i in free])
    which, edges = network.edge_tree.query(points, predicate="dwithin", distance=max_snap_m)
    usable = network.usable[profile.name]
    on_floor = (network.floor_from[edges] == floors[which]) | (
        network.floor_to[edges] == floors[which]
    )
    keep = usable[edges] & on_floor
    which, edges = which[keep], edges[keep]
    distance = shapely.distance(network.lines[edges], points[which])
    order = np.lexsort((edges, distance, which))  # per place, nearest first
    found: dict[int, list[tuple[float, int]]] = {}
    for k, d, e in zip(
        which[order].tolist(), distance[order].tolist(), edges[order].tolist(), strict=True
    ):
        found.setdefault(k, []).append((d, e))
    for k, i in enumerate(free):
        if k in found:
            out[i] = found[k]
        else:
            out[i] = _too_far(network, places[i], profile, usable, max_snap_m)
    return out


def attach(
    network: RouteNetwork,
    place: Place,
    near: list[tuple[float, int]],
    profile: Profile,
    closures: Closures,
    *,
    start: bool,
    may_escape: bool,
) -> Attachment | Refusal:
    """Join ``place`` to the network as a route's start or end, under the closures.

    A start inside threat zones (``may_escape``) may use edges and an access leg that
    touch only those zones; any other start or end uses only edges and legs touching no
    zone, and an end inside a zone is refused.
    """
    if place.node is not None:
        n = _node(network, place.node)
        x, y = network.node_xy[n].tolist()
        # unsafe_nodes holds every node in or on a zone: any other lies in none.
        zones = closures.zones_at(Point(x, y)) if n in closures.unsafe_nodes else frozenset()
        leg = Leg(n, 0.0, 0.0, ((x, y),), None)
        return _refusal(place, zones, start, may_escape) or Attachment(
            place, (leg,), None, 0.0, zones, ((x, y),), 0.0
        )
    assert place.x is not None and place.y is not None
    point = Point(place.x, place.y)
    zones = closures.zones_at(point)
    refused = _refusal(place, zones, start, may_escape)
    if refused is not None:
        return refused
    allowed = zones if start else frozenset()
    for distance, e in near:
        if e in closures.closed or not closures.edge_zones.get(e, frozenset()) <= allowed:
            continue
        line = network.lines[e]
        along = line.project(point)
        at = line.interpolate(along)
        access = ((place.x, place.y), (at.x, at.y))
        if distance > 0 and not closures.zones_at(LineString(access)) <= allowed:
            continue
        legs = _legs(network, e, along, access, distance, profile, start)
        if legs:
            return Attachment(place, legs, e, along, zones, access, distance)
    if start:
        return Refusal(
            "no_safe_access",
            f"{_name(place)} cannot reach an open edge without crossing a threat zone",
        )
    return Refusal(
        "no_safe_approach", f"no open edge leads to {_name(place)} outside the threat zones"
    )


def _refusal(place: Place, zones: frozenset[int], start: bool, may_escape: bool) -> Refusal | None:
    if zones and not start:
        return Refusal("destination_in_zone", f"{_name(place)} lies inside a threat zone")
    if zones and not may_escape:
        return Refusal("start_in_zone", f"{_name(place)} lies inside a threat zone")
    return None


def _legs(
    network: RouteNetwork,
    e: int,
    along: float,
    access: tuple[XY, XY],
    distance: float,
    profile: Profile,
    start: bool,
) -> tuple[Leg, ...]:
    """The place's legs to (start) or from (end) both ends of edge ``e`` where allowed."""
    line = network.lines[e]
    total = line.length
    f = along / total if total > 0 else 0.0
    u, v = network.uv[e]
    forward, backward = (c[e] for c in network.costs[profile.name])
    travel = network.travel[e]
    access_s = distance / profile.access_speed_m_s
    to_u = _part(line, 0.0, along)  # from u to the snapped point
    to_v = _part(line, along, total)  # from the snapped point to v
    legs = []
    if start:
        if forward is not None:
            legs.append((v, (1 - f) * forward, (1 - f) * travel, (*access, *to_v)))
        if backward is not None:
            legs.append((u, f * backward, f * travel, (*access, *to_u[::-1])))
    else:
        if forward is not None:
            legs.append((u, f * forward, f * travel, (*to_u, *access[::-1])))
        if backward is not None:
            legs.append((v, (1 - f) * backward, (1 - f) * travel, (*to_v[::-1], *access[::-1])))
    return tuple(
        Leg(node, access_s + cost, distance + length, _dedupe(coords), e)
        for node, cost, length, coords in legs
    )


def departures(network: RouteNetwork, a: Attachment, profile: Profile) -> list[tuple[int, float]]:
    """Ways out of place ``a`` onto the open network: ``(node, seconds)`` pairs.

    Closures are ignored: these feed lower bounds computed on the whole network.
    """
    if a.edge is None:
        return [(leg.node, 0.0) for leg in a.legs]
    e = a.edge
    total = network.lines[e].length
    f = a.along_m / total if total > 0 else 0.0
    u, v = network.uv[e]
    forward, backward = (c[e] for c in network.costs[profile.name])
    access_s = a.access_m / profile.access_speed_m_s
    out = []
    if forward is not None:
        out.append((v, access_s + (1 - f) * forward))
    if backward is not None:
        out.append((u, access_s + f * backward))
    return out


def direct(network: RouteNetwork, a: Attachment, b: Attachment, profile: Profile) -> Leg | None:
    """From start ``a`` to end ``b`` along the one edge both joined, if its direction allows."""
    if a.edge is None or a.edge != b.edge:
        return None
    e = a.edge
    line = network.lines[e]
    forward, backward = (c[e] for c in network.costs[profile.name])
    cost = forward if b.along_m >= a.along_m else backward
    if cost is None:
        return None
    total = line.length
    f = abs(b.along_m - a.along_m) / total if total > 0 else 0.0
    lo, hi = sorted((a.along_m, b.along_m))
    part = _part(line, lo, hi)
    if b.along_m < a.along_m:
        part = part[::-1]
    coords = (*a.access, *part, *b.access[::-1])
    seconds = (a.access_m + b.access_m) / profile.access_speed_m_s + f * cost
    length = a.access_m + b.access_m + f * network.travel[e]
    return Leg(-1, seconds, length, _dedupe(coords), e)


def _part(line: LineString, start_m: float, end_m: float) -> tuple[XY, ...]:
    if end_m <= start_m:
        p = line.interpolate(start_m)
        return ((p.x, p.y),)
    if len(line.coords) == 2:
        a, b = line.interpolate(start_m), line.interpolate(end_m)
        return ((a.x, a.y), (b.x, b.y))
    return tuple((x, y) for x, y, *_ in substring(line, start_m, end_m).coords)


def _dedupe(coords: Sequence[XY]) -> tuple[XY, ...]:
    out = [coords[0]]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    return tuple(out)


def _too_far(
    network: RouteNetwork, place: Place, profile: Profile, usable: np.ndarray, max_snap_m: float
) -> SnapError:
    floor_ok = (network.floor_from == place.floor) | (network.floor_to == place.floor)
    pool = np.flatnonzero(usable & floor_ok)
    where = f"on floor {place.floor} within {max_snap_m:g} m of ({place.x}, {place.y})"
    if not pool.size:
        return SnapError(f"no edge a {profile.name} route may use {where}; there is none", place)
    nearest = float(shapely.distance(network.lines[pool], Point(place.x, place.y)).min())
    return SnapError(
        f"no edge a {profile.name} route may use {where}; the nearest is {nearest:.0f} m away",
        place,
    )


def _node(network: RouteNetwork, code: str) -> int:
    try:
        return network.node_index[code]
    except KeyError as exc:
        raise RoutingError(f"no route node {code!r} in the network") from exc


def _edge_at_node(network: RouteNetwork, n: int) -> tuple[int, bool]:
    """An edge at node ``n`` and whether ``n`` is its first node."""
    rows = np.argwhere(network.ends == n)
    e, side = (int(k) for k in rows[0])
    return e, side == 0


def _name(place: Place) -> str:
    return place.label or (place.node and f"node {place.node}") or f"({place.x}, {place.y})"
