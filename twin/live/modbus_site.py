"""Modbus devices of a site from a YAML file, bound to the site's sensors; for the demo,
the same devices served by the pymodbus simulator with believable values."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from devices.modbus import ChannelBinding, DeviceConfig, ModbusPoller, load_register_maps
from devices.modbus.registers import RegisterMap
from devices.simulators.modbus_device import ModbusDeviceSimulator, SimulatedDevice
from devices.values import Reading
from twin.errors import NotFound
from twin.live.engine import Envelope
from twin.plant.models import Sensor
from twin.sites.service import get_site

DEMO_DEVICES = Path(__file__).resolve().parents[2] / "data" / "demo" / "modbus-devices.yaml"


@dataclass(frozen=True)
class SiteDevices:
    site: str
    devices: list[dict[str, Any]]
    ranges: dict[str, tuple[float, float]]

    @property
    def sensor_codes(self) -> set[str]:
        return {code for d in self.devices for code in d["channels"].values()}

    def configs(self, served_at: tuple[str, int] | None = None) -> list[DeviceConfig]:
        """Poller configuration; ``served_at`` replaces every address (the simulator)."""
        return [
            DeviceConfig(
                host=served_at[0] if served_at else d["host"],
                port=served_at[1] if served_at else d.get("port", 502),
                device_id=d["device_id"],
                model=d["model"],
                poll_interval_s=d.get("poll_interval_s", 1.0),
                channels={
                    ch: ChannelBinding(
                        site=self.site,
                        sensor=code,
                        range_min=self.ranges[code][0],
                        range_max=self.ranges[code][1],
                    )
                    for ch, code in d["channels"].items()
                },
            )
            for d in self.devices
        ]


def load_site_devices(session: Session, path: Path) -> SiteDevices:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    site = get_site(session, doc["site"])
    wanted = {code for d in doc["devices"] for code in d["channels"].values()}
    rows = session.execute(
        select(Sensor.code, Sensor.range_min, Sensor.range_max).where(
            Sensor.site_id == site.id, Sensor.code.in_(wanted)
        )
    ).all()
    ranges = {code: (lo, hi) for code, lo, hi in rows}
    missing = sorted(wanted - set(ranges))
    if missing:
        raise NotFound(f"{path.name}: no sensors {', '.join(missing)} at site {site.code!r}")
    return SiteDevices(site.code, doc["devices"], ranges)


def _simulated(devices: SiteDevices, maps: dict[str, RegisterMap]) -> list[SimulatedDevice]:
    """Quiet plant values: detectors just above 4 mA, a sphere half full at normal pressure."""
    out = []
    for i, d in enumerate(devices.devices):
        sim = SimulatedDevice(d["device_id"], maps[d["model"]], seed=i)
        for channel, code in d["channels"].items():
            lo, hi = devices.ranges[code]
            if maps[d["model"]].point(channel).kind.value == "current_ma":
                sim.set_current_ma(channel, 4.1)
                sim.set_noise(channel, 0.02)
            else:
                sim.set_value(
                    channel, lo + 0.5 * (hi - lo) if channel == "level" else lo + 0.35 * (hi - lo)
                )
                sim.set_noise(channel, 0.002 * (hi - lo))
        out.append(sim)
    return out


class ModbusIngress:
    """Poll a site's Modbus devices into the engine's queue (and serve them, for the demo)."""

    def __init__(
        self, devices: SiteDevices, engine_queue: asyncio.Queue[Envelope], *, simulate: bool
    ) -> None:
        self.devices, self.engine_queue, self.simulate = devices, engine_queue, simulate
        self.maps = load_register_maps()
        self.simulator: ModbusDeviceSimulator | None = None
        self.poller: ModbusPoller | None = None
        self.readings: asyncio.Queue[Reading] = asyncio.Queue()
        self._bridge: asyncio.Task[None] | None = None
        self.names: dict[str, str] = {}

    async def start(self) -> None:
        served_at = None
        if self.simulate:
            self.simulator = ModbusDeviceSimulator(_simulated(self.devices, self.maps))
            await self.simulator.start()
            served_at = ("127.0.0.1", self.simulator.port)
        configs = self.devices.configs(served_at)
        # A device's name in the site's file, by the poller's key for it (host:port/unit).
        self.names = {
            c.source: str(d.get("name", c.source))
            for c, d in zip(configs, self.devices.devices, strict=True)
        }
        self.poller = ModbusPoller(configs, self.readings, register_maps=self.maps)
        await self.poller.start()
        self._bridge = asyncio.create_task(self._forward(), name="modbus-bridge")

    async def _forward(self) -> None:
        while True:
            reading = await self.readings.get()
            # Polled values are not redelivered by anyone: nothing to acknowledge.
            self.engine_queue.put_nowait(Envelope(reading, None))

    async def stop(self) -> None:
        if self._bridge is not None:
            self._bridge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._bridge
        if self.poller is not None:
            await self.poller.stop()
        if self.simulator is not None:
            await self.simulator.stop()
