"""The per-sensor alarm conditions, reading by reading (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twin.alarms.rules import SensorConditions, SetPoints, load_rules
from twin.live.plane import RULES

RULES_ = load_rules(RULES)
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
LEL = SetPoints(range_min=0, range_max=100, alarm_low=None, alarm_high_1=25, alarm_high_2=50)


def feed(
    cond: SensorConditions, values: list[float | None], step_s: float = 1.0, quality: str = "good"
) -> list[tuple[float, str, str]]:
    out = []
    for i, v in enumerate(values):
        ts = T0 + timedelta(seconds=i * step_s)
        q = "bad" if v is None else quality
        out += [(i * step_s, t.action, t.kind) for t in cond.evaluate(RULES_, LEL, ts, v, q)]
    return out


def test_on_delay_filters_a_single_spike() -> None:
    # 2 s steps keep the rise (8 %/s) under the rate-of-change limit (10 %/s).
    assert feed(SensorConditions(), [10, 26, 10, 10], step_s=2.0) == []


def test_raise_after_on_delay_and_clear_only_past_the_deadband() -> None:
    events = feed(SensorConditions(), [10, 26, 26, 26, 23.5, 22.5, 10])
    assert ("raise", "high_1") in [(a, k) for _, a, k in events]
    raised_at = next(t for t, a, k in events if (a, k) == ("raise", "high_1"))
    assert raised_at == 3.0  # first above at t=1, held for on_delay_s = 2 s
    cleared_at = next(t for t, a, k in events if (a, k) == ("clear", "high_1"))
    assert cleared_at == 5.0  # 23.5 is inside the 2 %-of-span deadband, 22.5 is not


def test_second_level_raises_both_levels() -> None:
    kinds = {k for _, a, k in feed(SensorConditions(), [60, 60, 60, 60]) if a == "raise"}
    assert {"high_1", "high_2"} <= kinds


def test_bad_quality_is_a_device_fault_not_a_zero() -> None:
    events = feed(SensorConditions(), [None] * 8)
    assert [(a, k) for _, a, k in events] == [("raise", "fault")]
    assert not any(k.startswith("high") for _, _, k in events)


def test_fast_rise_raises_rate_of_change() -> None:
    events = feed(SensorConditions(), [0, 1, 20], step_s=1.0)
    assert ("raise", "rate") in [(a, k) for _, a, k in events]


def test_stale_after_three_missed_intervals_and_clears_on_data() -> None:
    cond = SensorConditions()
    feed(cond, [5])
    assert cond.check_stale(RULES_, T0 + timedelta(seconds=5)) is None
    stale = cond.check_stale(RULES_, T0 + timedelta(seconds=7))
    assert stale is not None and stale.kind == "stale"
    later = cond.evaluate(RULES_, LEL, T0 + timedelta(seconds=8), 5, "good")
    assert [(t.action, t.kind) for t in later] == [("clear", "stale")]


def test_the_quiet_fast_path_changes_no_verdict(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import random

    rng = random.Random(3)  # noqa: S311 - reproducible test data, not secrets
    values: list[float | None] = []
    for _ in range(3000):  # long quiet stretches, leaks, faults, drops
        roll = rng.random()
        values.append(
            None if roll < 0.02 else rng.uniform(40, 70) if roll < 0.15 else rng.uniform(0, 5)
        )
    fast = feed(SensorConditions(), values)
    monkeypatch.setattr(SensorConditions, "_quiet", lambda *a, **k: False)
    slow = feed(SensorConditions(), values)
    assert fast == slow and len(fast) > 50


def test_a_wind_direction_crossing_north_is_no_rate_of_change_alarm() -> None:
    direction = SetPoints(0, 360, None, None, None, angular=True)
    cond = SensorConditions()
    out = [
        t
        for i, deg in enumerate([355.0, 2.0, 358.0, 4.0, 359.5])
        for t in cond.evaluate(RULES_, direction, T0 + timedelta(seconds=2 * i), deg, "good")
    ]
    assert out == []
    # The same jumps on a linear quantity are rates of change.
    linear = SetPoints(0, 360, None, None, None)
    cond = SensorConditions()
    kinds = [
        t.kind
        for i, deg in enumerate([2.0, 358.0])
        for t in cond.evaluate(RULES_, linear, T0 + timedelta(seconds=2 * i), deg, "good")
    ]
    assert kinds == ["rate"]
