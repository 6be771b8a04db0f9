"""Landmarks for A*'s lower bounds (the ALT method: Goldberg & Harrelson, SODA 2005).

The travel times from and to a few landmark nodes, over the whole network, bound the time
between any two nodes from below by the triangle inequality (see gis.routing.search).
Closing edges only lengthens routes, so bounds from the open network stay valid whatever
a query hides.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

__all__ = ["LANDMARKS", "UNREACHABLE_S", "landmark_tables"]

# Eight cover a plant's corners and edge midpoints; more cost build time (two full
# searches each) for little gain.
LANDMARKS = 8
# Stands for "unreachable" in the landmark tables: finite, so differences never turn into
# NaN, and far beyond any travel time (exact to the second in float64).
UNREACHABLE_S = 1e15


def landmark_tables(
    graph: nx.DiGraph, node_xy: np.ndarray, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Travel times under profile ``name`` from and to farthest-first landmarks
    (Goldberg & Harrelson's "farthest" selection), ``(from, to)``, each
    ``(LANDMARKS, n_nodes)``, ``UNREACHABLE_S`` where there is no way.

    Each next landmark is a node no landmark reaches yet (another component), or else the
    node farthest from the landmarks so far. ``node_xy`` holds every graph node's
    position, by node number.
    """
    n = len(node_xy)
    usable = np.zeros(n, dtype=bool)
    for u, v, cost in graph.edges(data=name):
        if cost is not None:
            usable[u] = usable[v] = True
    candidates = np.flatnonzero(usable)
    if candidates.size == 0:
        empty = np.full((0, n), np.inf)
        return empty, empty

    def weight(_u: int, _v: int, d: dict[str, float | None]) -> float | None:
        return d[name]

    def table(g: nx.DiGraph, source: int) -> np.ndarray:
        out = np.full(n, np.inf)
        found = nx.single_source_dijkstra_path_length(g, source, weight=weight)
        out[list(found)] = list(found.values())
        return out

    reverse = graph.reverse(copy=False)
    xy = node_xy[candidates]
    # Start in the corner nearest the south-west: farthest-first then spreads out.
    chosen = [int(candidates[np.argmin(xy[:, 0] + xy[:, 1])])]
    from_l, to_l = [table(graph, chosen[0])], [table(reverse, chosen[0])]
    while len(chosen) < min(LANDMARKS, candidates.size):
        reach = np.minimum(np.min(from_l, axis=0), np.min(to_l, axis=0))[candidates]
        unreached = np.flatnonzero(np.isinf(reach))
        pick = unreached[0] if unreached.size else int(np.argmax(reach))
        chosen.append(int(candidates[pick]))
        from_l.append(table(graph, chosen[-1]))
        to_l.append(table(reverse, chosen[-1]))
    tables = np.vstack(from_l), np.vstack(to_l)
    return tuple(np.where(np.isinf(t), UNREACHABLE_S, t) for t in tables)  # type: ignore[return-value]
