"""Single routes searched in rustworkx: the same graph, the same weight function, the same
answers as networkx's own search, and nothing left behind."""

from __future__ import annotations

import doctest

import networkx as nx
import numpy as np
import pytest
from shapely import Point, box

import gis.routing.compiled
from gis.routing import (
    FIRE_ENGINE,
    MAX_SNAP_M,
    WALK,
    NoSafeRoute,
    Place,
    Profile,
    Route,
    RouteNetwork,
    find_closures,
    shortest_route,
)
from gis.routing.closures import Closures
from gis.routing.compiled import query_graph
from gis.routing.places import candidates
from gis.routing.scratch import scratch
from gis.routing.search import edge_weight, join
from tests.gis.test_routing import ZONES, grid


def test_docstring_examples_run() -> None:
    result = doctest.testmod(gis.routing.compiled, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("profile", [WALK, FIRE_ENGINE])
@pytest.mark.parametrize("escape", [frozenset(), frozenset({0}), frozenset({0, 2})])
def test_the_compiled_graph_has_exactly_the_edges_the_weight_function_keeps(
    profile: Profile, escape: frozenset[int]
) -> None:
    net = grid()
    closures = find_closures(net, ZONES, closed_edges=["E3.4.0", "E8.12.1", "E12.0.0"])
    weight = edge_weight(profile.name, closures, escape)
    kept = {
        (u, v): cost
        for u, v, data in net.graph.edges(data=True)
        if (cost := weight(u, v, data)) is not None
    }
    compiled = query_graph(net, profile, closures, escape, weight)
    assert {(u, v): cost for u, v, cost in compiled.weighted_edge_list()} == kept
    assert compiled.num_nodes() == net.n_nodes


def _networkx_eta(net: RouteNetwork, start: Place, end: Place, closures: Closures) -> float | None:
    """The quickest time by networkx's Dijkstra over the networkx graph, with the same
    places joined the same way and the same weight function."""
    ends = join(net, [end], candidates(net, [end], WALK, MAX_SNAP_M), WALK, closures, start=False)
    starts = join(
        net, [start], candidates(net, [start], WALK, MAX_SNAP_M), WALK, closures, start=True
    )
    if isinstance(starts, NoSafeRoute) or isinstance(ends, NoSafeRoute):
        return None
    weight = edge_weight(WALK.name, closures, starts[0].zones)
    with scratch(net, WALK) as s:
        first, last = s.wire(starts, ends)
        try:
            return float(nx.dijkstra_path_length(s.graph, first, last, weight=weight))
        except nx.NetworkXNoPath:
            return None


def test_routes_cost_what_networkx_finds_including_escapes_from_inside_zones() -> None:
    net = grid()
    closures = find_closures(net, ZONES)
    rng = np.random.default_rng(21)
    escaped = 0
    for x1, y1, x2, y2 in rng.uniform(0, 400, size=(120, 4)):
        start, end = Place(x1, y1), Place(x2, y2)
        got = shortest_route(net, start, end, closures=closures)
        best = _networkx_eta(net, start, end, closures)
        if isinstance(got, NoSafeRoute):
            assert best is None
            continue
        assert best is not None and got.eta_s == pytest.approx(best, rel=1e-9, abs=1e-9)
        escaped += bool(got.start_zones)
    assert escaped > 0


def test_queries_leave_no_temporary_nodes_behind() -> None:
    net = grid()
    closures = find_closures(net, [box(180, 180, 220, 220)])
    walled = find_closures(net, [Point(200, 200).buffer(90).difference(Point(200, 200).buffer(40))])
    for c in (closures, walled):
        for end in (Place(0, 0), Place(400, 400)):
            shortest_route(net, Place(200, 205), end, closures=c)
            shortest_route(net, Place(10, 390), end, closures=c)
    enclosed = shortest_route(net, Place(200, 205), Place(0, 0), closures=walled)
    assert isinstance(enclosed, NoSafeRoute) and enclosed.reason == "no_path"
    assert isinstance(shortest_route(net, Place(10, 390), Place(0, 0)), Route)
    graphs = [net.search_graph(WALK), *closures.search_graphs.values()]
    graphs += walled.search_graphs.values()
    # The profile's own; for the box, one for starts outside it and one for starts inside.
    assert len(graphs) == 4
    assert all(g.num_nodes() == net.n_nodes for g in graphs)
    assert net.graph.number_of_nodes() == net.n_nodes
