"""The layer registry: every plant layer the API, imports, exports and OGC API serve.

Explicit, like pygeoapi's plugin table: adding a layer means one model, one properties
schema and one line here. Order matters for imports (route nodes before route edges).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, func

from twin.errors import NotFound
from twin.plant import models as m
from twin.plant import schemas as s

POLYGONAL = ("Polygon", "MultiPolygon")


def _edge_length(geom: ColumnElement[Any]) -> dict[str, ColumnElement[Any]]:
    return {"length_m": func.ST_Length(func.geography(geom))}


@dataclass(frozen=True)
class LayerSpec:
    name: str
    model: type[m.LayerRow]
    props: type[s.LayerProps]
    title_zh: str
    title_en: str
    accepts: tuple[str, ...] = ("Point",)
    # Columns PostGIS computes from the stored geometry on every write.
    derived: Callable[[ColumnElement[Any]], dict[str, ColumnElement[Any]]] | None = None
    derived_fields: tuple[str, ...] = field(default=())
    # Property -> layer whose feature codes it must name (checked on every write).
    references: dict[str, str] = field(default_factory=dict)

    @property
    def storage_type(self) -> str:
        return self.model.geometry_type

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.props.model_fields)

    @cached_property
    def nested_fields(self) -> frozenset[str]:
        """Properties holding lists or objects, which flat formats carry as JSON text."""
        return frozenset(
            name
            for name, info in self.props.model_fields.items()
            if any(word in str(info.annotation) for word in ("list", "dict", "Responsible"))
        )

    @property
    def multi(self) -> bool:
        return self.storage_type.startswith("MULTI")


LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec("zones", m.Zone, s.ZoneProps, "区域", "Zones", POLYGONAL),
        LayerSpec(
            "installations",
            m.Installation,
            s.InstallationProps,
            "装置与危险源",
            "Installations and hazard sources",
            POLYGONAL,
            references={"zone_code": "zones"},
        ),
        LayerSpec(
            "equipment",
            m.Equipment,
            s.EquipmentProps,
            "设备",
            "Equipment",
            references={"installation_code": "installations"},
        ),
        LayerSpec(
            "sensors",
            m.Sensor,
            s.SensorProps,
            "传感器",
            "Sensors",
            references={"installation_code": "installations", "zone_code": "zones"},
        ),
        LayerSpec("cameras", m.Camera, s.CameraProps, "视频监控", "Cameras"),
        LayerSpec(
            "base_stations",
            m.BaseStation,
            s.BaseStationProps,
            "定位基站",
            "Positioning base stations",
        ),
        LayerSpec("route_nodes", m.RouteNode, s.RouteNodeProps, "路网节点", "Route nodes"),
        LayerSpec(
            "route_edges",
            m.RouteEdge,
            s.RouteEdgeProps,
            "路网路段",
            "Route edges",
            ("LineString",),
            derived=_edge_length,
            derived_fields=("length_m",),
            references={"from_node": "route_nodes", "to_node": "route_nodes"},
        ),
        LayerSpec("exits", m.Exit, s.ExitProps, "出口", "Exits"),
        LayerSpec(
            "assembly_points",
            m.AssemblyPoint,
            s.AssemblyPointProps,
            "应急集合点",
            "Assembly points",
        ),
        LayerSpec(
            "rescue_resources",
            m.RescueResource,
            s.RescueResourceProps,
            "应急资源",
            "Rescue resources",
        ),
        LayerSpec("risk_zones", m.RiskZone, s.RiskZoneProps, "风险分区", "Risk zones", POLYGONAL),
    )
}


def get_layer(name: str) -> LayerSpec:
    try:
        return LAYERS[name]
    except KeyError as exc:
        raise NotFound(f"no layer named {name!r}; known layers: {', '.join(LAYERS)}") from exc
