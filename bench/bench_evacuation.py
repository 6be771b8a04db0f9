"""Evacuation simulation on the demo plant against real time, and the same simple room in
JuPedSim measured in the same run.

  * plant: 2,000 people spread over the demo plant's route network (loaded from PostGIS as
    the API does) leave for its three assembly points after a lognormal pre-movement
    (1st/99th percentiles 30 s / 120 s), while an ammonia plume (Gaussian, 2 kg/s, 3 m/s,
    D, wind from 135°; its AEGL-2 zone) spreads from sphere T-NH3-01 at the wind speed,
    growing every 30 s for five minutes. 15 simulated minutes; goal ≥ 100× real time.
  * room: N people in a room (2.5 p/m², IMO test 4's 8 m by 5 m for 100) leave through a
    1 m door in a wall and walk 4 m on; this model (SFPE) beside JuPedSim 1.4.2
    (CollisionFreeSpeedModel, dt 0.01 s): wall time and evacuation time side by side.

Run: `.venv/bin/python bench/bench_evacuation.py [--png muster.png]`.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import jupedsim as jps
import numpy as np
import shapely
import yaml
from bench_setup import demo_database, progress_bar
from rich.console import Console
from rich.table import Table
from shapely import LineString, affinity
from sqlalchemy import text

from gis.routing import EdgeRecord, Place, RouteNetwork, build_network
from sim.consequence import timeline
from sim.consequence.chemical_table import load_chemicals
from sim.consequence.scenarios import plume_assessment
from sim.evacuation import EvacuationParams, EvacuationResult, Person, PreMovement, simulate
from sim.evaluation import exposure_person_min
from twin.db import make_sessionmaker, session_scope
from twin.drills import service as drills
from twin.drills.simulation import plant_start, run_simulation
from twin.incidents.situation import LOCAL_TIME
from twin.routes import service
from twin.routes.service import RouteCache
from twin.sites.service import get_site

console = Console()
DB_NAME = "twin_bench_evacuation"
CHEMICALS = Path(__file__).resolve().parents[1] / "data" / "rules" / "chemicals.yaml"
SCENARIO = Path(__file__).resolve().parents[1] / "data" / "drills" / "nh3-sphere-west-wind.yaml"
GOAL_X_REAL_TIME = 100.0
SOURCE = "T-NH3-01"
WIND_M_S, WIND_FROM_DEG = 3.0, 135.0
ZONE_EVERY_S, ZONE_UNTIL_S = 30.0, 300.0
JITTER_M = 5.0  # people stand beside their walkway, not on it
ROOM_DENSITY_P_M2, DOOR_M, DEPTH_M, YARD_M, DESIRED_M_S = 2.5, 1.0, 0.3, 4.0, 1.2
Row = tuple[str, str, str, str]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(engine: Any) -> tuple[RouteNetwork, list[Place], tuple[float, float]]:
    with session_scope(make_sessionmaker(engine)) as session:
        site = get_site(session, "demo")
        network = service.load_network(session, site)
        aps = service.assembly_points(session, site)
        x, y = session.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(geom), :srid) "
                "AS c FROM installations WHERE site_id = :site AND code = :code) AS s"
            ),
            {"srid": site.metric_srid, "site": site.id, "code": SOURCE},
        ).one()
    return network, aps, (float(x), float(y))


def _people(network: RouteNetwork, n: int, seed: int) -> list[Person]:
    """``n`` people at random points along the network (by length), a few metres off."""
    rng = np.random.default_rng(seed)
    lengths = shapely.length(network.lines)
    edges = rng.choice(len(lengths), size=n, p=lengths / lengths.sum())
    points = shapely.line_interpolate_point(
        network.lines[edges], rng.uniform(0, 1, n), normalized=True
    )
    xy = shapely.get_coordinates(points) + rng.uniform(-JITTER_M, JITTER_M, (n, 2))
    floors = network.floor_from[edges]
    return [
        Person(f"W{i:04d}", Place(float(x), float(y), floor=int(f)))
        for i, ((x, y), f) in enumerate(zip(xy, floors, strict=True))
    ]


def _plume_steps(source: tuple[float, float]) -> list[tuple[float, list[Any]]]:
    """The AEGL-2 zone, its front moving out at the wind speed, every 30 s for 5 minutes
    (sim.consequence.timeline, as drills draw it)."""
    table = load_chemicals(CHEMICALS)
    assessment = plume_assessment(
        table.chemical("ammonia"), table.version, release_kg_s=2.0, wind_m_s=WIND_M_S,
        stability="D", wind_from_deg=WIND_FROM_DEG,
    )  # fmt: skip
    steps = timeline.steps(
        assessment.zones, timeline.Release("toxic", WIND_M_S), ZONE_UNTIL_S, ZONE_EVERY_S
    )
    return [
        (t, [affinity.translate(z.polygon, *source) for z in zones if z.level.name == "AEGL-2"])
        for t, zones in steps[1:]
    ]


def _exposure_person_min(result: EvacuationResult, steps: list[tuple[float, list[Any]]]) -> float:
    """Person-minutes spent inside the zone, from the sampled positions."""

    def zone_at(t: float) -> list[tuple[str, Any]]:
        active = [zones for start, zones in steps if start <= t]
        return [("AEGL-2", active[-1][0])] if active else []

    samples = zip(result.sample_t_s, result.positions_xy, strict=True)
    return exposure_person_min(samples, zone_at, result.params.sample_every_s).get("AEGL-2", 0.0)


def _plant(args: argparse.Namespace, work: Path) -> tuple[list[Row], EvacuationResult, list[Any]]:
    with ExitStack() as stack:
        _, engine = demo_database(stack, work, DB_NAME, args.keep_db)
        network, aps, source = _load(engine)
        drill_rows = _drill(engine, args)
    people = _people(network, args.people, args.seed)
    steps = _plume_steps(source)
    params = EvacuationParams(duration_s=args.minutes * 60.0, seed=args.seed)
    pre = PreMovement.from_percentiles(30.0, 120.0)
    simulate(network, people[:50], aps, steps, premovement=pre, params=params)  # warm-up
    result, wall = _timed(
        lambda: simulate(network, people, aps, steps, premovement=pre, params=params)
    )
    rss_mb = _rss_mb()
    tracemalloc.start()  # a second, untimed run: what the simulation itself allocates
    simulate(network, people, aps, steps, premovement=pre, params=params)
    run_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    arrivals = result.arrivals_s()
    n = len(people)
    speedup = params.duration_s / wall

    def quantile(q: float) -> str:
        k = math.ceil(q * n)
        return f"{arrivals[k - 1]:.0f} s" if k <= len(arrivals) else "not reached"

    per_ap = ", ".join(f"{ap} {len(result.arrivals_s(ap))}" for ap in result.assembly_points)
    stopped: dict[str | None, int] = {}
    for p in result.not_evacuated:
        stopped[p.no_safe_route] = stopped.get(p.no_safe_route, 0) + 1
    total = f"{result.total_s:.0f} s" if result.all_evacuated and result.total_s else "—"
    rows: list[Row] = [
        (
            "demo plant network",
            f"{len(network.edges)} edges, {network.n_nodes} nodes, {len(aps)} assembly points",
            "",
            f"{n:,} people, ammonia AEGL-2 plume from {SOURCE} growing every 30 s to 5 min",
        ),
        (
            f"{args.minutes:g}-min scenario, wall time",
            f"{wall:.2f} s ({speedup:,.0f}× real time)",
            "",
            f"goal ≥ {GOAL_X_REAL_TIME:.0f}× {'met' if speedup >= GOAL_X_REAL_TIME else 'MISSED'}"
            f"; dt {params.dt_s} s, samples every {params.sample_every_s:g} s",
        ),
        (
            "counted in",
            f"{result.evacuated:,} of {n:,}; all by {total}",
            "",
            f"{per_ap}; still out: {stopped or 'none'}",
        ),
        (
            "muster curve",
            f"50 % {quantile(0.5)}, 90 % {quantile(0.9)}, 95 % {quantile(0.95)}",
            "",
            f"exposure inside the zone: {_exposure_person_min(result, steps):,.0f} person-min",
        ),
    ]
    for b in result.bottlenecks[:5]:
        rows.append(
            (
                f"bottleneck {b.edge} ({b.kind})",
                f"max queue {b.max_queue_p}, {b.waiting_person_s / 60:,.0f} person-min",
                "",
                f"queue stood {b.queue_s:.0f} s between {b.first_s:.0f} s and {b.last_s:.0f} s",
            )
        )
    arrays_mb = (
        sum(a.nbytes for a in (result.density_p_m2, result.positions_xy, result.states)) / 2**20
    )
    rows.append(
        (
            "memory",
            f"peak RSS {rss_mb:,.0f} MB; the run's peak allocation {run_mb:.0f} MB",
            "",
            f"RSS: the whole process (database client, shapely, JuPedSim loaded); "
            f"the result's samples take {arrays_mb:.1f} MB",
        )
    )
    return rows + drill_rows, result, steps


def _drill(engine: Any, args: argparse.Namespace) -> list[Row]:
    """The whole simulated drill as `twin drill simulate` runs it: the demo scenario with
    its staffing template scaled to ``args.people``: zones from the consequence model as
    the release grows, the evacuation, the run's events into the event log, the
    evaluation."""
    scenario = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    template = scenario["population"]["template"]
    total = sum(template.values())
    scaled = {z: n * args.people // total for z, n in template.items()}
    biggest = max(scaled, key=lambda z: scaled[z])
    scaled[biggest] += args.people - sum(scaled.values())
    scenario |= {"code": "BENCH", "duration_s": args.minutes * 60.0}
    scenario["population"]["template"] = scaled
    with session_scope(make_sessionmaker(engine)) as session:
        site = get_site(session, "demo")
        row = drills.save_scenario(
            session, site, "bench", drills.parse_scenario(scenario), new=True
        )
        parsed = drills.parse_scenario(scenario)
        start = plant_start(parsed, datetime.now(LOCAL_TIME).date())
        run = drills.create_run(session, site, row, drills.SIMULATION, "bench", start)
        result, wall = _timed(lambda: run_simulation(session, site, run, row, RouteCache()))
        logged, size = session.execute(
            text(
                "SELECT count(*), sum(pg_column_size(payload)) FROM event_log WHERE drill_id = :d"
            ),
            {"d": run.drill_id},
        ).one()
    speedup = parsed.duration_s / wall
    measures = {m["key"]: m for m in result["measures"]}
    muster = measures["muster_complete_s"]["value"]
    out: dict[str, int] = {}
    for p in result["evacuation"]["not_evacuated"]:
        reason = p["reason"] or "still walking"
        out[reason] = out.get(reason, 0) + 1
    top = result["evacuation"]["bottlenecks"][:1]
    worst = f"{top[0]['edge']} ({top[0]['kind']}, queue {top[0]['max_queue_p']})" if top else "-"
    return [
        (
            f"whole simulated drill, {args.people:,} people, {args.minutes:g} min",
            f"{wall:.2f} s ({speedup:,.0f}× real time)",
            "",
            f"goal ≥ {GOAL_X_REAL_TIME:.0f}× {'met' if speedup >= GOAL_X_REAL_TIME else 'MISSED'}"
            "; staffing template of data/drills/nh3-sphere-west-wind.yaml, zones, evacuation, "
            f"event log ({logged:,} events, {size / 2**20:.1f} MB), evaluation",
        ),
        (
            "  its evaluation",
            f"{result['people']['mustered']:,} of {result['people']['expected']:,} mustered; "
            f"muster {'not complete' if muster is None else f'complete at {muster:.0f} s'}",
            "",
            f"score {result['score']:.0%} of the plan's targets; not mustered at the end: "
            f"{out or 'none'}; worst bottleneck {worst}",
        ),
    ]


def _room(n: int) -> tuple[float, float]:
    """A room holding ``n`` at 2.5 p/m², 8 m by 5 m for 100, the same shape for others."""
    scale = math.sqrt(n / ROOM_DENSITY_P_M2 / 40.0)
    return 8.0 * scale, 5.0 * scale


def _room_twin(n: int, starts: list[tuple[float, float]]) -> tuple[float, float]:
    length, width = _room(n)
    y, yard_x = width / 2, length + DEPTH_M
    net = build_network(
        [
            EdgeRecord("ROOM", "R0", "R1", "walkway", width, LineString([(0, y), (length, y)])),
            EdgeRecord("DOOR", "R1", "D1", "door", DOOR_M, LineString([(length, y), (yard_x, y)])),
            EdgeRecord(
                "YARD", "D1", "AP", "road", 8.0, LineString([(yard_x, y), (yard_x + YARD_M, y)])
            ),
        ]
    )
    people = [Person(f"P{i}", Place(x, yy), 0.0, DESIRED_M_S) for i, (x, yy) in enumerate(starts)]
    result, wall = _timed(lambda: simulate(net, people, [Place(yard_x + YARD_M, y)]))
    return float(result.total_s or math.nan), wall


def _room_jupedsim(n: int, starts: list[tuple[float, float]]) -> tuple[float, float, int]:
    length, width = _room(n)
    y, yard_x = width / 2, length + DEPTH_M
    area = shapely.union_all(
        [
            shapely.box(0, 0, length, width),
            shapely.box(length, y - DOOR_M / 2, yard_x, y + DOOR_M / 2),
            shapely.box(yard_x, -3.0, yard_x + YARD_M + 1.0, width + 3.0),
        ]
    )
    sim = jps.Simulation(model=jps.CollisionFreeSpeedModel(), geometry=area, dt=0.01)
    exit_id = sim.add_exit_stage(
        shapely.box(yard_x + YARD_M, -3.0, yard_x + YARD_M + 1.0, width + 3.0)
    )
    journey = sim.add_journey(jps.JourneyDescription([exit_id]))
    for xy in starts:
        sim.add_agent(
            jps.CollisionFreeSpeedModelAgentParameters(
                journey_id=journey, stage_id=exit_id, position=xy, desired_speed=DESIRED_M_S
            )
        )
    last, out = math.nan, 0
    start = time.perf_counter()
    # A clogged crowd never empties the room: give up after three times the SFPE time.
    limit_s = 3 * (n / 0.91 + 60.0)
    while sim.agent_count() > 0 and sim.elapsed_time() < limit_s:
        before = sim.agent_count()
        sim.iterate()
        if sim.agent_count() < before:
            last, out = sim.elapsed_time(), out + before - sim.agent_count()
    return last, time.perf_counter() - start, out


def _rooms(sizes: list[int]) -> list[Row]:
    rows: list[Row] = []
    with progress_bar(console) as bar:
        task = bar.add_task("room + door: this model and JuPedSim …", total=len(sizes))
        for n in sizes:
            length, width = _room(n)
            starts = jps.distribute_by_number(
                polygon=shapely.box(0, 0, length, width), number_of_agents=n,
                distance_to_agents=0.4, distance_to_polygon=0.2, seed=4,
            )  # fmt: skip
            ours_s, ours_wall = _room_twin(n, starts)
            peer_s, peer_wall, out = _room_jupedsim(n, starts)
            clogged = "" if out == n else f"; JuPedSim clogged: {out}/{n} out"
            rows.append(
                (
                    f"room {length:.1f}×{width:.1f} m, {n} people, 1 m door",
                    f"evacuation {ours_s:.1f} s, wall {ours_wall * 1e3:.0f} ms",
                    f"evacuation {peer_s:.1f} s, wall {peer_wall:.1f} s",
                    f"times {ours_s / peer_s - 1:+.0%}, "
                    f"wall {peer_wall / ours_wall:,.0f}× faster{clogged}",
                )
            )
            bar.advance(task)
    return rows


def _plot(result: EvacuationResult, steps: list[tuple[float, list[Any]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    for ap in result.assembly_points:
        t, count = result.muster_curve(ap, every_s=5.0)
        ax.step(t / 60, count, where="post", label=ap)
    t, count = result.muster_curve(every_s=5.0)
    ax.step(t / 60, count, where="post", color="black", linewidth=2, label="all")
    for start, _ in steps:
        ax.axvline(start / 60, color="tab:red", alpha=0.15)
    ax.set_xlabel("time after the alarm (min); red: plume steps")
    ax.set_ylabel("persons counted in")
    ax.set_title(f"Demo plant: {len(result.people):,} people, ammonia plume from {SOURCE}")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--room-people", type=int, nargs="*", default=[100, 300])
    parser.add_argument("--png", type=Path, help="save the muster curve here")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DB_NAME} afterwards")
    args = parser.parse_args()
    console.print(f"CPUs: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="twin-bench-evacuation-") as tmp:
        rows, result, steps = _plant(args, Path(tmp))
    rows += _rooms(args.room_people)
    table = Table(
        "measure",
        "plant-twin",
        "JuPedSim (same run)",
        "note",
        title=f"bench_evacuation: SFPE graph model vs JuPedSim {jps.__version__}",
    )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if args.png:
        _plot(result, steps, args.png)
        console.print(f"muster curve: {args.png}")


if __name__ == "__main__":
    main()
