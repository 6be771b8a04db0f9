"""The graph model beside JuPedSim (microscopic, collision-free speed model) on the same
simple geometries: a corridor walked freely, and a room emptying through one door.

Numbers recorded on this machine (JuPedSim 1.4.2, CollisionFreeSpeedModel defaults with
desired speed 1.2 m/s, radius 0.2 m, dt 0.01 s; this model with SFPE defaults and the
same 1.2 m/s walkers):

===============================  ========  ==========  ===================================
case                             JuPedSim  this model  note
===============================  ========  ==========  ===================================
corridor 2x40 m, 10 walkers      32.94 s   32.92 s     free walking: -0.1 %
room 8x5 m, 100, 1 m door        102.6 s   112.6 s     +9.7 %: door 1.01 vs 0.91 persons/s
same, door set to JuPedSim flow  102.6 s   102.1 s     -0.5 % once the door flows agree
===============================  ========  ==========  ===================================

Free walking agrees: both walk at the desired speed. Through a door the two differ by the
door's flow and by little else. SFPE's design value is 1.3 persons/s per metre of
*effective* width, 0.91 persons/s through a 1 m door; JuPedSim's collision-free speed
model lets about 1.0 persons/s through this door in a wall (experiments measure 1.0 to
1.9 for 1 m bottlenecks, e.g. Seyfried et al., Transportation Science 43(3), 2009). So the
tests check that the times agree within 25 % (the spread between design and micro-model
door flows), that their ratio is the ratio of the door flows (within 10 %), and that with
this model's door set to JuPedSim's flow they agree within 10 % (the rest is the walk of
the first person and the discharge's tail, seconds in a hundred).

JuPedSim's model can also clog: with agents placed by ``seed=1`` the same room locks at
the door after 33 have left, so the test checks that everyone got out.
"""

from __future__ import annotations

import jupedsim as jps
import numpy as np
import pytest
import shapely
from shapely import LineString

from gis.routing import EdgeRecord, Place, build_network
from sim.evacuation import EvacuationParams, Person, simulate

DESIRED_M_S = 1.2  # JuPedSim's default desired speed, given to this model's walkers too
ROOM_X_M, ROOM_Y_M, DOOR_M, DEPTH_M, YARD_M = 8.0, 5.0, 1.0, 0.3, 4.0


def _jupedsim(
    area: shapely.Polygon, exit_box: shapely.Polygon, starts: list[tuple[float, float]]
) -> np.ndarray:
    """Times each agent reaches the exit box."""
    sim = jps.Simulation(model=jps.CollisionFreeSpeedModel(), geometry=area, dt=0.01)
    exit_id = sim.add_exit_stage(exit_box)
    journey = sim.add_journey(jps.JourneyDescription([exit_id]))
    for xy in starts:
        sim.add_agent(
            jps.CollisionFreeSpeedModelAgentParameters(
                journey_id=journey, stage_id=exit_id, position=xy, desired_speed=DESIRED_M_S
            )
        )
    times: list[float] = []
    while sim.agent_count() > 0 and sim.elapsed_time() < 600.0:
        before = sim.agent_count()
        sim.iterate()
        times += [sim.elapsed_time()] * (before - sim.agent_count())
    return np.array(times)


def test_a_corridor_walked_freely_takes_the_same_time() -> None:
    """Ten people 4 m apart walk a corridor 2 m by 40 m to its end."""
    starts = [(0.5 + 4.0 * i, 1.0) for i in range(10)]
    peer = _jupedsim(shapely.box(0, 0, 41, 2), shapely.box(40, 0, 41, 2), starts)
    assert len(peer) == len(starts)
    net = build_network([EdgeRecord("C", "A", "B", "walkway", 2.0, LineString([(0, 1), (40, 1)]))])
    people = [Person(f"P{i}", Place(x, y), 0.0, DESIRED_M_S) for i, (x, y) in enumerate(starts)]
    ours = simulate(net, people, [Place(40.0, 1.0)])
    assert ours.total_s == pytest.approx(peer.max(), rel=0.05)


def test_a_room_emptying_through_a_door_differs_by_the_door_flow_alone() -> None:
    """100 people spread over a room 8 m by 5 m leave through a 1 m door in the middle of
    a 5 m wall (IMO test 4's room) and walk 4 m on to an exit line."""
    y = ROOM_Y_M / 2
    door = shapely.box(ROOM_X_M, y - DOOR_M / 2, ROOM_X_M + DEPTH_M, y + DOOR_M / 2)
    yard_x = ROOM_X_M + DEPTH_M
    yard = shapely.box(yard_x, -3.0, yard_x + YARD_M + 1.0, ROOM_Y_M + 3.0)
    area = shapely.union_all([shapely.box(0, 0, ROOM_X_M, ROOM_Y_M), door, yard])
    starts = jps.distribute_by_number(
        polygon=shapely.box(0, 0, ROOM_X_M, ROOM_Y_M),
        number_of_agents=100,
        distance_to_agents=0.4,
        distance_to_polygon=0.2,
        seed=4,
    )
    peer = _jupedsim(
        area, shapely.box(yard_x + YARD_M, -3.0, yard_x + YARD_M + 1.0, ROOM_Y_M + 3.0), starts
    )
    lo, hi = np.percentile(peer, [10, 90])
    peer_flow_p_s = (np.sum((peer >= lo) & (peer <= hi)) - 1) / (hi - lo)

    net = build_network(
        [
            EdgeRecord(
                "ROOM", "R0", "R1", "walkway", ROOM_Y_M, LineString([(0, y), (ROOM_X_M, y)])
            ),
            EdgeRecord(
                "DOOR", "R1", "D1", "door", DOOR_M, LineString([(ROOM_X_M, y), (yard_x, y)])
            ),
            EdgeRecord(
                "YARD", "D1", "AP", "road", 8.0, LineString([(yard_x, y), (yard_x + YARD_M, y)])
            ),
        ]
    )
    people = [Person(f"P{i}", Place(x, yy), 0.0, DESIRED_M_S) for i, (x, yy) in enumerate(starts)]
    aps = [Place(yard_x + YARD_M, y)]
    sfpe = simulate(net, people, aps)
    effective_m = DOOR_M - 2 * EvacuationParams().boundary_door_m
    matched = simulate(
        net, people, aps, params=EvacuationParams(max_flow_level_p_s_m=peer_flow_p_s / effective_m)
    )
    assert len(peer) == len(starts)  # JuPedSim did not clog
    assert sfpe.total_s is not None and matched.total_s is not None
    sfpe_flow_p_s = 1.3 * effective_m
    assert sfpe.total_s == pytest.approx(peer.max(), rel=0.25)
    assert sfpe.total_s / peer.max() == pytest.approx(peer_flow_p_s / sfpe_flow_p_s, rel=0.10)
    assert matched.total_s == pytest.approx(peer.max(), rel=0.10)
