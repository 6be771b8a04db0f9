"""The walking-people simulator, without a broker (its ``tick``), on a small grid."""

from __future__ import annotations

import json
import math
import re
import time
from statistics import median

import shapely
from shapely import MultiLineString

from devices.mqtt.payloads import PositionReport, parse_message
from devices.simulators.walkers import (
    MAN_DOWN_EVERY_S,
    MAN_DOWN_LASTS_S,
    PAUSE_RANGE_S,
    SOS_EVERY_S,
    SPEED_RANGE_M_S,
    Edge,
    WalkerSimulator,
)

# A 5 x 5 lattice 20 m apart: roads along the bottom row, walkways elsewhere, and a
# stair leading off the grid that nobody may walk.
GRID_N = 5
GRID_M = 20.0
# An hour ago (a whole second): the payload parser accepts times within its past limit.
T0 = float(int(time.time()) - 3600)
PEOPLE = [("T-1", "employee"), ("T-2", "visitor"), ("T-3", "contractor")]
SPOTS = [(30.0, 41.0), (70.0, 10.0)]


def grid() -> list[Edge]:
    edges: list[Edge] = []
    for i in range(GRID_N):
        for j in range(GRID_N):
            here = (i * GRID_M, j * GRID_M)
            if i + 1 < GRID_N:
                kind = "road" if j == 0 else "walkway"
                edges.append((f"N{i}{j}", f"N{i + 1}{j}", here, (here[0] + GRID_M, here[1]), kind))
            if j + 1 < GRID_N:
                edges.append(
                    (f"N{i}{j}", f"N{i}{j + 1}", here, (here[0], here[1] + GRID_M), "walkway")
                )
    edges.append(("N00", "ROOF", (0.0, 0.0), (-30.0, -30.0), "stair"))
    return edges


def _sim(
    seed: int = 1, man_down_every_s: float = MAN_DOWN_EVERY_S, sos_every_s: float = SOS_EVERY_S
) -> WalkerSimulator:
    # Port 1 never answers: the simulator only connects when started, and is not here.
    return WalkerSimulator(
        "mqtt://127.0.0.1:1",
        "demo",
        grid(),
        PEOPLE,
        seed=seed,
        work_spots=SPOTS,
        man_down_every_s=man_down_every_s,
        sos_every_s=sos_every_s,
    )


def _quiet(seed: int = 1) -> WalkerSimulator:
    return _sim(seed, man_down_every_s=math.inf, sos_every_s=math.inf)


def _run(sim: WalkerSimulator, ticks: int) -> list[tuple[float, str, dict]]:
    return [
        (T0 + 2 * k, topic, payload)
        for k in range(ticks)
        for topic, payload in sim.tick(T0 + 2 * k)
    ]


def test_walkers_stay_on_walkways_and_roads() -> None:
    sim = _sim()
    walkable = MultiLineString([(a, b) for _, _, a, b, kind in grid() if kind != "stair"])
    points = shapely.points([(p["x_m"], p["y_m"]) for _, _, p in _run(sim, 3600)])
    assert float(shapely.distance(points, walkable).max()) <= 1.0


def test_speeds_while_walking_are_a_walking_pace() -> None:
    sim = _quiet()
    true_speeds: dict[str, list[float]] = {w.tag: [] for w in sim.walkers}
    published_speeds: dict[str, list[float]] = {w.tag: [] for w in sim.walkers}
    before = dict(sim.tick(T0))
    truth = {w.tag: (w.x_m, w.y_m, w.phase(T0)) for w in sim.walkers}
    for k in range(1, 3600):
        now = T0 + 2 * k
        after = dict(sim.tick(now))
        for w in sim.walkers:
            x0, y0, phase0 = truth[w.tag]
            if phase0 == "walking" and w.phase(now) == "walking":
                # Pauses outlast a tick, so walking at both ends means walking throughout.
                true_speeds[w.tag].append(math.dist((x0, y0), (w.x_m, w.y_m)) / 2)
                p0 = before[f"twin/demo/tags/{w.tag}/position"]
                p1 = after[f"twin/demo/tags/{w.tag}/position"]
                d = math.dist((p0["x_m"], p0["y_m"]), (p1["x_m"], p1["y_m"]))
                published_speeds[w.tag].append(d / 2)
            truth[w.tag] = (w.x_m, w.y_m, w.phase(now))
        before = after
    low, high = SPEED_RANGE_M_S
    for w in sim.walkers:
        assert low <= w.speed_m_s <= high
        speeds = true_speeds[w.tag]
        assert len(speeds) > 100
        # A turn on a 20 m grid cuts a 3 m step's chord to no less than 1/sqrt(2) of it.
        assert min(speeds) >= low / math.sqrt(2) - 1e-9
        assert max(speeds) <= high + 1e-9
        # Most steps are straight: exactly the person's pace.
        assert abs(median(speeds) - w.speed_m_s) < 1e-6
        # Published fixes scatter by at most 0.7 m each: 0.7 m/s either way over 2 s.
        published = published_speeds[w.tag]
        assert low / math.sqrt(2) - 0.7 <= min(published)
        assert max(published) <= high + 0.7
        assert low - 0.1 <= median(published) <= high + 0.1


def test_people_pause_mostly_at_work_spots() -> None:
    sim = _quiet()
    spots = [(30.0, 40.0), (70.0, 0.0)]  # the work spots projected onto the grid
    at_spot = paused = 0
    for k in range(3600):
        now = T0 + 2 * k
        sim.tick(now)
        for w in sim.walkers:
            if w.phase(now) == "paused" and now > T0 + 60:
                paused += 1
                at_spot += any(math.dist((w.x_m, w.y_m), s) < 0.01 for s in spots)
    assert paused > 0 and at_spot / paused > 0.6


def test_same_seed_same_walks_other_seed_other_walks() -> None:
    assert _run(_sim(7), 600) == _run(_sim(7), 600)
    assert _run(_sim(7), 600) != _run(_sim(8), 600)


def test_topics_and_payloads_follow_the_contract() -> None:
    sim = _sim()
    assert sim.status_topic == "twin/demo/devices/sim-walkers/status"
    messages = _run(sim, 50)
    assert len(messages) == 50 * len(PEOPLE)
    for now, topic, payload in messages:
        match = re.fullmatch(r"twin/demo/tags/([^/]+)/position", topic)
        assert match is not None and match.group(1) in dict(PEOPLE)
        assert set(payload) <= {"ts", "x_m", "y_m", "accuracy_m", "sos"}
        report = parse_message(topic, json.dumps(payload).encode())
        assert isinstance(report, PositionReport)
        assert report.metric and report.site == "demo" and report.tag == match.group(1)
        assert report.ts_utc.timestamp() == now
        assert report.accuracy_m == 0.5 and report.floor == 0


def test_a_forced_man_down_is_still_for_four_minutes() -> None:
    sim = _quiet()
    _run(sim, 100)
    start = T0 + 2 * 100
    sim.force_man_down("T-2")
    fixes = []
    for k in range(int(MAN_DOWN_LASTS_S / 2) + 1):
        now = start + 2 * k
        payload = dict(sim.tick(now))["twin/demo/tags/T-2/position"]
        fixes.append((payload["x_m"], payload["y_m"]))
        assert (sim.walkers[1].phase(now) == "down") == (k < MAN_DOWN_LASTS_S / 2)
    assert len(fixes) * 2 > MAN_DOWN_LASTS_S
    spread = max(math.dist(a, b) for a in fixes for b in fixes)
    assert spread <= 1.5
    # Up again: within the longest pause plus a short walk, T-2 is more than 1.5 m away.
    later = [
        (p["x_m"], p["y_m"])
        for k in range(1, int(PAUSE_RANGE_S[1] / 2) + 20)
        for topic, p in sim.tick(start + MAN_DOWN_LASTS_S + 2 * k)
        if topic.endswith("/T-2/position")
    ]
    assert max(math.dist(fixes[0], p) for p in later) > 1.5


def test_a_forced_sos_is_sent_exactly_once() -> None:
    sim = _quiet()
    _run(sim, 10)
    sim.force_sos("T-3")
    messages = [(t, p) for k in range(10, 200) for t, p in sim.tick(T0 + 2 * k)]
    sos = [t for t, p in messages if "sos" in p]
    assert sos == ["twin/demo/tags/T-3/position"]
    assert all(p["sos"] is True for _, p in messages if "sos" in p)


def test_man_down_and_sos_happen_on_their_own_now_and_then() -> None:
    sim = _sim(sos_every_s=900.0)
    downs = sos = 0
    was_down = False
    for k in range(3 * 1800):  # three hours
        now = T0 + 2 * k
        sos += sum("sos" in p for _, p in sim.tick(now))
        down = [w for w in sim.walkers if w.phase(now) == "down"]
        assert len(down) <= 1
        downs += bool(down) and not was_down
        was_down = bool(down)
    assert 3 <= downs <= 15  # about one per 20 minutes
    assert 1 <= sos <= 30  # about one per 15 minutes here
