"""GeoJSON answers (RFC 7946) as response models, shared by every domain that serves them.

The models describe what the services build and keep it as built: members come out in
the order the services write them, members a service leaves out stay out
(``exclude_if``), and coordinates and numbers pass through as they came.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, WithJsonSchema

# An instant as the services write it (``datetime.isoformat()``, e.g.
# ``2026-11-22T08:00:00.123456+00:00``): kept as that text, not re-rendered.
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]

_POSITION: dict[str, Any] = {"type": "array", "items": {"type": "number"}, "minItems": 2}


def _nested(levels: int) -> dict[str, Any]:
    schema = _POSITION
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return schema


# Checked as an array only, so every number goes out as it came in (1 stays 1, not 1.0).
Coordinates = Annotated[
    list[Any],
    WithJsonSchema(
        {
            "description": "a position (lon, lat; or x, y in the CRS asked for), or arrays "
            "of positions nested as the geometry type says (RFC 7946 §3.1.1)",
            "anyOf": [_nested(n) for n in range(4)],
        }
    ),
]


def absent(value: Any) -> bool:
    """For ``Field(exclude_if=absent)``: a member the service leaves out when it has none."""
    return value is None


class NamedCrs(BaseModel):
    """The ``crs`` member PostGIS writes into geometries not in WGS84 (GeoJSON 2008)."""

    type: Literal["name"]
    properties: dict[str, str] = Field(examples=[{"name": "EPSG:4490"}])


class Geometry(BaseModel):
    """A GeoJSON geometry (any type but GeometryCollection)."""

    type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
    crs: NamedCrs | None = Field(
        default=None,
        exclude_if=absent,
        description="only when the geometry is in a CRS other than WGS84 (``crs`` asked for)",
    )
    bbox: list[float] | None = Field(default=None, exclude_if=absent)
    coordinates: Coordinates


class LineString(Geometry):
    type: Literal["LineString"]


class FeatureBase(BaseModel):
    """``type`` and ``id`` of a Feature; subclasses add ``geometry`` and ``properties``."""

    type: Literal["Feature"]
    id: str | int | None = Field(default=None, exclude_if=absent)


class Feature(FeatureBase):
    """A GeoJSON Feature with open properties; ``id`` is left out when it has none."""

    geometry: Geometry | None
    properties: dict[str, Any] | None


F = TypeVar("F", bound=BaseModel)


class FeatureCollection(BaseModel, Generic[F]):
    """A GeoJSON FeatureCollection; subclasses add the members their answers carry
    (``numberMatched``, ``numberReturned``, ``links`` …) after ``features``."""

    type: Literal["FeatureCollection"]
    features: list[F]
