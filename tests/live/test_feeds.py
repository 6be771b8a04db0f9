"""Liveness per feed: a consumer that stops consuming while its socket stays up is seen,
restarted and alarmed, and loses nothing; /healthz and the stream say which feed is down."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.live.conftest import Publisher, epoch_ms, recent, token, until
from tests.live.test_live_plane import _gas_sensor, _stored
from twin.app import create_app
from twin.config import Settings
from twin.embedded.server import serving
from twin.feeds.board import load_feed_rules

RULES = load_feed_rules()


def _feed(url: str, tok: str, key: str) -> dict[str, Any] | None:
    r = httpx.get(f"{url}/api/v1/sites/demo/feeds", headers={"Authorization": f"Bearer {tok}"})
    r.raise_for_status()
    return next((f for f in r.json() if f["key"] == key), None)


def _feed_alarms(engine: Engine, feed: str) -> list[tuple[bool, str]]:
    with engine.connect() as conn:
        return [
            (bool(active), str(message))
            for active, message in conn.execute(
                text(
                    "SELECT a.active, a.message FROM alarms a JOIN sites s ON s.id = a.site_id "
                    "WHERE s.code = 'demo' AND a.kind = 'feed' AND a.feed = :f "
                    "AND a.raised_utc > now() - interval '2 minutes'"
                ),
                {"f": feed},
            )
        ]


def test_a_stuck_consumer_is_detected_restarted_and_alarmed_and_loses_nothing(
    engine: Engine, live_settings: Settings, publisher: Publisher
) -> None:
    app = create_app(live_settings, engine, live=True)
    release = threading.Event()
    with serving(app) as url:
        tok = token(url)
        plane = app.state.live
        assert until(lambda: (_feed(url, tok, "mqtt") or {}).get("state") == "live", 15)
        sensor = _gas_sensor(url, tok, 3)
        stuck = plane.ingest
        real_sink = stuck.sink

        def blocking_sink(items: Sequence[Any], ack: Any) -> None:
            release.wait(120)  # the consumer hangs here, its socket still open
            real_sink(items, ack)

        stuck.sink = blocking_sink
        topic, start = f"twin/demo/sensors/{sensor['code']}", epoch_ms(recent(30))
        for i in range(20):
            publisher.send(topic, {"ts": start + i * 100, "value": 1.0, "seq": i})
        # Seen within the stated time: the stuck limit plus a probe period or two.
        limit_s = RULES.stuck_after_s + 2 * RULES.probe_every_s + 2
        down = until(lambda: (f := _feed(url, tok, "mqtt")) and f["state"] == "down" and f, limit_s)
        assert down, "the feed never went down"
        assert "stuck" in down["reason"]
        health = httpx.get(f"{url}/healthz").json()
        assert health["status"] == "degraded"
        assert "mqtt" in {f["key"] for f in health["degraded_feeds"]}
        # Raised (it clears again once the new consumer is live, a probe later).
        raised = until(lambda: _feed_alarms(engine, "mqtt"), 5)
        assert raised and "MQTT" in raised[0][1]
        # Restarted: a new client took the session over, and the broker redelivered
        # everything the stuck one never acknowledged.
        assert plane.counters["ingest_restarts"] >= 1 and plane.ingest is not stuck
        assert until(lambda: _stored(engine, sensor["code"], start)[0] >= 20, 20)
        assert plane.ingest.counters["redelivered"] >= 1
        assert until(lambda: (_feed(url, tok, "mqtt") or {}).get("state") == "live", 15)
        assert until(lambda: not any(a for a, _ in _feed_alarms(engine, "mqtt")), 5)
        release.set()
    assert _stored(engine, sensor["code"], start) == (20, 20)


def test_healthz_answers_from_memory_and_names_no_feed_when_all_are_live(
    engine: Engine, live_settings: Settings
) -> None:
    app = create_app(live_settings, engine, live=True)
    with serving(app) as url:
        tok = token(url)
        assert until(lambda: (_feed(url, tok, "mqtt") or {}).get("state") == "live", 15)
        body = until(lambda: (b := httpx.get(f"{url}/healthz").json()).get("postgis") and b, 10)
        assert body["database_checked_s_ago"] < 5
        assert "mqtt" not in {f["key"] for f in body["degraded_feeds"]}
