"""Shortest, rescue and alternative routes between places, never through a threat zone.

The safety rule
---------------
* A route never uses a closed edge, nor an edge touching a threat zone, nor an access leg
  touching one; and it never ends inside a zone.
* The one exception is a start inside zones (a person caught by the release must still
  get out). Its route may touch *those* zones, and only until it first reaches a network
  node outside every zone; from there it touches no zone at all. It never passes through
  a zone the start is not in, and never re-enters one.
* When no route meets the rule the answer is :class:`NoSafeRoute` with a reason, e.g. a
  person inside a ring-shaped zone gets ``no_path``.

The weight function does all the hiding (networkx skips an edge whose weight is None): a
set lookup per edge, with the closures found once per query set by
:func:`gis.routing.closures.find_closures`.

A single route is an A* search with landmark lower bounds (ALT), scaled by ``1 + 1e-9``
so that on grid-like networks, where many routes tie, A* heads for the target instead of
widening over every tied route; the cost found is within one part in 10⁹ of the optimum.
It runs compiled, in rustworkx, on a copy of the graph less every edge the query's weight
function hides (:mod:`gis.routing.compiled`). Alternatives (Yen's algorithm) and
evacuation (:mod:`gis.routing.evacuation`) search networkx's graph through the weight
function itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from typing import Any

import networkx as nx
import numpy as np

from gis.routing.closures import NO_CLOSURES, Closures
from gis.routing.compiled import astar, query_graph
from gis.routing.errors import RoutingError, SnapError
from gis.routing.landmarks import UNREACHABLE_S
from gis.routing.network import RouteNetwork, Weight
from gis.routing.places import (
    MAX_SNAP_M,
    Attachment,
    Place,
    Refusal,
    attach,
    candidates,
    departures,
)
from gis.routing.profiles import WALK, Profile
from gis.routing.results import NoSafeRoute, Route
from gis.routing.scratch import scratch

__all__ = [
    "MAX_ALTERNATIVES",
    "Weight",
    "edge_weight",
    "join",
    "k_shortest_routes",
    "shortest_route",
]

TIE_BREAK = 1 + 1e-9
# Above this many end places the bounds cost more than they save: plain Dijkstra.
MAX_HEURISTIC_TARGETS = 16
# Yen's algorithm runs one search per node of the previous route: keep k small.
MAX_ALTERNATIVES = 5


def edge_weight(name: str, closures: Closures, escape: frozenset[int] = frozenset()) -> Weight:
    """The weight function of one query: seconds under profile ``name``, or None to hide.

    Parameters
    ----------
    name : str
        Profile name.
    closures : Closures
    escape : frozenset of int
        Zones the start lies in: an edge touching only these zones stays usable while the
        route is still inside them (its tail node is unsafe).

    Returns
    -------
    callable
        ``weight(u, v, data)`` for networkx, ``u`` the tail in the graph's own direction.
    """
    blocked = closures.blocked
    if not escape:

        def safe(_u: int, _v: int, d: dict[str, Any]) -> float | None:
            return None if d["e"] in blocked else d[name]

        return safe
    closed, unsafe, edge_zones = closures.closed, closures.unsafe_nodes, closures.edge_zones

    def escaping(u: int, _v: int, d: dict[str, Any]) -> float | None:
        e = d["e"]
        if e in blocked and (e in closed or u not in unsafe or not edge_zones[e] <= escape):
            return None
        return d[name]

    return escaping


def shortest_route(
    network: RouteNetwork,
    source: Place | Sequence[Place],
    target: Place | Sequence[Place],
    profile: Profile = WALK,
    closures: Closures | None = None,
    *,
    max_snap_m: float = MAX_SNAP_M,
) -> Route | NoSafeRoute:
    """The quickest safe route from ``source`` to ``target``.

    Parameters
    ----------
    network : RouteNetwork
    source, target : Place or sequence of Place
        A sequence means "the nearest of these": the rescue route from the nearest fire
        station, the route to the nearest assembly point. Only a single source may start
        inside a zone (see the safety rule).
    profile : Profile
    closures : Closures, optional
        From :func:`gis.routing.closures.find_closures`.
    max_snap_m : float
        Farthest a place may lie from the network.

    Returns
    -------
    Route or NoSafeRoute

    Raises
    ------
    SnapError
        When no place of ``source`` (or of ``target``) lies within ``max_snap_m`` of an
        edge the profile may use.
    RoutingError
        When a place names an unknown node, or the profile is not in the network.

    Examples
    --------
    >>> from shapely import LineString, box
    >>> from gis.routing.closures import find_closures
    >>> from gis.routing.network import EdgeRecord, build_network
    >>> square = [((0, 0), (100, 0)), ((100, 0), (100, 100)), ((100, 100), (0, 100)),
    ...           ((0, 100), (0, 0))]
    >>> net = build_network([
    ...     EdgeRecord(f"E{i}", f"N{i}", f"N{(i + 1) % 4}", "walkway", 2.0, LineString(line))
    ...     for i, line in enumerate(square)
    ... ])
    >>> r = shortest_route(net, Place(70, 0), Place(70, 100))
    >>> r.edges, round(r.length_m), round(r.eta_s)
    (('E0', 'E1', 'E2'), 160, 134)
    >>> fire = find_closures(net, [box(90, 40, 110, 60)])
    >>> r = shortest_route(net, Place(70, 0), Place(70, 100), closures=fire)
    >>> r.edges, round(r.length_m)
    (('E0', 'E3', 'E2'), 240)
    >>> ring = find_closures(net, [box(-10, 40, 110, 60)])
    >>> shortest_route(net, Place(70, 0), Place(70, 100), closures=ring).reason
    'no_path'
    """
    profile = registered(network, profile)
    closures = closures or NO_CLOSURES
    joined = _join_both(network, source, target, profile, closures, max_snap_m)
    if isinstance(joined, NoSafeRoute):
        return joined
    starts, ends = joined
    escape = starts[0].zones if len(starts) == 1 else frozenset()
    weight = edge_weight(profile.name, closures, escape)
    bounds = _bounds(network, profile, ends)
    with network.lock:
        graph = query_graph(network, profile, closures, escape, weight)
        with scratch(network, profile, graph) as s:
            first, last = s.wire(starts, ends)
            found = astar(graph, s.index[first], last, s.estimates(bounds))
            if found is None:
                return _no_path(starts, ends)
            return s.route(s.numbers(found))


def k_shortest_routes(
    network: RouteNetwork,
    source: Place | Sequence[Place],
    target: Place | Sequence[Place],
    k: int,
    profile: Profile = WALK,
    closures: Closures | None = None,
    *,
    max_snap_m: float = MAX_SNAP_M,
) -> list[Route] | NoSafeRoute:
    """Up to ``k`` distinct safe routes, quickest first (Yen's algorithm in networkx).

    Parameters are those of :func:`shortest_route`, with ``k`` between 1 and
    ``MAX_ALTERNATIVES``. Routes differ in at least one edge; fewer than ``k`` come back
    when the network offers fewer.

    Raises
    ------
    RoutingError
        When ``k`` is out of range, and as :func:`shortest_route` does.
    """
    if not 1 <= k <= MAX_ALTERNATIVES:
        raise RoutingError(f"ask for 1 to {MAX_ALTERNATIVES} routes, not {k}")
    profile = registered(network, profile)
    closures = closures or NO_CLOSURES
    joined = _join_both(network, source, target, profile, closures, max_snap_m)
    if isinstance(joined, NoSafeRoute):
        return joined
    starts, ends = joined
    weight = edge_weight(
        profile.name, closures, starts[0].zones if len(starts) == 1 else frozenset()
    )
    with scratch(network, profile) as s:
        first, last = s.wire(starts, ends)
        try:
            paths = list(islice(nx.shortest_simple_paths(s.graph, first, last, weight), k))
        except nx.NetworkXNoPath:
            return _no_path(starts, ends)
        return [s.route(path) for path in paths]


def registered(network: RouteNetwork, profile: Profile) -> Profile:
    if network.profiles.get(profile.name) != profile:
        raise RoutingError(f"the network was not built for profile {profile.name!r}")
    return profile


def _places(places: Place | Sequence[Place]) -> list[Place]:
    return [places] if isinstance(places, Place) else list(places)


def _join_both(
    network: RouteNetwork,
    source: Place | Sequence[Place],
    target: Place | Sequence[Place],
    profile: Profile,
    closures: Closures,
    max_snap_m: float,
) -> tuple[list[Attachment], list[Attachment]] | NoSafeRoute:
    sources, targets = _places(source), _places(target)
    if not sources or not targets:
        raise RoutingError("a route needs at least one source and one target")
    near_s = candidates(network, sources, profile, max_snap_m)
    near_t = candidates(network, targets, profile, max_snap_m)
    for near in (near_s, near_t):
        errors = [n for n in near if isinstance(n, SnapError)]
        if len(errors) == len(near):
            raise errors[0]
    starts = join(network, sources, near_s, profile, closures, start=True)
    if isinstance(starts, NoSafeRoute):
        return starts
    ends = join(network, targets, near_t, profile, closures, start=False)
    if isinstance(ends, NoSafeRoute):
        return ends
    return starts, ends


def join(
    network: RouteNetwork,
    places: Sequence[Place],
    near: Sequence[list[tuple[float, int]] | SnapError],
    profile: Profile,
    closures: Closures,
    *,
    start: bool,
) -> list[Attachment] | NoSafeRoute:
    """Attach every place that can join safely; a lone start may escape its zones."""
    joined: list[Attachment] = []
    refused: list[Refusal] = []
    for place, found in zip(places, near, strict=True):
        if isinstance(found, SnapError):
            continue
        a = attach(
            network, place, found, profile, closures, start=start, may_escape=len(places) == 1
        )
        if isinstance(a, Attachment):
            joined.append(a)
        else:
            refused.append(a)
    if joined:
        return joined
    if not refused:
        error = next(n for n in near if isinstance(n, SnapError))
        return NoSafeRoute("off_network", str(error))
    first = refused[0]
    message = first.message if len(places) == 1 else f"for every place: {first.message}"
    return NoSafeRoute(first.reason, message)


def _no_path(starts: list[Attachment], ends: list[Attachment]) -> NoSafeRoute:
    origin = starts[0].place.label if len(starts) == 1 else None
    destination = ends[0].place.label if len(ends) == 1 else None
    return NoSafeRoute(
        "no_path",
        "every route crosses a threat zone or a closed edge",
        origin,
        destination,
    )


def _bounds(network: RouteNetwork, profile: Profile, ends: list[Attachment]) -> np.ndarray | None:
    """A* lower bounds for every graph node: time to the nearest end place (ALT).

    For an end place ``t`` and a landmark ``L``: ``d(n, t) >= d(L, t) - d(L, n)`` and
    ``d(n, t) >= d(n, L) - d(t, L)``, with ``d(L, t)`` exact through the place's legs and
    ``d(t, L)`` bounded from above through its ways out (see ``departures``). Both are
    sums of a per-target offset and a row of the network's landmark table, so each end
    place costs one addition and one maximum over the table.
    """
    if len(ends) > MAX_HEURISTIC_TARGETS:
        return None
    from_l, to_l = network.landmarks(profile)
    if not len(from_l):
        return None
    table = network.landmark_table(profile)
    best: np.ndarray | None = None
    for end in ends:
        # Per landmark, in plain floats: a handful of numbers, where NumPy calls cost more.
        arrive = _least([_plus(from_l[:, leg.node], leg.cost_s) for leg in end.legs])
        ways_out = departures(network, end, profile)
        leave = (
            _least([_plus(to_l[:, n], c) for n, c in ways_out])
            if ways_out
            else [UNREACHABLE_S] * len(to_l)
        )
        offset = np.array(arrive + [-d for d in leave])
        h = (table + offset[:, None]).max(axis=0)
        best = h if best is None else np.minimum(best, h, out=best)
    assert best is not None
    np.maximum(best, 0.0, out=best)
    best *= TIE_BREAK
    return best


def _plus(times: np.ndarray, seconds: float) -> list[float]:
    return [t + seconds for t in times.tolist()]


def _least(rows: list[list[float]]) -> list[float]:
    """The smallest of each column."""
    return [min(column) for column in zip(*rows, strict=True)]
