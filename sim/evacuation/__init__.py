"""Evacuation simulation over a plant's route graph (SFPE hydraulic model, mesoscopic).

Pure, like :mod:`gis.routing` (whose networks, places and safety rule it uses): people
walk the route edges at the SFPE speed for each link's density, doors and stairs admit
at most their specific flow, queues form at bottlenecks and grow back, people set off
after a pre-movement time and re-route whenever threat zones grow, and count in at the
assembly point they reach.

>>> from shapely import LineString, box
>>> from gis.routing import EdgeRecord, Place, build_network
>>> from sim.evacuation import Person, simulate
>>> net = build_network([
...     EdgeRecord("HALL", "A", "B", "walkway", 5.4, LineString([(0, 0), (8, 0)])),
...     EdgeRecord("DOOR", "B", "C", "door", 1.0, LineString([(8, 0), (8.5, 0)])),
...     EdgeRecord("YARD", "C", "D", "road", 6.0, LineString([(8.5, 0), (40, 0)])),
... ])
>>> people = [Person(f"P{i}", Place(0.04 + 0.08 * i, 1.0), premovement_s=0.0)
...           for i in range(100)]
>>> result = simulate(net, people, [Place(40, 0, label="AP-1")])
>>> result.evacuated, round(result.total_s)
(100, 136)
>>> top = result.bottlenecks[0]
>>> top.edge, top.kind, top.max_queue_p
('DOOR', 'door', 85)

One hundred people in an 8 m by 5 m hall leave through a 1 m door: SFPE lets 1.3 persons
per second through each metre of its 0.7 m effective width, so the door, not the walk,
sets the time (about 110 s for the crowd, then 26 m across the yard).

Threat zones grow over time as ``(t_s, [polygons])`` steps; a yard cut by a zone leaves
the crowd behind it no safe way, and they are reported:

>>> cut = simulate(net, people, [Place(40, 0, label="AP-1")],
...                threats=[(30.0, [box(20, -10, 25, 10)])])
>>> cut.evacuated < 100, {p.no_safe_route for p in cut.not_evacuated}
(True, {'no_path'})

Modules: :mod:`~sim.evacuation.params` (the SFPE numbers with sources, pre-movement
distributions), :mod:`~sim.evacuation.links` (edges as links), :mod:`~sim.evacuation.fields`
(where everyone heads), :mod:`~sim.evacuation.engine` (the steps),
:mod:`~sim.evacuation.queues`, :mod:`~sim.evacuation.results`.
"""

from sim.evacuation.engine import simulate
from sim.evacuation.params import EvacuationParams, PreMovement
from sim.evacuation.people import EvacuationError, Person, ThreatStep
from sim.evacuation.results import Bottleneck, EvacuationResult, PersonOutcome, State

__all__ = [
    "Bottleneck",
    "EvacuationError",
    "EvacuationParams",
    "EvacuationResult",
    "Person",
    "PersonOutcome",
    "PreMovement",
    "State",
    "ThreatStep",
    "simulate",
]
