from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from twin.schemas_geojson import Timestamp, absent


class DeviceOut(BaseModel):
    """A field device as this process sees it: an MQTT device by its retained status and
    last will, a Modbus device by its polling."""

    device: str
    protocol: Literal["mqtt", "modbus"]
    state: str = Field(description="mqtt: online or offline; modbus: the poller's state")
    since: Timestamp | None = Field(default=None, exclude_if=absent, description="mqtt")
    last_error: str | None = Field(default=None, exclude_if=absent, description="modbus")
    consecutive_failures: int | None = Field(default=None, exclude_if=absent, description="modbus")
    last_ok_at: Timestamp | None = Field(default=None, exclude_if=absent, description="modbus")
