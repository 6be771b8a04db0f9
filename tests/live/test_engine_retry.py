"""A batch that fails is retried from the same in-memory state: no alarm is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from devices.values import Reading
from tests.live.conftest import recent
from twin.alarms import raising
from twin.alarms.models import Alarm
from twin.alarms.rules import load_rules
from twin.db import make_sessionmaker
from twin.events.bus import Bus
from twin.live.engine import Envelope, LiveEngine
from twin.live.plane import RULES
from twin.plant.models import Sensor


def test_a_failed_batch_is_evaluated_again_from_the_same_state(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus = Bus()
    factory = make_sessionmaker(engine, bus=bus)
    sub = bus.subscribe("demo")
    live = LiveEngine(factory, load_rules(RULES))
    with factory() as session:
        sensor = session.scalars(
            select(Sensor)
            .where(Sensor.kind == "gas", Sensor.alarm_high_2.is_not(None))
            .order_by(Sensor.code)
        ).all()[5]
    t0, value = recent(600), sensor.alarm_high_2 * 1.5

    def batch(*offsets_s: float) -> list[Envelope]:
        return [
            Envelope(Reading("demo", sensor.code, t0 + timedelta(seconds=s), value))
            for s in offsets_s
        ]

    live._process(batch(0.0))  # the condition starts; the on-delay runs
    real_apply, calls = raising.apply, {"n": 0}

    def failing_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away mid-batch")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(raising, "apply", failing_once)
    drain = lambda: [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]  # noqa: E731
    drain()
    with pytest.raises(RuntimeError):
        live._process(batch(2.5))
    assert drain() == [], "a batch rolled back publishes nothing"
    live._process(batch(2.5))  # the engine's retry of the same batch
    raised = [e["alarm"] for e in drain() if e["type"] == "alarm"]
    assert {a["kind"] for a in raised} >= {"high_1", "high_2"}
    with factory() as session:
        stored = session.scalars(
            select(Alarm).where(
                Alarm.sensor_id == sensor.id, Alarm.raised_utc == t0 + timedelta(seconds=2.5)
            )
        ).all()
    kinds = [a.kind for a in stored]
    assert kinds.count("high_1") == 1 and kinds.count("high_2") == 1  # once each, not lost
