"""The MQTT contract, parsed at the protocol boundary into frozen value objects.

Readings:  ``twin/{site}/sensors/{sensor}`` with ``{"ts", "value", "unit"?, "quality"?,
"seq"?}`` or a JSON array of such objects; a gateway may batch many sensors on
``twin/{site}/sensors`` with ``"sensor"`` in each object. ``ts`` is ISO-8601 (with a zone)
or epoch milliseconds.

Positions: ``twin/{site}/tags/{tag}/position`` with ``{"ts", "x_m", "y_m"}`` in the site's
metric CRS (or ``"lon", "lat"`` in CGCS2000), ``"floor"?``, ``"accuracy_m"?``,
``"sos"?: true``; ranges: ``twin/{site}/tags/{tag}/ranges`` with ``{"ts", "ranges":
[{"station", "distance_m"}], "technology"?: "uwb"|"ble"}``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from devices.values import Quality, RangeEpoch, Reading

__all__ = [
    "DeviceStatus",
    "PayloadError",
    "PositionReport",
    "decode_json",
    "parse_message",
    "parse_readings",
    "topic_filters",
]

# Device clocks drift; a timestamp further ahead than this is refused, not trusted.
MAX_FUTURE_S = 300
# A gateway flushing its buffer sends old readings, but not older than this (a device
# whose clock was reset to 1970 or 2000 is misconfigured, not late).
MAX_PAST_DAYS = 31
# Checked before parsing: a gateway batch of a few thousand readings is well under this,
# and nothing in the contract nests deeper than a batch of range lists.
MAX_PAYLOAD_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 8
# An ISO-8601 time with a zone and microseconds is 32 characters.
MAX_TS_TEXT = 40


class PayloadError(ValueError):
    """A message that breaks the contract; the text says how."""


STATUS_FILTER = "twin/+/devices/+/status"


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device's retained online / offline state (its last will says offline)."""

    site: str
    device: str
    state: str
    ts_utc: datetime


def topic_filters(shared_group: str | None = None) -> list[str]:
    """Subscriptions of the ingest client (MQTT 5 shared subscription when grouped)."""
    filters = [
        "twin/+/sensors",
        "twin/+/sensors/+",
        "twin/+/tags/+/position",
        "twin/+/tags/+/ranges",
    ]
    if shared_group:
        filters = [f"$share/{shared_group}/{f}" for f in filters]
    # Never shared: brokers do not deliver retained messages to shared subscriptions, and
    # every worker should know every device's status.
    return [*filters, STATUS_FILTER]


def _timestamp(raw: Any) -> datetime:
    """The reading's time, within [now - MAX_PAST_DAYS, now + MAX_FUTURE_S]. Bounds are
    checked on the number before it becomes a datetime, which overflows past year 9999."""
    now = datetime.now(UTC)
    earliest, latest = now - timedelta(days=MAX_PAST_DAYS), now + timedelta(seconds=MAX_FUTURE_S)
    if isinstance(raw, bool) or raw is None:
        raise PayloadError("ts is missing")
    if isinstance(raw, int | float):
        if not math.isfinite(raw):
            raise PayloadError("ts in epoch milliseconds is out of range")
        if raw > latest.timestamp() * 1000:
            raise PayloadError("ts lies in the future; check the device clock")
        if raw < earliest.timestamp() * 1000:
            raise PayloadError(f"ts is more than {MAX_PAST_DAYS} days old; check the device clock")
        return datetime.fromtimestamp(raw / 1000, tz=UTC)
    if not isinstance(raw, str):
        raise PayloadError("ts must be ISO-8601 text or epoch milliseconds")
    if len(raw) > MAX_TS_TEXT:
        raise PayloadError("ts is not ISO-8601 (too long)")
    try:
        ts = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if ts.tzinfo is None:
            raise PayloadError("ts has no time zone; send UTC ('Z') or an offset")
        ts = ts.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # year 1 at +14:00, year 9999 at -14:00 …
        raise PayloadError(f"ts {raw!r} is not ISO-8601") from exc
    if ts > latest:
        raise PayloadError("ts lies in the future; check the device clock")
    if ts < earliest:
        raise PayloadError(f"ts is more than {MAX_PAST_DAYS} days old; check the device clock")
    return ts


def decode_json(payload: bytes) -> Any:
    """JSON within the size and nesting limits, or a PayloadError saying which was broken.

    Examples
    --------
    >>> decode_json(b'{"ts": 1, "value": 2}')
    {'ts': 1, 'value': 2}
    >>> try:
    ...     decode_json(b"[" * 50_000)
    ... except PayloadError as exc:
    ...     print(exc)
    payload nests deeper than 8 levels
    """
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"payload is larger than {MAX_PAYLOAD_BYTES // 1024} KiB")
    opening = payload.count(b"[") + payload.count(b"{")  # C speed: most messages stop here
    if opening > MAX_JSON_DEPTH and _nesting(payload) > MAX_JSON_DEPTH:
        raise PayloadError(f"payload nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError("payload is not JSON") from exc


_BRACKETS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _nesting(payload: bytes) -> int:
    """The deepest bracket nesting outside strings (before any parsing: the C decoder
    would recurse as deep as the attacker likes)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(payload):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _one(site: str, sensor: str | None, obj: Any) -> Reading:
    if not isinstance(obj, dict):
        raise PayloadError("each reading must be a JSON object")
    sensor = obj.get("sensor", sensor)
    if not isinstance(sensor, str) or not sensor:
        raise PayloadError("the sensor code is missing")
    quality_raw = obj.get("quality", "good")
    try:
        quality = Quality(quality_raw)
    except ValueError as exc:
        raise PayloadError(f"quality must be good, bad or uncertain, not {quality_raw!r}") from exc
    value = obj.get("value")
    if value is None:
        if quality is Quality.GOOD:
            raise PayloadError("value is missing")
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PayloadError("value must be a finite number")
    seq = obj.get("seq")
    if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int)):
        raise PayloadError("seq must be an integer")
    return Reading(
        site,
        sensor,
        _timestamp(obj.get("ts")),
        None if value is None else float(value),
        quality,
        "mqtt",
        seq,
    )


def parse_readings(topic: str, payload: bytes) -> list[Reading]:
    """Readings carried by one message.

    Raises
    ------
    PayloadError
        When the topic or the payload breaks the contract; nothing of it is used.

    Examples
    --------
    >>> payload = b'{"ts": "%s", "value": 12.5}' % datetime.now(UTC).isoformat().encode()
    >>> r = parse_readings("twin/demo/sensors/GD-1", payload)
    >>> (r[0].site, r[0].sensor, r[0].value, r[0].quality.value)
    ('demo', 'GD-1', 12.5, 'good')
    """
    parts = topic.split("/")
    if len(parts) not in (3, 4) or parts[0] != "twin" or parts[2] != "sensors" or not parts[1]:
        raise PayloadError(f"topic {topic!r} is not twin/{{site}}/sensors[/{{sensor}}]")
    site, sensor = parts[1], (parts[3] if len(parts) == 4 else None)
    doc = decode_json(payload)
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise PayloadError("empty batch")
    return [_one(site, sensor, item) for item in items]


@dataclass(frozen=True, slots=True)
class PositionReport:
    """A tag's position as the device sent it: metric (site CRS) or lon/lat (CGCS2000)."""

    site: str
    tag: str
    ts_utc: datetime
    x: float
    y: float
    metric: bool
    floor: int = 0
    accuracy_m: float | None = None
    sos: bool = False


def _number(obj: dict[str, Any], key: str) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PayloadError(f"{key} must be a finite number")
    return float(value)


def _position(site: str, tag: str, obj: Any) -> PositionReport:
    if not isinstance(obj, dict):
        raise PayloadError("a position must be a JSON object")
    metric = "x_m" in obj
    x, y = (
        (_number(obj, "x_m"), _number(obj, "y_m"))
        if metric
        else (_number(obj, "lon"), _number(obj, "lat"))
    )
    if not metric and not (-180 <= x <= 180 and -90 <= y <= 90):
        raise PayloadError("lon/lat out of range")
    floor = obj.get("floor", 0)
    if isinstance(floor, bool) or not isinstance(floor, int):
        raise PayloadError("floor must be an integer")
    accuracy = obj.get("accuracy_m")
    return PositionReport(
        site,
        tag,
        _timestamp(obj.get("ts")),
        x,
        y,
        metric,
        floor,
        None if accuracy is None else _number(obj, "accuracy_m"),
        obj.get("sos") is True,
    )


def _ranges(site: str, tag: str, obj: Any) -> RangeEpoch:
    if not isinstance(obj, dict) or not isinstance(obj.get("ranges"), list):
        raise PayloadError("ranges must be a JSON object with a 'ranges' list")
    pairs = []
    for item in obj["ranges"]:
        if not isinstance(item, dict) or not isinstance(item.get("station"), str):
            raise PayloadError("each range names its station")
        distance = _number(item, "distance_m")
        if distance < 0:
            raise PayloadError("distance_m must not be negative")
        pairs.append((item["station"], distance))
    technology = obj.get("technology", "uwb")
    if technology not in ("uwb", "ble"):
        raise PayloadError("technology must be uwb or ble")
    return RangeEpoch(site, tag, _timestamp(obj.get("ts")), tuple(pairs), technology)


def parse_message(
    topic: str, payload: bytes
) -> list[Reading] | PositionReport | RangeEpoch | DeviceStatus:
    """Whatever one message carries, by topic.

    Raises
    ------
    PayloadError
        When the topic or the payload breaks the contract.
    """
    parts = topic.split("/")
    if len(parts) == 5 and parts[0] == "twin" and parts[2] == "devices" and parts[4] == "status":
        state = payload.decode("utf-8", "replace").strip().strip('"').lower()
        if state not in ("online", "offline"):
            raise PayloadError("device status must be online or offline")
        return DeviceStatus(parts[1], parts[3], state, datetime.now(UTC))
    if len(parts) == 5 and parts[0] == "twin" and parts[2] == "tags" and parts[1] and parts[3]:
        doc = decode_json(payload)
        if parts[4] == "position":
            return _position(parts[1], parts[3], doc)
        if parts[4] == "ranges":
            return _ranges(parts[1], parts[3], doc)
        raise PayloadError(f"topic {topic!r}: expected .../position or .../ranges")
    return parse_readings(topic, payload)
