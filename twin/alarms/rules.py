"""The alarm conditions of one sensor, evaluated reading by reading.

Pure and deterministic: the same readings in the same order give the same transitions,
which is what makes a replay of a past period show exactly what happened. Time is the
readings' own timestamps, never the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

Kind = Literal["high_2", "high_1", "low", "fault", "rate", "stale", "flood"]


class AlarmRules(BaseModel):
    """Engine tuning loaded from ``data/rules/alarm_engine.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    deadband_pct_span: float
    on_delay_s: float
    fault_on_delay_s: float
    stale_intervals: int
    expected_interval_s: float
    rate_pct_span_per_s: float
    out_of_range_pct_span: float
    flood_min_detectors: int
    flood_window_s: float
    priorities: dict[str, int]
    escalation_after_min: list[float]


def load_rules(path: Path) -> AlarmRules:
    return AlarmRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class SetPoints:
    range_min: float
    range_max: float
    alarm_low: float | None
    alarm_high_1: float | None
    alarm_high_2: float | None
    # A direction in degrees wraps around (359° → 1° is a 2° change): no rate-of-change alarm.
    angular: bool = False

    @property
    def span(self) -> float:
        return self.range_max - self.range_min


@dataclass(frozen=True, slots=True)
class Transition:
    """``raise`` or ``clear`` of one alarm kind at one instant."""

    action: Literal["raise", "clear"]
    kind: Kind
    ts_utc: datetime
    value: float | None
    setpoint: float | None


@dataclass
class SensorConditions:
    """Which alarm kinds are active for a sensor, and which are waiting out their delay."""

    active: set[str] = field(default_factory=set)
    pending_since: dict[str, datetime] = field(default_factory=dict)
    last_value: float | None = None
    last_ts: datetime | None = None
    # Any reading, good or bad, proves the device alive; staleness counts from here.
    last_seen: datetime | None = None

    def clone(self) -> SensorConditions:
        """A copy to roll back to when the batch that changes this state is not stored."""
        return SensorConditions(
            set(self.active),
            dict(self.pending_since),
            self.last_value,
            self.last_ts,
            self.last_seen,
        )

    def evaluate(
        self, rules: AlarmRules, points: SetPoints, ts: datetime, value: float | None, quality: str
    ) -> list[Transition]:
        out: list[Transition] = []
        self.last_seen = ts if self.last_seen is None else max(self.last_seen, ts)
        if self._quiet(rules, points, ts, value, quality):
            return out
        deadband = points.span * rules.deadband_pct_span / 100
        bad = quality == "bad" or value is None
        # Each condition: (kind, tripped now, still held inside the deadband, set point).
        checks: list[tuple[Kind, bool, bool, float | None, float]] = [
            ("fault", bad, bad, None, rules.fault_on_delay_s)
        ]
        if not bad:
            assert value is not None
            for kind, sp, high in (
                ("high_2", points.alarm_high_2, True),
                ("high_1", points.alarm_high_1, True),
                ("low", points.alarm_low, False),
            ):
                if sp is None:
                    continue
                tripped = value >= sp if high else value <= sp
                held = value > sp - deadband if high else value < sp + deadband
                checks.append((kind, tripped, held, sp, rules.on_delay_s))  # type: ignore[arg-type]
            rising = None if points.angular else self._rate(value, ts)
            limit = points.span * rules.rate_pct_span_per_s / 100
            if rising is not None:
                checks.append(("rate", rising >= limit, rising >= limit / 2, limit, 0.0))
            self.last_value, self.last_ts = value, ts
        if "stale" in self.active:
            out.append(Transition("clear", "stale", ts, value, None))
            self.active.discard("stale")
        for kind, tripped, held, setpoint, delay in checks:
            out += self._step(kind, tripped, held, setpoint, delay, ts, value)
        return out

    def _quiet(
        self, rules: AlarmRules, points: SetPoints, ts: datetime, value: float | None, quality: str
    ) -> bool:
        """Nothing active, nothing pending, nothing tripped: the common case, answered
        without building the condition list (it is most of the engine's time at full rate).
        """
        if self.active or self.pending_since or value is None or quality == "bad":
            return False
        if (
            (points.alarm_high_2 is not None and value >= points.alarm_high_2)
            or (points.alarm_high_1 is not None and value >= points.alarm_high_1)
            or (points.alarm_low is not None and value <= points.alarm_low)
        ):
            return False
        rising = None if points.angular else self._rate(value, ts)
        if rising is not None and rising >= points.span * rules.rate_pct_span_per_s / 100:
            return False
        self.last_value, self.last_ts = value, ts
        return True

    def _rate(self, value: float, ts: datetime) -> float | None:
        if self.last_value is None or self.last_ts is None:
            return None
        dt = (ts - self.last_ts).total_seconds()
        return (value - self.last_value) / dt if dt > 0 else None

    def _step(
        self,
        kind: Kind,
        tripped: bool,
        held: bool,
        setpoint: float | None,
        delay_s: float,
        ts: datetime,
        value: float | None,
    ) -> list[Transition]:
        if kind in self.active:
            if not held:
                self.active.discard(kind)
                return [Transition("clear", kind, ts, value, setpoint)]
            return []
        if not tripped:
            self.pending_since.pop(kind, None)
            return []
        since = self.pending_since.setdefault(kind, ts)
        if (ts - since).total_seconds() >= delay_s:
            self.pending_since.pop(kind, None)
            self.active.add(kind)
            return [Transition("raise", kind, ts, value, setpoint)]
        return []

    def check_stale(self, rules: AlarmRules, now: datetime) -> Transition | None:
        """Raise ``stale`` when no reading came for ``stale_intervals`` intervals."""
        if self.last_seen is None or "stale" in self.active:
            return None
        limit_s = rules.stale_intervals * rules.expected_interval_s
        if (now - self.last_seen).total_seconds() > limit_s:
            self.active.add("stale")
            return Transition("raise", "stale", now, self.last_value, None)
        return None
