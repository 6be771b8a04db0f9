"""Drill scenarios (every edit a new version) and runs of them.

A run points at the exact scenario version it ran, so its evaluation can always be
traced to what was planned. Everything a run produces carries its ``drill_id``
(``sim-<id>`` for a simulation, ``drill-<id>`` for a live drill) in the event log, the
alarm and incident tables, and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import Base


class DrillScenario(Base):
    __tablename__ = "drill_scenarios"
    __table_args__ = (UniqueConstraint("site_id", "code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    # The scenario as validated by twin.drills.schemas.Scenario.
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))


class DrillRun(Base):
    __tablename__ = "drill_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("drill_scenarios.id"), index=True)
    # simulation (faster than real time, nothing live touched) or live (real people).
    mode: Mapped[str] = mapped_column(String(16))
    # running, finished, stopped
    state: Mapped[str] = mapped_column(String(16), index=True)
    drill_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The drill's clock: a simulation runs on its own plant time, a live drill on now.
    plant_start_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    plant_end_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_by: Mapped[str] = mapped_column(String(64))
    ended_utc: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(64))
    # The evaluation (measures and scores) once the run has ended.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
