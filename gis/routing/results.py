"""What a routing query answers: a route, or an explicit "no safe route" with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import ClassVar, cast

import numpy as np
import shapely
from shapely import LineString

from gis.routing.network import RouteNetwork
from gis.routing.places import Attachment, Leg

__all__ = ["NoSafeRoute", "Route"]


@dataclass(frozen=True, slots=True)
class Route:
    """A route in the network's metric CRS.

    Attributes
    ----------
    geometry : LineString
        From the start place to the end place, access legs included.
    length_m : float
        Length travelled (stairs along their slope).
    eta_s : float
        Travel time under the profile.
    edges : tuple of str
        Codes of the route edges used, in order (partly used first and last ones too).
    nodes : tuple of str
        Codes of the route nodes passed, in order.
    profile : str
    origin, destination : str or None
        Labels of the places the route joins (which assembly point, which fire station).
    start_zones : frozenset of int
        Indexes of the threat zones the start lies in: the route leaves them, and touches
        no other zone.
    """

    no_safe_route: ClassVar[bool] = False

    geometry: LineString
    length_m: float
    eta_s: float
    edges: tuple[str, ...]
    nodes: tuple[str, ...]
    profile: str
    origin: str | None = None
    destination: str | None = None
    start_zones: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class NoSafeRoute:
    """No route avoids the threat zones and closed edges.

    ``reason`` is one of ``start_in_zone`` (several origins, all in zones),
    ``no_safe_access`` (the start cannot reach an open edge without crossing a zone),
    ``destination_in_zone``, ``no_safe_approach`` (no open, zone-free edge leads to the
    destination), ``no_path`` (every way crosses a zone or a closed edge: an enclosed
    person) and ``off_network`` (in batches: the place is too far from the network).
    """

    no_safe_route: ClassVar[bool] = True

    reason: str
    message: str
    origin: str | None = None
    destination: str | None = None


def assemble(
    network: RouteNetwork,
    profile: str,
    start: Attachment,
    end: Attachment,
    first: Leg,
    nodes: Sequence[int],
    last: Leg | None,
) -> Route:
    """A route from its start leg, the graph nodes it passes and its end leg."""
    length, cost = first.length_m, first.cost_s
    path = np.asarray(nodes, dtype=np.int64)
    tails = path[:-1]
    arcs = network.arc_index(tails, path[1:])
    for seconds in network.arc_cost[profile][arcs].tolist():
        cost += seconds
    # A split edge is drawn, measured and named once, with its first half.
    whole = ~network.is_midpoint[tails]
    edges = network.arc_edge[arcs][whole]
    codes = edges.tolist()
    travel = network.travel
    for e in codes:
        length += travel[e]
    parts = [
        np.asarray(first.coords, dtype=float),
        network.vertices(edges, network.ends[edges, 0] == tails[whole]),
    ]
    if first.edge is not None:
        codes.insert(0, first.edge)
    if last is not None:
        parts.append(np.asarray(last.coords, dtype=float))
        length, cost = length + last.length_m, cost + last.cost_s
        if last.edge is not None:
            codes.append(last.edge)
    points = np.concatenate(parts)
    # Each point as one complex number: equal exactly when both coordinates are.
    xy = points.view(np.complex128)[:, 0]
    fresh = np.ones(len(points), dtype=bool)
    fresh[1:] = xy[1:] != xy[:-1]
    points = points[fresh]
    if len(points) == 1:
        points = np.repeat(points, 2, axis=0)
    named = [e for e, _ in groupby(codes)]  # an edge partly walked by a leg, then whole
    # Midpoints carry no code; every other node does.
    coded = cast(list[str], network.node_code)
    return Route(
        geometry=shapely.linestrings(points),
        length_m=length,
        eta_s=cost,
        edges=tuple(map(network.edge_code.__getitem__, named)),
        nodes=tuple(map(coded.__getitem__, path[~network.is_midpoint[path]].tolist())),
        profile=profile,
        origin=start.place.label,
        destination=end.place.label,
        start_zones=start.zones,
    )
