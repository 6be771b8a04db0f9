"""An incident, its timeline and its current threat zones.

The timeline is append-only: every action, command and recomputation is an event, which
is what a replay of the incident walks through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import STORAGE_SRID, Base


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    # What happens: a toxic release, a fire or an explosion (selects the consequence model).
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(8), default="open", index=True)
    title: Mapped[str] = mapped_column(String(200))
    hazard_source: Mapped[str | None] = mapped_column(String(64))
    chemical: Mapped[str | None] = mapped_column(String(64))
    # As declared (or as last estimated from the detectors by the fusion step).
    release_kg_s: Mapped[float | None] = mapped_column(Float)
    release_estimated: Mapped[bool] = mapped_column(default=False)
    source: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=STORAGE_SRID))
    alarm_id: Mapped[int | None] = mapped_column(
        ForeignKey("alarms.id", ondelete="SET NULL"), index=True
    )
    opened_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(64))
    closed_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)
    # The latest picture the live loop computed (wind, fit, people, routes …) for the map.
    situation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    drill_id: Mapped[str | None] = mapped_column(String(64), index=True)


class IncidentEvent(Base):
    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    # opened, command, note, zones, people, closed …
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class ThreatZone(Base):
    """The current zone of one level of concern (1 = least severe … 3 = most)."""

    __tablename__ = "threat_zones"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    computed_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=True)
    )
