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

The search is A* with landmark lower bounds (ALT), scaled by ``1 + 1e-9`` so that on
grid-like networks, where many routes tie, A* heads for the target instead of widening
over every tied route; the cost found is within one part in 10⁹ of the optimum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

import networkx as nx
import numpy as np

from gis.routing.closures import NO_CLOSURES, Closures
from gis.routing.errors import RoutingError, SnapError
from gis.routing.network import UNREACHABLE_S, RouteNetwork
from gis.routing.places import (
    MAX_SNAP_M,
    Attachment,
    Leg,
    Place,
    Refusal,
    attach,
    candidates,
    departures,
    direct,
)
from gis.routing.profiles import WALK, Profile
from gis.routing.results import NoSafeRoute, Route, assemble

__all__ = [
    "MAX_ALTERNATIVES",
    "Weight",
    "edge_weight",
    "join",
    "k_shortest_routes",
    "shortest_route",
]

Weight = Callable[[int, int, dict[str, Any]], float | None]
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
    >>> r = shortest_route(net, Place(50, 0), Place(50, 100))
    >>> r.edges, round(r.length_m), round(r.eta_s)
    (('E0', 'E1', 'E2'), 200, 168)
    >>> fire = find_closures(net, [box(90, 40, 110, 60)])
    >>> shortest_route(net, Place(50, 0), Place(50, 100), closures=fire).edges
    ('E0', 'E3', 'E2')
    >>> ring = find_closures(net, [box(-10, 40, 110, 60)])
    >>> shortest_route(net, Place(50, 0), Place(50, 100), closures=ring).reason
    'no_path'
    """
    profile = registered(network, profile)
    closures = closures or NO_CLOSURES
    joined = _join_both(network, source, target, profile, closures, max_snap_m)
    if isinstance(joined, NoSafeRoute):
        return joined
    starts, ends = joined
    weight = edge_weight(
        profile.name, closures, starts[0].zones if len(starts) == 1 else frozenset()
    )
    bounds = _bounds(network, profile, ends)
    with scratch(network, profile) as s:
        first, last = s.wire(starts, ends)
        h = s.heuristic(bounds)
        try:
            path = nx.astar_path(s.graph, first, last, heuristic=h, weight=weight)
        except nx.NetworkXNoPath:
            return _no_path(starts, ends)
        return s.route(path)


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
    ``d(t, L)`` bounded from above through its ways out (see ``departures``).
    """
    if len(ends) > MAX_HEURISTIC_TARGETS:
        return None
    from_l, to_l = network.landmarks(profile)
    if not len(from_l):
        return None
    best: np.ndarray | None = None
    for end in ends:
        arrive = np.min([from_l[:, leg.node] + leg.cost_s for leg in end.legs], axis=0)
        out = departures(network, end, profile)
        leave = (
            np.min([to_l[:, n] + c for n, c in out], axis=0)
            if out
            else np.full(len(to_l), UNREACHABLE_S)
        )
        h = np.maximum((arrive[:, None] - from_l).max(axis=0), (to_l - leave[:, None]).max(axis=0))
        best = h if best is None else np.minimum(best, h)
    assert best is not None
    result: np.ndarray = np.maximum(best, 0.0) * TIE_BREAK
    return result


class Scratch:
    """Temporary nodes joining a query's places to the graph (removed on exit)."""

    def __init__(self, network: RouteNetwork, profile: Profile) -> None:
        self.network, self.graph, self.profile = network, network.graph, profile
        self.added: list[int] = []
        self.sources: dict[int, Attachment] = {}
        self.targets: dict[int, Attachment] = {}

    def node(self) -> int:
        n = self.network.n_nodes + len(self.added)
        self.graph.add_node(n)
        self.added.append(n)
        return n

    def edge(self, a: int, b: int, cost: float, leg: Leg | None = None) -> None:
        self.graph.add_edge(a, b, e=-1, leg=leg, **{self.profile.name: cost})

    def wire(self, starts: list[Attachment], ends: list[Attachment]) -> tuple[int, int]:
        """A super source and a super target joined to every start and end place."""
        first, last = self.node(), self.node()
        for a in starts:
            s = self.node()
            self.sources[s] = a
            self.edge(first, s, 0.0)
            for leg in a.legs:
                self.edge(s, leg.node, leg.cost_s, leg)
        for b in ends:
            t = self.node()
            self.targets[t] = b
            self.edge(t, last, 0.0)
            for leg in b.legs:
                self.edge(leg.node, t, leg.cost_s, leg)
        for s, a in self.sources.items():
            for t, b in self.targets.items():
                shortcut = direct(self.network, a, b, self.profile)
                if shortcut is not None:
                    self.edge(s, t, shortcut.cost_s, shortcut)
        return first, last

    def heuristic(self, bounds: np.ndarray | None) -> Callable[[int, int], float]:
        if bounds is None:
            return lambda _n, _t: 0.0
        real, item = self.network.n_nodes, bounds.item  # item: a Python float, no array scalar
        return lambda n, _t: item(n) if n < real else 0.0

    def route(self, path: list[int]) -> Route:
        """``path`` runs super source, start, graph nodes …, end, super target."""
        s, t = path[1], path[-2]
        first = self.graph[s][path[2]]["leg"]
        last = None if path[2] == t else self.graph[path[-3]][t]["leg"]
        return assemble(
            self.network,
            self.profile.name,
            self.graph,
            self.sources[s],
            self.targets[t],
            first,
            path[2:-2],
            last,
        )


@contextmanager
def scratch(network: RouteNetwork, profile: Profile) -> Iterator[Scratch]:
    with network.lock:
        s = Scratch(network, profile)
        try:
            yield s
        finally:
            network.graph.remove_nodes_from(s.added)
