from __future__ import annotations

from pydantic import BaseModel, Field

from twin.schemas_geojson import Timestamp, absent


class KeyEvent(BaseModel):
    """A mark on the replay's seek bar."""

    ts: Timestamp
    kind: str = Field(description="the logged event's type: alarm, incident_step, drill, inject")
    drill_id: str | None
    what: str = Field(description="e.g. alarm_raised, incident_command, drill_running")
    label: str
    ref: int | str | None = Field(description="the alarm, incident, drill or inject target")
    by: str | None = Field(default=None, exclude_if=absent)
