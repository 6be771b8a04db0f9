"""Modbus polling against the real pymodbus TCP server on loopback: no mocks.

The simulator serves the register maps in ``data/devices``; the poller reads them and its
readings are checked the way a user would see them on the live map: value, quality, and
the demo plant's sensor codes.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from devices.modbus import (
    BackoffPolicy,
    ChannelBinding,
    DeviceConfig,
    DevicePoller,
    DeviceState,
    ModbusPoller,
    RegisterMap,
    RegisterMapError,
    load_register_map,
    load_register_maps,
)
from devices.modbus.blocks import Span, plan_reads
from devices.modbus.codec import DataType, decode_registers, encode_registers
from devices.modbus.loop import current_to_engineering
from devices.simulators.modbus_device import ModbusDeviceSimulator, SimulatedDevice
from devices.values import Quality, Reading

T = TypeVar("T")

DATA = Path(__file__).resolve().parents[2] / "data"
MAPS = load_register_maps()
GAS, TANK = "gas-transmitter-4-20ma", "tank-gauge"
# Fast enough for tests, same shape as production: exponential, capped, jittered.
FAST_BACKOFF = BackoffPolicy(initial_s=0.05, max_s=0.2, multiplier=2.0, jitter_ratio=0.2)
TIMEOUT_S = 0.2
SITE = json.loads((DATA / "demo" / "site.json").read_text(encoding="utf-8"))["code"]
SENSORS = {
    feature["properties"]["code"]: feature["properties"]
    for feature in json.loads((DATA / "demo" / "plant.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    if feature["properties"].get("layer") == "sensors"
}
# Demo plant sensors wired to the gas controller's loops.
GAS_WIRING = {"ch1": "GD-LPG-01", "ch2": "GD-NH3-01", "ch3": "GD-CL2-01", "ch4": "GD-O2-01"}
TANK_WIRING = {"level": "LT-NH3-01", "temperature": "TT-NH3-01", "pressure": "PT-NH3-01"}


def seeded(seed: int) -> random.Random:
    """Reproducible backoff jitter."""
    return random.Random(seed)  # noqa: S311 - jitter, not cryptography


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one test scenario, never longer than 10 s."""
    return asyncio.run(asyncio.wait_for(coro, timeout=10))


def binding(code: str, *, with_range: bool = True) -> ChannelBinding:
    """Bind a channel to a demo plant sensor, range from the plant model."""
    sensor = SENSORS[code]
    if not with_range:
        return ChannelBinding(site=SITE, sensor=code)
    return ChannelBinding(
        site=SITE, sensor=code, range_min=sensor["range_min"], range_max=sensor["range_max"]
    )


def gas_config(port: int, device_id: int = 1, **overrides: Any) -> DeviceConfig:
    return DeviceConfig(
        host="127.0.0.1",
        port=port,
        device_id=device_id,
        model=GAS,
        timeout_s=TIMEOUT_S,
        retries=0,
        poll_interval_s=0.05,
        channels={channel: binding(code) for channel, code in GAS_WIRING.items()},
        **overrides,
    )


def tank_config(port: int, device_id: int = 2, model: str = TANK) -> DeviceConfig:
    return DeviceConfig(
        host="127.0.0.1",
        port=port,
        device_id=device_id,
        model=model,
        timeout_s=TIMEOUT_S,
        retries=0,
        channels={ch: binding(code, with_range=False) for ch, code in TANK_WIRING.items()},
    )


def poller_for(config: DeviceConfig, register_map: RegisterMap | None = None) -> DevicePoller:
    return DevicePoller(
        config,
        register_map or MAPS[config.model],
        asyncio.Queue(),
        backoff=FAST_BACKOFF,
        rng=seeded(1),
    )


def by_sensor(readings: list[Reading]) -> dict[str, Reading]:
    return {reading.sensor: reading for reading in readings}


def variant(base: RegisterMap, model: str, **point_changes: Any) -> RegisterMap:
    """A copy of ``base`` under another model name, every point changed alike."""
    raw = base.model_dump(by_alias=True, mode="json")
    raw["model"] = model
    raw["points"] = [{**point, **point_changes} for point in raw["points"]]
    return RegisterMap.model_validate(raw)


# --- register maps, codec, NE43: pure -------------------------------------------------


def test_register_maps_in_data_load_and_group_adjacent_points() -> None:
    assert set(MAPS) == {GAS, TANK}
    gas = MAPS[GAS]
    assert gas.channels == [f"ch{i}" for i in range(1, 9)]
    spans = [span for point in gas.points for span in point.spans()]
    # 8 loops, 8 fault inputs, a shared controller fault and an inhibit word: 4 reads.
    assert [str(block) for block in plan_reads(spans)] == [
        "fc2 0+8",
        "fc2 15+1",
        "fc4 0+8",
        "fc4 16+1",
    ]
    assert [str(b) for b in plan_reads(spans, max_gap=8)] == ["fc2 0+16", "fc4 0+17"]
    assert [str(b) for b in plan_reads([Span(3, a, 2) for a in range(0, 200, 2)])] == [
        "fc3 0+124",
        "fc3 124+76",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "points": [
                    {
                        "channel": "a",
                        "function": 4,
                        "address": 0,
                        "unit": "%LEL",
                        "kind": "current_ma",
                    }
                ]
            },
            "unit must be 'mA'",
        ),
        (
            {
                "points": [
                    {"channel": "a", "function": 4, "address": 0, "unit": "mA"},
                    {"channel": "a", "function": 4, "address": 1, "unit": "mA"},
                ]
            },
            "channel 'a' appears twice",
        ),
        (
            {
                "points": [
                    {"channel": "a", "function": 3, "address": 0, "type": "float32", "unit": "%"},
                    {"channel": "b", "function": 3, "address": 1, "unit": "%"},
                ]
            },
            "both use function 3 register 1",
        ),
        (
            {
                "points": [
                    {
                        "channel": "a",
                        "function": 4,
                        "address": 0,
                        "unit": "mA",
                        "status": [{"label": "fault", "function": 4, "address": 9}],
                    }
                ]
            },
            "give 'bit'",
        ),
        (
            {"points": [{"channel": "a", "function": 4, "adress": 0, "unit": "mA"}]},
            "points.0.adress (channel 'a'): Extra inputs are not permitted",
        ),
        (
            {"points": [{"channel": "a", "function": 5, "address": 0, "unit": "mA"}]},
            "points.0.function (channel 'a')",
        ),
        ({"model": "some-other-model"}, "must match the file name"),
    ],
)
def test_invalid_register_map_is_refused_naming_the_problem(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    raw = {
        "model": "broken",
        "version": "1",
        "points": [{"channel": "a", "function": 4, "address": 0, "unit": "mA"}],
        **change,
    }
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(RegisterMapError, match=r"broken\.yaml") as caught:
        load_register_map(path)
    assert expected in str(caught.value)


@pytest.mark.parametrize("data_type", list(DataType))
@pytest.mark.parametrize("word_order", ["big", "little"])
@pytest.mark.parametrize("byte_order", ["big", "little"])
def test_codec_round_trips_every_type_and_layout(
    data_type: DataType, word_order: Any, byte_order: Any
) -> None:
    value: int | float = {
        DataType.UINT16: 51234,
        DataType.INT16: -1234,
        DataType.UINT32: 3_000_000_123,
        DataType.INT32: -2_000_000_123,
        DataType.FLOAT32: -12.25,
    }[data_type]
    words = encode_registers(value, data_type, word_order, byte_order)
    assert decode_registers(words, data_type, word_order, byte_order) == value


def test_float32_word_and_byte_orders_match_the_usual_layouts() -> None:
    one = DataType.FLOAT32
    assert encode_registers(1.0, one) == [0x3F80, 0x0000]  # ABCD
    assert encode_registers(1.0, one, word_order="little") == [0x0000, 0x3F80]  # CDAB
    assert encode_registers(1.0, one, byte_order="little") == [0x803F, 0x0000]  # BADC
    assert decode_registers([0x0000, 0x803F], one, "little", "little") == 1.0  # DCBA


@pytest.mark.parametrize(
    ("current_ma", "value", "quality"),
    [
        (4.0, 0.0, Quality.GOOD),
        (12.0, 50.0, Quality.GOOD),
        (20.0, 100.0, Quality.GOOD),
        (3.8, -1.25, Quality.GOOD),
        (20.5, 103.125, Quality.GOOD),
        (3.8000000000000003, -1.25, Quality.GOOD),  # 3800 µA × 0.001
        (20.500000000000004, 103.125, Quality.GOOD),
        (3.7, -1.875, Quality.UNCERTAIN),
        (3.6, -2.5, Quality.UNCERTAIN),  # fault is *below* 3.6 mA
        (21.0, 106.25, Quality.UNCERTAIN),  # and *above* 21 mA
        (20.8, 105.0, Quality.UNCERTAIN),
        (3.59, None, Quality.BAD),
        (2.0, None, Quality.BAD),
        (21.01, None, Quality.BAD),
        (22.0, None, Quality.BAD),
        (0.0, None, Quality.BAD),
    ],
)
def test_namur_ne43_bands(current_ma: float, value: float | None, quality: Quality) -> None:
    got_value, got_quality = current_to_engineering(current_ma, 0.0, 100.0)
    assert got_quality is quality
    assert got_value == (None if value is None else pytest.approx(value))


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = seeded(7)
    delays = [FAST_BACKOFF.delay_s(n, rng) for n in range(1, 40)]
    assert 0.04 <= delays[0] <= 0.05
    assert 0.08 <= delays[1] <= 0.1
    assert all(0.16 <= d <= 0.2 for d in delays[2:])
    assert len(set(delays[2:])) > 1, "jitter spreads retries of devices that failed together"


def test_device_config_must_fit_its_register_map() -> None:
    ok = gas_config(502)
    ok.check_against(MAPS[GAS])
    with pytest.raises(ValueError, match="'ch99' not in map"):
        ok.model_copy(update={"channels": {"ch99": binding("GD-LPG-01")}}).check_against(MAPS[GAS])
    no_range = ok.model_copy(update={"channels": {"ch1": binding("GD-LPG-01", with_range=False)}})
    with pytest.raises(ValueError, match="4–20 mA: give its range"):
        no_range.check_against(MAPS[GAS])
    with pytest.raises(ValueError, match="range_max"):
        ChannelBinding(site=SITE, sensor="x", range_min=10, range_max=0)
    with pytest.raises(ValueError, match="no register map for model 'nope'"):
        ModbusPoller([ok.model_copy(update={"model": "nope"})], asyncio.Queue(), register_maps=MAPS)
    with pytest.raises(ValueError, match="configured twice"):
        ModbusPoller([ok, ok], asyncio.Queue(), register_maps=MAPS)


# --- against the real pymodbus server --------------------------------------------------


def test_loop_currents_become_engineering_values_with_plant_codes() -> None:
    async def scenario() -> None:
        gas = SimulatedDevice(1, MAPS[GAS])
        async with ModbusDeviceSimulator([gas]) as sim:
            gas.set_current_ma("ch1", 12.0)  # LPG 0–100 %LEL
            gas.set_current_ma("ch2", 4.0)  # NH3 0–100 ppm
            gas.set_current_ma("ch3", 8.0)  # Cl2 0–10 ppm
            gas.set_current_ma("ch4", 17.44)  # O2 0–25 %vol
            poller = poller_for(gas_config(sim.port))
            before = datetime.now(UTC)
            readings = by_sensor(await poller.poll_once())
            poller.close()
        assert set(readings) == set(GAS_WIRING.values())
        assert readings["GD-LPG-01"].value == pytest.approx(50.0)
        assert readings["GD-NH3-01"].value == pytest.approx(0.0)
        assert readings["GD-CL2-01"].value == pytest.approx(2.5)
        assert readings["GD-O2-01"].value == pytest.approx(21.0)
        for reading in readings.values():
            assert reading.quality is Quality.GOOD
            assert reading.site == SITE
            assert reading.source == f"modbus:127.0.0.1:{sim.port}/1"
            assert reading.ts_utc.tzinfo is UTC and reading.ts_utc >= before
        # Four adjacent loops, their fault bits, controller fault, inhibit word.
        assert poller.counters.reads == 4
        assert poller.status.state is DeviceState.ONLINE

    run(scenario())


def test_float32_decodes_in_both_word_orders() -> None:
    abcd = variant(MAPS[TANK], "tank-gauge-abcd", word_order="big")
    maps = {**MAPS, abcd.model: abcd}

    async def scenario() -> None:
        cdab_unit, abcd_unit = SimulatedDevice(2, MAPS[TANK]), SimulatedDevice(3, abcd)
        async with ModbusDeviceSimulator([cdab_unit, abcd_unit]) as sim:
            for unit in (cdab_unit, abcd_unit):
                unit.set_value("level", 63.5)
                unit.set_value("temperature", -12.25)
                unit.set_value("pressure", 1.234)
            pollers = [
                poller_for(tank_config(sim.port, 2), MAPS[TANK]),
                poller_for(tank_config(sim.port, 3, abcd.model), abcd),
                # The little-endian unit read as if big-endian: proves the order is applied.
                poller_for(tank_config(sim.port, 2, abcd.model), maps[abcd.model]),
            ]
            results = [by_sensor(await poller.poll_once()) for poller in pollers]
            for poller in pollers:
                poller.close()
        for readings in results[:2]:
            assert readings["LT-NH3-01"].value == pytest.approx(63.5)
            assert readings["TT-NH3-01"].value == pytest.approx(-12.25)
            assert readings["PT-NH3-01"].value == pytest.approx(1.234, rel=1e-6)
            assert all(r.quality is Quality.GOOD for r in readings.values())
        assert results[2]["LT-NH3-01"].value != pytest.approx(63.5)

    run(scenario())


def test_namur_fault_currents_are_bad_and_never_zero() -> None:
    async def scenario() -> None:
        gas = SimulatedDevice(1, MAPS[GAS])
        async with ModbusDeviceSimulator([gas]) as sim:
            gas.inject_namur_fault("ch1")  # 2.0 mA: broken loop / detector fault
            gas.inject_namur_fault("ch2", 22.0)
            gas.set_current_ma("ch3", 3.7)  # under-range saturation
            gas.set_current_ma("ch4", 20.8)  # over-range saturation
            poller = poller_for(gas_config(sim.port))
            readings = by_sensor(await poller.poll_once())
            poller.close()
        for code in ("GD-LPG-01", "GD-NH3-01"):
            assert readings[code].quality is Quality.BAD
            assert readings[code].value is None
        assert readings["GD-CL2-01"].quality is Quality.UNCERTAIN
        assert readings["GD-CL2-01"].value == pytest.approx(-0.1875)
        assert readings["GD-O2-01"].quality is Quality.UNCERTAIN
        assert readings["GD-O2-01"].value == pytest.approx(26.25)
        # A detector fault is not a device fault: the controller answered fine.
        assert poller.status.state is DeviceState.ONLINE

    run(scenario())


def test_status_flags_lower_quality() -> None:
    async def scenario() -> list[dict[str, Reading]]:
        gas = SimulatedDevice(1, MAPS[GAS])
        async with ModbusDeviceSimulator([gas]) as sim:
            for channel in GAS_WIRING:
                gas.set_current_ma(channel, 12.0)
            poller = poller_for(gas_config(sim.port))
            gas.set_status("ch1", "loop 1 fault")
            gas.set_status("ch2", "channel 2 inhibited (calibration)")
            flagged = by_sensor(await poller.poll_once())
            gas.set_status("ch1", "loop 1 fault", active=False)
            gas.set_status("ch2", "channel 2 inhibited (calibration)", active=False)
            gas.set_status("ch3", "controller fault")
            controller = by_sensor(await poller.poll_once())
            gas.set_status("ch3", "controller fault", active=False)
            clear = by_sensor(await poller.poll_once())
            poller.close()
        return [flagged, controller, clear]

    flagged, controller, clear = run(scenario())
    assert flagged["GD-LPG-01"].quality is Quality.BAD
    assert flagged["GD-LPG-01"].value is None
    assert flagged["GD-NH3-01"].quality is Quality.UNCERTAIN
    assert flagged["GD-NH3-01"].value == pytest.approx(50.0)
    assert flagged["GD-CL2-01"].quality is Quality.GOOD
    assert all(r.quality is Quality.BAD and r.value is None for r in controller.values())
    assert all(r.quality is Quality.GOOD for r in clear.values())


def test_unanswered_device_goes_offline_and_recovers() -> None:
    async def scenario() -> None:
        gas, tank = SimulatedDevice(1, MAPS[GAS]), SimulatedDevice(2, MAPS[TANK])
        async with ModbusDeviceSimulator([gas, tank]) as sim:
            gas.set_current_ma("ch1", 12.0)
            tank.set_value("level", 40.0)
            gas_poller = poller_for(gas_config(sim.port))
            tank_poller = poller_for(tank_config(sim.port))
            gas.set_silent()
            for attempt in (1, 2):
                readings = await gas_poller.poll_once()
                assert gas_poller.status.state is DeviceState.OFFLINE
                assert gas_poller.status.consecutive_failures == attempt
                assert gas_poller.counters.timeouts == attempt
                assert all(r.quality is Quality.BAD and r.value is None for r in readings)
                assert {r.sensor for r in readings} == set(GAS_WIRING.values())
            status = gas_poller.status
            assert status.next_retry_at is not None and status.next_retry_at > datetime.now(UTC)
            assert "no answer" in (status.last_error or "")
            # The other unit behind the same address keeps answering.
            level = by_sensor(await tank_poller.poll_once())["LT-NH3-01"]
            assert level.quality is Quality.GOOD and level.value == pytest.approx(40.0)

            gas.set_silent(False)
            recovered = by_sensor(await gas_poller.poll_once())
            assert recovered["GD-LPG-01"].value == pytest.approx(50.0)
            assert recovered["GD-LPG-01"].quality is Quality.GOOD
            assert status.state is DeviceState.ONLINE
            assert status.consecutive_failures == 0 and status.next_retry_at is None
            for poller in (gas_poller, tank_poller):
                poller.close()

    run(scenario())


def test_stopped_server_backs_off_then_running_poller_recovers() -> None:
    async def next_reading(queue: asyncio.Queue[Reading], quality: Quality) -> Reading:
        while (reading := await queue.get()).quality is not quality:
            pass
        return reading

    async def scenario() -> None:
        gas = SimulatedDevice(1, MAPS[GAS])
        sim = ModbusDeviceSimulator([gas])
        await sim.start()
        gas.set_current_ma("ch1", 12.0)
        queue: asyncio.Queue[Reading] = asyncio.Queue()
        poller = ModbusPoller(
            [gas_config(sim.port)],
            queue,
            register_maps=MAPS,
            backoff=FAST_BACKOFF,
            rng=seeded(3),
        )
        source = f"modbus:127.0.0.1:{sim.port}/1"
        async with poller:
            assert (await next_reading(queue, Quality.GOOD)).source == source
            await sim.stop()
            bad = await next_reading(queue, Quality.BAD)
            assert bad.value is None
            status, counters = poller.status[source], poller.counters[source]
            delays = []
            while status.consecutive_failures < 4:
                if status.retry_delay_s is not None and status.state is DeviceState.OFFLINE:
                    delays.append(status.retry_delay_s)
                await asyncio.sleep(0.01)
            assert status.state is DeviceState.OFFLINE
            assert counters.connection_errors >= 3
            assert "connection failed" in (status.last_error or "")
            assert max(delays) > min(delays), "the retry delay grows while the device is down"
            assert max(delays) <= FAST_BACKOFF.max_s

            await sim.start()  # same port again
            gas.set_current_ma("ch1", 16.0)
            while (good := await next_reading(queue, Quality.GOOD)).sensor != "GD-LPG-01":
                pass
            assert good.value == pytest.approx(75.0)
            assert status.state is DeviceState.ONLINE and status.next_retry_at is None
            assert counters.polls_ok >= 2
        assert not poller.running
        assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("poll ")]
        await sim.stop()

    run(scenario())


def test_modbus_exception_response_is_counted_and_marks_the_device() -> None:
    extended = RegisterMap.model_validate(
        {
            **MAPS[TANK].model_dump(by_alias=True, mode="json"),
            "model": "tank-gauge-density",
            "points": [
                *MAPS[TANK].model_dump(by_alias=True, mode="json")["points"],
                {
                    "channel": "density",
                    "function": 3,
                    "address": 100,
                    "type": "float32",
                    "unit": "kg/m3",
                },
            ],
        }
    )

    async def scenario() -> None:
        gas, tank = SimulatedDevice(1, MAPS[GAS]), SimulatedDevice(2, MAPS[TANK])
        async with ModbusDeviceSimulator([gas, tank]) as sim:
            gas.set_current_ma("ch1", 12.0)
            tank.set_value("level", 55.0)

            # Injected: the controller refuses every read.
            gas.set_exception()
            poller = poller_for(gas_config(sim.port))
            readings = await poller.poll_once()
            assert poller.counters.exception_responses == len(poller.blocks)
            assert poller.status.state is DeviceState.FAULT
            assert poller.status.failing and poller.status.consecutive_failures == 1
            assert "0x02 (illegal_address)" in (poller.status.last_error or "")
            assert all(r.quality is Quality.BAD and r.value is None for r in readings)
            gas.set_exception(None)
            assert by_sensor(await poller.poll_once())["GD-LPG-01"].value == pytest.approx(50.0)
            assert poller.status.state is DeviceState.ONLINE

            # Genuine: the map names a register the gauge does not have.
            config = tank_config(sim.port, model=extended.model).model_copy(
                update={
                    "channels": {
                        "level": binding("LT-NH3-01", with_range=False),
                        "density": ChannelBinding(site=SITE, sensor="DT-X"),
                    }
                }
            )
            gauge = poller_for(config, extended)
            readings = by_sensor(await gauge.poll_once())
            assert gauge.counters.exception_responses == 1
            assert gauge.status.state is DeviceState.FAULT
            assert readings["DT-X"].quality is Quality.BAD and readings["DT-X"].value is None
            assert readings["LT-NH3-01"].quality is Quality.GOOD
            assert readings["LT-NH3-01"].value == pytest.approx(55.0)
            for p in (poller, gauge):
                p.close()

    run(scenario())


def test_simulator_noise_and_drift() -> None:
    async def scenario() -> tuple[list[float], float]:
        gas = SimulatedDevice(1, MAPS[GAS], seed=5)
        async with ModbusDeviceSimulator([gas]) as sim:
            gas.set_current_ma("ch1", 12.0)
            gas.set_noise("ch1", 0.05)
            gas.set_noise("ch2", 0.0, drift_per_s=20.0)  # mA/s from 4 mA
            poller = poller_for(gas_config(sim.port))
            noisy = []
            for _ in range(5):
                noisy.append(by_sensor(await poller.poll_once())["GD-LPG-01"].value or math.nan)
            await asyncio.sleep(0.1)
            drifted = by_sensor(await poller.poll_once())["GD-NH3-01"].value or math.nan
            poller.close()
        return noisy, drifted

    noisy, drifted = run(scenario())
    assert len(set(noisy)) > 1
    assert all(abs(v - 50.0) < 3.0 for v in noisy)
    assert drifted > 10.0  # ≥ 2 mA of drift on a 0–100 ppm loop
