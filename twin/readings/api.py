from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from twin.deps import PlantRead, SessionDep
from twin.errors import ValidationFailed
from twin.readings import lookback, service
from twin.readings.schemas import History, PlantAt, SensorWithLatest
from twin.sites.service import get_site

router = APIRouter(tags=["readings"])
INTERVALS = {"1s": 1, "10s": 10, "1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400}


@router.get("/sites/{site}/sensors")
def list_sensors(site: str, session: SessionDep, _: PlantRead) -> list[SensorWithLatest]:
    """Every sensor with its set points and its latest value and quality."""
    return [
        SensorWithLatest.model_validate(s)
        for s in service.sensors_with_latest(session, get_site(session, site))
    ]


@router.get("/sites/{site}/history")
def history(
    site: str,
    session: SessionDep,
    _: PlantRead,
    sensors: Annotated[str, Query(description="comma-separated sensor codes")],
    start: datetime,
    end: datetime | None = None,
    interval: Annotated[str, Query(description=", ".join(INTERVALS))] = "1m",
) -> History:
    """min / max / mean of one or many sensors per interval over a period."""
    if interval not in INTERVALS:
        raise ValidationFailed(f"interval must be one of {', '.join(INTERVALS)}")
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise ValidationFailed("start and end need a time zone (e.g. 2026-11-22T08:00:00Z)")
    codes = [c.strip() for c in sensors.split(",") if c.strip()]
    if not codes or len(codes) > 50:
        raise ValidationFailed("name 1 to 50 sensors")
    stop = end or datetime.now(UTC)
    series = service.history(
        session, get_site(session, site), codes, start, stop, timedelta(seconds=INTERVALS[interval])
    )
    return History.model_validate(
        {
            "start": start.isoformat(),
            "end": stop.isoformat(),
            "interval": interval,
            "series": series,
        }
    )


@router.get("/sites/{site}/at")
def plant_at(site: str, ts: datetime, session: SessionDep, _: PlantRead) -> PlantAt:
    """Sensors, active alarms and positions as they were at ``ts`` (the map's time slider)."""
    return PlantAt.model_validate(lookback.plant_at(session, get_site(session, site), ts))
