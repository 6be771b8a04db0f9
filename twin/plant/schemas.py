"""Feature properties per layer, validated on every write and import; and the plant API's
answers (layers, features and collections of them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.schemas_geojson import Feature, FeatureCollection, Geometry

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
Name = Field(default=None, max_length=200)


class LayerProps(BaseModel):
    """Properties every feature has."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Code
    name: str | None = Name
    name_en: str | None = Name


ZoneKind = Literal[
    "process_unit",
    "tank_farm",
    "warehouse",
    "control_room",
    "office",
    "gate",
    "workshop",
    "utility",
    "loading",
    "fire_station",
    "parking",
    "green",
    "other",
]


class ZoneProps(LayerProps):
    kind: ZoneKind
    restricted: bool = False
    max_occupancy: int | None = Field(default=None, ge=0)
    height_m: float | None = Field(default=None, ge=0, le=300)
    floors: int | None = Field(default=None, ge=0, le=100)


class InventoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chemical: str = Field(min_length=1, max_length=64)
    design_capacity_t: float = Field(gt=0)
    quantity_t: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _quantity_fits(self) -> InventoryItem:
        if self.quantity_t is not None and self.quantity_t > self.design_capacity_t:
            raise ValueError("quantity_t exceeds design_capacity_t")
        return self


class Responsible(BaseModel):
    """包保责任人: the three named persons of a major hazard source."""

    model_config = ConfigDict(extra="forbid")
    principal: str
    technical: str
    operational: str


class InstallationProps(LayerProps):
    kind: Literal[
        "tank",
        "sphere",
        "reactor",
        "column",
        "cylinder_store",
        "pipe_rack",
        "building",
        "furnace",
        "other",
    ]
    zone_code: str | None = None
    height_m: float | None = Field(default=None, ge=0, le=300)
    diameter_m: float | None = Field(default=None, gt=0, le=200)
    is_hazard_source: bool = False
    inventory: list[InventoryItem] = Field(default_factory=list)
    responsible: Responsible | None = None

    @model_validator(mode="after")
    def _hazard_source_has_inventory(self) -> InstallationProps:
        if self.is_hazard_source and not self.inventory:
            raise ValueError("a hazard source needs its chemical inventory")
        return self


class EquipmentProps(LayerProps):
    kind: Literal[
        "pump",
        "compressor",
        "valve",
        "heat_exchanger",
        "safety_valve",
        "rupture_disc",
        "vessel",
        "fan",
        "other",
    ]
    installation_code: str | None = None
    tag_no: str | None = Field(default=None, max_length=64)


class SensorProps(LayerProps):
    kind: Literal["gas", "oxygen", "temperature", "pressure", "level", "flow", "wind"]
    gas: str | None = Field(default=None, max_length=64)
    unit: str = Field(min_length=1, max_length=16)
    range_min: float
    range_max: float
    alarm_low: float | None = None
    alarm_high_1: float | None = None
    alarm_high_2: float | None = None
    setpoint_rule: str | None = Field(default=None, max_length=64)
    install_height_m: float | None = Field(default=None, ge=0, le=200)
    installation_code: str | None = None
    zone_code: str | None = None

    @model_validator(mode="after")
    def _consistent_range(self) -> SensorProps:
        if self.range_max <= self.range_min:
            raise ValueError("range_max must be above range_min")
        if self.kind == "gas" and not self.gas:
            raise ValueError("a gas detector names its gas")
        if (
            self.alarm_high_1 is not None
            and self.alarm_high_2 is not None
            and self.alarm_high_2 < self.alarm_high_1
        ):
            raise ValueError("alarm_high_2 must not be below alarm_high_1")
        for name in ("alarm_low", "alarm_high_1", "alarm_high_2"):
            value = getattr(self, name)
            if value is not None and not self.range_min <= value <= self.range_max:
                raise ValueError(f"{name} lies outside the measuring range")
        return self


class CameraProps(LayerProps):
    heading_deg: float | None = Field(default=None, ge=0, lt=360)
    fov_deg: float | None = Field(default=None, gt=0, le=360)
    install_height_m: float | None = Field(default=None, ge=0, le=200)


class BaseStationProps(LayerProps):
    technology: Literal["uwb", "ble"]
    install_height_m: float | None = Field(default=None, ge=0, le=100)
    floor: int = 0


class RouteNodeProps(LayerProps):
    kind: Literal["junction", "door", "stair", "exit", "assembly", "gate"] = "junction"
    floor: int = 0


class RouteEdgeProps(LayerProps):
    from_node: str = Code
    to_node: str = Code
    kind: Literal["road", "walkway", "stair", "door"]
    width_m: float = Field(gt=0, le=100)
    floor: int = 0
    one_way: bool = False
    # Derived by the database; accepted on input only so exports re-import cleanly.
    length_m: float | None = None


class ExitProps(LayerProps):
    kind: Literal["gate", "emergency_exit", "door"]
    width_m: float | None = Field(default=None, gt=0, le=100)


class AssemblyPointProps(LayerProps):
    capacity: int = Field(gt=0)


class RescueResourceProps(LayerProps):
    kind: Literal[
        "fire_station",
        "fire_truck",
        "hydrant",
        "foam",
        "scba",
        "first_aid",
        "rescue_team",
        "eyewash",
        "spill_kit",
        "ambulance",
        "other",
    ]
    quantity: int = Field(default=1, ge=0)
    unit: str | None = Field(default=None, max_length=16)


class RiskZoneProps(LayerProps):
    grade: Literal["red", "orange", "yellow", "blue"]
    method: Literal["LS", "LEC", "other"]
    score: float | None = Field(default=None, ge=0)
    factors: dict[str, Any] | None = None
    owner: str | None = Field(default=None, max_length=64)


# Answers


class LayerTitle(BaseModel):
    zh: str = Field(alias="zh-CN")
    en: str


class LayerInfo(BaseModel):
    """One plant layer: its titles, geometry type, references and properties schema."""

    name: str
    title: LayerTitle
    geometry_type: str = Field(description="the stored PostGIS type, e.g. MULTIPOLYGON")
    references: dict[str, str] = Field(description="property → layer whose feature codes it names")
    properties_schema: dict[str, Any] = Field(description="JSON Schema of the properties")


class PlantFeature(Feature):
    """A plant feature: ``id`` is its code (``site:code`` park-wide, as in OGC API)."""

    id: str
    geometry: Geometry
    properties: dict[str, Any] = Field(
        description="the layer's properties (``properties_schema`` of GET /layers), plus "
        "what the query adds (``layer``, ``distance_m``, ``site``)"
    )


class PlantFeatureCollection(FeatureCollection[PlantFeature]):
    """A page of a layer: ``numberMatched`` in all, ``numberReturned`` here."""

    number_matched: int = Field(alias="numberMatched")
    number_returned: int = Field(alias="numberReturned")
