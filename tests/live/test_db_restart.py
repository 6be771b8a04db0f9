"""The database restarted mid-stream: the engine retries, nothing is lost or doubled."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from tests.live.conftest import Publisher, epoch_ms, recent
from twin.app import create_app
from twin.config import Settings
from twin.db import make_engine, make_sessionmaker, session_scope
from twin.demo.load import load_demo_plant
from twin.embedded.mosquitto import PrivateBroker
from twin.embedded.postgres import PrivateCluster, ensure_database
from twin.embedded.server import free_port, serving
from twin.migrate import upgrade

SENSOR = "GD-NH3-01"


def _count(engine, since_ms: int) -> int:  # type: ignore[no-untyped-def]
    """Readings stored since ``since_ms``; a duplicate would add a million."""
    query = text(
        "SELECT count(DISTINCT r.ts_utc) + 1000000 * (count(*) - count(DISTINCT r.ts_utc)) "
        "FROM readings r JOIN sensors s ON s.id = r.sensor_id "
        "WHERE s.code = :c AND r.ts_utc >= to_timestamp(:t / 1000.0)"
    )
    with engine.connect() as conn:
        return int(conn.execute(query, {"c": SENSOR, "t": since_ms}).scalar_one())


def test_database_restart_loses_nothing(settings: Settings, broker: PrivateBroker) -> None:
    cluster = PrivateCluster(
        Path("/var/tmp") / f"plant-twin-dbrestart-{uuid.uuid4().hex[:6]}", port=free_port()
    )
    cluster.start()
    engine = None
    try:
        ensure_database(cluster.url)
        upgrade(cluster.url)
        engine = make_engine(cluster.url)
        with session_scope(make_sessionmaker(engine)) as session:
            load_demo_plant(session)
        live = settings.model_copy(
            update={"mqtt_url": broker.url, "mqtt_client_id": f"ingest-{uuid.uuid4().hex[:8]}"}
        )
        publisher = Publisher(broker.url)
        start = epoch_ms(recent(300))
        with serving(create_app(live, engine, live=True)):
            topic = f"twin/demo/sensors/{SENSOR}"
            for i in range(100):
                publisher.send(topic, {"ts": start + i * 100, "value": 1.0})
            cluster.stop()  # the database goes away mid-stream
            for i in range(100, 200):
                publisher.send(topic, {"ts": start + i * 100, "value": 1.0})
            time.sleep(1.0)
            cluster.start()
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline and _count(engine, start) < 200:
                time.sleep(0.5)
            assert _count(engine, start) == 200  # all 200, none twice
        publisher.close()
    finally:
        if engine is not None:
            engine.dispose()
        cluster.stop()
        shutil.rmtree(cluster.data_dir, ignore_errors=True)
