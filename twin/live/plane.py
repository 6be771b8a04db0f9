"""The live data plane inside the app: broker, MQTT ingest, engine and stale sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from devices.mqtt.client import Ack, Item, MqttIngest
from devices.simulators.plant_mqtt import PlantSimulator, SimSensor
from devices.simulators.walkers import WalkerSimulator
from twin.alarms import raising
from twin.alarms import service as alarm_service
from twin.alarms.notify import CHANNELS, Notifier
from twin.alarms.rules import load_rules
from twin.config import Settings
from twin.db import session_scope
from twin.drills.live import DrillRunner
from twin.embedded.mosquitto import PrivateBroker, resolve_broker
from twin.incidents.live import IncidentLoop
from twin.live.bus import Bus
from twin.live.engine import Envelope, LiveEngine
from twin.live.modbus_site import DEMO_DEVICES, ModbusIngress, SiteDevices, load_site_devices
from twin.people import service as people_service
from twin.plant.models import Sensor
from twin.readings import maintenance, store
from twin.sites.models import Site
from twin.sites.service import get_site

log = logging.getLogger("twin.live")
DEMO_SITE = "demo"
ESCALATION_CHECK_S = 15.0
MAINTENANCE_EVERY_S = 60.0
SWITCH_INTERVAL_S = 0.001
_EDGES = text("""
SELECT from_node, to_node, ST_X(a), ST_Y(a), ST_X(b), ST_Y(b), kind
FROM (SELECT from_node, to_node, kind,
             ST_Transform(ST_StartPoint(geom), :srid) AS a,
             ST_Transform(ST_EndPoint(geom), :srid) AS b
      FROM route_edges WHERE site_id = :site) AS e
""")
# People stop to work next to the equipment: its points, in metres.
_SPOTS = text("""
SELECT ST_X(ST_Transform(geom, :srid)), ST_Y(ST_Transform(geom, :srid))
FROM equipment WHERE site_id = :site
""")
RULES = Path(__file__).resolve().parents[2] / "data" / "rules" / "alarm_engine.yaml"


class LivePlane:
    def __init__(self, settings: Settings, factory: sessionmaker[Session], bus: Bus) -> None:
        self.settings, self.factory, self.bus = settings, factory, bus
        urls = [settings.notify_webhook_url, *settings.escalation_webhook_urls]
        self.notifier = Notifier([[CHANNELS["webhook"](u)] if u else [] for u in urls])
        self.engine = LiveEngine(factory, load_rules(RULES), bus, self.notifier)
        self.incidents = IncidentLoop(factory, bus)
        self.drills = DrillRunner(factory, bus, self.engine.rules)
        self.broker: PrivateBroker | None = None
        self.ingest: MqttIngest | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.simulator: PlantSimulator | None = None
        self.walkers: WalkerSimulator | None = None
        self.modbus: ModbusIngress | None = None
        self.mqtt_url = ""

    async def start(self) -> None:
        # paho's network thread, the engine's worker thread and the event loop hand each
        # reading on under one GIL; the default 5 ms switch interval adds up to 5 ms per
        # hand-over to an alarm's way to the screen.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        with session_scope(self.factory) as session:
            store.ensure_partitions_ahead(session.connection())
        self.mqtt_url, self.broker = await asyncio.to_thread(
            resolve_broker, self.settings.mqtt_url, self.settings.data_dir
        )
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
        polled: set[str] = set()
        devices_file = self.settings.modbus_devices or (
            DEMO_DEVICES if self.settings.simulate else None
        )
        if devices_file is not None:
            devices = await asyncio.to_thread(self._devices, devices_file)
            self.modbus = ModbusIngress(devices, queue, simulate=self.settings.simulate)
            await self.modbus.start()
            polled = devices.sensor_codes
        if self.settings.simulate:
            self.simulator = await asyncio.to_thread(self._simulator, polled)
            self.simulator.start()
            self.walkers = await asyncio.to_thread(self._walkers)
            if self.walkers is not None:
                self.walkers.start()
        self.tasks = [
            asyncio.create_task(self.engine.run(), name="live-engine"),
            asyncio.create_task(self.engine.sweep_stale(), name="stale-sweep"),
            asyncio.create_task(self._maintain(), name="maintenance"),
            asyncio.create_task(self.notifier.run(), name="notifier"),
            asyncio.create_task(self._escalate(), name="escalation"),
            asyncio.create_task(self.incidents.run(), name="incidents"),
            asyncio.create_task(self.drills.run(), name="drills"),
        ]
        log.info("live data plane on %s", self.mqtt_url)

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

    def _simulator(self, polled: set[str]) -> PlantSimulator:
        """MQTT devices for every demo sensor that no Modbus device already measures."""
        with session_scope(self.factory) as session:
            site = get_site(session, DEMO_SITE)
            rows = session.scalars(
                select(Sensor).where(Sensor.site_id == site.id, Sensor.code.not_in(polled))
            ).all()
            sensors = [
                SimSensor(
                    s.code,
                    s.kind,
                    s.unit,
                    s.range_min,
                    s.range_max,
                    alarm_high_2=s.alarm_high_2,
                    zone=s.zone_code,
                    alarm_high_1=s.alarm_high_1,
                )
                for s in rows
            ]
        return PlantSimulator(self.mqtt_url, DEMO_SITE, sensors)

    def _walkers(self) -> WalkerSimulator | None:
        """The demo's tagged people walking its route network (site metric CRS)."""
        with session_scope(self.factory) as session:
            site = get_site(session, DEMO_SITE)
            edges = [
                (a, b, (x1, y1), (x2, y2), kind)
                for a, b, x1, y1, x2, y2, kind in session.execute(
                    _EDGES, {"site": site.id, "srid": site.metric_srid}
                )
            ]
            spots = [
                (x, y)
                for x, y in session.execute(_SPOTS, {"site": site.id, "srid": site.metric_srid})
            ]
            tags = [(t.code, t.person_kind) for t in people_service.list_tags(session, site)]
        if not edges or not tags:
            return None
        return WalkerSimulator(self.mqtt_url, DEMO_SITE, edges, tags, work_spots=spots)

    async def stop(self) -> None:
        if self.walkers is not None:
            await asyncio.to_thread(self.walkers.stop)
        if self.simulator is not None:
            await asyncio.to_thread(self.simulator.stop)
        if self.modbus is not None:
            await self.modbus.stop()
        if self.ingest is not None:
            await asyncio.to_thread(self.ingest.stop)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.broker is not None:
            await asyncio.to_thread(self.broker.stop)
