"""Safe-route queries on a 10,000-edge synthetic plant with live threat zones, beside pgRouting.

Each figure stands beside a peer measured in the same run on the same graph, same costs:
  * route query: the twin's ``shortest_route`` (A* with landmark bounds, compiled in
    rustworkx, on a copy of the networkx graph less every edge the query's weight
    function hides: the threat zones) vs pgRouting's ``pgr_dijkstra`` over a table of
    the same edges carrying the twin's own walking costs, between the same node pairs.
    Both sides find the edges the zones touch once per zone set and then leave them out.
    Every pair's cost must agree: the twin's eta_s equals pgr_dijkstra's agg_cost.
  * evacuation: ``nearest_routes`` for 2,000 people at once (nearest safe assembly point,
    with routes) vs ``pgr_dijkstraNear`` (nearest assembly point per person, people moved
    to their nearest node, no escape from inside a zone).
  * graph build: PostGIS to networkx graph, then the landmarks and the rustworkx copy
    (pgr_dijkstra builds its graph in every query).

Run: `.venv/bin/python bench/bench_routing.py` (pgRouting from Debian: scripts/setup.sh).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely
from bench_setup import demo_database, libpq, progress_bar
from rich.console import Console
from rich.table import Table
from shapely import affinity
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.engine import Engine

from gis.crs import WGS84, transformer
from gis.routing import WALK, NoSafeRoute, Place, Route, find_closures, nearest_routes
from gis.routing import shortest_route as twin_route
from gis.routing.compiled import query_graph
from gis.routing.search import edge_weight
from twin.db import make_sessionmaker, session_scope
from twin.demo import synthetic
from twin.demo.load import ensure_site
from twin.routes import service
from twin.routes.schemas import RouteIn
from twin.sites.service import get_site
from twin.transfer.service import import_file

console = Console()
DB_NAME = "twin_bench_routing"
GOAL_P99_MS = 5.0
GOAL_SPEEDUP = 20.0
# Layers the routes need; hydrants and the plant's other layers would only slow the import.
LAYERS = ("route_nodes", "route_edges", "assembly_points", "exits", "rescue_resources")
# Twin and pgRouting costs are sums of the same float64 edge costs in different orders;
# the twin's A* is exact to 1e-9 (see gis.routing.search).
COST_RTOL = 1e-6
EDGES_SQL = (
    "SELECT id, source, target, cost, reverse_cost FROM bench_edges "
    "WHERE id NOT IN (SELECT id FROM bench_blocked)"
)
Row = tuple[str, str, str, str]


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(values: list[float]) -> str:
    return f"p50 {_pct(values, 0.5) * 1e3:.2f} ms / p99 {_pct(values, 0.99) * 1e3:.2f} ms"


def _load_synthetic(engine: Engine, work: Path, min_edges: int) -> tuple[str, int, int]:
    """The smallest synthetic plant with ``min_edges`` route edges, imported."""
    per_scale = len(synthetic.generate(1)[1]["route_edges"])
    scale = max(1, min_edges // per_scale)
    while True:
        site, layers = synthetic.generate(scale)
        if len(layers["route_edges"]) >= min_edges:
            break
        scale += 1
    subset = {name: layers[name] for name in LAYERS}
    subset["rescue_resources"] = [
        f for f in subset["rescue_resources"] if f[0]["kind"] != "hydrant"
    ]
    gpkg = synthetic.write_gpkg(site, subset, work / "synthetic-routes.gpkg")
    site_json = work / "site.json"
    site_json.write_text(json.dumps(site), encoding="utf-8")
    with session_scope(make_sessionmaker(engine)) as session:
        the_site = ensure_site(session, site_json, "bench")
        import_file(session, the_site, gpkg, "bench")
    return site["code"], scale, len(layers["route_edges"])


def _zones(bounds: tuple[float, float, float, float], count: int, seed: int) -> list[Any]:
    """Plume-like ellipses, 240 m by 90 m, in random places and directions."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = bounds
    out = []
    for _ in range(count):
        cx, cy = rng.uniform(x0 + 200, x1 - 200), rng.uniform(y0 + 200, y1 - 200)
        ellipse = affinity.scale(shapely.Point(0, 0).buffer(1.0, 32), 120, 45)
        turned = affinity.rotate(ellipse, rng.uniform(0, 180))
        out.append(affinity.translate(turned, cx, cy))
    return out


def _ewkb(geom: Any, srid: int) -> str:
    return str(shapely.to_wkb(shapely.set_srid(geom, srid), hex=True, include_srid=True))


def _peer_tables(conn: psycopg.Connection[Any], network: Any, zones: list[Any], srid: int) -> float:
    """The twin's edges and walking costs as a pgRouting edge table; returns the time
    pgRouting's side takes to find the edges the zones touch."""
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
    except psycopg.Error as exc:
        raise SystemExit(
            "pgRouting is not installed on the database server: run scripts/setup.sh "
            f"(Debian package postgresql-<major>-pgrouting). {exc}"
        ) from exc
    conn.execute("DROP TABLE IF EXISTS bench_edges, bench_zones, bench_blocked")
    conn.execute(
        "CREATE TABLE bench_edges (id bigint PRIMARY KEY, source bigint, target bigint, "
        f"cost float8, reverse_cost float8, geom geometry(LineString, {srid}))"
    )
    forward, backward = network.costs[WALK.name]
    with conn.cursor().copy(
        "COPY bench_edges (id, source, target, cost, reverse_cost, geom) FROM STDIN"
    ) as copy:
        for i, ((u, v), line) in enumerate(zip(network.uv, network.lines, strict=True)):
            f, b = forward[i], backward[i]
            copy.write_row(
                (i + 1, u, v, -1 if f is None else f, -1 if b is None else b, _ewkb(line, srid))
            )
    conn.execute("CREATE INDEX ON bench_edges USING gist (geom)")
    conn.execute("ANALYZE bench_edges")
    conn.execute(f"CREATE TABLE bench_zones (geom geometry(Polygon, {srid}))")
    for z in zones:
        conn.execute("INSERT INTO bench_zones VALUES (%s::geometry)", (_ewkb(z, srid),))
    _, blocked_s = _timed(
        lambda: conn.execute(
            "CREATE TABLE bench_blocked AS SELECT DISTINCT e.id FROM bench_edges e "
            "JOIN bench_zones z ON ST_Intersects(e.geom, z.geom)"
        )
    )
    conn.execute("ANALYZE bench_blocked")
    return blocked_s


def run(
    url: str, engine: Engine, work: Path, args: argparse.Namespace
) -> tuple[str, list[Row], int]:
    rows: list[Row] = []
    (code, scale, n_edges), load_s = _timed(lambda: _load_synthetic(engine, work, args.edges))
    console.print(f"synthetic plant scale {scale}: {n_edges:,} route edges ({load_s:.1f} s)")
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        site = get_site(session, code)
        srid = site.metric_srid
        network, build_s = _timed(lambda: service.load_network(session, site))
        aps = service.assembly_points(session, site)
        x0, y0, x1, y1 = session.execute(
            text(
                "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT "
                "ST_Transform(boundary, metric_srid) AS b FROM sites WHERE id = :i) AS s"
            ),
            {"i": site.id},
        ).one()
    _, landmarks_s = _timed(lambda: network.landmarks(WALK))
    _, search_graph_s = _timed(lambda: network.search_graph(WALK))
    rows.append(
        (
            "graph build",
            f"{build_s * 1e3:.0f} ms + {landmarks_s * 1e3:.0f} ms landmarks + "
            f"{search_graph_s * 1e3:.0f} ms rustworkx copy",
            "n/a: built inside every query",
            f"{network.n_nodes:,} nodes, {len(network.edges):,} edges; once per network version",
        )
    )
    zones = _zones((x0, y0, x1, y1), args.zones, args.seed)
    closures, closures_s = _timed(lambda: find_closures(network, zones))
    # The rustworkx copy less those edges, which the first query would otherwise derive.
    _, hide_s = _timed(
        lambda: query_graph(network, WALK, closures, frozenset(), edge_weight(WALK.name, closures))
    )
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        peer_blocked_s = _peer_tables(conn, network, zones, srid)
        peer_blocked = conn.execute("SELECT count(*) FROM bench_blocked").fetchone()[0]  # type: ignore[index]
        rows.append(
            (
                f"edges touching {args.zones} zones",
                f"{closures_s * 1e3:.2f} ms + {hide_s * 1e3:.2f} ms hidden in the copy",
                f"{peer_blocked_s * 1e3:.2f} ms",
                f"{len(closures.blocked)} vs {peer_blocked} edges; once per zone set "
                "(STRtree vs GiST join)",
            )
        )
        mismatches, route_rows = _route_queries(conn, network, closures, args)
        rows += route_rows
        rows.append(_evacuation(conn, network, closures, aps, (x0, y0, x1, y1), args))
    rows.append(_service_calls(factory, code, zones, srid, (x0, y0, x1, y1), args))
    return f"{n_edges:,}-edge synthetic plant (scale {scale})", rows, mismatches


def _route_queries(
    conn: psycopg.Connection[Any], network: Any, closures: Any, args: argparse.Namespace
) -> tuple[int, list[Row]]:
    rng = np.random.default_rng(args.seed)
    safe = [c for c, n in network.node_index.items() if n not in closures.unsafe_nodes]
    pairs = [tuple(p) for p in rng.choice(safe, size=(args.queries, 2))]
    twin_s, peer_s, twin_cost, peer_cost = [], [], [], []
    with progress_bar(console) as bar:
        task = bar.add_task("twin shortest_route …", total=len(pairs))
        for a, b in pairs:
            got, dt = _timed(
                lambda a=a, b=b: twin_route(network, Place(node=a), Place(node=b), WALK, closures)
            )
            twin_s.append(dt)
            twin_cost.append(got.eta_s if isinstance(got, Route) else None)
            bar.advance(task)
        task = bar.add_task("pgr_dijkstra …", total=len(pairs))
        query = "SELECT agg_cost FROM pgr_dijkstra(%s, %s::bigint, %s::bigint) WHERE edge = -1"
        for a, b in pairs:
            ids = (network.node_index[a], network.node_index[b])
            row, dt = _timed(
                lambda ids=ids: conn.execute(query, (EDGES_SQL, *ids), prepare=True).fetchone()
            )
            peer_s.append(dt)
            peer_cost.append(row[0] if row else None)
            bar.advance(task)
    mismatches = [
        (pair, t, p)
        for pair, t, p in zip(pairs, twin_cost, peer_cost, strict=True)
        if (t is None) != (p is None)
        or (t is not None and p is not None and not math.isclose(t, p, rel_tol=COST_RTOL))
    ]
    for (a, b), t, p in mismatches[:5]:
        console.print(f"[red]cost mismatch {a} → {b}: twin {t}, pgr_dijkstra {p}[/red]")
    routed = sum(c is not None for c in twin_cost)
    speedup = statistics.median(peer_s) / statistics.median(twin_s)
    p99_ok = _pct(twin_s, 0.99) * 1e3 <= GOAL_P99_MS
    rows = [
        (
            f"route query, {args.zones} live zones",
            _ms(twin_s),
            _ms(peer_s),
            f"{speedup:.0f}× faster at p50 (goal ≥ {GOAL_SPEEDUP:.0f}×); p99 goal ≤ "
            f"{GOAL_P99_MS:g} ms {'met' if p99_ok else 'MISSED'}",
        ),
        (
            "same cost as pgr_dijkstra",
            f"{len(pairs) - len(mismatches)}/{len(pairs)} pairs",
            f"{routed} routed, {len(pairs) - routed} no safe route",
            f"eta_s = agg_cost within {COST_RTOL:g} (relative)",
        ),
    ]
    points = rng.uniform(0, 1, size=(args.queries, 4))
    xy = network.node_xy
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    starts = lo + points[:, :2] * (hi - lo)
    ends = lo + points[:, 2:] * (hi - lo)
    point_s = []
    for (x1, y1), (x2, y2) in zip(starts, ends, strict=True):
        _, dt = _timed(
            lambda x1=x1, y1=y1, x2=x2, y2=y2: twin_route(
                network, Place(x1, y1), Place(x2, y2), WALK, closures
            )
        )
        point_s.append(dt)
    rows.append(
        (
            "route query between points",
            _ms(point_s),
            "n/a (pgr_dijkstra joins nodes)",
            "snapping both ends to the nearest usable edge, escape legs from inside zones",
        )
    )
    return len(mismatches), rows


def _evacuation(
    conn: psycopg.Connection[Any],
    network: Any,
    closures: Any,
    aps: list[Place],
    bounds: tuple[float, float, float, float],
    args: argparse.Namespace,
) -> Row:
    rng = np.random.default_rng(args.seed + 1)
    x0, y0, x1, y1 = bounds
    xy = rng.uniform((x0 + 30, y0 + 30), (x1 - 30, y1 - 30), size=(args.people, 2))
    people = [Place(x, y, label=f"P{i}") for i, (x, y) in enumerate(xy)]
    answers, twin_s = _timed(lambda: nearest_routes(network, people, aps, WALK, closures))
    routed = sum(isinstance(a, Route) for a in answers)
    escaping = sum(isinstance(a, Route) and bool(a.start_zones) for a in answers)
    enclosed = sum(isinstance(a, NoSafeRoute) and a.reason == "no_path" for a in answers)
    nodes = network.node_tree.query_nearest(shapely.points(xy))[1].tolist()
    ap_nodes = network.node_tree.query_nearest(shapely.points([(p.x, p.y) for p in aps]))[1]
    found, peer_s = _timed(
        lambda: conn.execute(
            "SELECT count(DISTINCT start_vid) FROM pgr_dijkstraNear(%s, %s::bigint[], "
            "%s::bigint[], directed => true, cap => 1, global => false)",
            (EDGES_SQL, nodes, ap_nodes.tolist()),
        ).fetchone()
    )
    return (
        f"evacuation, {args.people:,} people at once",
        f"{twin_s * 1e3:.0f} ms ({routed:,} routed, {escaping} from inside zones)",
        f"{peer_s * 1e3:.0f} ms ({found[0]:,} reached)",
        f"twin: one multi-source search + one per zone set, routes as lines; peer: "
        f"pgr_dijkstraNear per person at nodes; {enclosed} enclosed → no_safe_route",
    )


def _service_calls(
    factory: Any,
    code: str,
    zones: list[Any],
    srid: int,
    bounds: tuple[float, float, float, float],
    args: argparse.Namespace,
) -> Row:
    """The API's service call with the graph cached: version digest, closures, snapping,
    search and lon/lat GeoJSON out."""
    to_lonlat = transformer(srid, WGS84)
    avoid = [
        mapping(shapely.transform(z, lambda c: np.column_stack(to_lonlat.transform(*c.T))))
        for z in zones
    ]
    rng = np.random.default_rng(args.seed + 2)
    x0, y0, x1, y1 = bounds
    cache = service.RouteCache()
    times = []
    with session_scope(factory) as session:
        site = get_site(session, code)
        warm = service.get_network(session, cache, site)
        warm.landmarks(WALK)
        warm.search_graph(WALK)
        for _ in range(min(args.queries, 200)):
            (ax, ay), (bx, by) = rng.uniform((x0 + 60, y0 + 60), (x1 - 60, y1 - 60), (2, 2))
            body = RouteIn.model_validate(
                {"from": {"x_m": ax, "y_m": ay}, "to": {"x_m": bx, "y_m": by}, "avoid": avoid}
            )
            _, dt = _timed(lambda body=body: service.route(session, cache, site, body))
            times.append(dt)
    return (
        "API service call (graph cached)",
        _ms(times),
        "",
        "adds the network version digest (SQL), zones from lon/lat and GeoJSON out",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=10_000, help="smallest plant with this many")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--zones", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DB_NAME} afterwards")
    args = parser.parse_args()
    console.print(f"CPUs: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="twin-bench-routing-") as tmp, ExitStack() as stack:
        url, engine = demo_database(stack, Path(tmp), DB_NAME, args.keep_db)
        title, rows, mismatches = run(url, engine, Path(tmp), args)
        with psycopg.connect(libpq(url)) as conn:
            versions = conn.execute("SELECT pgr_version(), postgis_lib_version()").fetchone()
    table = Table(
        "measure",
        "plant-twin",
        "peer (same run)",
        "note",
        title=f"bench_routing: {title}, pgRouting {versions[0]}, PostGIS {versions[1]}",  # type: ignore[index]
    )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if mismatches:
        raise SystemExit(f"{mismatches} route cost(s) differ from pgr_dijkstra's")


if __name__ == "__main__":
    main()
