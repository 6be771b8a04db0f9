"""Batch writer for readings: COPY into a staging table, then one idempotent insert.

``INSERT … ON CONFLICT DO NOTHING RETURNING`` tells exactly which readings are new, so
a message redelivered after a crash is stored once and never evaluated twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, text

from twin.readings.models import QUALITY_CODES

# ON COMMIT DELETE ROWS: the staging table is empty at the start of every batch.
_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS readings_staging
    (LIKE readings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
"""
_COPY = (
    "COPY readings_staging (sensor_id, ts_utc, value, quality, seq, source, received_utc) "
    "FROM STDIN"
)
_INSERT = """
INSERT INTO readings SELECT * FROM readings_staging
ON CONFLICT (sensor_id, ts_utc) DO NOTHING
RETURNING sensor_id, ts_utc
"""
_LATEST = """
INSERT INTO latest_readings (sensor_id, ts_utc, value, quality)
SELECT DISTINCT ON (sensor_id) sensor_id, ts_utc, value, quality
FROM readings_staging ORDER BY sensor_id, ts_utc DESC
ON CONFLICT (sensor_id) DO UPDATE
SET ts_utc = excluded.ts_utc, value = excluded.value, quality = excluded.quality
WHERE latest_readings.ts_utc < excluded.ts_utc
"""


@dataclass(frozen=True, slots=True)
class Row:
    """A reading resolved to its sensor id, ready to store."""

    sensor_id: int
    ts_utc: datetime
    value: float | None
    quality: str
    seq: int | None
    source: str


def ensure_partitions(conn: Connection, days: set[date], table: str = "readings") -> None:
    for day in sorted(days):
        conn.execute(text("SELECT ensure_day_partition(:t, :d)"), {"t": table, "d": day})


PARTITIONED = ("readings", "positions", "event_log")


def ensure_partitions_ahead(conn: Connection, days_ahead: int = 2) -> None:
    """Create today's and the next days' partitions before any writer needs them."""
    today = datetime.now(UTC).date()
    for table in PARTITIONED:
        ensure_partitions(conn, {today + timedelta(days=i) for i in range(days_ahead + 1)}, table)


def write(conn: Connection, rows: Sequence[Row]) -> set[tuple[int, datetime]]:
    """Store ``rows``; return the (sensor_id, ts_utc) keys that were new."""
    if not rows:
        return set()
    received = datetime.now(UTC)
    ensure_partitions(conn, {r.ts_utc.astimezone(UTC).date() for r in rows})
    conn.execute(text(_STAGING))
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
        for r in rows:
            copy.write_row(
                (
                    r.sensor_id,
                    r.ts_utc,
                    r.value,
                    QUALITY_CODES[r.quality],
                    r.seq,
                    r.source,
                    received,
                )
            )
    with raw.cursor() as cursor:
        # Straight from the driver: RETURNING can be thousands of rows per batch.
        cursor.execute(_INSERT)
        inserted = set(cursor.fetchall())
    conn.execute(text(_LATEST))
    conn.execute(text("TRUNCATE readings_staging"))
    return inserted
