"""The stale sweep tells a silent sensor from an engine that is catching up on a backlog."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from devices.values import Reading
from tests.live.conftest import recent
from twin.alarms.models import Alarm
from twin.alarms.rules import load_rules
from twin.db import make_sessionmaker
from twin.live.engine import Envelope, LiveEngine
from twin.live.plane import RULES
from twin.plant.models import Sensor

SWEEP_S = 0.05


def test_a_backlog_raises_no_false_stale_alarm_but_a_quiet_sensor_goes_stale(
    engine: Engine,
) -> None:
    factory = make_sessionmaker(engine)
    live = LiveEngine(factory, load_rules(RULES))
    with factory() as session:
        sensor = session.scalars(
            select(Sensor).where(Sensor.kind == "pressure").order_by(Sensor.code)
        ).first()
        assert sensor is not None
    normal = (sensor.range_min + sensor.range_max) / 2

    def stale_alarms() -> int:
        with factory() as session:
            return len(
                session.scalars(
                    select(Alarm).where(Alarm.sensor_id == sensor.id, Alarm.kind == "stale")
                ).all()
            )

    async def scenario() -> tuple[int, int, int]:
        sweep = asyncio.create_task(live.sweep_stale(SWEEP_S))
        # A broker backlog: every reading the engine gets is a minute old, one second of
        # device time per batch, for ten sweep periods.
        t0 = recent(60)
        for i in range(20):
            readings = [
                Envelope(Reading("demo", sensor.code, t0 + timedelta(seconds=i + k / 10), normal))
                for k in range(10)
            ]
            async with live._lock:
                await asyncio.to_thread(live._process, readings)
            await asyncio.sleep(SWEEP_S / 2)
        during_backlog = await asyncio.to_thread(stale_alarms)
        skipped = live.counters["stale_sweeps_skipped"]
        # The backlog is gone and nothing more arrives: now the sensor is silent.
        await asyncio.sleep(6 * SWEEP_S)
        sweep.cancel()
        return during_backlog, skipped, await asyncio.to_thread(stale_alarms)

    before = stale_alarms()
    during_backlog, skipped, after_quiet = asyncio.run(scenario())
    assert skipped > 0
    assert during_backlog == before
    assert after_quiet == before + 1
