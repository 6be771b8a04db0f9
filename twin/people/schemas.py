"""Answers of the people API: tags, head counts per zone, positions and tracks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from twin.schemas_geojson import FeatureBase, LineString, Timestamp

Technology = Literal["uwb", "ble"]
PersonKind = Literal["employee", "contractor", "visitor"]


class TagOut(BaseModel):
    code: str
    technology: Technology
    person_name: str
    person_kind: PersonKind
    company: str | None


class ZoneHeadcount(BaseModel):
    zone: str
    name: str | None
    name_en: str | None
    restricted: bool
    max_people: int | None = Field(description="the zone's max_occupancy")
    people: int
    tags: list[str]


class PersonPosition(BaseModel):
    """Where a tag was last heard: CGCS2000 lon/lat and the site's metric CRS."""

    tag: str
    person: str
    kind: PersonKind
    company: str | None
    ts: Timestamp
    lon: float
    lat: float
    x_m: float
    y_m: float
    floor: int | None
    accuracy_m: float | None


class TrackProperties(BaseModel):
    tag: str
    times: list[Timestamp] = Field(description="one per vertex")
    floors: list[int | None] = Field(description="one per vertex")
    truncated: bool = Field(description="the period held more points than one answer gives")


class TagTrack(FeatureBase):
    """A tag's track: a LineString (lon/lat) with a time and a floor per vertex."""

    id: str
    geometry: LineString
    properties: TrackProperties
