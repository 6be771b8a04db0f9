"""What the regulator page reads: the one map of a site in figures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class HazardSourceCounts(BaseModel):
    total: int
    by_grade: dict[str, int] = Field(
        description="live GB 18218 grade: '1' … '4', 'not_major' (S < 1), "
        "'unassessed' (an inventory chemical the rules do not list)"
    )
    by_registered_grade: dict[str, int] = Field(description="the same, at design capacity")
    rule_version: str


class RiskZoneCounts(BaseModel):
    total: int
    by_grade: dict[str, int] = Field(description="red, orange, yellow, blue")


class AlarmTotals(BaseModel):
    """Real alarms of the site (drill alarms excluded)."""

    active: int = Field(description="condition present now, not closed")
    raised_30d: int = Field(description="raised in the last 30 days")
    unacknowledged: int = Field(description="not acknowledged, not closed")


class DataAge(BaseModel):
    generated_utc: datetime
    latest_reading_utc: datetime | None = Field(description="newest reading of any sensor")
    latest_reading_age_s: float | None
    oldest_live_level_utc: datetime | None = Field(
        description="oldest tank level behind a live hazard grade"
    )
    plant_updated_utc: datetime | None = Field(
        description="last edit of a zone, installation or risk zone"
    )


class OneMapSummary(BaseModel):
    site: str
    name: str
    hazard_sources: HazardSourceCounts
    risk_zones: RiskZoneCounts
    zones: int
    alarms: AlarmTotals
    data_age: DataAge
