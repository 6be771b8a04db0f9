"""Configuration of polled devices: plain pydantic models the twin builds from its database.

A device is one Modbus unit (``device_id``) at ``host:port`` of a given model; each
channel it reads is bound to one sensor of one site, with the sensor's range for 4–20 mA
loops. Nothing here opens a socket.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator

from devices.modbus.registers import PointKind, RegisterMap

__all__ = [
    "DEFAULT_POLL_INTERVAL_S",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT_S",
    "ChannelBinding",
    "DeviceConfig",
]

# The seeds ask for sensor refresh at least every 2 s; poll twice as often.
DEFAULT_POLL_INTERVAL_S = 1.0
# A healthy device on a plant LAN answers within tens of ms; a second means it is gone.
DEFAULT_TIMEOUT_S = 1.0
# One resend absorbs a lost frame; more only delays the verdict that the device is down.
DEFAULT_RETRIES = 1


class ChannelBinding(BaseModel):
    """The sensor a device channel measures.

    Parameters
    ----------
    site, sensor : str
        Site code and sensor code, as in the plant model.
    range_min, range_max : float, optional
        Calibrated range (values at 4 and 20 mA); required for ``current_ma`` channels.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: str = Field(min_length=1)
    sensor: str = Field(min_length=1)
    range_min: float | None = None
    range_max: float | None = None

    @model_validator(mode="after")
    def _range(self) -> ChannelBinding:
        if (self.range_min is None) != (self.range_max is None):
            raise ValueError("give both range_min and range_max, or neither")
        if self.range_min is not None and self.range_max is not None:
            if not (math.isfinite(self.range_min) and math.isfinite(self.range_max)):
                raise ValueError("range_min and range_max must be finite")
            if self.range_max <= self.range_min:
                raise ValueError(
                    f"range_max {self.range_max} must exceed range_min {self.range_min}"
                )
        return self

    @property
    def sensor_range(self) -> tuple[float, float] | None:
        """``(range_min, range_max)`` or None."""
        if self.range_min is None or self.range_max is None:
            return None
        return self.range_min, self.range_max


class DeviceConfig(BaseModel):
    """One Modbus TCP device to poll.

    Examples
    --------
    >>> cfg = DeviceConfig(host="10.0.0.5", device_id=3, model="gas-transmitter-4-20ma",
    ...     channels={"ch1": ChannelBinding(site="demo", sensor="GD-LPG-01",
    ...                                     range_min=0, range_max=100)})
    >>> cfg.source
    'modbus:10.0.0.5:502/3'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1)
    port: int = Field(default=502, ge=1, le=65535)
    #: Modbus unit identifier; 0 and 255 address a TCP-native device itself.
    device_id: int = Field(default=1, ge=0, le=255)
    model: str = Field(min_length=1)
    poll_interval_s: float = Field(default=DEFAULT_POLL_INTERVAL_S, gt=0)
    timeout_s: float = Field(default=DEFAULT_TIMEOUT_S, gt=0)
    retries: int = Field(default=DEFAULT_RETRIES, ge=0, le=5)
    channels: dict[str, ChannelBinding] = Field(min_length=1)

    @property
    def source(self) -> str:
        """``Reading.source`` of this device's readings, also its key in the poller."""
        return f"modbus:{self.host}:{self.port}/{self.device_id}"

    def check_against(self, register_map: RegisterMap) -> None:
        """Check the channels against the device's register map.

        Raises
        ------
        ValueError
            For a model mismatch, channels the map lacks, or a 4–20 mA channel bound
            without a sensor range (its value could not be computed).
        """
        problems = []
        if register_map.model != self.model:
            problems.append(f"register map is {register_map.model!r}, config says {self.model!r}")
        for channel, binding in self.channels.items():
            if channel not in register_map.channels:
                problems.append(f"channel {channel!r} not in map (known: {register_map.channels})")
            elif (
                register_map.point(channel).kind is PointKind.CURRENT_MA
                and binding.sensor_range is None
            ):
                problems.append(
                    f"channel {channel!r} ({binding.sensor}) is 4–20 mA: give its range"
                )
        if problems:
            raise ValueError(f"{self.source}: " + "; ".join(problems))
