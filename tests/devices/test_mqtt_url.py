"""A broker URL reaches the log without its password."""

from __future__ import annotations

from devices.mqtt.client import redacted


def test_the_password_never_reaches_the_log() -> None:
    assert redacted("mqtt://ingest:s3cret@10.0.0.5:1883") == "mqtt://ingest:***@10.0.0.5:1883"
    assert redacted("mqtt://ingest:s3cret@broker") == "mqtt://ingest:***@broker"
    assert redacted("mqtt://10.0.0.5:1883") == "mqtt://10.0.0.5:1883"
    assert "s3cret" not in redacted("mqtts://a:s3cret@h:8883")
