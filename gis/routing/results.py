"""What a routing query answers: a route, or an explicit "no safe route" with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar

import networkx as nx
import shapely
from shapely import LineString

from gis.routing.network import RouteNetwork
from gis.routing.places import XY, Attachment, Leg

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
    graph: nx.DiGraph,
    start: Attachment,
    end: Attachment,
    first: Leg,
    nodes: Sequence[int],
    last: Leg | None,
) -> Route:
    """A route from its start leg, the graph nodes it passes and its end leg."""
    coords: list[XY] = list(first.coords)
    length, cost = first.length_m, first.cost_s
    codes = [first.edge] if first.edge is not None else []
    succ = graph._adj  # networkx's own algorithms read this mapping; views cost more
    mids, uv, travel = network.midpoint_nodes, network.uv, network.travel
    forward, backward = network.coords, network.coords_reversed
    for a, b in pairwise(nodes):
        data = succ[a][b]
        cost += data[profile]
        if a in mids:
            continue  # the second half of a split edge, drawn with its first
        e = data["e"]
        coords.extend(forward[e] if a == uv[e][0] else backward[e])
        length += travel[e]
        codes.append(e)
    if last is not None:
        coords.extend(last.coords)
        length, cost = length + last.length_m, cost + last.cost_s
        if last.edge is not None:
            codes.append(last.edge)
    points = [coords[0]]
    for p in coords:
        if p != points[-1]:
            points.append(p)
    if len(points) == 1:
        points.append(points[0])
    edge_code = network.edge_code
    return Route(
        geometry=shapely.linestrings(points),
        length_m=length,
        eta_s=cost,
        edges=tuple(edge_code[e] for i, e in enumerate(codes) if i == 0 or e != codes[i - 1]),
        nodes=tuple(code for n in nodes if (code := network.node_code[n]) is not None),
        profile=profile,
        origin=start.place.label,
        destination=end.place.label,
        start_zones=start.zones,
    )
