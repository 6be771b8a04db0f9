"""Modbus TCP device simulator: a real pymodbus server serving register maps.

One `ModbusDeviceSimulator` listens on a TCP port and answers for one or more
`SimulatedDevice` units (device ids), each laid out per a register map from
``data/devices``. Tests and the demo set loop currents and values, add noise and drift,
raise status flags, inject NAMUR fault currents, make a unit fall silent or answer every
request with a Modbus exception.

Run standalone::

    python -m devices.simulators.modbus_device --port 5020 \\
        --device 1=gas-transmitter-4-20ma --device 2=tank-gauge --set 1:ch1=12 --noise 0.02
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import signal
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType as SimDataType
from pymodbus.simulator import SimData, SimDevice

from devices.modbus.blocks import BIT_FUNCTIONS, REGISTER_FUNCTIONS, Span
from devices.modbus.codec import DataType, encode_registers
from devices.modbus.loop import FAILURE_HIGH_MA, FAILURE_LOW_MA
from devices.modbus.registers import (
    PointKind,
    RegisterMap,
    RegisterPoint,
    StatusBit,
    load_register_maps,
)

__all__ = ["NAMUR_FAULT_MA", "ModbusDeviceSimulator", "SimulatedDevice", "main"]

# What a transmitter typically drives to signal a fault (NE43 asks for ≤ 3.6 mA).
NAMUR_FAULT_MA = 2.0
# Table a function code reads or writes: 1 coils, 2 discrete inputs, 3 holding, 4 input.
_TABLE_OF_FUNCTION = {1: 1, 5: 1, 15: 1, 2: 2, 3: 3, 6: 3, 16: 3, 22: 3, 23: 3, 4: 4}
# Modbus TCP MBAP header: transaction id (2), protocol id (2), length (2), unit id (1).
_MBAP_UNIT_INDEX = 6
# Raw limits of the integer types: a real ADC saturates, it does not wrap.
_INT_LIMITS = {
    DataType.UINT16: (0, 0xFFFF),
    DataType.INT16: (-0x8000, 0x7FFF),
    DataType.UINT32: (0, 0xFFFF_FFFF),
    DataType.INT32: (-0x8000_0000, 0x7FFF_FFFF),
}


@dataclass(slots=True)
class _Signal:
    """A channel's simulated value: set point, drift from when it was set, noise."""

    value: float
    since_s: float
    noise_sigma: float = 0.0
    drift_per_s: float = 0.0

    def at(self, now_s: float, rng: random.Random) -> float:
        noise = rng.gauss(0.0, self.noise_sigma) if self.noise_sigma else 0.0
        return self.value + self.drift_per_s * (now_s - self.since_s) + noise


def _raw_registers(point: RegisterPoint, value: float) -> list[int]:
    """Registers holding ``value`` (in the point's unit) the way the map says to read it."""
    raw = (value - point.offset) / point.scale
    if point.data_type is DataType.FLOAT32:
        return encode_registers(raw, point.data_type, point.word_order, point.byte_order)
    low, high = _INT_LIMITS[point.data_type]
    clamped = min(max(round(raw), low), high)
    return encode_registers(clamped, point.data_type, point.word_order, point.byte_order)


def _runs(addresses: Iterable[int]) -> list[tuple[int, int]]:
    """``(start, count)`` of each run of consecutive addresses."""
    runs: list[tuple[int, int]] = []
    for address in sorted(set(addresses)):
        if runs and address == runs[-1][0] + runs[-1][1]:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((address, 1))
    return runs


def _where(flag: StatusBit) -> tuple[int, int, int | None]:
    return flag.function, flag.address, flag.bit


def _put_bit(registers: list[int], index: int, bit: int, active: bool) -> None:
    if 0 <= index < len(registers):
        mask = 1 << bit
        registers[index] = registers[index] | mask if active else registers[index] & ~mask


class SimulatedDevice:
    """One Modbus unit laid out per a register map, with settable values.

    Values start at the zero of each channel: 4 mA on loops, 0 elsewhere.

    Parameters
    ----------
    device_id : int
        Unit id it answers to.
    register_map : RegisterMap
    seed : int, optional
        Seed of the noise generator.
    """

    def __init__(self, device_id: int, register_map: RegisterMap, *, seed: int | None = None):
        self.device_id = device_id
        self.register_map = register_map
        #: While True the unit receives requests but never answers (timeouts).
        self.silent = False
        #: When set, every request is answered with this Modbus exception code.
        self.exception_code: int | None = None
        self._rng = random.Random(seed)  # noqa: S311 - simulated noise, not cryptography
        now_s = time.monotonic()
        self._signals = {
            point.channel: _Signal(4.0 if point.kind is PointKind.CURRENT_MA else 0.0, now_s)
            for point in register_map.points
        }
        # Keyed by location: points sharing a flag (a controller fault) share its state.
        self._flags: dict[tuple[int, int, int | None], bool] = {
            _where(flag): False for point in register_map.points for flag in point.status
        }

    def set_value(self, channel: str, value: float) -> None:
        """Set ``channel`` in its point's unit (mA for a loop); restarts its drift."""
        point = self.register_map.point(channel)
        if not math.isfinite(value) and point.data_type is not DataType.FLOAT32:
            raise ValueError(f"{channel} is {point.data_type}: it cannot hold {value}")
        state = self._signals[channel]
        state.value, state.since_s = value, time.monotonic()

    def set_current_ma(self, channel: str, current_ma: float) -> None:
        """Drive a 4–20 mA channel's loop current."""
        if self.register_map.point(channel).kind is not PointKind.CURRENT_MA:
            raise ValueError(f"{channel} is not a 4–20 mA channel")
        self.set_value(channel, current_ma)

    def inject_namur_fault(self, channel: str, current_ma: float = NAMUR_FAULT_MA) -> None:
        """Drive a NE43 failure current (default 2.0 mA; e.g. 22.0 for a high fault)."""
        if FAILURE_LOW_MA <= current_ma <= FAILURE_HIGH_MA:
            raise ValueError(f"{current_ma} mA is not a NE43 failure current")
        self.set_current_ma(channel, current_ma)

    def set_noise(self, channel: str, sigma: float, drift_per_s: float = 0.0) -> None:
        """Gaussian noise (standard deviation) and linear drift, in the point's unit."""
        self.register_map.point(channel)  # KeyError naming the known channels
        state, now_s = self._signals[channel], time.monotonic()
        # Keep the drift accumulated so far as the new starting value: no jump.
        state.value += state.drift_per_s * (now_s - state.since_s)
        state.since_s, state.noise_sigma, state.drift_per_s = now_s, sigma, drift_per_s

    def set_status(self, channel: str, label: str, active: bool = True) -> None:
        """Raise (or clear) the status flag ``label`` of ``channel``'s point.

        A flag shared by several points (a controller fault) affects all of them.
        """
        point = self.register_map.point(channel)
        for flag in point.status:
            if flag.label == label:
                self._flags[_where(flag)] = active
                return
        labels = [flag.label for flag in point.status]
        raise KeyError(f"{channel} has no status flag {label!r}; known: {labels}")

    def set_silent(self, silent: bool = True) -> None:
        """Stop (or resume) answering: requests arrive, responses are dropped."""
        self.silent = silent

    def set_exception(self, code: int | None = ExcCodes.ILLEGAL_ADDRESS) -> None:
        """Answer every request with Modbus exception ``code``; None answers normally."""
        self.exception_code = code

    def sim_device(self) -> SimDevice:
        """The pymodbus device definition serving this unit's tables."""
        spans: list[Span] = [span for point in self.register_map.points for span in point.spans()]
        tables = []
        for function in (1, 2, 3, 4):
            addresses = [
                address
                for span in spans
                if span.function == function
                for address in range(span.address, span.end)
            ]
            tables.append(self._table(function, addresses))
        coils, discrete, holding, inputs = tables
        return SimDevice(
            id=self.device_id, simdata=(coils, discrete, holding, inputs), action=self._action
        )

    @staticmethod
    def _table(function: int, addresses: list[int]) -> list[SimData]:
        # Only the map's addresses exist: reading elsewhere gets "illegal data address",
        # as on a real device.
        if function in BIT_FUNCTIONS:
            if not addresses:
                return [SimData(0, values=[False], datatype=SimDataType.BITS, readonly=True)]
            first, last = min(addresses), max(addresses)
            values = [False] * (last - first + 1)
            return [SimData(first, values=values, datatype=SimDataType.BITS, readonly=True)]
        if not addresses:
            return [SimData(0, datatype=SimDataType.INVALID)]
        return [
            SimData(start, count=count, values=0, datatype=SimDataType.REGISTERS, readonly=True)
            for start, count in _runs(addresses)
        ]

    async def _action(
        self,
        function_code: int,
        start_address: int,
        _address: int,
        _count: int,
        registers: list[int],
        _set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """pymodbus hook on every access: answer an exception, or refresh the table."""
        if self.exception_code is not None:
            return ExcCodes(self.exception_code)
        table = _TABLE_OF_FUNCTION.get(function_code)
        if table in REGISTER_FUNCTIONS:
            self._refresh_registers(table, start_address, registers)
        elif table in BIT_FUNCTIONS:
            for (function, address, _bit), active in self._flags.items():
                if function == table:
                    _put_bit(registers, address // 16 - start_address, address % 16, active)
        return None

    def _refresh_registers(self, table: int, start_address: int, registers: list[int]) -> None:
        now_s = time.monotonic()
        for point in self.register_map.points:
            if point.function != table:
                continue
            value = self._signals[point.channel].at(now_s, self._rng)
            for offset, word in enumerate(_raw_registers(point, value)):
                registers[point.address + offset - start_address] = word
        for (function, address, bit), active in self._flags.items():
            if function == table and bit is not None:
                _put_bit(registers, address - start_address, bit, active)


class ModbusDeviceSimulator:
    """A pymodbus TCP server answering for several simulated units.

    Parameters
    ----------
    devices : iterable of SimulatedDevice
        Distinct device ids.
    host : str
        Address to bind; loopback by default.
    port : int
        0 lets the OS choose a free port (read `port` after `start`); a restart reuses
        the port first bound.

    Examples
    --------
    ::

        async with ModbusDeviceSimulator([SimulatedDevice(1, gas_map)]) as sim:
            sim.device(1).set_current_ma("ch1", 12.0)
            ...  # poll 127.0.0.1:sim.port
    """

    def __init__(
        self, devices: Iterable[SimulatedDevice], *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._devices = {device.device_id: device for device in devices}
        if not self._devices:
            raise ValueError("a simulator needs at least one device")
        self.host = host
        self._port = port
        self._server: ModbusTcpServer | None = None

    @property
    def port(self) -> int:
        """The bound port once started (the requested one before)."""
        return self._port

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return self._server is not None

    def device(self, device_id: int) -> SimulatedDevice:
        """The simulated unit answering to ``device_id``."""
        return self._devices[device_id]

    async def start(self) -> None:
        """Bind and start serving in the background.

        Raises
        ------
        RuntimeError
            When already running or the address cannot be bound.
        """
        if self._server is not None:
            raise RuntimeError("simulator already running")
        server = ModbusTcpServer(
            [device.sim_device() for device in self._devices.values()],
            address=(self.host, self._port),
            trace_packet=self._trace_packet,
        )
        await server.serve_forever(background=True)
        # Duck-typed: under uvloop (uvicorn's loop) the listener is not an asyncio.Server.
        sockets = getattr(server.transport, "sockets", None)
        if sockets:
            self._port = int(sockets[0].getsockname()[1])
        self._server = server

    async def stop(self) -> None:
        """Stop listening and drop every client connection."""
        server, self._server = self._server, None
        if server is not None:
            await server.shutdown()

    async def __aenter__(self) -> ModbusDeviceSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        # pymodbus lets this hook rewrite every frame; an empty frame sends nothing,
        # which is how a silent unit is simulated without touching its neighbours.
        if sending and len(data) > _MBAP_UNIT_INDEX:
            device = self._devices.get(data[_MBAP_UNIT_INDEX])
            if device is not None and device.silent:
                return b""
        return data


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve simulated Modbus TCP devices.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5020)
    parser.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="UNIT=MODEL",
        help="a unit and its register map model, e.g. 1=gas-transmitter-4-20ma (repeatable)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="UNIT:CHANNEL=VALUE",
        help="initial value in the point's unit (mA for loops), e.g. 1:ch1=12 (repeatable)",
    )
    parser.add_argument("--noise", type=float, default=0.0, help="noise sigma on every channel")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    maps = load_register_maps()
    devices = []
    for spec in args.device or ["1=gas-transmitter-4-20ma"]:
        unit, _, model = spec.partition("=")
        if model not in maps or not unit.isdigit():
            raise SystemExit(f"--device {spec!r}: want UNIT=MODEL, MODEL one of {sorted(maps)}")
        devices.append(SimulatedDevice(int(unit), maps[model]))
    simulator = ModbusDeviceSimulator(devices, host=args.host, port=args.port)
    for spec in args.set:
        target, _, value = spec.partition("=")
        unit, _, channel = target.partition(":")
        simulator.device(int(unit)).set_value(channel, float(value))
    if args.noise:
        for device in devices:
            for channel in device.register_map.channels:
                device.set_noise(channel, args.noise)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Ctrl-C or a supervisor's SIGTERM end the demo cleanly; not on every platform.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with simulator:
        units = ", ".join(f"{d.device_id}={d.register_map.model}" for d in devices)
        print(f"serving Modbus TCP on {simulator.host}:{simulator.port}: {units}", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point: serve until SIGINT / SIGTERM."""
    asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
