"""Answers of the readings API: sensors with their latest value, history, and the plant
at a past instant."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from twin.alarms.schemas import AlarmOut
from twin.schemas_geojson import Timestamp

Quality = Literal["good", "uncertain", "bad"]


class LatestValue(BaseModel):
    ts: Timestamp
    value: float | None
    quality: Quality


class SensorWithLatest(BaseModel):
    """A sensor, its set points, and its newest reading (null before the first)."""

    code: str
    name: str | None
    name_en: str | None
    kind: str
    gas: str | None
    unit: str
    range_min: float
    range_max: float
    alarm_low: float | None
    alarm_high_1: float | None
    alarm_high_2: float | None
    setpoint_rule: str | None
    zone_code: str | None
    latest: LatestValue | None


class HistoryBucket(BaseModel):
    """One interval of good and uncertain readings."""

    ts: Timestamp = Field(description="start of the interval")
    n: int = Field(description="readings in it")
    min: float | None
    max: float | None
    mean: float | None


class History(BaseModel):
    start: Timestamp
    end: Timestamp
    interval: str = Field(examples=["1m"])
    series: dict[str, list[HistoryBucket]] = Field(description="sensor code → its intervals")


# An alarm active at the instant, as the alarms API gives it.
AlarmAt = AlarmOut


class PositionAt(BaseModel):
    ts: Timestamp
    lon: float
    lat: float
    floor: int | None


class PlantAt(BaseModel):
    """The plant at ``ts``: each sensor's newest reading of the ten minutes before, the
    real alarms active then, and where each tag was in the two minutes before."""

    ts: Timestamp
    sensors: dict[str, LatestValue] = Field(description="sensor code → reading")
    alarms: list[AlarmAt]
    positions: dict[str, PositionAt] = Field(description="tag code → position")
