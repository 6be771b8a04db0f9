"""The alarm as the API, the stream and the event log carry it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from twin.schemas_geojson import Timestamp


class AlarmOut(BaseModel):
    id: int
    kind: str = Field(
        description="high_2, high_1, low, fault, rate, stale, flood, sos, man_down, entry, "
        "crowding or feed"
    )
    state: str = Field(description="raised, acknowledged, cleared or closed")
    priority: int = Field(description="1 is the most urgent")
    sensor: str | None
    zone: str | None
    tag: str | None
    message: str
    value: float | None
    peak_value: float | None
    setpoint: float | None
    raised_utc: Timestamp
    active: bool
    acked: bool
    acked_by: str | None
    cleared_utc: Timestamp | None
    shelved_until: Timestamp | None
    parent_id: int | None = Field(description="the flood alarm standing for this one")
    rule_version: str
    cause: str | None
    measures: str | None
    drill_id: str | None
    feed: str | None = Field(description="the data feed a feed alarm is about")
