"""Rollups and retention: one-minute aggregates kept for years, raw partitions dropped.

Both are idempotent and safe to run from several places: a rollup recomputes its window
with an upsert, and dropping a day partition that is already gone is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

# Readings may arrive late (a gateway flushing its buffer after an outage); every rollup
# recomputes this far back from the newest bucket it already has.
LATE_WINDOW = timedelta(minutes=15)
FIRST_WINDOW = timedelta(days=2)

_ROLLUP = text("""
INSERT INTO readings_1m (sensor_id, bucket_utc, n, min, max, mean)
SELECT sensor_id, date_bin('1 minute', ts_utc, TIMESTAMPTZ '2000-01-01 00:00:00+00'),
       count(*), min(value), max(value), avg(value)
FROM readings
WHERE quality < 2 AND value IS NOT NULL AND ts_utc >= :since AND ts_utc < :until
GROUP BY 1, 2
ON CONFLICT (sensor_id, bucket_utc) DO UPDATE
SET n = excluded.n, min = excluded.min, max = excluded.max, mean = excluded.mean
""")
_PARTITIONS = text("""
SELECT c.relname FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relname = :parent ORDER BY c.relname
""")


@dataclass(frozen=True)
class MaintenanceReport:
    rolled_up: int
    dropped_partitions: list[str]
    deleted_rollups: int


def rollup(conn: Connection, now: datetime, since: datetime | None = None) -> int:
    """Aggregate closed minutes of good readings into ``readings_1m``; returns rows written.

    ``since``: the oldest reading time that may have changed (a backfill); by default the
    late window before the newest bucket already rolled up.
    """
    newest = conn.execute(text("SELECT max(bucket_utc) FROM readings_1m")).scalar()
    default = (newest - LATE_WINDOW) if newest else now - FIRST_WINDOW
    since = min(since, default) if since else default
    until = now.replace(second=0, microsecond=0)  # only whole, closed minutes
    return conn.execute(_ROLLUP, {"since": since, "until": until}).rowcount or 0


def drop_old_partitions(conn: Connection, parent: str, keep_days: int, now: datetime) -> list[str]:
    """Drop the day partitions of ``parent`` entirely older than ``keep_days``."""
    cutoff = (now - timedelta(days=keep_days)).strftime("%Y%m%d")
    dropped = []
    for (name,) in conn.execute(_PARTITIONS, {"parent": parent}):
        day = name.rsplit("_", 1)[-1]
        if day.isdigit() and day < cutoff:
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
            dropped.append(name)
    return dropped


def maintain(
    conn: Connection,
    raw_days: int,
    rollup_days: int,
    now: datetime | None = None,
    since: datetime | None = None,
) -> MaintenanceReport:
    now = now or datetime.now(UTC)
    rolled = rollup(conn, now, since)
    # The event log (alarms, incidents, drills) is what replays and reviews need for
    # years: it is kept as long as the rollups.
    dropped = (
        drop_old_partitions(conn, "readings", raw_days, now)
        + drop_old_partitions(conn, "positions", raw_days, now)
        + drop_old_partitions(conn, "event_log", rollup_days, now)
    )
    deleted = (
        conn.execute(
            text("DELETE FROM readings_1m WHERE bucket_utc < :cutoff"),
            {"cutoff": now - timedelta(days=rollup_days)},
        ).rowcount
        or 0
    )
    return MaintenanceReport(rolled, dropped, deleted)
