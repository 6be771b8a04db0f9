"""No payload can make the MQTT parser fail other than with a PayloadError: fuzzed bytes,
fuzzed JSON of the contract's shape, and the hostile messages found by probing."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.mqtt.payloads import PayloadError, parse_message

TOPICS = [
    "twin/demo/sensors/GD-1",
    "twin/demo/sensors",
    "twin/demo/tags/T-1/position",
    "twin/demo/tags/T-1/ranges",
    "twin/demo/devices/gw/status",
]
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse_or_refuse(topic: str, payload: bytes) -> None:
    with contextlib.suppress(PayloadError):
        parse_message(topic, payload)


@FUZZ
@given(st.sampled_from(TOPICS), st.binary(max_size=2048))
def test_any_bytes_are_parsed_or_refused(topic: str, payload: bytes) -> None:
    _parse_or_refuse(topic, payload)


# JSON values the contract's keys might carry: huge, tiny, negative, wrong types.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "Z", "+99:99"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "ts",
        "value",
        "quality",
        "seq",
        "sensor",
        "x_m",
        "y_m",
        "lon",
        "lat",
        "floor",
        "accuracy_m",
        "sos",
        "ranges",
        "station",
        "distance_m",
        "technology",
    ]
)


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, allow_nan=True).encode()


@FUZZ
@given(
    st.sampled_from(TOPICS),
    st.one_of(
        st.dictionaries(KEYS, VALUES, max_size=8),
        st.lists(st.dictionaries(KEYS, VALUES, max_size=8), max_size=5),
    ),
)
def test_json_of_the_contracts_shape_is_parsed_or_refused(topic: str, doc: Any) -> None:
    _parse_or_refuse(topic, _dump(doc))


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


HOSTILE = [
    b'{"ts": 99999999999999999, "value": 1}',  # past year 9999: OverflowError once
    b'{"ts": -99999999999999999, "value": 1}',
    b'{"ts": 1e308, "value": 1}',
    b'{"ts": "0001-01-01T00:00:00+14:00", "value": 1}',
    b'{"ts": "9999-12-31T23:59:59-14:00", "value": 1}',
    b"[" * 5000 + b"]" * 5000,  # RecursionError once
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b'{"ts": "' + b"9" * 100_000 + b'", "value": 1}',
    b"\xff\xfe\x00garbage",
    b'{"ts": %d, "value": 1}' % _ms(datetime.now(UTC) - timedelta(days=400)),
    b"x" * (2 * 1024 * 1024),
]


@pytest.mark.parametrize("payload", HOSTILE, ids=[p[:24].decode("latin-1") for p in HOSTILE])
def test_the_messages_that_stopped_ingest_are_refused(payload: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_message("twin/demo/sensors/X", payload)
