"""What a set of queries must avoid: closed edges and active threat zones.

Found once per query set, with the network's spatial index, so a search's weight function
only looks an edge up in a set: it never tests geometry.

An edge *touches* a zone when the two geometries intersect, boundary included: a corridor
that grazes a zone is not a safe corridor. A node is *unsafe* when it lies in or on a zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.routing.errors import RoutingError
from gis.routing.network import RouteNetwork

if TYPE_CHECKING:
    import rustworkx as rx

__all__ = ["Closures", "find_closures"]


@dataclass(frozen=True, slots=True)
class Closures:
    """Edges and nodes a query set must treat as closed or dangerous.

    Attributes
    ----------
    zones : numpy array of geometries
        The threat zones, in the network's metric CRS.
    closed : frozenset of int
        Edge indexes closed by name (a locked gate, a blocked corridor).
    edge_zones : mapping of int to frozenset of int
        For every edge touching a zone, the indexes of the zones it touches.
    unsafe_nodes : frozenset of int
        Graph nodes in or on a zone (with the midpoint nodes of edges touching one).
    blocked : frozenset of int
        ``closed`` and every edge touching a zone: what a route outside every zone avoids.
    search_graphs : dict
        The compiled search graphs derived for this query set by
        :func:`gis.routing.compiled.query_graph`, by profile name and escape zones: kept
        here because a query set serves many queries and lives no longer than they do.
    """

    zones: np.ndarray
    closed: frozenset[int]
    edge_zones: Mapping[int, frozenset[int]]
    unsafe_nodes: frozenset[int]
    blocked: frozenset[int]
    search_graphs: dict[tuple[str, frozenset[int]], rx.PyDiGraph[int, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def zones_at(self, geom: BaseGeometry) -> frozenset[int]:
        """Indexes of the zones ``geom`` touches."""
        if not len(self.zones):
            return frozenset()
        return frozenset(np.flatnonzero(shapely.intersects(self.zones, geom)).tolist())


NO_CLOSURES = Closures(np.empty(0, dtype=object), frozenset(), {}, frozenset(), frozenset())


def find_closures(
    network: RouteNetwork,
    zones: Iterable[BaseGeometry] = (),
    closed_edges: Iterable[str] = (),
) -> Closures:
    """The closures for a query set.

    Parameters
    ----------
    network : RouteNetwork
    zones : iterable of Polygon or MultiPolygon
        Threat zones in the network's metric CRS, indexed in this order (a route's
        ``start_zones`` refer to them). Invalid rings are repaired (``make_valid``).
    closed_edges : iterable of str
        Codes of edges closed outright.

    Returns
    -------
    Closures

    Raises
    ------
    RoutingError
        When a closed edge's code is not in the network.

    Examples
    --------
    >>> from shapely import LineString, box
    >>> from gis.routing.network import EdgeRecord, build_network
    >>> net = build_network([
    ...     EdgeRecord("E1", "A", "B", "road", 8.0, LineString([(0, 0), (100, 0)])),
    ...     EdgeRecord("E2", "B", "C", "road", 8.0, LineString([(100, 0), (200, 0)])),
    ... ])
    >>> c = find_closures(net, [box(150, -10, 160, 10)], ["E1"])
    >>> sorted(net.edges[i].code for i in c.blocked)
    ['E1', 'E2']
    """
    geoms = [shapely.make_valid(z) for z in zones]
    zone_array = np.empty(len(geoms), dtype=object)
    zone_array[:] = geoms
    try:
        closed = frozenset(network.edge_index[code] for code in closed_edges)
    except KeyError as exc:
        raise RoutingError(f"no route edge {exc.args[0]!r} in the network") from exc
    if not geoms:
        return Closures(zone_array, closed, {}, frozenset(), closed)
    zone_of, edge = network.edge_tree.query(zone_array, predicate="intersects")
    touched: dict[int, set[int]] = {}
    for z, e in zip(zone_of.tolist(), edge.tolist(), strict=True):
        touched.setdefault(e, set()).add(z)
    edge_zones = {e: frozenset(zs) for e, zs in touched.items()}
    _, nodes = network.node_tree.query(zone_array, predicate="intersects")
    unsafe = set(nodes.tolist())
    unsafe.update(network.midpoints[e] for e in edge_zones if e in network.midpoints)
    return Closures(
        zone_array, closed, edge_zones, frozenset(unsafe), closed | frozenset(edge_zones)
    )
