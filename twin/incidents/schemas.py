"""The incident as the API and the stream carry it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from twin.schemas_geojson import Timestamp, absent


class IncidentOut(BaseModel):
    """``zones`` … ``recomputations`` come only with the whole incident (one incident, or
    the live loop's recomputation on the stream)."""

    id: int
    kind: str = Field(description="toxic_release, fire or explosion")
    state: str = Field(description="open or closed")
    title: str
    hazard_source: str | None
    chemical: str | None
    release_kg_s: float | None
    release_estimated: bool
    source: list[float] = Field(description="lon, lat (WGS84) of the source")
    alarm_id: int | None
    opened_utc: Timestamp
    opened_by: str
    closed_utc: Timestamp | None
    closed_by: str | None
    summary: str | None
    situation: dict[str, Any] | None = Field(
        description="the last recomputation: model, wind, release rate and its basis "
        "(fitted, declared, or a rejected fit), zones, warnings"
    )
    drill_id: str | None
    zones: dict[str, Any] | None = Field(
        default=None, exclude_if=absent, description="the threat zones (GeoJSON)"
    )
    people: list[dict[str, Any]] | None = Field(default=None, exclude_if=absent)
    resources: list[dict[str, Any]] | None = Field(default=None, exclude_if=absent)
    plan: dict[str, Any] | None = Field(
        default=None, description="the emergency plan covering the source (whole incident)"
    )
    responsible: Any = Field(
        default=None, description="the source's three accountable persons (whole incident)"
    )
    timeline: list[dict[str, Any]] | None = Field(default=None, exclude_if=absent)
    recomputations: int | None = Field(default=None, exclude_if=absent)
