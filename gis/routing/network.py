"""The route network as a directed networkx graph with a cost per profile on every edge.

Nodes are integers (``0 … n-1``) with the route node's ``code``, ``floor`` and position;
every graph edge carries ``e`` (the index of the route edge it belongs to) and one cost in
seconds per profile (to the millisecond), ``None`` where the profile cannot go. A two-way
route edge becomes two graph edges; a one-way edge's backward graph edge carries ``None``
for the profiles that respect one-way roads.

The graph is a :class:`networkx.DiGraph`, because Yen's k-shortest paths in networkx
refuses multigraphs. A route edge parallel to an earlier one (a second corridor between
the same two junctions) is therefore split at a midpoint node of its own, each half
costing exactly half (halving is exact in binary floating point).

Floors: a node's floor comes from the node records; an edge whose ends lie on different
floors (a stair flight) climbs ``storey_height_m`` per floor, walked along the slope.

Beside the graph a network keeps what queries read in bulk: the graph's edges in arrays
and each edge's line drawn both ways (a route's costs and line come from these, not from
networkx's dicts), the landmark tables of :mod:`gis.routing.landmarks`, and the copy of
the graph in rustworkx that single routes search (:mod:`gis.routing.compiled`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import rustworkx as rx
import shapely
from shapely import LineString, STRtree

from gis.routing.landmarks import landmark_tables
from gis.routing.profiles import PROFILES, Profile, travel_length_m

__all__ = [
    "STOREY_HEIGHT_M",
    "EdgeRecord",
    "NodeRecord",
    "RouteNetwork",
    "Weight",
    "build_network",
]

# Floor-to-floor height when the records give none: a common industrial and office storey.
STOREY_HEIGHT_M = 3.0
# Edge costs are kept to the millisecond. Finer differences are survey and reprojection
# noise (a 25 m corridor that reprojects to 24.99999998 m); dropping them makes equal
# corridors cost exactly the same, so A* can break the ties toward the target (see
# gis.routing.search) instead of wandering among routes a nanosecond apart.
COST_DECIMALS = 3
#: A weight function over the graph, networkx's way: ``weight(tail, head, edge data)`` in
#: seconds, or None to hide the edge.
Weight = Callable[[int, int, dict[str, Any]], float | None]


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """One route edge, its geometry in a metric CRS drawn from ``from_node`` to ``to_node``.

    ``length_m`` is the plan length; by default the geometry's.
    """

    code: str
    from_node: str
    to_node: str
    kind: str
    width_m: float
    geometry: LineString
    floor: int = 0
    one_way: bool = False
    length_m: float | None = None


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """One route node in the same metric CRS as the edges."""

    code: str
    x: float
    y: float
    floor: int = 0


class RouteNetwork:
    """A site's route network, ready for queries (see :mod:`gis.routing.search`).

    Build it with :func:`build_network`. Queries add temporary nodes for the places they
    join (and remove them), so they hold :attr:`lock`; networkx's searches are pure Python
    and hold the GIL anyway, so the lock costs no parallelism.
    """

    def __init__(
        self,
        graph: nx.DiGraph,
        edges: tuple[EdgeRecord, ...],
        ends: np.ndarray,
        lines: np.ndarray,
        travel_m: np.ndarray,
        costs: Mapping[str, tuple[list[float | None], list[float | None]]],
        profiles: Mapping[str, Profile],
        node_xy: np.ndarray,
        midpoints: Mapping[int, int],
    ) -> None:
        self.graph = graph
        self.edges = edges
        #: ``(n_edges, 2)`` graph node indexes of each edge's first and last node.
        self.ends = ends
        #: The same as plain tuples, for per-edge lookups in Python.
        self.uv: list[tuple[int, int]] = [(int(u), int(v)) for u, v in ends]
        self.lines = lines
        #: Profile name -> (forward costs, backward costs) by edge index, seconds or None.
        self.costs = costs
        self.profiles = profiles
        self.node_xy = node_xy
        #: Edge index -> its midpoint node, for edges split to keep the graph simple.
        self.midpoints = midpoints
        self.midpoint_nodes = frozenset(midpoints.values())
        #: Each edge's line, then each again reversed: edge ``e`` drawn from its last node
        #: is line ``e + n_edges`` (see :meth:`vertices`).
        self.lines_both_ways = np.concatenate((lines, shapely.reverse(lines)))
        #: Profile name -> which edges the profile may use in at least one direction.
        self.usable = {
            name: np.array(
                [f is not None or b is not None for f, b in zip(*pair, strict=True)], dtype=bool
            )
            for name, pair in costs.items()
        }
        self.edge_code = [e.code for e in edges]
        self.edge_index = {code: i for i, code in enumerate(self.edge_code)}
        self.node_index = {data["code"]: n for n, data in graph.nodes(data=True) if "code" in data}
        self.node_floor = [int(f) for _, f in sorted(graph.nodes(data="floor"))]
        #: Route node code per graph node, None for midpoints.
        self.node_code: list[str | None] = [c for _, c in sorted(graph.nodes(data="code"))]
        #: Length along each edge as walked or driven (stairs along the slope), metres.
        self.travel: list[float] = travel_m.tolist()
        #: Floors of each edge's first and last node.
        self.floor_from = np.array([self.node_floor[u] for u, _ in self.uv], dtype=np.int64)
        self.floor_to = np.array([self.node_floor[v] for _, v in self.uv], dtype=np.int64)
        self.n_nodes = graph.number_of_nodes()
        self.is_midpoint = np.zeros(self.n_nodes, dtype=bool)
        self.is_midpoint[list(self.midpoint_nodes)] = True
        #: The graph's edges (arcs) in arrays, for reading a path's edges without walking
        #: networkx's dicts: keys ``tail * n_nodes + head`` sorted (see :meth:`arc_index`),
        #: each arc's route edge, and its cost per profile (NaN where the profile cannot go).
        self.arc_key, self.arc_edge, self.arc_cost = _arc_table(graph, self.n_nodes, profiles)
        self.edge_tree = STRtree(lines)
        self.node_tree = STRtree(shapely.points(node_xy))
        self.lock = threading.RLock()
        self._landmarks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._search_graphs: dict[str, rx.PyDiGraph[int, float]] = {}

    def __repr__(self) -> str:
        return f"<RouteNetwork {self.n_nodes} nodes, {len(self.edges)} edges>"

    def landmarks(self, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        """Travel times from and to a few landmark nodes, ``(from, to)``, each
        ``(LANDMARKS, n_nodes)`` (see :mod:`gis.routing.landmarks`); computed on first use
        per profile, on the whole network.
        """
        from_l, to_l, _ = self._landmark_entry(profile)
        return from_l, to_l

    def landmark_table(self, profile: Profile) -> np.ndarray:
        """The landmark times as A* reads them, ``(2 * LANDMARKS, n_nodes)``: the times
        from each landmark negated, over the times to each. A node's lower bound is then
        the largest of its column plus one offset per row (see gis.routing.search)."""
        return self._landmark_entry(profile)[2]

    def _landmark_entry(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self.lock:
            found = self._landmarks.get(profile.name)
            if found is None:
                from_l, to_l = landmark_tables(self.graph, self.node_xy, profile.name)
                found = from_l, to_l, np.vstack((-from_l, to_l))
                self._landmarks[profile.name] = found
            return found

    def search_graph(self, profile: Profile) -> rx.PyDiGraph[int, float]:
        """The graph copied into rustworkx for its compiled A* (:mod:`gis.routing.compiled`):
        node ``n`` at index ``n`` carrying ``n``, every edge the profile may use carrying
        its cost; built on first use per profile.

        The networkx graph stays the network: this copy only speeds up single routes.
        """
        with self.lock:
            found = self._search_graphs.get(profile.name)
            if found is None:
                found = self._search_graphs[profile.name] = _search_graph(self, profile.name)
            return found

    def arc_index(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Positions in the arc table of the graph edges ``tails[i] -> heads[i]`` (every
        one must exist)."""
        return np.searchsorted(self.arc_key, tails * self.n_nodes + heads)

    def vertices(self, edges: np.ndarray, forward: np.ndarray) -> np.ndarray:
        """The vertices of ``edges`` one after another, ``(k, 2)``, each edge drawn from
        its first node where ``forward``, else from its last."""
        drawn = np.where(forward, edges, edges + len(self.lines))
        return shapely.get_coordinates(self.lines_both_ways[drawn])

    def arcs(self, e: int) -> tuple[tuple[int, int], ...]:
        """The graph edges of route edge ``e``, ``(tail, head)``: both ways, through its
        midpoint node where the edge is split."""
        u, v = self.uv[e]
        mid = self.midpoints.get(e)
        if mid is None:
            return (u, v), (v, u)
        return (u, mid), (mid, v), (v, mid), (mid, u)

    def prepare(self) -> None:
        """Compute every profile's landmarks and search graph now rather than on the first
        query."""
        for profile in self.profiles.values():
            self.landmarks(profile)
            self.search_graph(profile)


def build_network(
    edges: Iterable[EdgeRecord],
    nodes: Iterable[NodeRecord] = (),
    *,
    profiles: Iterable[Profile] = PROFILES.values(),
    storey_height_m: float = STOREY_HEIGHT_M,
) -> RouteNetwork:
    """Build the routing graph from edge (and node) records.

    Parameters
    ----------
    edges : iterable of EdgeRecord
        Geometry in a metric CRS. Loops (an edge from a node to itself) are skipped: no
        shortest route uses them.
    nodes : iterable of NodeRecord
        Floors and positions of the nodes; a node missing here takes its edge's floor and
        the edge's end point.
    profiles : iterable of Profile
        The profiles queries may use; each edge gets a cost for each.
    storey_height_m : float
        Height between successive floors.

    Returns
    -------
    RouteNetwork

    Examples
    --------
    >>> from shapely import LineString
    >>> net = build_network([
    ...     EdgeRecord("E1", "A", "B", "walkway", 2.0, LineString([(0, 0), (119, 0)])),
    ...     EdgeRecord("E2", "B", "C", "road", 8.0, LineString([(119, 0), (119, 100)])),
    ... ])
    >>> net
    <RouteNetwork 3 nodes, 2 edges>
    >>> net.graph.edges[net.node_index["A"], net.node_index["B"]]["walk"]
    100.0
    """
    profile_map = {p.name: p for p in profiles}
    records = tuple(e for e in edges if e.from_node != e.to_node)
    known = {n.code: n for n in nodes}
    graph = nx.DiGraph()
    index: dict[str, int] = {}
    xy: list[tuple[float, float]] = []

    def node(code: str, at: tuple[float, float], floor: int) -> int:
        found = index.get(code)
        if found is None:
            record = known.get(code)
            if record is not None:
                at, floor = (record.x, record.y), record.floor
            found = index[code] = len(xy)
            xy.append(at)
            graph.add_node(found, code=code, floor=floor)
        return found

    ends: list[tuple[int, int]] = []
    for e in records:
        start, end = e.geometry.coords[0], e.geometry.coords[-1]
        ends.append(
            (
                node(e.from_node, (start[0], start[1]), e.floor),
                node(e.to_node, (end[0], end[1]), e.floor),
            )
        )
    lines = _oriented([e.geometry for e in records], np.array(xy), ends)

    travel = np.zeros(len(records))
    costs: dict[str, tuple[list[float | None], list[float | None]]] = {
        name: ([None] * len(records), [None] * len(records)) for name in profile_map
    }
    midpoints: dict[int, int] = {}
    for i, (e, line, (u, v)) in enumerate(zip(records, lines, ends, strict=True)):
        plan_m = e.length_m if e.length_m is not None else line.length
        rise_m = abs(graph.nodes[u]["floor"] - graph.nodes[v]["floor"]) * storey_height_m
        travel[i] = travel_length_m(plan_m, rise_m)
        forward: dict[str, object] = {"e": i}
        backward: dict[str, object] = {"e": i}
        for name, p in profile_map.items():
            cost = _rounded(p.cost_s(e.kind, plan_m, e.width_m, rise_m=rise_m))
            back = None if (e.one_way and p.one_way) else cost
            forward[name], backward[name] = cost, back
            costs[name][0][i], costs[name][1][i] = cost, back
        if graph.has_edge(u, v) or graph.has_edge(v, u):
            mid = len(xy)
            point = line.interpolate(0.5, normalized=True)
            xy.append((point.x, point.y))
            graph.add_node(mid, floor=graph.nodes[u]["floor"], midpoint_of=i)
            midpoints[i] = mid
            forward_half = {k: _half(c) for k, c in forward.items() if k != "e"}
            backward_half = {k: _half(c) for k, c in backward.items() if k != "e"}
            graph.add_edge(u, mid, e=i, **forward_half)
            graph.add_edge(mid, v, e=i, **forward_half)
            graph.add_edge(v, mid, e=i, **backward_half)
            graph.add_edge(mid, u, e=i, **backward_half)
        else:
            graph.add_edge(u, v, **forward)
            graph.add_edge(v, u, **backward)
    line_array = np.empty(len(lines), dtype=object)
    line_array[:] = lines
    return RouteNetwork(
        graph,
        records,
        np.array(ends, dtype=np.int64).reshape(-1, 2),
        line_array,
        travel,
        costs,
        profile_map,
        np.array(xy, dtype=float).reshape(-1, 2),
        midpoints,
    )


def _rounded(cost: float | None) -> float | None:
    return None if cost is None else round(cost, COST_DECIMALS)


def _half(cost: object) -> float | None:
    return None if cost is None else float(cost) / 2  # type: ignore[arg-type]


def _oriented(
    lines: list[LineString], xy: np.ndarray, ends: list[tuple[int, int]]
) -> list[LineString]:
    """The lines, each reversed where it was drawn from its last node to its first."""
    if not lines:
        return []
    uv = np.array(ends).reshape(-1, 2)
    first = shapely.get_coordinates(shapely.get_point(lines, 0))
    last = shapely.get_coordinates(shapely.get_point(lines, -1))
    at_u, at_v = xy[uv[:, 0]], xy[uv[:, 1]]

    def gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.hypot(*(a - b).T)

    backwards = gap(first, at_v) + gap(last, at_u) < gap(first, at_u) + gap(last, at_v)
    return [line.reverse() if flip else line for line, flip in zip(lines, backwards, strict=True)]


def _search_graph(network: RouteNetwork, name: str) -> rx.PyDiGraph[int, float]:
    compiled: rx.PyDiGraph[int, float] = rx.PyDiGraph(multigraph=False)
    compiled.add_nodes_from(range(network.n_nodes))
    compiled.add_edges_from(
        [(u, v, cost) for u, v, cost in network.graph.edges(data=name) if cost is not None]
    )
    return compiled


def _arc_table(
    graph: nx.DiGraph, n: int, profiles: Mapping[str, Profile]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    arcs = list(graph.edges(data=True))
    key = np.array([u * n + v for u, v, _ in arcs], dtype=np.int64)
    order = np.argsort(key)
    edge = np.array([d["e"] for _, _, d in arcs], dtype=np.int64)
    cost = {
        name: np.array([np.nan if d[name] is None else d[name] for _, _, d in arcs])[order]
        for name in profiles
    }
    return key[order], edge[order], cost
