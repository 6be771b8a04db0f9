"""Simple geometries of the verification tests, in graph form, shared by the evacuation
tests (no tests here): corridors, a room emptying through doors, a floor down a stair.

A room becomes links its people stand on: the floor area is kept (a link's effective
area is its length times its effective width), each person joins the link nearest
their place, and walks its length to the door.
"""

from __future__ import annotations

import math

import numpy as np
from shapely import LineString

from gis.routing import EdgeRecord, NodeRecord, Place, RouteNetwork, build_network
from sim.evacuation import EvacuationParams, Person

WALL_M = EvacuationParams().boundary_wall_m
DOOR_DEPTH_M = 0.3  # a door leaf in a wall: its link is the wall's thickness


def corridor(length_m: float, width_m: float) -> RouteNetwork:
    """One walkway from (0, 0) to (length_m, 0)."""
    line = LineString([(0, 0), (length_m, 0)])
    return build_network([EdgeRecord("CORRIDOR", "A", "B", "walkway", width_m, line)])


def room_with_door(length_m: float, width_m: float, door_m: float) -> RouteNetwork:
    """A room ``length_m`` deep and ``width_m`` wide (its clear width), its exit of
    ``door_m`` in the middle of the far wall: the room's link runs along its axis at
    y = width/2 to the door, and the assembly point lies at the door's outer side."""
    y = width_m / 2
    return build_network(
        [
            EdgeRecord("ROOM", "R0", "R1", "walkway", width_m, LineString([(0, y), (length_m, y)])),
            EdgeRecord(
                "DOOR", "R1", "OUT", "door", door_m,
                LineString([(length_m, y), (length_m + DOOR_DEPTH_M, y)]),
            ),
        ]
    )  # fmt: skip


def people_in_box(
    n: int, x0: float, y0: float, x1: float, y1: float, seed: int, **person: float
) -> list[Person]:
    """``n`` people spread uniformly over a box, setting off at once unless told."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform((x0, y0), (x1, y1), size=(n, 2))
    person.setdefault("premovement_s", 0.0)
    return [Person(f"P{i:04d}", Place(float(x), float(y)), **person) for i, (x, y) in enumerate(xy)]


ROOM_X_M, ROOM_Y_M = 30.0, 20.0
PUBLIC_EXITS = {
    "EXIT-1": (4.5, 20.0),
    "EXIT-2": (25.5, 20.0),
    "EXIT-3": (4.5, 0.0),
    "EXIT-4": (25.5, 0.0),
}


def public_room() -> tuple[RouteNetwork, list[Place], list[str]]:
    """RiMEA test 9 / IMO test 9: a 30 m by 20 m room with four 1 m exits at x 4-5 m and
    25-26 m in the walls y = 0 and y = 20 (RiMEA's figure, as in JuPedSim's test set).

    Each quarter of the room (15 m by 10 m) is a link from its exit to the room's
    centre, the quarter's farthest point from the exit, as wide as keeps the quarter's
    150 m². The west quarters meet at (14.5, 10) and the east ones at (15.5, 10), joined
    by a short link as wide as the room: someone whose exit is shut walks back and out
    through the other exit of their half, as they would in the room. Outside each exit
    lies an assembly point. Returns the network, the assembly points and the codes of
    exits 1 and 2 (the ones the test shuts: those in the wall y = 20)."""
    middle = {"W": (14.5, 10.0), "E": (15.5, 10.0)}
    edges = [EdgeRecord("AXIS", "W", "E", "walkway", ROOM_Y_M, LineString(middle.values()))]
    aps = []
    for k, (code, (x, y)) in enumerate(PUBLIC_EXITS.items()):
        half = "W" if x < ROOM_X_M / 2 else "E"
        quarter = LineString([(x, y), middle[half]])
        width = 150.0 / quarter.length + 2 * WALL_M
        edges.append(EdgeRecord(f"QUARTER-{k + 1}", f"I{k}", half, "walkway", width, quarter))
        outer = (x, y + DOOR_DEPTH_M if y > 0 else y - DOOR_DEPTH_M)
        edges.append(EdgeRecord(code, f"I{k}", f"O{k}", "door", 1.0, LineString([(x, y), outer])))
        aps.append(Place(*outer, label=f"AP-{k + 1}"))
    return build_network(edges), aps, ["EXIT-1", "EXIT-2"]


def people_in_public_room(n: int, seed: int, speeds_m_s: tuple[float, float]) -> list[Person]:
    """``n`` people spread uniformly over the public room, each placed on the link of
    the quarter they stand in at their straight-line distance from its exit (the graph
    form of where they stand), with walking speeds spread uniformly over ``speeds_m_s``."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform((0.0, 0.0), (ROOM_X_M, ROOM_Y_M), size=(n, 2))
    speeds = rng.uniform(*speeds_m_s, size=n)
    people = []
    for i, ((x, y), v) in enumerate(zip(xy, speeds, strict=True)):
        ex, ey = next(
            (ex, ey)
            for ex, ey in PUBLIC_EXITS.values()
            if (ex < ROOM_X_M / 2) == (x < ROOM_X_M / 2) and (ey > 0) == (y > ROOM_Y_M / 2)
        )
        toward = np.array([ROOM_X_M / 2 - ex, ROOM_Y_M / 2 - ey])
        along = min(math.dist((x, y), (ex, ey)), float(np.hypot(*toward)) - 0.6)
        px, py = np.array([ex, ey]) + toward / np.hypot(*toward) * along
        people.append(Person(f"P{i:04d}", Place(float(px), float(py)), 0.0, float(v)))
    return people


def floor_down_stair(n: int) -> tuple[RouteNetwork, list[Person], Place]:
    """An upper-floor corridor 30 m by 2.4 m holding ``n`` people, its 1.0 m door onto a
    1.2 m stair down one storey (4.2 m plan, 3 m rise), then a 20 m walkway (1.6 m)
    to the assembly point."""
    nodes = [
        NodeRecord("C0", 0, 0, 1), NodeRecord("C1", 30, 0, 1), NodeRecord("S0", 30.3, 0, 1),
        NodeRecord("S1", 34.5, 0, 0), NodeRecord("AP", 54.5, 0, 0),
    ]  # fmt: skip
    edges = [
        EdgeRecord("CORRIDOR", "C0", "C1", "walkway", 2.4, LineString([(0, 0), (30, 0)]), floor=1),
        EdgeRecord("DOOR", "C1", "S0", "door", 1.0, LineString([(30, 0), (30.3, 0)]), floor=1),
        EdgeRecord("STAIR", "S0", "S1", "stair", 1.2, LineString([(30.3, 0), (34.5, 0)]), floor=1),
        EdgeRecord("EXIT", "S1", "AP", "walkway", 1.6, LineString([(34.5, 0), (54.5, 0)]), floor=0),
    ]
    people = [
        Person(f"P{i:03d}", Place(30.0 * (i + 0.5) / n, 0.5, floor=1), premovement_s=0.0)
        for i in range(n)
    ]
    return build_network(edges, nodes), people, Place(54.5, 0, label="AP")
