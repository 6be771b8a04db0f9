"""The embedded-database path a newcomer's `make demo` takes when nothing listens on 5432."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from twin.config import Settings
from twin.embedded import postgres as embedded
from twin.embedded.postgres import PrivateCluster, ensure_database, port_answers
from twin.embedded.server import free_port
from twin.migrate import current, upgrade
from twin.runtime import database


def test_private_cluster_starts_gets_postgis_and_stops(tmp_path: Path) -> None:
    cluster_dir = Path("/var/tmp") / f"plant-twin-test-{tmp_path.name}"
    cluster = PrivateCluster(cluster_dir, port=free_port())
    cluster.start()
    try:
        assert port_answers("127.0.0.1", cluster.port)
        ensure_database(cluster.url)
        upgrade(cluster.url)
        assert current(cluster.url) is not None
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/twin") as conn:
            version = conn.execute("SELECT postgis_lib_version()").fetchone()
        assert version is not None and version[0].startswith("3.")
    finally:
        cluster.stop()
    assert not port_answers("127.0.0.1", cluster.port)
    shutil.rmtree(cluster_dir)


def test_demo_database_falls_back_to_a_private_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing answering on 5432 the demo starts its own cluster and stops it after."""
    real = embedded.port_answers
    monkeypatch.setattr(
        embedded,
        "port_answers",
        lambda host, port, timeout_s=1.0: port != 5432 and real(host, port),
    )
    settings = Settings(demo=True, data_dir=tmp_path)  # type: ignore[call-arg]
    with database(settings) as url:
        assert f":{embedded.PRIVATE_PORT}/" in url
        assert current(url) is not None
    assert not real("127.0.0.1", embedded.PRIVATE_PORT)
