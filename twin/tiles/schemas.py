"""What the map client reads to open a site's map."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MapLayer(BaseModel):
    name: str
    title_zh: str
    title_en: str


class MapLabel(BaseModel):
    """Where the map writes a zone's or a hazard source's name."""

    layer: str
    code: str
    name: str | None
    name_en: str | None
    lonlat: list[float] = Field(description="a point inside the feature, WGS84")


class MapDescription(BaseModel):
    site: str
    name: str
    name_en: str | None
    bounds: list[float] = Field(description="[west, south, east, north], WGS84")
    tiles: str = Field(description="URL template of the vector tiles")
    max_zoom: int
    layers: list[MapLayer]
    basemap: str | None = Field(description="the site's own base map tile URL, if it has one")
    labels: list[MapLabel]
