"""The plant as it was at a past instant: what the map's time slider shows.

The newest reading of each sensor within a look-back window before the instant, the
alarms active then (raised before it, cleared after it or not yet), and where each tag
was. Drill alarms are left out: the slider shows the real plant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from twin.alarms import service as alarms
from twin.alarms.models import Alarm
from twin.errors import ValidationFailed
from twin.readings.models import QUALITY_NAMES
from twin.sites.models import Site

# A sensor silent for longer than this before the instant shows as "no data" then.
READING_LOOKBACK = timedelta(minutes=10)
# A tag not heard from for this long before the instant was not on site.
POSITION_LOOKBACK = timedelta(minutes=2)

_READINGS_AT = text("""
SELECT DISTINCT ON (r.sensor_id) s.code, r.ts_utc, r.value, r.quality
FROM readings r JOIN sensors s ON s.id = r.sensor_id
WHERE s.site_id = :site AND r.ts_utc <= :ts AND r.ts_utc > :since
ORDER BY r.sensor_id, r.ts_utc DESC
""")
_POSITIONS_AT = text("""
SELECT DISTINCT ON (p.tag_id) t.code, p.ts_utc, ST_X(p.geom), ST_Y(p.geom), p.floor
FROM positions p JOIN tags t ON t.id = p.tag_id
WHERE t.site_id = :site AND p.ts_utc <= :ts AND p.ts_utc > :since
ORDER BY p.tag_id, p.ts_utc DESC
""")
_ALARMS_AT = text("""
SELECT a.id, s.code FROM alarms a LEFT JOIN sensors s ON s.id = a.sensor_id
WHERE a.site_id = :site AND a.drill_id IS NULL AND a.raised_utc <= :ts
  AND (a.cleared_utc IS NULL OR a.cleared_utc > :ts)
ORDER BY a.raised_utc DESC
""")


def plant_at(session: Session, site: Site, ts: datetime) -> dict[str, Any]:
    """Sensors, active alarms and positions of ``site`` at ``ts``.

    Raises
    ------
    ValidationFailed
        When ``ts`` has no time zone or lies in the future.
    """
    if ts.tzinfo is None:
        raise ValidationFailed("ts needs a time zone (e.g. 2026-11-22T08:00:00Z)")
    if ts > datetime.now(UTC) + timedelta(seconds=5):
        raise ValidationFailed("ts lies in the future; the live stream shows now")
    readings = session.execute(
        _READINGS_AT, {"site": site.id, "ts": ts, "since": ts - READING_LOOKBACK}
    )
    positions = session.execute(
        _POSITIONS_AT, {"site": site.id, "ts": ts, "since": ts - POSITION_LOOKBACK}
    )
    active = session.execute(_ALARMS_AT, {"site": site.id, "ts": ts}).all()
    by_id = {a.id: a for a in session.query(Alarm).filter(Alarm.id.in_([i for i, _ in active]))}
    return {
        "ts": ts.isoformat(),
        "sensors": {
            code: {"ts": t.isoformat(), "value": value, "quality": QUALITY_NAMES[quality]}
            for code, t, value, quality in readings
        },
        "alarms": [alarms.as_dict(by_id[i], code) for i, code in active],
        "positions": {
            tag: {"ts": t.isoformat(), "lon": lon, "lat": lat, "floor": floor}
            for tag, t, lon, lat, floor in positions
        },
    }
