"""A plant's field devices over MQTT: gas detectors, process instruments, wind.

Believable rather than random: detectors sit near zero with noise and slow drift, now
and then a leak builds up around one hazardous installation and decays, a detector
sometimes faults (bad quality, never a fake zero), tank levels wander slowly. A gateway
publishes every sensor of the site as one QoS 1 batch per interval, with a retained
status and a last will, as field gateways do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from devices.simulators.mqtt_device import SimulatedMqttDevice

__all__ = ["PlantSimulator", "SimSensor"]

# Mean seconds between leak events and how long one lasts (ramp up, hold, decay).
LEAK_EVERY_S = 300.0
LEAK_LASTS_S = 90.0
# Chance per sensor per interval of starting a 20 s fault (about one every 15 minutes
# somewhere on a 60-sensor site at a 2 s interval).
FAULT_CHANCE = 0.00004
FAULT_LASTS_S = 20.0

# The site's prevailing wind comes from the south-east (Changzhou climate, see the demo
# layout's assembly points).
PREVAILING_WIND_FROM_DEG = 135.0


@dataclass
class SimSensor:
    code: str
    kind: str
    unit: str
    range_min: float
    range_max: float
    alarm_high_2: float | None = None
    zone: str | None = None
    alarm_high_1: float | None = None
    state: float = 0.0
    drift: float = 0.0
    fault_until: float = 0.0

    @property
    def span(self) -> float:
        return self.range_max - self.range_min

    @property
    def normal_max(self) -> float:
        """Where a healthy process value stays below: under its first alarm level."""
        ceiling = self.range_max - 0.2 * self.span
        if self.alarm_high_1 is not None:
            ceiling = min(ceiling, self.alarm_high_1 - 0.1 * self.span)
        return ceiling


@dataclass
class Leak:
    zone: str
    started: float
    peak_fraction: float  # of the detectors' second-level set point


@dataclass
class PlantSimulator:
    """Publish readings for ``sensors`` of ``site`` every ``interval_s`` until stopped."""

    mqtt_url: str
    site: str
    sensors: list[SimSensor]
    interval_s: float = 2.0
    seed: int = 0
    leaks: list[Leak] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.device = SimulatedMqttDevice(
            self.mqtt_url,
            self.site,
            "sim-gateway",
            self.interval_s,
            lambda now: [(f"twin/{self.site}/sensors", self.tick(now))],
        )
        for s in self.sensors:
            s.state = self._baseline(s)

    def start(self) -> None:
        self.device.start()

    def stop(self) -> None:
        self.device.stop()

    def _baseline(self, s: SimSensor) -> float:
        if s.kind == "oxygen":
            return 20.9
        if s.kind == "level":
            return s.range_min + s.span * float(self.rng.uniform(0.3, 0.8))
        if s.kind in ("temperature", "pressure", "flow"):
            low = s.range_min + 0.2 * s.span
            return float(self.rng.uniform(low, max(low, s.normal_max)))
        if s.kind == "wind" and s.unit == "°":
            return PREVAILING_WIND_FROM_DEG
        if s.kind == "wind":
            return 3.0
        return s.range_min + s.span * 0.01

    def tick(self, now: float) -> list[dict[str, object]]:
        """One interval's readings (also usable without a broker, for tests)."""
        self._maybe_leak(now)
        ts = datetime.fromtimestamp(now, tz=UTC).isoformat()
        out: list[dict[str, object]] = []
        for s in self.sensors:
            if s.fault_until > now:
                out.append({"sensor": s.code, "ts": ts, "value": None, "quality": "bad"})
                continue
            if self.rng.random() < FAULT_CHANCE:
                s.fault_until = now + FAULT_LASTS_S
            out.append({"sensor": s.code, "ts": ts, "value": round(self._value(s, now), 3)})
        return out

    def _maybe_leak(self, now: float) -> None:
        self.leaks = [lk for lk in self.leaks if now - lk.started < LEAK_LASTS_S]
        zones = sorted({s.zone for s in self.sensors if s.kind == "gas" and s.zone})
        chance = self.interval_s / LEAK_EVERY_S
        if zones and not self.leaks and self.rng.random() < chance:
            zone = zones[int(self.rng.integers(len(zones)))]
            self.leaks.append(Leak(zone, now, float(self.rng.uniform(0.6, 1.4))))

    def _value(self, s: SimSensor, now: float) -> float:
        noise = float(self.rng.normal(0, 0.003 * s.span))
        s.drift = max(
            -0.01 * s.span, min(0.01 * s.span, s.drift + float(self.rng.normal(0, 0.0002 * s.span)))
        )
        if s.kind == "gas":
            value = s.range_min + 0.01 * s.span + s.drift + noise
            for leak in self.leaks:
                if leak.zone == s.zone and s.alarm_high_2:
                    # Rise over 20 s, hold, decay: a plume reaching the detector and passing.
                    age = now - leak.started
                    shape = min(1.0, age / 20) * math.exp(-max(0.0, age - 40) / 20)
                    value += leak.peak_fraction * s.alarm_high_2 * shape
            return min(max(value, s.range_min), s.range_max)
        if s.kind == "wind" and s.unit == "°":
            # Veers and backs around where it came from; reported in [0, 360).
            s.state = (s.state + float(self.rng.normal(0, 3.0))) % 360.0
            return round(s.state, 1)
        if s.kind == "wind":
            s.state = min(max(s.state + float(self.rng.normal(0, 0.2)), 0.3), 12.0)
            return s.state
        if s.kind == "oxygen":
            return 20.9 + noise * 0.1
        s.state = min(
            max(s.state + float(self.rng.normal(0, 0.002 * s.span)), s.range_min + 0.05 * s.span),
            s.normal_max,
        )
        return s.state + noise * 0.2
