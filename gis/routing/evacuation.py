"""The nearest safe assembly point, and the route to it, for many people at once.

One multi-source Dijkstra from the assembly points over the reversed graph gives every
safe node its time to the nearest assembly point and the next node on the way, so each
person outside the zones costs only a snap and a walk up a predecessor chain: no search
per person.

People inside threat zones follow the safety rule of :mod:`gis.routing.search`: they may
cross the zones they are in until they first reach a node outside every zone. For each
distinct set of zones people are in, one more reverse search runs from that set's safe
boundary nodes (starting at their times to safety) inward, over edges touching only those
zones; every person in that set then reads their time off it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

from gis.routing.closures import NO_CLOSURES, Closures
from gis.routing.errors import RoutingError, SnapError
from gis.routing.network import RouteNetwork, Weight
from gis.routing.places import (
    MAX_SNAP_M,
    Attachment,
    Leg,
    Place,
    Refusal,
    attach,
    candidates,
    direct,
)
from gis.routing.profiles import WALK, Profile
from gis.routing.results import NoSafeRoute, Route, assemble
from gis.routing.scratch import Scratch, scratch
from gis.routing.search import edge_weight, join, registered

__all__ = ["nearest_routes"]

Tree = tuple[dict[int, list[int]], dict[int, float]]


def nearest_routes(
    network: RouteNetwork,
    sources: Sequence[Place],
    targets: Sequence[Place],
    profile: Profile = WALK,
    closures: Closures | None = None,
    *,
    max_snap_m: float = MAX_SNAP_M,
) -> list[Route | NoSafeRoute]:
    """For every source, the route to its nearest reachable target.

    Parameters
    ----------
    network : RouteNetwork
    sources : sequence of Place
        People (or any places); each may start inside threat zones.
    targets : sequence of Place
        Assembly points. Those inside a zone, or off the network, are not used.
    profile : Profile
    closures : Closures, optional
    max_snap_m : float

    Returns
    -------
    list of Route or NoSafeRoute
        In the order of ``sources``; a source too far from the network gets
        ``NoSafeRoute(reason="off_network")`` (one bad position must not fail a batch).

    Raises
    ------
    RoutingError
        When ``targets`` is empty, or the profile is not in the network.

    Examples
    --------
    >>> from shapely import LineString
    >>> from gis.routing.network import EdgeRecord, build_network
    >>> net = build_network([
    ...     EdgeRecord("E1", "A", "B", "walkway", 2.0, LineString([(0, 0), (100, 0)])),
    ...     EdgeRecord("E2", "B", "C", "walkway", 2.0, LineString([(100, 0), (200, 0)])),
    ... ])
    >>> aps = [Place(0, 0, label="AP-1"), Place(200, 0, label="AP-2")]
    >>> [r.destination for r in nearest_routes(net, [Place(30, 5), Place(150, 5)], aps)]
    ['AP-1', 'AP-2']
    """
    profile = registered(network, profile)
    closures = closures or NO_CLOSURES
    if not targets:
        raise RoutingError("evacuation needs at least one target")
    ends = join(
        network,
        targets,
        candidates(network, targets, profile, max_snap_m),
        profile,
        closures,
        start=False,
    )
    results: list[Route | NoSafeRoute | None] = [None] * len(sources)
    people: dict[frozenset[int], list[tuple[int, Attachment]]] = {}
    for i, (place, near) in enumerate(
        zip(sources, candidates(network, sources, profile, max_snap_m), strict=True)
    ):
        if isinstance(ends, NoSafeRoute):
            results[i] = NoSafeRoute(ends.reason, ends.message, place.label)
            continue
        if isinstance(near, SnapError):
            results[i] = NoSafeRoute("off_network", str(near), place.label)
            continue
        a = attach(network, place, near, profile, closures, start=True, may_escape=True)
        if isinstance(a, Refusal):
            results[i] = NoSafeRoute(a.reason, a.message, place.label)
        else:
            people.setdefault(a.zones, []).append((i, a))
    if people and not isinstance(ends, NoSafeRoute):
        with scratch(network, profile) as s:
            sink = s.node()
            for b in ends:
                t = s.node()
                s.targets[t] = b
                s.edge(t, sink, 0.0)
                for leg in b.legs:
                    s.edge(leg.node, t, leg.cost_s, leg)
            reverse = s.graph.reverse(copy=False)
            safe = nx.dijkstra_predecessor_and_distance(
                reverse, sink, weight=_reversed(edge_weight(profile.name, closures))
            )
            for zones, members in people.items():
                inner = _inward(s, reverse, zones, closures, safe[1]) if zones else None
                for i, a in members:
                    results[i] = _nearest(s, a, closures, safe, inner)
    return [r for r in results if r is not None]


def _reversed(weight: Weight) -> Weight:
    """The same weights read through ``G.reverse(copy=False)``, which swaps ``u`` and ``v``."""
    return lambda a, b, d: weight(b, a, d)


def _inward(
    s: Scratch,
    reverse: nx.DiGraph,
    zones: frozenset[int],
    closures: Closures,
    to_safety: dict[int, float],
) -> tuple[Tree, int] | None:
    """Times from the nodes inside ``zones`` to the nearest target, escaping as the rule
    allows: edges touching only ``zones``, leaving unsafe nodes."""
    network, name = s.network, s.profile.name
    unsafe, closed, edge_zones = closures.unsafe_nodes, closures.closed, closures.edge_zones
    seeds = {
        int(n)
        for e, zs in edge_zones.items()
        if zs <= zones and e not in closed
        for n in network.ends[e]
        if n not in unsafe and n in to_safety
    }
    if not seeds:
        return None
    origin = s.node()
    for b in seeds:
        s.edge(b, origin, to_safety[b])

    def inward(u: int, v: int, d: dict[str, Any]) -> float | None:
        e = d["e"]
        if e == -1:
            return d[name] if v == origin else None
        touched = edge_zones.get(e)
        if touched is None or e in closed or u not in unsafe or not touched <= zones:
            return None
        return d[name]

    tree = nx.dijkstra_predecessor_and_distance(reverse, origin, weight=_reversed(inward))
    return tree, origin


def _nearest(
    s: Scratch,
    a: Attachment,
    closures: Closures,
    safe: Tree,
    inner: tuple[Tree, int] | None,
) -> Route | NoSafeRoute:
    pred, dist = safe
    best: tuple[float, Leg, bool] | None = None
    for leg in a.legs:
        inside = leg.node in closures.unsafe_nodes
        base = (inner[0][1].get(leg.node) if inner else None) if inside else dist.get(leg.node)
        if base is not None and (best is None or leg.cost_s + base < best[0]):
            best = (leg.cost_s + base, leg, inside)
    shortcut = None
    for t, b in s.targets.items():
        along = direct(s.network, a, b, s.profile)
        if along is not None and (best is None or along.cost_s < best[0]):
            best, shortcut = (along.cost_s, along, False), t
    if best is None:
        return NoSafeRoute(
            "no_path", "every route crosses a threat zone or a closed edge", a.place.label
        )
    _, first, inside = best
    name = s.profile.name
    if shortcut is not None:
        return assemble(s.network, name, a, s.targets[shortcut], first, [], None)
    nodes = [first.node]
    if inside:
        assert inner is not None
        (inner_pred, _), origin = inner
        while (step := inner_pred[nodes[-1]][0]) != origin:
            nodes.append(step)
    while (step := pred[nodes[-1]][0]) not in s.targets:
        nodes.append(step)
    last = s.legs[nodes[-1], step]
    return assemble(s.network, name, a, s.targets[step], first, nodes, last)
