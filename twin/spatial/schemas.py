"""Answers of the spatial queries: plant features across layers."""

from __future__ import annotations

from pydantic import Field

from twin.plant.schemas import PlantFeature
from twin.schemas_geojson import FeatureCollection


class SpatialFeatureCollection(FeatureCollection[PlantFeature]):
    """Features of several layers; each names its ``layer`` in its properties (and, for
    ``nearby``, its ``distance_m``)."""

    number_returned: int = Field(alias="numberReturned")
