"""Alarm records and their transitions (the transitions are the replayable history)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import Base


class Alarm(Base):
    """One alarm occurrence on a sensor (or a zone, for flood parents).

    ``active`` follows the process condition; ``acked`` and ``closed`` follow people.
    The displayed state is derived: raised → acknowledged → cleared → closed.
    """

    __tablename__ = "alarms"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    sensor_id: Mapped[int | None] = mapped_column(
        ForeignKey("sensors.id", ondelete="SET NULL"), index=True
    )
    zone_code: Mapped[str | None] = mapped_column(String(64))
    # The person's tag, for alarms about people (entry, man-down, SOS).
    tag_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    acked: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    raised_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    peak_value: Mapped[float | None] = mapped_column(Float)
    setpoint: Mapped[float | None] = mapped_column(Float)
    rule_version: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(200))
    acked_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acked_by: Mapped[str | None] = mapped_column(String(64))
    cleared_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    cause: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)
    shelved_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shelved_by: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("alarms.id", ondelete="SET NULL"))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # Set for alarms raised inside a drill; a drill alarm is never a real one.
    drill_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # For alarms about a data feed going down (twin.feeds): the feed's key.
    feed: Mapped[str | None] = mapped_column(String(96))

    @property
    def state(self) -> str:
        if self.closed:
            return "closed"
        if self.active:
            return "acknowledged" if self.acked else "raised"
        return "cleared"


class AlarmEvent(Base):
    """Every transition of every alarm, in order: the alarm's replayable history."""

    __tablename__ = "alarm_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    alarm_id: Mapped[int] = mapped_column(ForeignKey("alarms.id", ondelete="CASCADE"), index=True)
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    transition: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
