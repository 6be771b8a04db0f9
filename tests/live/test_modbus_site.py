"""The demo's Modbus devices: served by the pymodbus simulator, polled into the engine
queue, bound to the demo's sensors with their ranges (real TCP on loopback)."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session

from twin.live.engine import Envelope
from twin.live.modbus_site import DEMO_DEVICES, ModbusIngress, load_site_devices


async def _collect(
    ingress: ModbusIngress, queue: asyncio.Queue[Envelope], wanted: set[str], timeout_s: float = 10
) -> dict[str, Envelope]:
    seen: dict[str, Envelope] = {}
    async with asyncio.timeout(timeout_s):
        while not wanted <= set(seen):
            envelope = await queue.get()
            seen[envelope.item.sensor] = envelope
    return seen


def test_demo_modbus_devices_feed_the_engine_queue(session: Session) -> None:
    devices = load_site_devices(session, DEMO_DEVICES)
    assert {"GD-CL2-01", "LT-LPG-01"} <= devices.sensor_codes

    async def scenario() -> tuple[dict[str, Envelope], dict[str, Envelope]]:
        queue: asyncio.Queue[Envelope] = asyncio.Queue()
        ingress = ModbusIngress(devices, queue, simulate=True)
        await ingress.start()
        try:
            quiet = await _collect(ingress, queue, {"GD-CL2-01", "LT-LPG-01", "PT-LPG-01"})
            assert ingress.simulator is not None
            ingress.simulator.device(1).inject_namur_fault("ch1", 2.0)
            while not queue.empty():
                queue.get_nowait()
            faulted: dict[str, Envelope] = {}
            async with asyncio.timeout(10):
                while (
                    faulted.get("GD-CL2-01") is None
                    or faulted["GD-CL2-01"].item.quality.value != "bad"
                ):
                    envelope = await queue.get()
                    faulted[envelope.item.sensor] = envelope
            return quiet, faulted
        finally:
            await ingress.stop()

    quiet, faulted = asyncio.run(scenario())
    chlorine = quiet["GD-CL2-01"].item
    assert chlorine.site == "demo" and chlorine.quality.value == "good"
    assert 0 <= chlorine.value < 0.5  # 4.1 mA on a 0-10 ppm loop
    assert 45 < quiet["LT-LPG-01"].item.value < 55  # the sphere is half full
    assert chlorine.source.startswith("modbus:127.0.0.1:")
    bad = faulted["GD-CL2-01"].item
    assert bad.value is None  # NAMUR NE43 fault: bad quality, never 0 ppm
