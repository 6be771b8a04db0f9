"""The demo plant's simulated field devices, started beside the live plane when
``TWIN_SIMULATE`` is set: MQTT gas detectors and gauges for every sensor no Modbus
device measures, and tagged people walking the route network."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from devices.simulators.plant_mqtt import PlantSimulator, SimSensor
from devices.simulators.walkers import WalkerSimulator
from twin.db import session_scope
from twin.people import service as people_service
from twin.plant.models import Sensor
from twin.sites.service import get_site

__all__ = ["DEMO_SITE", "DemoDevices"]

DEMO_SITE = "demo"
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


@dataclass
class DemoDevices:
    """Start with :meth:`start`, stop with :meth:`stop` (both off the event loop)."""

    factory: sessionmaker[Session]
    mqtt_url: str
    polled: set[str] = field(default_factory=set)
    simulator: PlantSimulator | None = None
    walkers: WalkerSimulator | None = None

    async def start(self) -> None:
        self.simulator = await asyncio.to_thread(self._simulator)
        self.simulator.start()
        self.walkers = await asyncio.to_thread(self._walkers)
        if self.walkers is not None:
            self.walkers.start()

    async def stop(self) -> None:
        if self.walkers is not None:
            await asyncio.to_thread(self.walkers.stop)
        if self.simulator is not None:
            await asyncio.to_thread(self.simulator.stop)

    def _simulator(self) -> PlantSimulator:
        """MQTT devices for every demo sensor that no Modbus device already measures."""
        with session_scope(self.factory) as session:
            site = get_site(session, DEMO_SITE)
            rows = session.scalars(
                select(Sensor).where(Sensor.site_id == site.id, Sensor.code.not_in(self.polled))
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
            params = {"site": site.id, "srid": site.metric_srid}
            edges = [
                (a, b, (x1, y1), (x2, y2), kind)
                for a, b, x1, y1, x2, y2, kind in session.execute(_EDGES, params)
            ]
            spots = [(x, y) for x, y in session.execute(_SPOTS, params)]
            tags = [(t.code, t.person_kind) for t in people_service.list_tags(session, site)]
        if not edges or not tags:
            return None
        return WalkerSimulator(self.mqtt_url, DEMO_SITE, edges, tags, work_spots=spots)
