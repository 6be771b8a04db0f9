"""The readings store: idempotent batches, latest values, history, rollups, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import auth
from twin.readings import maintenance, store

NOW = datetime(2026, 11, 22, 12, 0, 30, tzinfo=UTC)


def _sensor(session: Session, code: str = "GD-NH3-01") -> int:
    return int(
        session.execute(
            text(
                "SELECT s.id FROM sensors s JOIN sites ON sites.id = s.site_id "
                "WHERE sites.code = 'demo' AND s.code = :c"
            ),
            {"c": code},
        ).scalar_one()
    )


def _rows(
    sensor_id: int, start: datetime, n: int, step_s: float = 1.0, value: float = 5.0
) -> list[store.Row]:
    return [
        store.Row(
            sensor_id, start + timedelta(seconds=i * step_s), value + i % 3, "good", i, "test"
        )
        for i in range(n)
    ]


def test_batches_are_idempotent_and_latest_only_moves_forward(session: Session) -> None:
    sid = _sensor(session)
    conn = session.connection()
    first = store.write(conn, _rows(sid, NOW, 10))
    assert len(first) == 10
    again = store.write(conn, _rows(sid, NOW, 10) + _rows(sid, NOW + timedelta(seconds=10), 5))
    assert len(again) == 5  # the ten already stored are not stored twice
    old = store.write(conn, _rows(sid, NOW - timedelta(hours=1), 1, value=99))
    assert len(old) == 1
    latest = conn.execute(
        text("SELECT ts_utc, value FROM latest_readings WHERE sensor_id = :s"), {"s": sid}
    ).one()
    assert latest.ts_utc == NOW + timedelta(seconds=14)  # not moved back by a late reading


def test_history_buckets_and_rollups_for_long_periods(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    sid = _sensor(session)
    conn = session.connection()
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
    store.write(conn, _rows(sid, start, 600, step_s=10))  # 100 minutes of readings
    session.flush()
    h = auth(tokens["commander"])
    params = {
        "sensors": "GD-NH3-01",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "interval": "1h",
    }
    raw = client.get("/api/v1/sites/demo/history", params=params, headers=h).json()
    buckets = raw["series"]["GD-NH3-01"]
    assert [b["n"] for b in buckets] == [360, 240]
    assert buckets[0]["min"] == 5 and buckets[0]["max"] == 7
    maintenance.rollup(conn, datetime.now(UTC), since=start)
    assert (
        conn.execute(
            text("SELECT count(*) FROM readings_1m WHERE sensor_id = :s"), {"s": sid}
        ).scalar()
        == 100
    )
    long = dict(params, end=datetime.now(UTC).isoformat(), interval="1d")
    rolled = client.get("/api/v1/sites/demo/history", params=long, headers=h).json()
    total = sum(b["n"] for b in rolled["series"]["GD-NH3-01"])
    assert total == 600  # the rollups keep the counts, so means stay correctly weighted
    bad = dict(params, interval="1s", end=(start + timedelta(days=1)).isoformat())
    assert client.get("/api/v1/sites/demo/history", params=bad, headers=h).status_code == 422


def test_retention_drops_old_day_partitions_only(session: Session) -> None:
    sid = _sensor(session)
    conn = session.connection()
    old_day = NOW - timedelta(days=40)
    store.write(conn, _rows(sid, old_day, 3) + _rows(sid, NOW, 3))
    report = maintenance.maintain(conn, raw_days=30, rollup_days=730, now=NOW)
    assert f"readings_{old_day:%Y%m%d}" in report.dropped_partitions
    assert f"readings_{NOW:%Y%m%d}" not in report.dropped_partitions
    left = conn.execute(
        text("SELECT count(*) FROM readings WHERE sensor_id = :s"), {"s": sid}
    ).scalar()
    assert left == 3
