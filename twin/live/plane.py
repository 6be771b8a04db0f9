"""The live data plane inside the app: broker, MQTT ingest, engine, feeds and watchdog."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from devices.mqtt.client import Ack, Item, MqttIngest, redacted
from twin.alarms import raising
from twin.alarms import service as alarm_service
from twin.alarms.notify import CHANNELS, Notifier
from twin.alarms.rules import load_rules
from twin.config import Settings
from twin.db import session_scope
from twin.demo.devices import DemoDevices
from twin.drills.live import DrillRunner
from twin.embedded.mosquitto import PrivateBroker, resolve_broker
from twin.events.bus import Bus
from twin.feeds import service as feed_service
from twin.feeds.board import Feed, FeedBoard, load_feed_rules
from twin.incidents.live import IncidentLoop
from twin.live.engine import Envelope, LiveEngine
from twin.live.modbus_site import DEMO_DEVICES, ModbusIngress, SiteDevices, load_site_devices
from twin.readings import maintenance, store
from twin.sites.models import Site

log = logging.getLogger("twin.live")
ESCALATION_CHECK_S = 15.0
MAINTENANCE_EVERY_S = 60.0
FEEDS_EVERY_S = 1.0
SWITCH_INTERVAL_S = 0.001
MQTT_FEED = "mqtt"
RULES = Path(__file__).resolve().parents[2] / "data" / "rules" / "alarm_engine.yaml"


class LivePlane:
    def __init__(self, settings: Settings, factory: sessionmaker[Session], bus: Bus) -> None:
        self.settings, self.factory, self.bus = settings, factory, bus
        urls = [settings.notify_webhook_url, *settings.escalation_webhook_urls]
        self.notifier = Notifier([[CHANNELS["webhook"](u)] if u else [] for u in urls])
        self.feeds = FeedBoard(load_feed_rules())
        self.engine = LiveEngine(factory, load_rules(RULES), self.feeds)
        self.incidents = IncidentLoop(factory, self.feeds)
        self.drills = DrillRunner(factory, self.engine.rules)
        self.broker: PrivateBroker | None = None
        self.ingest: MqttIngest | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.demo: DemoDevices | None = None
        self.modbus: ModbusIngress | None = None
        self.mqtt_url = ""
        self.counters: Counter[str] = Counter()
        self._unrecorded: list[Feed] = []
        bus.listen(self._notify_raised)

    def _notify_raised(self, site: str, event: dict[str, Any]) -> None:
        """A real alarm raised (not a flood's child, not a drill's) goes to the channels."""
        alarm = event.get("alarm") if event["type"] == "alarm" else None
        if (
            alarm is not None
            and event.get("transition") == "raised"
            and alarm["parent_id"] is None
            and alarm["drill_id"] is None
        ):
            self.notifier.notify(0, {"site": site, **alarm})

    async def start(self) -> None:
        # paho's network thread, the engine's worker thread and the event loop hand each
        # reading on under one GIL; the default 5 ms switch interval adds up to 5 ms per
        # hand-over to an alarm's way to the screen.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        await asyncio.to_thread(self._partitions_ahead)
        self.mqtt_url, self.broker = await asyncio.to_thread(
            resolve_broker, self.settings.mqtt_url, self.settings.data_dir
        )
        self._start_ingest()
        polled: set[str] = set()
        devices_file = self.settings.modbus_devices or (
            DEMO_DEVICES if self.settings.simulate else None
        )
        if devices_file is not None:
            devices = await asyncio.to_thread(self._devices, devices_file)
            self.modbus = ModbusIngress(devices, self.engine.queue, simulate=self.settings.simulate)
            await self.modbus.start()
            polled = devices.sensor_codes
        if self.settings.simulate:
            self.demo = DemoDevices(self.factory, self.mqtt_url, polled)
            await self.demo.start()
        self.tasks = [
            asyncio.create_task(self.engine.run(), name="live-engine"),
            asyncio.create_task(self.engine.sweep_stale(), name="stale-sweep"),
            asyncio.create_task(self._maintain(), name="maintenance"),
            asyncio.create_task(self.notifier.run(), name="notifier"),
            asyncio.create_task(self._escalate(), name="escalation"),
            asyncio.create_task(self.incidents.run(), name="incidents"),
            asyncio.create_task(self.drills.run(), name="drills"),
            asyncio.create_task(self._watch_ingest(), name="ingest-watchdog"),
            asyncio.create_task(self._watch_feeds(), name="feeds"),
        ]
        log.info("live data plane on %s", redacted(self.mqtt_url))

    def _start_ingest(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self.engine.queue

        def enqueue(items: Sequence[Item], ack: Ack) -> None:
            # Only the last envelope acknowledges: batches are stored in queue order.
            last = len(items) - 1
            for i, item in enumerate(items):
                queue.put_nowait(Envelope(item, ack if i == last else None))

        def sink(items: Sequence[Item], ack: Ack) -> None:
            loop.call_soon_threadsafe(enqueue, items, ack)

        self.ingest = MqttIngest(
            self.mqtt_url,
            self.settings.mqtt_client_id,
            sink,
            shared_group=self.settings.mqtt_shared_group,
        )
        self.ingest.start()
        self.feeds.declare(MQTT_FEED, "mqtt", None, "MQTT 接入 / MQTT ingest")

    async def _watch_ingest(self) -> None:
        """The consumer watchdog. The socket can look up while the consumer is stuck (a
        callback that never returns: paho's thread handles nothing more, acknowledges
        nothing, and the broker still holds the connection). The probe the consumer
        sends itself must come back; when nothing is handled for the stuck limit, the
        client is abandoned and a new one takes its session over."""
        rules = self.feeds.rules
        while True:
            await asyncio.sleep(rules.probe_every_s)
            ingest = self.ingest
            if ingest is None:
                continue
            ingest.probe()
            idle_s = time.monotonic() - ingest.handled_at
            if not ingest.connected.is_set():
                self.feeds.fail(MQTT_FEED, f"not connected to {redacted(self.mqtt_url)}")
            elif idle_s > rules.stuck_after_s:
                self.counters["ingest_restarts"] += 1
                reason = f"consumer stuck: nothing handled for {idle_s:.0f} s; restarted"
                log.error("MQTT %s", reason)
                self.feeds.fail(MQTT_FEED, reason)
                ingest.abandon()
                self._start_ingest()
            else:
                self.feeds.seen(MQTT_FEED, datetime.now(UTC) - timedelta(seconds=idle_s))

    async def _watch_feeds(self, period_s: float = FEEDS_EVERY_S) -> None:
        """Judge every feed each second; a change reaches the maps, the log and, for a
        feed that went down, an alarm. A change not recorded (the database away) is
        recorded with the next."""
        while True:
            await asyncio.sleep(period_s)
            self._modbus_seen()
            changed = self._unrecorded + self.feeds.evaluate()
            if not changed:
                continue
            try:
                await asyncio.to_thread(self._record_feeds, changed)
                self._unrecorded = []
            except Exception:
                self._unrecorded = changed
                log.exception("feed changes not recorded; retrying")

    def _modbus_seen(self) -> None:
        modbus = self.modbus
        if modbus is None or modbus.poller is None:
            return
        site = modbus.devices.site
        for source, status in modbus.poller.status.items():
            name = modbus.names.get(source, source)
            key = f"modbus:{site}:{name}"
            self.feeds.declare(key, "modbus", site, f"Modbus {name}")
            if status.last_ok_at is not None:
                self.feeds.seen(key, status.last_ok_at)
            if status.last_error and status.consecutive_failures:
                feed = self.feeds.get(key)
                if feed is not None and feed.state != "live":
                    self.feeds.fail(key, status.last_error)

    def _record_feeds(self, changed: list[Feed]) -> None:
        with session_scope(self.factory) as session:
            feed_service.record_changes(session, self.engine.rules, changed)

    async def _maintain(self, period_s: float = MAINTENANCE_EVERY_S) -> None:
        """Rollups and retention in the background (idempotent, so several workers may)."""
        while True:
            try:
                report = await asyncio.to_thread(self._maintain_once)
                if report.dropped_partitions:
                    log.info("retention dropped %s", ", ".join(report.dropped_partitions))
            except Exception:
                log.exception("maintenance failed; retrying next period")
            await asyncio.sleep(period_s)

    async def _escalate(self, period_s: float = ESCALATION_CHECK_S) -> None:
        """Notify the next level about alarms nobody acknowledged in time."""
        while True:
            await asyncio.sleep(period_s)
            try:
                escalated = await asyncio.to_thread(self._escalate_once)
            except Exception:
                log.exception("escalation check failed")
                continue
            for level, site, payload in escalated:
                self.notifier.notify(level, {"site": site, "escalated": True, **payload})

    def _escalate_once(self) -> list[tuple[int, str, dict[str, Any]]]:
        with session_scope(self.factory) as session:
            sites = {s.id: s.code for s in session.scalars(select(Site))}
            return [
                (a.escalation_level, sites[a.site_id], alarm_service.as_dict(a))
                for a in raising.due_for_escalation(session, self.engine.rules, datetime.now(UTC))
            ]

    def _partitions_ahead(self) -> None:
        with session_scope(self.factory) as session:
            store.ensure_partitions_ahead(session.connection())

    def _maintain_once(self) -> maintenance.MaintenanceReport:
        since, self.engine.oldest_new_ts = self.engine.oldest_new_ts, None
        with session_scope(self.factory) as session:
            conn = session.connection()
            store.ensure_partitions_ahead(conn)
            return maintenance.maintain(
                conn,
                self.settings.raw_retention_days,
                self.settings.rollup_retention_days,
                since=since,
            )

    def _devices(self, path: Path) -> SiteDevices:
        with session_scope(self.factory) as session:
            return load_site_devices(session, path)

    async def stop(self) -> None:
        """Each part gets the shutdown grace: a part that hangs is left behind, never the
        process."""
        grace = self.settings.shutdown_grace_s
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, grace)
        parts: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
        if self.demo is not None:
            parts.append(("demo devices", self.demo.stop))
        if self.modbus is not None:
            parts.append(("modbus", self.modbus.stop))
        if self.ingest is not None:
            parts.append(("mqtt ingest", lambda: asyncio.to_thread(self.ingest_stop)))
        if self.broker is not None:
            broker = self.broker
            parts.append(("broker", lambda: asyncio.to_thread(broker.stop)))
        for name, stop in parts:
            try:
                await asyncio.wait_for(stop(), grace)
            except TimeoutError:
                log.error("%s did not stop within %.0f s; left behind", name, grace)
            except Exception:
                log.exception("%s failed to stop", name)

    def ingest_stop(self) -> None:
        if self.ingest is not None:
            self.ingest.stop()
