"""Frozen value objects every protocol adapter emits, converted at the protocol boundary.

Adapters (MQTT, Modbus, the positioning solver, simulators) never touch the database:
they put these on an asyncio queue and the twin's live engine takes them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Position", "Quality", "RangeEpoch", "Reading"]


class Quality(StrEnum):
    """OPC-style quality: ``bad`` values are kept for the record but never trusted."""

    GOOD = "good"
    UNCERTAIN = "uncertain"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class Reading:
    """One measured value of one sensor at one instant.

    Parameters
    ----------
    site : str
        Site code.
    sensor : str
        Sensor code, unique within the site.
    ts_utc : datetime
        Timezone-aware UTC time of the measurement (device time when the device sends it).
    value : float or None
        In the sensor's engineering unit; None when the device reported no usable value.
    quality : Quality
    source : str
        Where it came from, e.g. ``mqtt``, ``modbus:10.0.0.5:502/1``, ``sim``.
    seq : int or None
        The device's sequence number when it sends one (gaps reveal loss).
    """

    site: str
    sensor: str
    ts_utc: datetime
    value: float | None
    quality: Quality = Quality.GOOD
    source: str = "mqtt"
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a tag (worn by a person) is, in the site's metric CRS (metres)."""

    site: str
    tag: str
    ts_utc: datetime
    x_m: float
    y_m: float
    floor: int = 0
    accuracy_m: float | None = None
    source: str = "uwb"


@dataclass(frozen=True, slots=True)
class RangeEpoch:
    """One tag's ranges to base stations at one instant, before solving for position."""

    site: str
    tag: str
    ts_utc: datetime
    ranges: tuple[tuple[str, float], ...]
    technology: str = "uwb"
