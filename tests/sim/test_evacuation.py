"""The evacuation simulation's behaviour a user sees: pre-movement, queues at bottlenecks
that grow back, re-routing when zones grow, escaping a zone, people with no safe route,
muster curves and the samples for the map."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import shapely
from shapely import LineString, box

import sim.evacuation
import sim.evacuation.links
import sim.evacuation.nodes
import sim.evacuation.params
import sim.evacuation.people
from gis.routing import EdgeRecord, Place, RouteNetwork, build_network
from sim.evacuation import (
    EvacuationError,
    EvacuationParams,
    Person,
    PreMovement,
    State,
    simulate,
)
from tests.sim.test_evacuation_cases import corridor

WEST, EAST = Place(0.0, 0.0, label="AP-W"), Place(200.0, 0.0, label="AP-E")


@pytest.mark.parametrize(
    "module",
    [
        sim.evacuation,
        sim.evacuation.links,
        sim.evacuation.nodes,
        sim.evacuation.params,
        sim.evacuation.people,
    ],
)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


def _street() -> RouteNetwork:
    """A 200 m road in four 50 m links, an assembly point at each end."""
    return build_network(
        EdgeRecord(
            f"R{i}", f"N{i}", f"N{i + 1}", "road", 6.0, LineString([(50 * i, 0), (50 * i + 50, 0)])
        )
        for i in range(4)
    )


def _group(x0: float, x1: float, n: int, pre_s: float = 0.0) -> list[Person]:
    return [Person(f"P{i}", Place(x, 2.0), pre_s) for i, x in enumerate(np.linspace(x0, x1, n))]


def test_people_set_off_after_their_pre_movement_time() -> None:
    pre = PreMovement.from_percentiles(30.0, 120.0)
    people = [Person(f"P{i}", Place(100.0, 2.0)) for i in range(200)]
    result = simulate(_street(), people, [WEST, EAST], premovement=pre)
    times = np.array([p.premovement_s for p in result.people])
    assert np.percentile(times, 1) > 20.0 and np.percentile(times, 99) < 150.0
    for p in result.people:
        assert p.start_s >= p.premovement_s
        assert p.arrival_s is not None and p.arrival_s >= p.start_s + 100.0 / 1.19 - 0.5
    waiting = result.states[result.sample_t_s < times.min()]
    assert (waiting == State.WAITING).all()


def test_the_seed_makes_runs_repeatable() -> None:
    pre = PreMovement.uniform(0.0, 60.0)
    people = [Person(f"P{i}", Place(100.0, 2.0)) for i in range(50)]
    a = simulate(_street(), people, [WEST], premovement=pre, params=EvacuationParams(seed=1))
    b = simulate(_street(), people, [WEST], premovement=pre, params=EvacuationParams(seed=1))
    c = simulate(_street(), people, [WEST], premovement=pre, params=EvacuationParams(seed=2))
    assert [p.arrival_s for p in a.people] == [p.arrival_s for p in b.people]
    assert [p.arrival_s for p in a.people] != [p.arrival_s for p in c.people]


def test_a_queue_at_a_door_grows_back_through_a_full_corridor() -> None:
    """A hall of 300 people empties through a short 1.2 m corridor and a 0.9 m door: the
    door passes 1.3 x 0.6 = 0.78 persons/s, the corridor fills to its most (3.8 p/m²),
    and the hall waits behind it; the door is named the bottleneck."""
    net = build_network(
        [
            EdgeRecord("HALL", "A", "B", "walkway", 10.0, LineString([(0, 0), (20, 0)])),
            EdgeRecord("NECK", "B", "C", "walkway", 1.2, LineString([(20, 0), (25, 0)])),
            EdgeRecord("DOOR", "C", "D", "door", 0.9, LineString([(25, 0), (25.3, 0)])),
        ]
    )
    people = _group(0.0, 19.0, 300)
    result = simulate(net, people, [Place(25.3, 0.0, label="OUT")])
    t = result.arrivals_s()
    assert (len(t) - 1) / (t[-1] - t[0]) == pytest.approx(0.78, rel=0.03)
    neck = result.edge_codes.index("NECK")
    assert result.density_p_m2[:, neck].max() >= 3.6
    top = result.bottlenecks[0]
    assert (top.edge, top.kind) == ("DOOR", "door")
    assert top.max_queue_p > 250 and top.queue_s > 0.9 * t[-1]
    hall_people = [p for p in result.people if p.path[0] == "HALL"]
    assert np.median([p.queued_s for p in hall_people]) > 100.0


def test_stairs_pass_fewer_people_than_a_level_walkway_of_the_same_width() -> None:
    def out_flow(kind: str) -> float:
        net = build_network(
            [
                EdgeRecord("HALL", "A", "B", "walkway", 10.0, LineString([(0, 0), (20, 0)])),
                EdgeRecord("WAY", "B", "C", kind, 1.5, LineString([(20, 0), (26, 0)])),
            ]
        )
        t = simulate(net, _group(0.0, 19.0, 200), [Place(26.0, 0.0)]).arrivals_s()
        return (len(t) - 1) / (t[-1] - t[0])

    assert out_flow("walkway") == pytest.approx(1.3 * 1.1, rel=0.03)
    assert out_flow("stair") == pytest.approx(0.94 * 1.2, rel=0.03)


def test_people_turn_back_when_a_zone_cuts_their_way() -> None:
    """At 20 s a zone closes the road between the group and the east assembly point: they
    turn round to the west one (those already on the zone's link too), and none of them
    walks into the zone."""
    zone = box(175.0, -20.0, 185.0, 20.0)
    people = _group(110.0, 130.0, 20)
    calm = simulate(_street(), people, [WEST, EAST])
    assert {p.assembly_point for p in calm.people} == {"AP-E"}
    cut = simulate(_street(), people, [WEST, EAST], threats=[(20.0, [zone])])
    assert {p.assembly_point for p in cut.people} == {"AP-W"}
    later = cut.sample_t_s >= 20.0
    xy = cut.positions_xy[later].reshape(-1, 2)
    assert not shapely.intersects_xy(zone, xy[:, 0], xy[:, 1]).any()


def test_someone_inside_a_growing_zone_walks_straight_out() -> None:
    """A zone spreads over the group at 10 s: they leave it by the shorter way and do not
    come back into it."""
    zone = box(95.0, -20.0, 140.0, 20.0)
    people = _group(130.0, 135.0, 5)
    result = simulate(_street(), people, [WEST, EAST], threats=[(10.0, [zone])])
    assert result.all_evacuated
    assert {p.assembly_point for p in result.people} == {"AP-E"}
    inside = shapely.intersects_xy(zone, result.positions_xy[..., 0], result.positions_xy[..., 1])
    left = inside.argmin(axis=0)
    assert all(not inside[k:, i].any() for i, k in enumerate(left))


def test_people_enclosed_by_zones_are_reported_with_no_safe_route() -> None:
    ring = [box(70.0, -20.0, 80.0, 20.0), box(170.0, -20.0, 180.0, 20.0)]
    people = [*_group(100.0, 120.0, 10), Person("FAR", Place(20.0, 2.0), 0.0)]
    result = simulate(_street(), people, [WEST, EAST], threats=[(5.0, ring)])
    assert [p.id for p in result.people if p.arrival_s is not None] == ["FAR"]
    assert {p.no_safe_route for p in result.not_evacuated} == {"no_path"}
    assert result.total_s == result.people[-1].arrival_s
    stopped = result.states[-1, :10]
    assert (stopped == State.STOPPED).all()


def test_someone_off_the_network_is_reported() -> None:
    people = [Person("LOST", Place(100.0, 500.0), 0.0), Person("OK", Place(100.0, 1.0), 0.0)]
    result = simulate(_street(), people, [WEST, EAST])
    assert result.people[0].no_safe_route == "off_network"
    assert result.people[1].arrival_s is not None


def test_the_muster_curve_counts_everyone_in_once() -> None:
    people = [*_group(10.0, 90.0, 40), *_group(110.0, 190.0, 60)]
    result = simulate(_street(), people, [WEST, EAST], premovement=PreMovement.fixed(5.0))
    t, west = result.muster_curve("AP-W", every_s=5.0)
    _, east = result.muster_curve("AP-E", every_s=5.0)
    _, everyone = result.muster_curve(every_s=5.0)
    assert (np.diff(everyone) >= 0).all()
    assert west[-1] == 40 and east[-1] == 60 and everyone[-1] == 100
    assert (west + east == everyone).all()
    assert t[np.argmax(everyone == 100)] >= result.total_s  # type: ignore[operator]


def test_samples_cover_the_run_for_a_map() -> None:
    people = _group(10.0, 190.0, 30)
    params = EvacuationParams(sample_every_s=2.0)
    result = simulate(_street(), people, [WEST, EAST], params=params)
    n = len(result.sample_t_s)
    assert result.density_p_m2.shape == (n, 4)
    assert result.positions_xy.shape == (n, 30, 2)
    assert result.states.shape == (n, 30)
    assert np.allclose(np.diff(result.sample_t_s[:-1]), 2.0)
    assert (result.states[-1] == State.ARRIVED).all()
    assert result.density_p_m2[1].sum() > 0 and result.density_p_m2[-1].sum() == 0


def test_bad_inputs_are_refused() -> None:
    net = corridor(40.0, 2.0)
    with pytest.raises(EvacuationError):
        simulate(net, [Person("A", Place(0.0, 0.0), 0.0)], [])
    with pytest.raises(EvacuationError):
        simulate(net, [Person("A", Place(0.0, 0.0))], [Place(40.0, 0.0)])
    with pytest.raises(ValueError):
        EvacuationParams(dt_s=2.0)
