"""End to end over the real protocols: Mosquitto → ingest → PostGIS → alarms → WebSocket."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine
from websockets.sync.client import connect

from tests.devices.test_payload_fuzz import HOSTILE
from tests.live.conftest import Publisher, epoch_ms, recent, token
from twin.app import create_app
from twin.config import Settings
from twin.embedded.mosquitto import PrivateBroker
from twin.embedded.server import serving


def _sensors(url: str, tok: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{url}/api/v1/sites/demo/sensors", headers={"Authorization": f"Bearer {tok}"})
    r.raise_for_status()
    return list(r.json())


def _gas_sensor(url: str, tok: str, index: int) -> dict[str, Any]:
    gas = [s for s in _sensors(url, tok) if s["kind"] == "gas" and s["alarm_high_2"]]
    return gas[index]


def _stored(engine: Engine, code: str, since_ms: int, site: str = "demo") -> tuple[int, int]:
    with engine.connect() as conn:
        total, distinct = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT r.ts_utc) FROM readings r JOIN sensors s "
                "ON s.id = r.sensor_id JOIN sites ON sites.id = s.site_id "
                "WHERE sites.code = :site AND s.code = :c "
                "AND r.ts_utc >= to_timestamp(:t / 1000.0)"
            ),
            {"c": code, "t": since_ms, "site": site},
        ).one()
    return int(total), int(distinct)


def _wait(predicate: Any, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_second_level_reading_raises_an_alarm_that_reaches_the_stream(
    live_url: str, publisher: Publisher
) -> None:
    tok = token(live_url)
    sensor = _gas_sensor(live_url, tok, 0)
    ws_url = live_url.replace("http://", "ws://") + f"/api/v1/sites/demo/stream?access_token={tok}"
    with connect(ws_url) as ws:
        snapshot = json.loads(ws.recv(timeout=10))
        assert snapshot["type"] == "snapshot"
        assert any(s["code"] == sensor["code"] for s in snapshot["sensors"])
        t0, value = recent(10), sensor["alarm_high_2"] * 1.2
        for i, dt in enumerate((0.0, 1.5, 3.0)):
            publisher.send(
                f"twin/demo/sensors/{sensor['code']}",
                {"ts": epoch_ms(t0) + int(dt * 1000), "value": value, "seq": i},
            )
        seen: dict[str, Any] = {}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not seen:
            event = json.loads(ws.recv(timeout=10))
            alarm = event.get("alarm", {})
            if (
                event["type"] == "alarm"
                and alarm.get("sensor") == sensor["code"]
                and alarm["kind"] == "high_2"
            ):
                seen = alarm
    assert seen and seen["state"] == "raised" and seen["setpoint"] == sensor["alarm_high_2"]
    h = {"Authorization": f"Bearer {tok}"}
    active = httpx.get(f"{live_url}/api/v1/sites/demo/alarms?state=active", headers=h).json()
    assert any(a["id"] == seen["id"] and a["sensor"] == sensor["code"] for a in active)
    base = f"{live_url}/api/v1/sites/demo/alarms/{seen['id']}"
    refused = httpx.post(f"{base}/close", headers=h, json={"cause": "leak", "measures": "fixed"})
    assert refused.status_code == 409  # the gas is still there
    acked = httpx.post(f"{base}/acknowledge", headers=h, json={"comment": "on my way"})
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    viewer = {"Authorization": f"Bearer {token(live_url, 'regulator')}"}
    assert httpx.post(f"{base}/acknowledge", headers=viewer, json={}).status_code == 403
    # The gas goes away: the alarm clears, then closes with cause and measures.
    publisher.send(
        f"twin/demo/sensors/{sensor['code']}", {"ts": epoch_ms(t0) + 4000, "value": 0.0, "seq": 3}
    )
    assert _wait(
        lambda: (
            httpx.get(f"{live_url}/api/v1/sites/demo/alarms?state=cleared", headers=h)
            .json()
            .__len__()
            > 0
        )
    )
    closed = httpx.post(
        f"{base}/close",
        headers=h,
        json={"cause": "flange gasket leak", "measures": "gasket replaced"},
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_malformed_messages_are_counted_and_the_service_stays_healthy(
    engine: Engine, live_settings: Settings, publisher: Publisher
) -> None:
    app = create_app(live_settings, engine, live=True)
    with serving(app) as url:
        tok = token(url)
        sensor = _gas_sensor(url, tok, 1)
        bad: list[tuple[str, bytes]] = [
            ("twin/demo/sensors/X", b"not json"),
            ("twin/demo/sensors/X", b'{"value": 1}'),
            ("twin/demo/sensors/X", b'{"ts": "yesterday", "value": 1}'),
            ("twin/demo/sensors/X", b'{"ts": 1795377600000, "value": "high"}'),
            ("twin/demo/sensors/X", b'{"ts": 1795377600000, "value": NaN}'),
            ("twin/demo/sensors/X", b'{"ts": 9999999999999, "value": 1}'),
            ("twin/demo/sensors", b'[{"ts": 1795377600000, "value": 1}]'),
            ("twin/demo/sensors/X", b"[]"),
        ]
        for i in range(1000):
            topic, payload = bad[i % len(bad)]
            publisher.send(topic, None, raw=payload)
        # The messages that once stopped ingest for good, and a failure inside handling
        # that is not the payload's: each counted and acknowledged, never fatal.
        for payload in HOSTILE:
            publisher.send("twin/demo/sensors/X", None, raw=payload)
        ingest = app.state.live.ingest
        real_sink, calls = ingest.sink, []

        def failing_once(items: Any, ack: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("the engine's queue went away")
            real_sink(items, ack)

        ingest.sink = failing_once
        first = epoch_ms(recent(6))
        publisher.send(f"twin/demo/sensors/{sensor['code']}", {"ts": first, "value": 1.0})
        start = epoch_ms(recent(5))
        publisher.send(f"twin/demo/sensors/{sensor['code']}", {"ts": start, "value": 1.0})
        assert _wait(lambda: _stored(engine, sensor["code"], start)[0] == 1)
        assert ingest.counters["malformed"] == 1000 + len(HOSTILE)
        assert ingest.counters["failed"] == 1
        assert app.state.live.ingest is ingest, "no restart was needed"
        assert httpx.get(f"{url}/healthz").status_code == 200
        admin = {"Authorization": f"Bearer {token(url, 'admin')}"}
        publisher.send("twin/demo/devices/gw-7/status", None, raw=b"online")
        assert _wait(
            lambda: any(
                d["device"] == "gw-7" and d["state"] == "online"
                for d in httpx.get(f"{url}/api/v1/sites/demo/devices", headers=admin).json()
            )
        )
        scraped = httpx.get(f"{url}/api/v1/metrics", headers=admin).text
        assert f'twin_mqtt_messages_total{{outcome="malformed"}} {1000 + len(HOSTILE)}.0' in scraped
        assert 'twin_mqtt_messages_total{outcome="failed"} 1.0' in scraped
        assert 'twin_engine_positions_total{outcome="unknown_tag"}' in scraped
        assert httpx.get(f"{url}/api/v1/metrics").status_code == 401


def test_ingest_and_broker_restarts_lose_nothing_and_store_nothing_twice(
    engine: Engine, live_settings: Settings, broker: PrivateBroker, publisher: Publisher
) -> None:
    with serving(create_app(live_settings, engine, live=True)) as url:
        sensor = _gas_sensor(url, token(url), 2)  # the broker now holds our session
    topic, start = f"twin/demo/sensors/{sensor['code']}", epoch_ms(recent(120))
    for i in range(200):  # sent while the ingest is down
        publisher.send(topic, {"ts": start + i * 100, "value": 1.0, "seq": i})
    publisher.close()
    broker.stop()
    broker.start()
    late = Publisher(broker.url)
    for i in range(200, 400):  # after the broker came back
        late.send(topic, {"ts": start + i * 100, "value": 1.0, "seq": i})
    app = create_app(live_settings, engine, live=True)
    with serving(app):
        assert _wait(lambda: _stored(engine, sensor["code"], start)[0] >= 400, 30)
        for i in range(0, 400, 2):  # a device that resends half of what it sent
            late.send(topic, {"ts": start + i * 100, "value": 1.0, "seq": i})
        assert _wait(lambda: app.state.live.engine.counters["duplicates"] >= 200, 30)
    late.close()
    assert _stored(engine, sensor["code"], start) == (400, 400)
