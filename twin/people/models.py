"""Tags worn by people and where they were. ``positions`` is partitioned by day like
``readings`` (see migration 0003) so any past period replays as it happened."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import STORAGE_SRID, Base


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    technology: Mapped[str] = mapped_column(String(8))
    person_name: Mapped[str] = mapped_column(String(64))
    person_kind: Mapped[str] = mapped_column(String(16))
    company: Mapped[str | None] = mapped_column(String(128))


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = {"postgresql_partition_by": "RANGE (ts_utc)"}  # noqa: RUF012

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=STORAGE_SRID, spatial_index=False)
    )
    floor: Mapped[int] = mapped_column(Integer, default=0)
    accuracy_m: Mapped[float | None] = mapped_column(Float)


class LatestPosition(Base):
    """Where each tag is now (headcount and geofences read this)."""

    __tablename__ = "latest_positions"

    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=STORAGE_SRID, spatial_index=True)
    )
    floor: Mapped[int] = mapped_column(Integer, default=0)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
