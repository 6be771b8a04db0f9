"""Request bodies of the routing API, and its answers: GeoJSON FeatureCollections."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gis.routing import MAX_ALTERNATIVES, MAX_SNAP_M
from twin.schemas_geojson import FeatureBase, LineString

# Upper bounds that keep one request's work bounded.
MAX_ZONES = 100
MAX_PEOPLE = 20_000


class FeatureRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    layer: str = Field(description="a plant layer, e.g. assembly_points, rescue_resources")
    code: str


class PlaceIn(BaseModel):
    """One of: ``lon``/``lat`` (WGS84 ≈ CGCS2000), ``x_m``/``y_m`` (the site's metric CRS),
    ``feature`` (a plant feature by layer and code), or ``nearest`` (the nearest of a kind)."""

    model_config = ConfigDict(extra="forbid")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    x_m: float | None = Field(default=None, allow_inf_nan=False)
    y_m: float | None = Field(default=None, allow_inf_nan=False)
    feature: FeatureRef | None = None
    nearest: Literal["assembly_point", "fire_station"] | None = None
    floor: int = Field(default=0, ge=-10, le=200)

    @model_validator(mode="after")
    def _one_form(self) -> PlaceIn:
        pairs = {"lon/lat": (self.lon, self.lat), "x_m/y_m": (self.x_m, self.y_m)}
        for name, (a, b) in pairs.items():
            if (a is None) != (b is None):
                raise ValueError(f"give both of {name}")
        given = [a is not None for a, _ in pairs.values()]
        given += [self.feature is not None, self.nearest is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of lon/lat, x_m/y_m, feature or nearest")
        return self


class Avoiding(BaseModel):
    avoid: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=MAX_ZONES,
        description="threat zones: GeoJSON Polygon / MultiPolygon geometries or Features, "
        "lon/lat (RFC 7946)",
    )
    closed_edges: list[str] = Field(
        default_factory=list, max_length=100_000, description="codes of closed route edges"
    )
    max_snap_m: float = Field(
        default=MAX_SNAP_M, gt=0, le=500, description="farthest a place may be from the network"
    )


class RouteIn(Avoiding):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: PlaceIn = Field(alias="from")
    to: PlaceIn
    profile: Literal["walk", "fire_engine"] = "walk"
    alternatives: int = Field(default=1, ge=1, le=MAX_ALTERNATIVES)


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    x_m: float | None = Field(default=None, allow_inf_nan=False)
    y_m: float | None = Field(default=None, allow_inf_nan=False)
    floor: int = Field(default=0, ge=-10, le=200)

    @model_validator(mode="after")
    def _one_form(self) -> PersonIn:
        lonlat, metric = (self.lon, self.lat), (self.x_m, self.y_m)
        if sum(all(v is not None for v in p) for p in (lonlat, metric)) != 1 or any(
            (p[0] is None) != (p[1] is None) for p in (lonlat, metric)
        ):
            raise ValueError("give exactly one of lon/lat or x_m/y_m")
        return self


class EvacuationIn(Avoiding):
    model_config = ConfigDict(extra="forbid")
    people: list[PersonIn] | None = Field(
        default=None,
        max_length=MAX_PEOPLE,
        description="where people are; by default everyone positioned in the last minute",
    )
    geometry: bool = Field(default=True, description="include each route's line")


# Answers

_REASON = (
    "why: ``start_in_zone``, ``no_safe_access``, ``destination_in_zone``, "
    "``no_safe_approach``, ``no_path`` (zones and closures enclose the place) or "
    "``off_network`` (too far from any walkway)"
)


class RouteProperties(BaseModel):
    rank: int = Field(description="1 for the quickest")
    profile: str
    length_m: float
    eta_s: float
    from_: str | None = Field(alias="from", description="label of the start (a feature code)")
    to: str | None = Field(description="label of the end (which assembly point, which station)")
    edges: list[str] = Field(description="route edge codes, in order")
    nodes: list[str] = Field(description="route node codes, in order")
    starts_in_zones: list[int] = Field(description="indexes into ``avoid`` the start lies in")


class RouteFeature(FeatureBase):
    geometry: LineString
    properties: RouteProperties


class RoutesFound(BaseModel):
    """The route, or up to ``alternatives`` distinct routes quickest first (lon/lat)."""

    type: Literal["FeatureCollection"]
    profile: str
    rules: str = Field(description="version of the profile's rules")
    no_safe_route: Literal[False]
    features: list[RouteFeature]


class RouteRefused(BaseModel):
    """No route avoids the zones and closed edges: an answer, not an error."""

    type: Literal["FeatureCollection"]
    profile: str
    rules: str = Field(description="version of the profile's rules")
    features: list[RouteFeature] = Field(max_length=0)
    no_safe_route: Literal[True]
    reason: str = Field(description=_REASON)
    message: str


RouteAnswer = Annotated[RoutesFound | RouteRefused, Field(discriminator="no_safe_route")]


class PersonRouted(BaseModel):
    person: str
    assembly_point: str | None
    no_safe_route: Literal[False]
    profile: str
    length_m: float
    eta_s: float
    edges: list[str]
    nodes: list[str]
    starts_in_zones: list[int]


class PersonNotRouted(BaseModel):
    person: str
    no_safe_route: Literal[True]
    reason: str = Field(description=_REASON)
    message: str


class PersonRouteFeature(FeatureBase):
    """One person's way out: ``id`` is the person (tag), ``geometry`` the walk (null when
    none, or when ``geometry: false`` was asked)."""

    id: str
    geometry: LineString | None
    properties: Annotated[PersonRouted | PersonNotRouted, Field(discriminator="no_safe_route")]


class EvacuationSummary(BaseModel):
    people: int
    routed: int
    no_safe_route: int
    max_eta_s: float
    by_assembly_point: dict[str, int] = Field(description="assembly point → people routed there")


class EvacuationAnswer(BaseModel):
    type: Literal["FeatureCollection"]
    profile: str
    rules: str
    features: list[PersonRouteFeature]
    summary: EvacuationSummary
