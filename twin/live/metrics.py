"""Prometheus metrics of the live data plane, read from the components' own counters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class LiveCollector:
    """Collects at scrape time, so the hot path only bumps plain counters."""

    def __init__(self, app_state: Any) -> None:
        self.state = app_state

    def collect(self) -> Iterator[Metric]:
        plane = getattr(self.state, "live", None)
        if plane is None:
            return
        ingest = CounterMetricFamily(
            "twin_mqtt_messages", "MQTT messages by outcome", labels=["outcome"]
        )
        counters = plane.ingest.counters if plane.ingest is not None else {}
        for outcome in (
            "messages",
            "readings",
            "positions",
            "device_status",
            "malformed",
            "failed",
            "connects",
            "disconnects",
            "redelivered",
            "probes",
        ):
            ingest.add_metric([outcome], counters.get(outcome, 0))
        yield ingest
        restarts = CounterMetricFamily(
            "twin_mqtt_consumer_restarts", "MQTT consumers restarted by the watchdog"
        )
        restarts.add_metric([], plane.counters.get("ingest_restarts", 0))
        yield restarts
        feeds = GaugeMetricFamily(
            "twin_feed_live",
            "1 while a feed is live, 0 while late or down (see the state label)",
            labels=["feed", "kind", "state"],
        )
        for feed in plane.feeds.feeds():
            feeds.add_metric([feed.key, feed.kind, str(feed.state)], float(feed.state == "live"))
        yield feeds
        engine = CounterMetricFamily(
            "twin_engine_readings", "Readings by outcome in the engine", labels=["outcome"]
        )
        for outcome in (
            "stored",
            "duplicates",
            "unknown_sensor",
            "out_of_range",
            "alarm_transitions",
            "batch_failures",
        ):
            engine.add_metric([outcome], plane.engine.counters.get(outcome, 0))
        yield engine
        people = CounterMetricFamily(
            "twin_engine_positions", "Positions by outcome in the engine", labels=["outcome"]
        )
        for outcome in ("positions", "unknown_tag", "unsolved_ranges"):
            people.add_metric([outcome], plane.engine.people.counters.get(outcome, 0))
        yield people
        queue = GaugeMetricFamily("twin_engine_queue", "Readings waiting for the engine")
        queue.add_metric([], plane.engine.queue.qsize())
        yield queue
        bus = CounterMetricFamily(
            "twin_stream_dropped_subscribers", "Stream clients dropped for falling behind"
        )
        bus.add_metric([], self.state.bus.dropped_subscribers)
        yield bus


def render(app_state: Any) -> bytes:
    registry = CollectorRegistry()
    registry.register(LiveCollector(app_state))
    return generate_latest(registry)
