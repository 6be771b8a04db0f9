"""The route network as links people walk on, and where people and assembly points join it.

Each route edge is one link: its travelled length (stairs along the slope), its
effective width, their product as the link's area, its ``k`` and its capacity. A door is
a *transition*, as in the hydraulic model: it limits the flow through it but holds no
crowd of its own (just the few crossing it), so people cross it at their free speed.

Positions on a link are metres of travelled length from the edge's first node; its
geometry is drawn over the plan length, so positions are scaled to it for drawing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from gis.routing import Place, Profile, RouteNetwork
from sim.evacuation.params import EvacuationParams

__all__ = ["Links", "Located", "build_links", "locate", "points_on"]

# Narrower effective widths are survey slips, not passages; the floor keeps capacities and
# areas positive (gis.routing.profiles uses the same floor for doors).
MIN_EFFECTIVE_WIDTH_M = 0.1


@dataclass(frozen=True)
class Links:
    """Per-link arrays, indexed like ``network.edges``.

    Attributes
    ----------
    code, kind : list of str
    u, v : ndarray of int
        Graph nodes at the link's first and last point.
    length_m : ndarray
        Travelled length.
    plan_m : ndarray
        Length of the geometry, for drawing positions.
    width_m : ndarray
        Effective width.
    area_m2 : ndarray
    k_m_s : ndarray
        SFPE ``k`` of the link.
    transition : ndarray of bool
        Doors: free speed, no crowd of their own.
    capacity_p_s : ndarray
        Most persons per second entering the link.
    storage_p : ndarray
        Most persons the link holds.
    cost_s : ndarray
        ``(2, n)`` routing seconds from ``u`` to ``v`` and back; infinite where the
        profile may not go.
    adjacency : list of list of tuple
        Per node: ``(link, other node)`` for every link at it.
    """

    code: list[str]
    kind: list[str]
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    plan_m: np.ndarray
    width_m: np.ndarray
    area_m2: np.ndarray
    k_m_s: np.ndarray
    transition: np.ndarray
    capacity_p_s: np.ndarray
    storage_p: np.ndarray
    cost_s: np.ndarray
    adjacency: list[list[tuple[int, int]]]

    def __len__(self) -> int:
        return len(self.code)

    @property
    def usable(self) -> np.ndarray:
        return np.isfinite(self.cost_s).any(axis=0)


def build_links(network: RouteNetwork, params: EvacuationParams, profile: Profile) -> Links:
    """The links of ``network`` under ``params``, routed with ``profile``'s costs.

    Examples
    --------
    >>> from shapely import LineString
    >>> from gis.routing import WALK, EdgeRecord, build_network
    >>> net = build_network([
    ...     EdgeRecord("C", "A", "B", "walkway", 2.4, LineString([(0, 0), (30, 0)])),
    ...     EdgeRecord("D", "B", "X", "door", 1.0, LineString([(30, 0), (30.3, 0)])),
    ... ])
    >>> links = build_links(net, EvacuationParams(), WALK)
    >>> links.width_m.round(2).tolist(), links.capacity_p_s.round(2).tolist()
    ([2.0, 0.7], [2.6, 0.91])
    >>> float(links.storage_p[0]), float(links.storage_p[1])
    (228.0, 2.91)
    """
    n = len(network.edges)
    kind = [e.kind for e in network.edges]
    is_door = np.array([k == "door" for k in kind], dtype=bool)
    is_stair = np.array([k == "stair" for k in kind], dtype=bool)
    boundary = np.select(
        [is_door, is_stair],
        [params.boundary_door_m, params.boundary_stair_m],
        params.boundary_wall_m,
    )
    clear = np.array([e.width_m for e in network.edges], dtype=float)
    width = np.maximum(clear - 2 * boundary, MIN_EFFECTIVE_WIDTH_M)
    length = np.asarray(network.travel, dtype=float)
    area = np.maximum(length, 1e-9) * width
    flow = np.where(is_stair, params.max_flow_stair_p_s_m, params.max_flow_level_p_s_m)
    capacity = flow * width
    # People stay on a link at least one step, so a link must hold two steps of its
    # capacity (and a couple more for rounding) or a short one would throttle the flow.
    storage = np.maximum(params.max_density_p_m2 * area, 2.0 * capacity * params.dt_s + 2.0)
    forward, backward = network.costs[profile.name]
    cost = np.array(
        [
            [math.inf if c is None else float(c) for c in forward],
            [math.inf if c is None else float(c) for c in backward],
        ]
    ).reshape(2, n)
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(network.n_nodes)]
    for e, (a, b) in enumerate(network.uv):
        adjacency[a].append((e, b))
        adjacency[b].append((e, a))
    return Links(
        code=list(network.edge_code),
        kind=kind,
        u=network.ends[:, 0].copy(),
        v=network.ends[:, 1].copy(),
        length_m=length,
        plan_m=np.asarray(shapely.length(network.lines), dtype=float).reshape(n),
        width_m=width,
        area_m2=area,
        k_m_s=np.where(is_stair, params.k_stair_m_s, params.k_level_m_s),
        transition=is_door,
        capacity_p_s=capacity,
        storage_p=storage,
        cost_s=cost,
        adjacency=adjacency,
    )


@dataclass(frozen=True)
class Located:
    """Where places join the links; ``link`` is -1 for a place too far from any."""

    link: np.ndarray
    at_m: np.ndarray
    access_m: np.ndarray
    xy: np.ndarray


def locate(
    network: RouteNetwork,
    links: Links,
    places: Sequence[Place],
    max_snap_m: float,
    allowed: np.ndarray | None = None,
) -> Located:
    """Join every place to the nearest usable link on its floor (of the ``allowed`` ones,
    e.g. not closed), in one index query.

    ``at_m`` is the travelled distance from the link's first node; ``access_m`` the
    straight walk from the place to that point; ``xy`` the place itself (a node's
    position for places given by node code).
    """
    n = len(places)
    xy = np.empty((n, 2))
    floors = np.empty(n, dtype=np.int64)
    for i, p in enumerate(places):
        if p.node is not None:
            node = network.node_index[p.node]
            xy[i] = network.node_xy[node]
            floors[i] = network.node_floor[node]
        else:
            xy[i] = (p.x, p.y)
            floors[i] = p.floor
    link = np.full(n, -1, dtype=np.int64)
    at = np.zeros(n)
    access = np.zeros(n)
    if not n:
        return Located(link, at, access, xy)
    points = shapely.points(xy)
    which, edges = network.edge_tree.query(points, predicate="dwithin", distance=max_snap_m)
    on_floor = (network.floor_from[edges] == floors[which]) | (
        network.floor_to[edges] == floors[which]
    )
    keep = (links.usable if allowed is None else allowed)[edges] & on_floor
    which, edges = which[keep], edges[keep]
    distance = shapely.distance(network.lines[edges], points[which])
    order = np.lexsort((edges, distance, which))
    which, edges, distance = which[order], edges[order], distance[order]
    first = np.flatnonzero(np.r_[True, which[1:] != which[:-1]]) if which.size else which
    person, edge = which[first], edges[first]
    link[person] = edge
    access[person] = distance[first]
    plan = shapely.line_locate_point(network.lines[edge], points[person])
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(links.plan_m[edge] > 0, links.length_m[edge] / links.plan_m[edge], 0.0)
    at[person] = np.clip(plan * scale, 0.0, links.length_m[edge])
    return Located(link, at, access, xy)


def points_on(
    network: RouteNetwork, links: Links, link: np.ndarray, dirn: np.ndarray, s_m: np.ndarray
) -> np.ndarray:
    """``(n, 2)`` map positions of people ``s_m`` along ``link`` in direction ``dirn``
    (0: from its first node)."""
    length = links.length_m[link]
    at = np.where(dirn == 0, s_m, length - s_m)
    scale = np.divide(links.plan_m[link], length, out=np.zeros_like(length), where=length > 0)
    points = shapely.line_interpolate_point(network.lines[link], at * scale)
    return np.asarray(shapely.get_coordinates(points)).reshape(-1, 2)
