"""Query parameters shared by several routers, parsed into clear 4xx errors."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Query

from gis.crs import parse_crs
from twin.errors import TwinError, ValidationFailed
from twin.plant.layers import LAYERS, LayerSpec, get_layer
from twin.plant.service import BBox


def crs_param(
    value: str | None, name: str = "crs", error: type[TwinError] = ValidationFailed
) -> int:
    try:
        return parse_crs(value)
    except ValueError as exc:
        raise error(f"{name}: {exc}") from exc


def point_param(x: float, y: float, srid: int) -> tuple[float, float]:
    """A query point: finite, and a real longitude / latitude in a geographic CRS."""
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValidationFailed("x and y must be finite numbers")
    if srid in (4326, 4490) and not (-180 <= x <= 180 and -90 <= y <= 90):
        raise ValidationFailed(
            f"({x}, {y}) is not a longitude/latitude; pass point_crs for projected coordinates"
        )
    return x, y


def bbox_param(value: str | None, error: type[TwinError] = ValidationFailed) -> BBox | None:
    """``minx,miny,maxx,maxy`` (OGC order); 6 numbers (with heights) are accepted too."""
    if value is None or value == "":
        return None
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError as exc:
        raise error("bbox: four comma-separated numbers expected") from exc
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(n == n and abs(n) != float("inf") for n in numbers):
        raise error("bbox: four finite numbers minx,miny,maxx,maxy expected")
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise error("bbox: min must not exceed max")
    return minx, miny, maxx, maxy


CrsQuery = Annotated[
    str | None, Query(description="output CRS: EPSG:4326 (default), EPSG:4490 or an OGC CRS URI")
]
BBoxQuery = Annotated[str | None, Query(description="minx,miny,maxx,maxy in bbox-crs")]


def layers_param(value: str | None) -> list[LayerSpec]:
    if not value:
        return list(LAYERS.values())
    return [get_layer(name.strip()) for name in value.split(",") if name.strip()]


LayersQuery = Annotated[
    str | None, Query(description="comma-separated layer names; default: every layer")
]
