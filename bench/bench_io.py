"""Import, export and query latency on a 100,000-feature synthetic site.

Each figure stands beside a peer measured in the same run on the same data:
  * import:  `twin` (validate every feature, check it lies in the site, upsert by code,
             audit each change) vs `ogr2ogr` loading the same GeoPackage into PostGIS;
  * export:  `twin` GeoPackage export vs `ogr2ogr` dumping the same tables;
  * queries: the twin's bbox / radius services (GeoJSON out) vs the bare SQL run by `psql`.

Run: `make bench` (or `.venv/bin/python bench/bench_io.py --features 100000`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url

from twin.config import Settings
from twin.db import make_engine, make_sessionmaker, session_scope
from twin.demo import synthetic
from twin.demo.load import ensure_site
from twin.embedded.postgres import ensure_database, resolve_database
from twin.migrate import upgrade
from twin.plant.layers import LAYERS
from twin.spatial import service as spatial
from twin.transfer.service import export_site, import_file

console = Console()
QUERIES = 300


def _timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _fresh_db(server_url: str, name: str) -> str:
    url = make_url(server_url).set(database=name)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    out = url.render_as_string(False)
    ensure_database(out)
    return out


def _pg_conninfo(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"


def _psql_latencies(url: str, statements: list[str]) -> list[float]:
    """Per-statement wall time as psql reports it (``\\timing``), one session for all."""
    script = "\\timing on\n\\o /dev/null\n" + "\n".join(statements) + "\n"
    out = subprocess.run(
        ["psql", "-X", "-q", _pg_conninfo(url)],
        input=script,
        text=True,
        capture_output=True,
        check=True,
    ).stdout
    return [float(m) / 1000 for m in re.findall(r"Time: ([0-9.]+) ms", out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--features", type=int, default=100_000)
    args = parser.parse_args()
    settings = Settings(demo=True)
    server, cluster = resolve_database(settings.database_url, settings.data_dir)
    work = Path(tempfile.mkdtemp(prefix="twin-bench-"))
    try:
        run(server, work, args.features)
    finally:
        if cluster is not None:
            cluster.stop()


def run(server: str, work: Path, target: int) -> None:
    rows: list[tuple[str, str, str, str]] = []
    # Feature count grows linearly with scale: estimate from scale 1, then step up.
    per_scale = synthetic.total_features(synthetic.generate(1)[1])
    scale = max(1, target // per_scale)
    while synthetic.total_features(synthetic.generate(scale)[1]) < target:
        scale += 1
    (site, layers), gen_s = _timed(lambda: synthetic.generate(scale))
    total = synthetic.total_features(layers)
    gpkg = work / "synthetic.gpkg"
    synthetic.write_gpkg(site, layers, gpkg)
    site_json = work / "site.json"
    site_json.write_text(json.dumps(site), encoding="utf-8")
    console.print(
        f"synthetic plant scale {scale}: {total:,} features "
        f"({gen_s:.1f} s to generate), {gpkg.stat().st_size / 1e6:.1f} MB GeoPackage"
    )

    url = _fresh_db(server, "twin_bench")
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("twin import (validated, audited) …", total=None)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with session_scope(factory) as session:
            the_site = ensure_site(session, site_json, "bench")
            report, import_s = _timed(lambda: import_file(session, the_site, gpkg, "bench"))
        rss_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        progress.update(task, description="ogr2ogr import …")
        peer_url = _fresh_db(server, "twin_bench_peer")
        _, ogr_import_s = _timed(
            lambda: subprocess.run(
                [
                    "ogr2ogr",
                    "-f",
                    "PostgreSQL",
                    f"PG:{_pg_conninfo(peer_url)}",
                    str(gpkg),
                    "-lco",
                    "SPATIAL_INDEX=GIST",
                    "--config",
                    "PG_USE_COPY",
                    "YES",
                ],
                check=True,
            )
        )
    assert report.totals["created"] == total
    rows.append(
        (
            "import 100k features",
            f"{import_s:.1f} s ({total / import_s:,.0f}/s)",
            f"{ogr_import_s:.1f} s ({total / ogr_import_s:,.0f}/s)",
            f"twin validates, checks site containment, audits; +{rss_mb:.0f} MB peak RSS",
        )
    )
    _, second_s = _timed(lambda: _reimport(factory, site_json, gpkg))
    rows.append(
        (
            "re-import, nothing changed",
            f"{second_s:.1f} s",
            "n/a (ogr2ogr appends duplicates)",
            "idempotent by code",
        )
    )

    with session_scope(factory) as session:
        the_site = ensure_site(session, site_json, "bench")
        out, export_s = _timed(
            lambda: export_site(session, the_site, "gpkg", list(LAYERS.values()))
        )
    peer_out = work / "peer.gpkg"
    tables = [n for n in LAYERS if layers.get(n)]
    _, ogr_export_s = _timed(
        lambda: subprocess.run(
            ["ogr2ogr", "-f", "GPKG", str(peer_out), f"PG:{_pg_conninfo(peer_url)}", *tables],
            check=True,
        )
    )
    rows.append(
        (
            "export GeoPackage",
            f"{export_s:.1f} s",
            f"{ogr_export_s:.1f} s",
            f"{out.stat().st_size / 1e6:.1f} MB vs {peer_out.stat().st_size / 1e6:.1f} MB",
        )
    )

    rows += _query_rows(factory, url, site_json)
    table = Table(
        "measure",
        "plant-twin",
        "peer (same run)",
        "note",
        title=f"bench_io: {total:,} features, PostGIS {_postgis_version(engine)}",
    )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    engine.dispose()


def _reimport(factory, site_json: Path, gpkg: Path) -> None:  # type: ignore[no-untyped-def]
    with session_scope(factory) as session:
        report = import_file(session, ensure_site(session, site_json, "bench"), gpkg, "bench")
    assert report.totals["created"] == report.totals["updated"] == 0


def _postgis_version(engine) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT postgis_lib_version()")).scalar())


def _query_rows(factory, url: str, site_json: Path) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    with session_scope(factory) as session:
        site = ensure_site(session, site_json, "bench")
        x0, y0, x1, y1 = session.execute(
            text(
                "SELECT ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary)"
                " FROM sites WHERE id = :i"
            ),
            {"i": site.id},
        ).one()
        points = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(QUERIES)]
        box_deg = 0.001  # about 100 m x 110 m
        sensors = [LAYERS["sensors"]]
        bbox_s, radius_s, bbox_n, radius_n = [], [], [], []
        for x, y in points:
            found, dt = _timed(
                lambda x=x, y=y: spatial.in_bbox(
                    session, site, (x, y, x + box_deg, y + box_deg), sensors
                )
            )
            bbox_s.append(dt)
            bbox_n.append(len(found))
            found, dt = _timed(lambda x=x, y=y: spatial.nearby(session, site, x, y, 100.0, sensors))
            radius_s.append(dt)
            radius_n.append(len(found))
        site_id = site.id
    bbox_sql = [
        f"SELECT code, ST_AsGeoJSON(ST_Transform(geom, 4326), 9) FROM sensors "
        f"WHERE site_id = {site_id} AND ST_Intersects(geom, ST_MakeEnvelope("
        f"{x}, {y}, {x + box_deg}, {y + box_deg}, 4490));"
        for x, y in points
    ]
    radius_sql = [
        f"SELECT code, ST_Distance(geography(geom), geography(ST_SetSRID("
        f"ST_MakePoint({x}, {y}), 4490))) FROM sensors WHERE site_id = {site_id} "
        f"AND ST_DWithin(geography(geom), geography(ST_SetSRID(ST_MakePoint({x}, "
        f"{y}), 4490)), 100);"
        for x, y in points
    ]
    peer_bbox, peer_radius = _psql_latencies(url, bbox_sql), _psql_latencies(url, radius_sql)

    def fmt(values: list[float]) -> str:
        return f"p50 {_pct(values, 0.5) * 1e3:.2f} ms / p99 {_pct(values, 0.99) * 1e3:.2f} ms"

    return [
        (
            "bbox query (100 m box, sensors)",
            fmt(bbox_s),
            fmt(peer_bbox),
            f"{QUERIES} queries, mean {statistics.mean(bbox_n):.1f} hits; peer: psql, bare SQL",
        ),
        (
            "radius query (100 m, sensors)",
            fmt(radius_s),
            fmt(peer_radius),
            f"{QUERIES} queries, mean {statistics.mean(radius_n):.1f} hits; geodesic metres",
        ),
    ]


if __name__ == "__main__":
    main()
