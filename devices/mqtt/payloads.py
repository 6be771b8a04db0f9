"""The MQTT contract, parsed at the protocol boundary into frozen value objects.

Readings:  ``twin/{site}/sensors/{sensor}`` with ``{"ts", "value", "unit"?, "quality"?,
"seq"?}`` or a JSON array of such objects; a gateway may batch many sensors on
``twin/{site}/sensors`` with ``"sensor"`` in each object. ``ts`` is ISO-8601 (with a zone)
or epoch milliseconds.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from devices.values import Quality, Reading

__all__ = ["PayloadError", "parse_readings", "topic_filters"]

# Device clocks drift; a timestamp further ahead than this is refused, not trusted.
MAX_FUTURE_S = 300
# Epoch-millisecond timestamps before 2000 are certainly a misconfigured device.
MIN_EPOCH_MS = 946_684_800_000


class PayloadError(ValueError):
    """A message that breaks the contract; the text says how."""


def topic_filters(shared_group: str | None = None) -> list[str]:
    """Subscriptions of the ingest client (MQTT 5 shared subscription when grouped)."""
    filters = ["twin/+/sensors", "twin/+/sensors/+"]
    if shared_group:
        return [f"$share/{shared_group}/{f}" for f in filters]
    return filters


def _timestamp(raw: Any) -> datetime:
    if isinstance(raw, bool) or raw is None:
        raise PayloadError("ts is missing")
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or raw < MIN_EPOCH_MS:
            raise PayloadError("ts in epoch milliseconds is out of range")
        ts = datetime.fromtimestamp(raw / 1000, tz=UTC)
    elif isinstance(raw, str):
        try:
            ts = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise PayloadError(f"ts {raw[:40]!r} is not ISO-8601") from exc
        if ts.tzinfo is None:
            raise PayloadError("ts has no time zone; send UTC ('Z') or an offset")
        ts = ts.astimezone(UTC)
    else:
        raise PayloadError("ts must be ISO-8601 text or epoch milliseconds")
    if (ts - datetime.now(UTC)).total_seconds() > MAX_FUTURE_S:
        raise PayloadError("ts lies in the future; check the device clock")
    return ts


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
    >>> r = parse_readings("twin/demo/sensors/GD-1", b'{"ts": 1795377600000, "value": 12.5}')
    >>> (r[0].site, r[0].sensor, r[0].value, r[0].quality.value)
    ('demo', 'GD-1', 12.5, 'good')
    """
    parts = topic.split("/")
    if len(parts) not in (3, 4) or parts[0] != "twin" or parts[2] != "sensors" or not parts[1]:
        raise PayloadError(f"topic {topic!r} is not twin/{{site}}/sensors[/{{sensor}}]")
    site, sensor = parts[1], (parts[3] if len(parts) == 4 else None)
    try:
        doc = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError("payload is not JSON") from exc
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise PayloadError("empty batch")
    return [_one(site, sensor, item) for item in items]
