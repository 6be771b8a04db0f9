"""Sensors with their latest values, and history over any period at any interval."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from twin.errors import NotFound, ValidationFailed
from twin.readings.models import QUALITY_NAMES
from twin.sites.models import Site

# History answers at most this many buckets per sensor: a chart has ~2,000 pixels.
MAX_BUCKETS = 5000

_SENSORS = text("""
SELECT s.code, s.name, s.name_en, s.kind, s.gas, s.unit, s.range_min, s.range_max,
       s.alarm_low, s.alarm_high_1, s.alarm_high_2, s.setpoint_rule, s.zone_code,
       l.ts_utc, l.value, l.quality
FROM sensors s LEFT JOIN latest_readings l ON l.sensor_id = s.id
WHERE s.site_id = :site ORDER BY s.code
""")

# Buckets from raw readings of good or uncertain quality (bad values are not data).
_HISTORY = text("""
SELECT s.code, date_bin(:step, r.ts_utc, :origin) AS bucket, count(*) AS n,
       min(r.value), max(r.value), avg(r.value)
FROM readings r JOIN sensors s ON s.id = r.sensor_id
WHERE s.site_id = :site AND s.code = ANY(:codes) AND r.ts_utc >= :start AND r.ts_utc < :end
  AND r.quality < 2
GROUP BY s.code, bucket ORDER BY s.code, bucket
""")


def sensors_with_latest(session: Session, site: Site) -> list[dict[str, Any]]:
    out = []
    for row in session.execute(_SENSORS, {"site": site.id}).mappings():
        item = {k: row[k] for k in row if k not in ("ts_utc", "value", "quality")}
        item["latest"] = (
            None
            if row["ts_utc"] is None
            else {
                "ts": row["ts_utc"].isoformat(),
                "value": row["value"],
                "quality": QUALITY_NAMES[row["quality"]],
            }
        )
        out.append(item)
    return out


# Past this span, history reads the one-minute rollups instead of raw readings.
RAW_HISTORY_LIMIT = timedelta(days=2)

_HISTORY_ROLLUP = text("""
SELECT s.code, date_bin(:step, r.bucket_utc, :origin) AS bucket, sum(r.n) AS n,
       min(r.min), max(r.max), sum(r.mean * r.n) / sum(r.n)
FROM readings_1m r JOIN sensors s ON s.id = r.sensor_id
WHERE s.site_id = :site AND s.code = ANY(:codes) AND r.bucket_utc >= :start
  AND r.bucket_utc < :end
GROUP BY s.code, bucket ORDER BY s.code, bucket
""")


def history(
    session: Session, site: Site, codes: list[str], start: datetime, end: datetime, step: timedelta
) -> dict[str, list[dict[str, Any]]]:
    """min / max / mean per bucket of ``step`` for each sensor over [start, end)."""
    if end <= start:
        raise ValidationFailed("end must be after start")
    if step.total_seconds() < 1:
        raise ValidationFailed("interval must be at least 1 second")
    if (end - start) / step > MAX_BUCKETS:
        raise ValidationFailed(f"more than {MAX_BUCKETS} buckets: widen the interval")
    known = {
        r[0]
        for r in session.execute(
            text("SELECT code FROM sensors WHERE site_id = :s AND code = ANY(:c)"),
            {"s": site.id, "c": codes},
        )
    }
    missing = sorted(set(codes) - known)
    if missing:
        raise NotFound(f"no sensors {', '.join(missing)} at site {site.code!r}")
    out: dict[str, list[dict[str, Any]]] = {code: [] for code in codes}
    # Long periods at minute resolution or coarser come from the rollups, which outlive
    # the raw partitions (retention) and are 30-600 times smaller to scan.
    rollups = end - start > RAW_HISTORY_LIMIT and step >= timedelta(minutes=1)
    rows = session.execute(
        _HISTORY_ROLLUP if rollups else _HISTORY,
        {
            "step": step,
            "origin": start,
            "site": site.id,
            "codes": codes,
            "start": start,
            "end": end,
        },
    )
    for code, bucket, n, lo, hi, mean in rows:
        out[code].append({"ts": bucket.isoformat(), "n": n, "min": lo, "max": hi, "mean": mean})
    return out
