"""Compiled A* for single routes: rustworkx's search on a copy of the route graph.

networkx's A* spends about 1 µs on every edge it examines, mostly in cache misses over
its dict-of-dicts graph and in calling the weight and bound functions: on a 10,000-edge
plant that was most of a route query. rustworkx keeps a graph in flat arrays and runs A*
in Rust, calling back only into builtins: ``float`` for an edge's cost (each edge carries
its cost), ``ndarray.item`` for a node's lower bound, ``operator.eq`` for the goal.

The networkx graph stays the network and the weight function stays the rule. A query
set's compiled graph is the profile's (:meth:`RouteNetwork.search_graph`, every edge the
profile may use) less every edge the query's weight function hides. Those can only be
edges of ``closures.blocked`` route edges (see :func:`gis.routing.search.edge_weight`),
so the weight function is asked about those alone: a few hundred calls per query set
rather than one per edge examined in every query.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from operator import eq

import numpy as np
import rustworkx as rx

from gis.routing.closures import Closures
from gis.routing.network import RouteNetwork, Weight
from gis.routing.profiles import Profile

__all__ = ["astar", "query_graph"]


def query_graph(
    network: RouteNetwork,
    profile: Profile,
    closures: Closures,
    escape: frozenset[int],
    weight: Weight,
) -> rx.PyDiGraph[int, float]:
    """The graph a query searches: the profile's compiled graph less the edges ``weight``
    hides.

    Parameters
    ----------
    network : RouteNetwork
    profile : Profile
    closures : Closures
    escape : frozenset of int
        The start's zones, which ``weight`` was made with.
    weight : callable
        The query's weight function, from :func:`gis.routing.search.edge_weight`.

    Returns
    -------
    rustworkx.PyDiGraph
        Shared with every query of the same profile, closures and escape zones (derived
        once, kept on ``closures``); add nodes to it only while holding ``network.lock``,
        and remove them before letting go.
    """
    base = network.search_graph(profile)
    if not closures.blocked:
        return base
    key = (profile.name, escape)
    with network.lock:
        found = closures.search_graphs.get(key)
        if found is None:
            found = base.copy()
            found.remove_edges_from(list(_hidden(network, profile.name, closures, weight)))
            closures.search_graphs[key] = found
        return found


def _hidden(
    network: RouteNetwork, name: str, closures: Closures, weight: Weight
) -> Iterator[tuple[int, int]]:
    """Graph edges of blocked route edges that the profile may use and ``weight`` hides."""
    succ = network.graph._adj
    for e in closures.blocked:
        for u, v in network.arcs(e):
            data = succ[u][v]
            if data[name] is not None and weight(u, v, data) is None:
                yield u, v


def astar(
    graph: rx.PyDiGraph[int, float], source: int, target: int, bounds: np.ndarray
) -> list[int] | None:
    """The quickest path in ``graph`` from the node at index ``source`` to the node
    carrying ``target``, as node indexes; None when there is none.

    ``bounds[n]`` is a lower bound on the time from the node carrying ``n`` to the
    target, for every node of ``graph``.

    Examples
    --------
    >>> import numpy as np, rustworkx as rx
    >>> g = rx.PyDiGraph()
    >>> g.add_nodes_from([0, 1, 2])
    NodeIndices[0, 1, 2]
    >>> _ = g.add_edges_from([(0, 1, 5.0), (1, 2, 5.0), (0, 2, 12.0)])
    >>> astar(g, 0, 2, np.zeros(3)), astar(g, 2, 0, np.zeros(3))
    ([0, 1, 2], None)
    """
    try:
        found = rx.digraph_astar_shortest_path(
            graph, source, partial(eq, target), float, bounds.item
        )
    except rx.NoPathFound:
        return None
    return list(found)
