"""The MQTT plant simulator's readings, without a broker (its ``tick``)."""

from __future__ import annotations

from devices.simulators import plant_mqtt
from devices.simulators.plant_mqtt import Leak, PlantSimulator, SimSensor


def gas() -> SimSensor:
    return SimSensor("GD-1", "gas", "ppm", 0, 100, alarm_high_2=56, zone="Z-TF1", alarm_high_1=28)


def temperature() -> SimSensor:
    return SimSensor("TT-1", "temperature", "°C", 0, 100, alarm_high_1=40)


def _sim(*sensors: SimSensor) -> PlantSimulator:
    # Port 1 never answers: the simulator only connects when started, and is not here.
    return PlantSimulator("mqtt://127.0.0.1:1", "demo", list(sensors), seed=1)


def test_quiet_plant_stays_below_alarm_levels() -> None:
    sim = _sim(gas(), temperature())
    for i in range(2000):
        sim.leaks = []  # no leaks in this test
        for reading in sim.tick(1_000_000 + 2 * i):
            if reading["value"] is not None:
                limit = 28 if reading["sensor"] == "GD-1" else 40
                assert 0 <= reading["value"] < limit


def test_a_leak_pushes_its_zone_past_the_second_level_and_passes() -> None:
    sim = _sim(gas())
    start = 1_000_000.0
    sim.leaks = [Leak("Z-TF1", start, peak_fraction=1.2)]
    values = [sim.tick(start + t)[0]["value"] for t in range(0, 200, 2)]
    assert max(v for v in values if v is not None) > 56
    assert values[-1] is not None and values[-1] < 5


def test_faults_are_bad_quality_without_a_value(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(plant_mqtt, "FAULT_CHANCE", 1.0)
    sim = _sim(gas())
    sim.tick(1_000_000)
    faulted = sim.tick(1_000_002)[0]
    assert faulted["quality"] == "bad" and faulted["value"] is None
