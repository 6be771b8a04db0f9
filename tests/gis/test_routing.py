"""The routing library on small hand-made networks and a random grid: safety, optimality,
profiles, floors, snapping."""

from __future__ import annotations

import doctest
import math

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely import LineString, Point, Polygon, box

import gis.routing
import gis.routing.closures
import gis.routing.evacuation
import gis.routing.network
import gis.routing.places
import gis.routing.profiles
import gis.routing.search
from gis.routing import (
    FIRE_ENGINE,
    WALK,
    EdgeRecord,
    NodeRecord,
    NoSafeRoute,
    Place,
    Route,
    RouteNetwork,
    RoutingError,
    SnapError,
    build_network,
    find_closures,
    k_shortest_routes,
    nearest_routes,
    shortest_route,
    snap,
)
from gis.routing.search import edge_weight

CELL_M = 25.0


@pytest.mark.parametrize(
    "module",
    [
        gis.routing,
        gis.routing.closures,
        gis.routing.evacuation,
        gis.routing.network,
        gis.routing.places,
        gis.routing.profiles,
        gis.routing.search,
    ],
)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


def grid(n: int = 17, road_every: int = 4) -> RouteNetwork:
    """An ``n`` × ``n`` lattice, 25 m cells: roads (8 m) every ``road_every`` lines, walkways
    (1.8 m) between, like the synthetic plants."""
    edges = []
    for i in range(n):
        for j in range(n):
            for di, dj, road in ((1, 0, j % road_every == 0), (0, 1, i % road_every == 0)):
                if i + di < n and j + dj < n:
                    a, b = (i * CELL_M, j * CELL_M), ((i + di) * CELL_M, (j + dj) * CELL_M)
                    kind, width = ("road", 8.0) if road else ("walkway", 1.8)
                    edges.append(
                        EdgeRecord(
                            f"E{i}.{j}.{di}",
                            f"N{i}.{j}",
                            f"N{i + di}.{j + dj}",
                            kind,
                            width,
                            LineString([a, b]),
                        )
                    )
    return build_network(edges)


def line(code: str, a: str, b: str, xy: list[tuple[float, float]], **kw: object) -> EdgeRecord:
    kind = str(kw.pop("kind", "walkway"))
    width = float(kw.pop("width_m", 2.0))  # type: ignore[arg-type]
    return EdgeRecord(code, a, b, kind, width, LineString(xy), **kw)  # type: ignore[arg-type]


def dijkstra_s(net: RouteNetwork, a: str, b: str, weight: object) -> float | None:
    try:
        return float(
            nx.dijkstra_path_length(net.graph, net.node_index[a], net.node_index[b], weight=weight)
        )
    except nx.NetworkXNoPath:
        return None


ZONES = [Point(110, 190).buffer(45), box(250, 60, 300, 140), Point(320, 330).buffer(30)]


def test_no_route_touches_a_zone_and_every_route_is_the_quickest() -> None:
    net = grid()
    closures = find_closures(net, ZONES)
    weight = edge_weight("walk", closures)
    rng = np.random.default_rng(5)
    safe = [c for c, n in net.node_index.items() if n not in closures.unsafe_nodes]
    routed = 0
    for a, b in rng.choice(safe, size=(150, 2)):
        got = shortest_route(net, Place(node=a), Place(node=b), closures=closures)
        best = dijkstra_s(net, a, b, weight)
        if isinstance(got, NoSafeRoute):
            assert best is None
            continue
        assert best is not None and got.eta_s == pytest.approx(best, rel=1e-9, abs=1e-9)
        assert not any(got.geometry.intersects(z) for z in ZONES)
        routed += 1
    assert routed > 100


def test_points_off_the_network_join_it_without_touching_a_zone() -> None:
    net = grid()
    closures = find_closures(net, ZONES)
    rng = np.random.default_rng(8)
    checked = 0
    for x1, y1, x2, y2 in rng.uniform(0, 400, size=(150, 4)):
        start, end = Point(x1, y1), Point(x2, y2)
        if any(z.intersects(start) or z.intersects(end) for z in ZONES):
            continue
        got = shortest_route(net, Place(x1, y1), Place(x2, y2), closures=closures)
        if isinstance(got, Route):
            assert not any(got.geometry.intersects(z) for z in ZONES)
            assert got.geometry.coords[0] == (x1, y1) and got.geometry.coords[-1] == (x2, y2)
            checked += 1
    assert checked > 80


def test_a_person_in_a_ring_of_gas_has_no_safe_route() -> None:
    net = grid()
    ring = Point(200, 200).buffer(90).difference(Point(200, 200).buffer(40))
    closures = find_closures(net, [ring])
    person = Place(200, 205, label="T-1")
    got = shortest_route(net, person, Place(0, 0), closures=closures)
    assert isinstance(got, NoSafeRoute) and got.reason == "no_path"
    (batch,) = nearest_routes(net, [person], [Place(0, 0), Place(400, 400)], closures=closures)
    assert isinstance(batch, NoSafeRoute) and batch.reason == "no_path"
    assert batch.origin == "T-1"


def test_a_person_in_a_zone_leaves_it_and_never_crosses_another() -> None:
    net = grid()
    release, downwind = Point(200, 200).buffer(60), box(270, 0, 290, 400)
    closures = find_closures(net, [release, downwind])
    got = shortest_route(net, Place(210, 200), Place(400, 200), closures=closures)
    # East is behind a second zone from wall to wall: no way through it.
    assert isinstance(got, NoSafeRoute) and got.reason == "no_path"
    got = shortest_route(net, Place(210, 200), Place(0, 200), closures=closures)
    assert isinstance(got, Route) and got.start_zones == frozenset({0})
    inside = got.geometry.intersection(release)
    assert inside.geom_type == "LineString" and Point(210, 200).distance(inside) == 0
    assert not got.geometry.intersects(downwind)
    # Someone just outside the release does not walk through it.
    outside = shortest_route(net, Place(200, 275), Place(200, 125), closures=closures)
    assert isinstance(outside, Route) and not outside.geometry.intersects(release)


def test_the_destination_must_be_outside_every_zone() -> None:
    net = grid()
    closures = find_closures(net, [Point(100, 100).buffer(30)])
    got = shortest_route(net, Place(300, 300), Place(100, 100), closures=closures)
    assert isinstance(got, NoSafeRoute) and got.reason == "destination_in_zone"
    # A start outside zones whose only reachable edges are in one cannot join safely.
    tight = find_closures(net, [box(90, 90, 160, 160).difference(Point(125, 125).buffer(3))])
    got = shortest_route(net, Place(125, 125), Place(300, 300), closures=tight, max_snap_m=10)
    assert isinstance(got, NoSafeRoute) and got.reason == "no_safe_access"


def test_closed_edges_are_never_used() -> None:
    net = grid()
    free = shortest_route(net, Place(node="N0.0"), Place(node="N8.0"))
    assert isinstance(free, Route)
    closures = find_closures(net, closed_edges=[free.edges[3]])
    detour = shortest_route(net, Place(node="N0.0"), Place(node="N8.0"), closures=closures)
    assert isinstance(detour, Route)
    assert free.edges[3] not in detour.edges and detour.eta_s > free.eta_s
    with pytest.raises(RoutingError, match="E-NOPE"):
        find_closures(net, closed_edges=["E-NOPE"])


def test_fire_engines_keep_to_wide_roads_and_their_direction() -> None:
    net = build_network(
        [
            line("R1", "A", "B", [(0, 0), (100, 0)], kind="road", width_m=6.0, one_way=True),
            line("R2", "B", "C", [(100, 0), (100, 100)], kind="road", width_m=6.0),
            line("R3", "C", "D", [(100, 100), (0, 100)], kind="road", width_m=6.0),
            line("R4", "D", "A", [(0, 100), (0, 0)], kind="road", width_m=6.0),
            line("N1", "A", "C", [(0, 0), (100, 100)], kind="road", width_m=3.0),
            line("W1", "B", "D", [(100, 0), (0, 100)], kind="walkway", width_m=2.0),
        ]
    )
    drive = shortest_route(net, Place(node="B"), Place(node="A"), FIRE_ENGINE)
    assert isinstance(drive, Route) and drive.edges == ("R2", "R3", "R4")
    assert drive.eta_s == pytest.approx(300 / (20 / 3.6))
    walk = shortest_route(net, Place(node="B"), Place(node="A"), WALK)
    assert isinstance(walk, Route) and walk.edges == ("R1",)  # walkers ignore one-way
    across = shortest_route(net, Place(node="A"), Place(node="C"), FIRE_ENGINE)
    assert isinstance(across, Route) and "N1" not in across.edges  # 3 m: too narrow
    # A fire station beside the walkway joins the nearest road instead.
    station = snap(net, Place(45, 52), FIRE_ENGINE)
    assert station.edge != "W1" and station.edge != "N1"


def test_stairs_join_floors_and_cost_their_slope() -> None:
    nodes = [
        NodeRecord("G", 0, 0, 0),
        NodeRecord("S0", 20, 0, 0),
        NodeRecord("S1", 28, 0, 1),
        NodeRecord("F1", 40, 0, 1),
        NodeRecord("EXIT", -50, 0, 0),
    ]
    net = build_network(
        [
            line("C0", "EXIT", "G", [(-50, 0), (0, 0)]),
            line("C0b", "G", "S0", [(0, 0), (20, 0)]),
            line("ST", "S0", "S1", [(20, 0), (28, 0)], kind="stair", width_m=1.2),
            line("C1", "S1", "F1", [(28, 0), (40, 0)], floor=1),
            line("D1", "F1", "R1", [(40, 0), (44, 0)], kind="door", width_m=1.2, floor=1),
        ],
        nodes,
    )
    stair_s = math.hypot(8, 3) / 0.85
    door_s = 4 / 1.19 + 1 / (1.3 * 0.9)
    ms = 1e-3  # graph costs are kept to the millisecond
    assert net.graph.edges[net.node_index["S0"], net.node_index["S1"]]["walk"] == pytest.approx(
        stair_s, abs=ms / 2
    )
    assert net.graph.edges[net.node_index["F1"], net.node_index["R1"]]["walk"] == pytest.approx(
        door_s, abs=ms / 2
    )
    # Upstairs, a point above the ground-floor corridor joins the upper one.
    up = Place(35, 1, floor=1)
    assert snap(net, up, WALK).edge == "C1"
    # Downstairs the corridor above does not count; the stair joins both floors.
    assert snap(net, Place(35, 1, floor=0), WALK).edge == "ST"
    got = shortest_route(net, up, Place(node="EXIT"))
    assert isinstance(got, Route) and got.edges == ("C1", "ST", "C0b", "C0")
    assert got.eta_s == pytest.approx((1 + 7 + 20 + 50) / 1.19 + stair_s, abs=4 * ms)
    assert got.length_m == pytest.approx(1 + 7 + math.hypot(8, 3) + 20 + 50)


def test_parallel_edges_and_loops() -> None:
    net = build_network(
        [
            line("A1", "A", "B", [(0, 0), (100, 0)]),
            line("A2", "B", "A", [(100, 0), (50, 40), (0, 0)]),
            line("LOOP", "B", "B", [(100, 0), (120, 10), (100, 0)]),
            line("A3", "A", "B", [(100, 0), (0, 0)]),  # drawn from its last node: reversed
        ]
    )
    assert len(net.edges) == 3 and len(net.midpoints) == 2
    assert net.lines[2].coords[0] == (0.0, 0.0)
    first = shortest_route(net, Place(node="A"), Place(node="B"))
    assert isinstance(first, Route) and first.edges in (("A1",), ("A3",))
    closures = find_closures(net, closed_edges=["A1", "A3"])
    detour = shortest_route(net, Place(node="A"), Place(node="B"), closures=closures)
    assert isinstance(detour, Route) and detour.edges == ("A2",)
    assert detour.length_m == pytest.approx(2 * math.hypot(50, 40))
    alternatives = k_shortest_routes(net, Place(node="A"), Place(node="B"), 3)
    assert isinstance(alternatives, list) and {r.edges for r in alternatives} == {
        ("A1",),
        ("A2",),
        ("A3",),
    }


def test_nearest_assembly_for_everyone_equals_each_persons_own_search() -> None:
    net = grid()
    closures = find_closures(net, ZONES)
    points = [Place(0, 0, label="AP-SW"), Place(400, 0, label="AP-SE"), Place(200, 400)]
    rng = np.random.default_rng(2)
    people = [Place(x, y, label=f"P{i}") for i, (x, y) in enumerate(rng.uniform(0, 400, (300, 2)))]
    people += [Place(110, 190, label="in-zone"), Place(500, 500, label="far away")]
    batch = nearest_routes(net, people, points, closures=closures)
    assert [r.origin for r in batch] == [p.label for p in people]
    assert sum(isinstance(r, Route) and bool(r.start_zones) for r in batch) >= 10
    far = batch[-1]
    assert isinstance(far, NoSafeRoute) and far.reason == "off_network"
    for person, got in zip(people[:-1], batch[:-1], strict=True):
        alone = shortest_route(net, person, points, closures=closures)
        assert type(alone) is type(got)
        if isinstance(got, Route):
            assert isinstance(alone, Route)
            assert got.eta_s == pytest.approx(alone.eta_s, rel=1e-6)
            assert got.destination == alone.destination or got.eta_s == pytest.approx(alone.eta_s)
            if not got.start_zones:
                assert not any(got.geometry.intersects(z) for z in ZONES)


def test_alternatives_are_distinct_sorted_and_limited() -> None:
    net = grid(9)
    routes = k_shortest_routes(net, Place(10, 0), Place(190, 200), 5)
    assert isinstance(routes, list) and len(routes) == 5
    assert len({r.edges for r in routes}) == 5
    etas = [r.eta_s for r in routes]
    assert etas == sorted(etas)
    with pytest.raises(RoutingError, match="1 to 5"):
        k_shortest_routes(net, Place(10, 0), Place(190, 200), 6)


def test_snapping_refuses_places_too_far_and_says_how_far() -> None:
    net = grid(5)
    with pytest.raises(SnapError, match="nearest is 100 m away") as caught:
        shortest_route(net, Place(50, 200), Place(0, 0))
    assert caught.value.place == Place(50, 200)
    got = shortest_route(net, Place(50, 200), Place(0, 0), max_snap_m=150)
    assert isinstance(got, Route) and got.length_m == pytest.approx(100 + 150)
    with pytest.raises(SnapError, match="floor 3"):
        snap(net, Place(10, 10, floor=3), WALK)
    with pytest.raises(RoutingError, match="NOPE"):
        shortest_route(net, Place(node="NOPE"), Place(0, 0))
    with pytest.raises(SnapError, match="there is none"):
        shortest_route(build_network([]), Place(0, 0), Place(1, 1))


def test_a_zone_list_keeps_its_order_for_start_zone_indexes() -> None:
    net = grid()
    zones = [Polygon(), box(500, 500, 510, 510), Point(200, 200).buffer(30)]
    got = shortest_route(net, Place(200, 200), Place(0, 0), closures=find_closures(net, zones))
    assert isinstance(got, Route) and got.start_zones == frozenset({2})
    assert shapely.get_num_coordinates(got.geometry) >= 2
