"""Documents of OGC API - Features (Part 1 core and GeoJSON, Part 2 CRS) as response models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from twin.plant.schemas import PlantFeature
from twin.schemas_geojson import FeatureCollection, Timestamp, absent


class Link(BaseModel):
    href: str
    rel: str
    type: str
    title: str | None = Field(default=None, exclude_if=absent)


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conforms_to: list[str] = Field(alias="conformsTo")


class SpatialExtent(BaseModel):
    bbox: list[list[float]] = Field(description="[[west, south, east, north]]")
    crs: str


class Extent(BaseModel):
    spatial: SpatialExtent


class Collection(BaseModel):
    """One plant layer across the park's sites; ``extent`` only when it has features."""

    id: str
    title: str
    description: str
    item_type: Literal["feature"] = Field(alias="itemType")
    crs: list[str]
    storage_crs: str = Field(alias="storageCrs")
    links: list[Link]
    extent: Extent | None = Field(default=None, exclude_if=absent)


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]


class OgcFeature(PlantFeature):
    """A feature by its park-wide id ``site:code``; its properties name its ``site``."""

    links: list[Link]


class OgcFeatureCollection(FeatureCollection[PlantFeature]):
    """A page of items; a ``next`` link while more match."""

    number_matched: int = Field(alias="numberMatched")
    number_returned: int = Field(alias="numberReturned")
    time_stamp: Timestamp = Field(alias="timeStamp")
    links: list[Link]


class OpenApiDocument(BaseModel):
    """This service's OpenAPI document (the same as /openapi.json)."""

    # An OpenAPI document: its members are the OpenAPI specification's, not ours to list.
    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
