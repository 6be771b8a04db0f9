"""People wearing positioning tags, walking a plant's route network, over MQTT.

Each person walks the shortest path to a destination (mostly a work spot), stays there a
while, and moves on. Every interval the simulator publishes each tag's position by the
contract of :mod:`devices.mqtt.payloads`, scattered like a UWB fix. Now and then one person
stops moving for four minutes (man down) and, very rarely, one presses SOS, so that the
twin's people alarms fire on their own at low rates. Deterministic for a seed; ``tick``
works without a broker, for tests.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely import LineString, Point

from devices.simulators.mqtt_device import SimulatedMqttDevice

__all__ = ["WALKABLE_KINDS", "Edge", "Walker", "WalkerSimulator"]

XY = tuple[float, float]
# (from_node, to_node, (x1_m, y1_m), (x2_m, y2_m), kind) in the site's metric CRS.
Edge = tuple[Hashable, Hashable, XY, XY, str]

# People walk on walkways and roads; stairs and doors lead between floors and into
# buildings, which a flat plan of positions cannot show.
WALKABLE_KINDS = frozenset({"walkway", "road"})
# Walking pace of adults at work (4-5.4 km/h), drawn once per person.
SPEED_RANGE_M_S = (1.1, 1.5)
# Time spent at a destination. Kept under the 3 minutes after which a still person counts
# as down, so that only the man-down scenario looks like one.
PAUSE_RANGE_S = (30.0, 170.0)
# People do not all set off at once when the simulator starts.
START_SPREAD_S = 30.0
# Share of destinations that are work spots (when there are any); the rest are anywhere on
# the network: the gate, the canteen, a walk round.
WORK_SPOT_SHARE = 0.8
# A work spot projected this close to a node is that node rather than a new one.
SNAP_TO_NODE_M = 1.0
# UWB fixes scatter by about this much per axis (one sigma).
POSITION_NOISE_M = 0.2
# Scatter is clipped to this radius: two fixes of a still person are then never further
# apart than 1.5 m (the usual stillness radius), and every fix stays within 1 m of a path.
MAX_NOISE_M = 0.7
# Reported accuracy: the radius holding 95 % of fixes at 0.2 m per axis (2.45 sigma).
ACCURACY_M = 0.5
# One person down about every 20 minutes somewhere on site, for longer than the 3 minutes
# a man-down rule waits.
MAN_DOWN_EVERY_S = 1200.0
MAN_DOWN_LASTS_S = 240.0
# An SOS press about once per working day on site: rare, as real ones are.
SOS_EVERY_S = 8 * 3600.0


@dataclass
class Walker:
    """One person: where they truly are (before noise) and what they are doing.

    ``route`` holds the nodes still ahead with their points; ``pause_until`` and
    ``down_until`` are epoch seconds.
    """

    tag: str
    person_kind: str
    speed_m_s: float
    node: Hashable
    x_m: float
    y_m: float
    route: list[tuple[Hashable, XY]] = field(default_factory=list)
    pause_until: float = -math.inf
    down_until: float = -math.inf
    sos_pending: bool = False
    down_pending: bool = False

    def phase(self, now: float) -> str:
        """``down``, ``walking`` or ``paused`` at ``now`` (the time of the last tick)."""
        if now < self.down_until:
            return "down"
        return "walking" if self.route else "paused"


def _network(edges: Sequence[Edge], kinds: frozenset[str]) -> tuple[nx.Graph, dict[Any, XY]]:
    graph = nx.Graph()
    points: dict[Any, XY] = {}
    for a, b, pa, pb, kind in edges:
        if kind not in kinds or a == b:
            continue
        # Both ends of an edge are its nodes' points (the route builder guarantees it);
        # the first edge that names a node fixes where it is.
        pa = points.setdefault(a, (float(pa[0]), float(pa[1])))
        pb = points.setdefault(b, (float(pb[0]), float(pb[1])))
        _link(graph, a, b, math.dist(pa, pb))
    if graph.number_of_edges() == 0:
        raise ValueError(f"no edge of kind {sorted(kinds)} in the route network")
    # Walk only the biggest connected piece: a person must reach every destination, and
    # detached pieces are usually upper-floor corridors reached by stairs.
    biggest = max(nx.connected_components(graph), key=len)
    graph = graph.subgraph(biggest).copy()
    return graph, {n: p for n, p in points.items() if n in biggest}


def _link(graph: nx.Graph, a: Hashable, b: Hashable, length_m: float) -> None:
    if not graph.has_edge(a, b) or graph[a][b]["length"] > length_m:
        graph.add_edge(a, b, length=length_m)


def _place_spots(graph: nx.Graph, points: dict[Any, XY], spots: Sequence[XY]) -> list[Hashable]:
    """Nodes where people stop to work: each spot projected onto its nearest edge."""
    nodes: list[Hashable] = []
    for i, (x, y) in enumerate(spots):
        spot = Point(x, y)
        edges = list(graph.edges)
        lines = shapely.linestrings([[points[a], points[b]] for a, b in edges])
        a, b = edges[int(np.argmin(shapely.distance(lines, spot)))]
        line = LineString([points[a], points[b]])
        along = line.project(spot)
        if along <= SNAP_TO_NODE_M:
            node = a
        elif line.length - along <= SNAP_TO_NODE_M:
            node = b
        else:
            node = ("work-spot", i)
            at = line.interpolate(along)
            points[node] = (at.x, at.y)
            graph.remove_edge(a, b)
            _link(graph, a, node, along)
            _link(graph, node, b, line.length - along)
        if node not in nodes:
            nodes.append(node)
    return nodes


@dataclass
class WalkerSimulator:
    """Publish the positions of ``people`` walking ``edges`` every ``interval_s``.

    Parameters
    ----------
    mqtt_url
        ``mqtt://host:port`` of the broker.
    site
        Site code, the second level of every topic.
    edges
        The route network, ``(from_node, to_node, (x1_m, y1_m), (x2_m, y2_m), kind)`` in
        the site's metric CRS; only ``walkable_kinds`` are walked.
    people
        ``(tag_code, person_kind)`` of everyone wearing a tag.
    interval_s
        Seconds between two positions of a tag.
    seed
        Seed of every random choice: the same seed gives the same walks.
    work_spots
        Points (metres) where people stop to work, projected onto the network.
    man_down_every_s, sos_every_s
        Mean seconds between a person going down / pressing SOS anywhere on site;
        ``math.inf`` for never.
    walkable_kinds
        Edge kinds people walk on.
    """

    mqtt_url: str
    site: str
    edges: Sequence[Edge]
    people: Sequence[tuple[str, str]]
    interval_s: float = 2.0
    seed: int = 0
    work_spots: Sequence[XY] = ()
    man_down_every_s: float = MAN_DOWN_EVERY_S
    sos_every_s: float = SOS_EVERY_S
    walkable_kinds: frozenset[str] = WALKABLE_KINDS

    def __post_init__(self) -> None:
        if self.interval_s <= 0 or self.man_down_every_s <= 0 or self.sos_every_s <= 0:
            raise ValueError("interval_s, man_down_every_s and sos_every_s must be positive")
        self.rng = np.random.default_rng(self.seed)
        self.graph, self.points = _network(self.edges, self.walkable_kinds)
        self.spots = _place_spots(self.graph, self.points, self.work_spots)
        self._nodes = list(self.graph.nodes)
        self.walkers: list[Walker] = []
        for tag, kind in self.people:
            node = self._nodes[int(self.rng.integers(len(self._nodes)))]
            x, y = self.points[node]
            speed = float(self.rng.uniform(*SPEED_RANGE_M_S))
            self.walkers.append(Walker(tag, kind, speed, node, x, y))
        self._by_tag = {w.tag: w for w in self.walkers}
        self._last: float | None = None
        self.device = SimulatedMqttDevice(
            self.mqtt_url, self.site, "sim-walkers", self.interval_s, self.tick
        )

    def start(self) -> None:
        self.device.start()

    def stop(self) -> None:
        self.device.stop()

    @property
    def status_topic(self) -> str:
        return self.device.status_topic

    def force_man_down(self, tag: str) -> None:
        """Make ``tag`` stop moving for ``MAN_DOWN_LASTS_S`` from the next tick on."""
        self._by_tag[tag].down_pending = True

    def force_sos(self, tag: str) -> None:
        """Make ``tag``'s next position carry ``"sos": true``."""
        self._by_tag[tag].sos_pending = True

    def tick(self, now: float) -> list[tuple[str, dict[str, Any]]]:
        """Walk everyone up to ``now`` (epoch seconds); their positions as (topic, payload).

        Also usable without a broker, for tests.
        """
        if self._last is None:
            for w in self.walkers:
                w.pause_until = now + float(self.rng.uniform(0, START_SPREAD_S))
            elapsed_s = 0.0
        else:
            # A clock stepping back does not walk people backwards.
            elapsed_s = max(0.0, now - self._last)
            for w in self.walkers:
                self._advance(w, self._last, self._last + elapsed_s)
        self._last = now if self._last is None else max(now, self._last)
        self._scenarios(now, elapsed_s)
        ts = datetime.fromtimestamp(now, tz=UTC).isoformat(timespec="milliseconds")
        out: list[tuple[str, dict[str, Any]]] = []
        for w in self.walkers:
            dx, dy = self._noise()
            payload: dict[str, Any] = {
                "ts": ts,
                "x_m": round(w.x_m + dx, 2),
                "y_m": round(w.y_m + dy, 2),
                "accuracy_m": ACCURACY_M,
            }
            if w.sos_pending:
                payload["sos"] = True
                w.sos_pending = False
            out.append((f"twin/{self.site}/tags/{w.tag}/position", payload))
        return out

    def _noise(self) -> XY:
        dx, dy = (float(v) for v in self.rng.normal(0.0, POSITION_NOISE_M, size=2))
        r = math.hypot(dx, dy)
        if r > MAX_NOISE_M:
            dx, dy = dx * MAX_NOISE_M / r, dy * MAX_NOISE_M / r
        return dx, dy

    def _scenarios(self, now: float, elapsed_s: float) -> None:
        if not self.walkers:
            return
        up = [w for w in self.walkers if w.phase(now) != "down"]
        # One person down at a time, as one leak at a time in the plant simulator.
        if len(up) == len(self.walkers) and self.rng.random() < elapsed_s / self.man_down_every_s:
            up[int(self.rng.integers(len(up)))].down_pending = True
        if self.rng.random() < elapsed_s / self.sos_every_s:
            self.walkers[int(self.rng.integers(len(self.walkers)))].sos_pending = True
        for w in self.walkers:
            if w.down_pending:
                w.down_until, w.down_pending = now + MAN_DOWN_LASTS_S, False

    def _advance(self, w: Walker, start: float, end: float) -> None:
        t = start
        while t < end:
            if w.down_until > t:
                t = min(end, w.down_until)
            elif w.pause_until > t:
                t = min(end, w.pause_until)
            else:
                if not w.route:
                    self._plan(w)
                t = self._walk(w, t, end)

    def _plan(self, w: Walker) -> None:
        spots = [s for s in self.spots if s != w.node]
        if spots and self.rng.random() < WORK_SPOT_SHARE:
            goal = spots[int(self.rng.integers(len(spots)))]
        else:
            others = [n for n in self._nodes if n != w.node]
            goal = others[int(self.rng.integers(len(others)))]
        path = nx.shortest_path(self.graph, w.node, goal, weight="length")
        w.route = [(n, self.points[n]) for n in path[1:]]

    def _walk(self, w: Walker, t: float, end: float) -> float:
        """Walk from ``t`` towards ``end``; the time of arrival if it comes first."""
        budget_m = (end - t) * w.speed_m_s
        while w.route:
            node, (x, y) = w.route[0]
            step_m = math.hypot(x - w.x_m, y - w.y_m)
            if step_m > budget_m:
                w.x_m += (x - w.x_m) * budget_m / step_m
                w.y_m += (y - w.y_m) * budget_m / step_m
                return end
            budget_m -= step_m
            w.x_m, w.y_m, w.node = x, y, node
            w.route.pop(0)
        arrived = end - budget_m / w.speed_m_s
        w.pause_until = arrived + float(self.rng.uniform(*PAUSE_RANGE_S))
        return arrived
