"""Time-series tables. ``readings`` is range-partitioned by day (see migration 0002) and
keyed by (sensor_id, ts_utc), which makes every write idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import Base

# Stored as small integers: quality is on every row of the largest table.
QUALITY_CODES = {"good": 0, "uncertain": 1, "bad": 2}
QUALITY_NAMES = {v: k for k, v in QUALITY_CODES.items()}


class Reading(Base):
    __tablename__ = "readings"
    __table_args__ = {"postgresql_partition_by": "RANGE (ts_utc)"}  # noqa: RUF012

    sensor_id: Mapped[int] = mapped_column(
        ForeignKey("sensors.id", ondelete="CASCADE"), primary_key=True
    )
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[int] = mapped_column(SmallInteger)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(64))
    received_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LatestReading(Base):
    """The newest reading per sensor (what the live map and the sensor list show)."""

    __tablename__ = "latest_readings"

    sensor_id: Mapped[int] = mapped_column(
        ForeignKey("sensors.id", ondelete="CASCADE"), primary_key=True
    )
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    value: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[int] = mapped_column(SmallInteger)


class ReadingRollup(Base):
    """One-minute aggregates of good readings, kept far longer than raw data."""

    __tablename__ = "readings_1m"

    sensor_id: Mapped[int] = mapped_column(
        ForeignKey("sensors.id", ondelete="CASCADE"), primary_key=True
    )
    bucket_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    min: Mapped[float | None] = mapped_column(Float)
    max: Mapped[float | None] = mapped_column(Float)
    mean: Mapped[float | None] = mapped_column(Float)
