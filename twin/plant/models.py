"""One table per plant layer. Shared columns come from :class:`LayerRow`.

Every geometry is stored in CGCS2000 (EPSG:4490). Features are keyed by
``(site_id, code)`` so re-imports update instead of duplicating.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from twin.db import STORAGE_SRID, Base


def geometry_column(kind: str) -> Mapped[WKBElement]:
    return mapped_column(Geometry(kind, srid=STORAGE_SRID, spatial_index=True), nullable=False)


class LayerRow(Base):
    __abstract__ = True
    geometry_type: str = "POINT"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @declared_attr
    @classmethod
    def site_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)

    @declared_attr
    @classmethod
    def geom(cls) -> Mapped[WKBElement]:
        return geometry_column(cls.geometry_type)

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("site_id", "code"),)


class Zone(LayerRow):
    """An area of the plant: process unit, tank farm, warehouse, control room …"""

    __tablename__ = "zones"
    geometry_type = "MULTIPOLYGON"
    kind: Mapped[str] = mapped_column(String(32))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    max_occupancy: Mapped[int | None] = mapped_column(Integer)
    height_m: Mapped[float | None] = mapped_column(Float)
    floors: Mapped[int | None] = mapped_column(Integer)


class Installation(LayerRow):
    """Tanks, spheres, reactors, stores, pipe racks; a hazard source carries inventory."""

    __tablename__ = "installations"
    geometry_type = "MULTIPOLYGON"
    kind: Mapped[str] = mapped_column(String(32))
    zone_code: Mapped[str | None] = mapped_column(String(64))
    height_m: Mapped[float | None] = mapped_column(Float)
    diameter_m: Mapped[float | None] = mapped_column(Float)
    is_hazard_source: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"chemical": "ammonia", "design_capacity_t": 500, "quantity_t": 320}, …]
    inventory: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # 包保责任: {"principal": …, "technical": …, "operational": …}
    responsible: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Equipment(LayerRow):
    __tablename__ = "equipment"
    kind: Mapped[str] = mapped_column(String(32))
    installation_code: Mapped[str | None] = mapped_column(String(64))
    tag_no: Mapped[str | None] = mapped_column(String(64))


class Sensor(LayerRow):
    """A detector or process instrument with its alarm set points."""

    __tablename__ = "sensors"
    kind: Mapped[str] = mapped_column(String(32))
    gas: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    range_min: Mapped[float] = mapped_column(Float)
    range_max: Mapped[float] = mapped_column(Float)
    alarm_low: Mapped[float | None] = mapped_column(Float)
    alarm_high_1: Mapped[float | None] = mapped_column(Float)
    alarm_high_2: Mapped[float | None] = mapped_column(Float)
    setpoint_rule: Mapped[str | None] = mapped_column(String(64))
    install_height_m: Mapped[float | None] = mapped_column(Float)
    installation_code: Mapped[str | None] = mapped_column(String(64))
    zone_code: Mapped[str | None] = mapped_column(String(64))


class Camera(LayerRow):
    __tablename__ = "cameras"
    heading_deg: Mapped[float | None] = mapped_column(Float)
    fov_deg: Mapped[float | None] = mapped_column(Float)
    install_height_m: Mapped[float | None] = mapped_column(Float)


class BaseStation(LayerRow):
    """A UWB / BLE positioning anchor."""

    __tablename__ = "base_stations"
    technology: Mapped[str] = mapped_column(String(16))
    install_height_m: Mapped[float | None] = mapped_column(Float)
    floor: Mapped[int] = mapped_column(Integer, default=0)


class RouteNode(LayerRow):
    __tablename__ = "route_nodes"
    kind: Mapped[str] = mapped_column(String(32), default="junction")
    floor: Mapped[int] = mapped_column(Integer, default=0)


class RouteEdge(LayerRow):
    """A walkable or drivable segment between two route nodes (by code)."""

    __tablename__ = "route_edges"
    geometry_type = "LINESTRING"
    from_node: Mapped[str] = mapped_column(String(64))
    to_node: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    width_m: Mapped[float] = mapped_column(Float)
    floor: Mapped[int] = mapped_column(Integer, default=0)
    one_way: Mapped[bool] = mapped_column(Boolean, default=False)
    # Derived by PostGIS on every write (geodesic length of the stored line).
    length_m: Mapped[float | None] = mapped_column(Float)

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        # Edges reference nodes of the same site; deferrable so an import may load both.
        return (
            UniqueConstraint("site_id", "code"),
            ForeignKeyConstraint(
                ["site_id", "from_node"],
                ["route_nodes.site_id", "route_nodes.code"],
                name="fk_route_edges_from_node",
                ondelete="RESTRICT",
                onupdate="CASCADE",
                deferrable=True,
                initially="DEFERRED",
            ),
            ForeignKeyConstraint(
                ["site_id", "to_node"],
                ["route_nodes.site_id", "route_nodes.code"],
                name="fk_route_edges_to_node",
                ondelete="RESTRICT",
                onupdate="CASCADE",
                deferrable=True,
                initially="DEFERRED",
            ),
        )


class Exit(LayerRow):
    __tablename__ = "exits"
    kind: Mapped[str] = mapped_column(String(32))
    width_m: Mapped[float | None] = mapped_column(Float)


class AssemblyPoint(LayerRow):
    __tablename__ = "assembly_points"
    capacity: Mapped[int] = mapped_column(Integer)


class RescueResource(LayerRow):
    __tablename__ = "rescue_resources"
    kind: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit: Mapped[str | None] = mapped_column(String(16))


class RiskZone(LayerRow):
    """A graded risk area (red / orange / yellow / blue) with how it was scored."""

    __tablename__ = "risk_zones"
    geometry_type = "MULTIPOLYGON"
    grade: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(8))
    score: Mapped[float | None] = mapped_column(Float)
    factors: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    owner: Mapped[str | None] = mapped_column(String(64))
