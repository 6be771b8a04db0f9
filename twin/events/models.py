"""The event log: every discrete live event as the live stream carried it.

Readings and positions have their own time-partitioned tables (``readings``,
``positions``); everything else a map is told (alarm transitions, incident steps and
recomputations, headcount changes, commands, drill starts, injects and ends) is appended
here, in the same transaction as the change it reports. Together they are the site's
timeline: a replay reads them back in time order. The table is range-partitioned by day
and append-only (a trigger refuses UPDATE and DELETE; old days go by dropping their
partition, see ``twin.readings.maintenance``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import Base


class LoggedEvent(Base):
    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_site_ts", "site_id", "ts_utc"),
        {"postgresql_partition_by": "RANGE (ts_utc)"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    # Plant time of the event (a simulated drill's own clock), the partition key.
    ts_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    # The live protocol's message type: alarm, incident, headcount, drill, inject …
    kind: Mapped[str] = mapped_column(String(16))
    # Set for everything a drill produced ("drill-<run>" live, "sim-<run>" simulated).
    drill_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    recorded_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
