"""Asyncio Modbus TCP poller: registers in, `devices.values.Reading` objects out.

Each configured device gets one `DevicePoller` with its own pymodbus client and task: it
reads the register blocks its channels need, decodes them per the device's register map
and puts one `Reading` per bound channel on the shared queue.

When a device fails (no connection, no answer within the timeout, or a Modbus exception
response) the poller **emits a reading of quality bad, value None, for each affected
channel** rather than going silent. Why: staleness rules only fire after their timeout and
cannot tell "device down" from "quiet sensor", while an explicit bad reading reaches the
live map and the alarm engine on the very poll that failed, and no stale-looking last value
(least of all a 0) is left standing as good. The failed poll is counted, the device status
turns ``offline`` or ``fault``, and retries follow `BackoffPolicy` (exponential, capped,
jittered) until the device answers and normal polling resumes by itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.pdu import ModbusPDU

from devices.modbus.blocks import BIT_FUNCTIONS, ReadBlock, RegisterSnapshot, plan_reads
from devices.modbus.config import DeviceConfig
from devices.modbus.registers import RegisterMap, decode_point, load_register_maps
from devices.modbus.status import (
    DEFAULT_BACKOFF,
    BackoffPolicy,
    DeviceState,
    DeviceStatus,
    PollCounters,
)
from devices.values import Quality, Reading

__all__ = ["DevicePoller", "ModbusPoller"]

log = logging.getLogger("devices.modbus")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _exception_name(code: int) -> str:
    try:
        return ExcCodes(code).name.lower()
    except ValueError:
        return "unknown"


class DevicePoller:
    """Poll one Modbus TCP device.

    Parameters
    ----------
    config : DeviceConfig
    register_map : RegisterMap
        The map of ``config.model``.
    queue : asyncio.Queue of Reading
        Where readings go; a full bounded queue slows polling down rather than dropping.
    backoff : BackoffPolicy
    rng : random.Random, optional
        Source of backoff jitter (seed it for reproducible tests).

    Raises
    ------
    ValueError
        When ``config`` does not fit ``register_map`` (see `DeviceConfig.check_against`).
    """

    def __init__(
        self,
        config: DeviceConfig,
        register_map: RegisterMap,
        queue: asyncio.Queue[Reading],
        *,
        backoff: BackoffPolicy = DEFAULT_BACKOFF,
        rng: random.Random | None = None,
    ) -> None:
        config.check_against(register_map)
        self.config = config
        self.register_map = register_map
        self.queue = queue
        self.backoff = backoff
        self.status = DeviceStatus()
        self.counters = PollCounters()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._bindings = [
            (register_map.point(channel), binding) for channel, binding in config.channels.items()
        ]
        self.blocks: list[ReadBlock] = plan_reads(
            (span for point, _binding in self._bindings for span in point.spans()),
            register_map.max_gap,
        )
        # Made on first use: pymodbus binds a client to the running event loop.
        self._client: AsyncModbusTcpClient | None = None

    @property
    def source(self) -> str:
        """``modbus:host:port/unit``, the ``source`` of this device's readings."""
        return self.config.source

    async def poll_once(self) -> list[Reading]:
        """Read, decode and queue one poll's readings; update status and counters.

        Returns
        -------
        list of Reading
            The readings queued: one per bound channel, bad with value None for the
            channels the poll could not read.
        """
        snapshot = RegisterSnapshot()
        refused: list[str] = []
        try:
            client = await self._connect()
            for block in self.blocks:
                if problem := await self._read(client, block, snapshot):
                    refused.append(problem)
        except ModbusIOException as exc:
            self.counters.timeouts += 1
            return await self._offline(f"no answer within {self.config.timeout_s} s: {exc}")
        except (ConnectionException, OSError) as exc:
            self.counters.connection_errors += 1
            return await self._offline(f"connection failed: {exc}")
        except ModbusException as exc:
            self.counters.connection_errors += 1
            return await self._offline(f"protocol error: {exc}")
        now = _utc_now()
        readings = self._decode(snapshot, now)
        if refused:
            self._failed(DeviceState.FAULT, "; ".join(refused), now)
        else:
            self._succeeded(now)
        await self._emit(readings)
        return readings

    async def run(self) -> None:
        """Poll until cancelled: every ``poll_interval_s`` while healthy, else per backoff."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                started = loop.time()
                await self.poll_once()
                await asyncio.sleep(self._next_delay_s(loop.time() - started))
        finally:
            self.close()

    def close(self) -> None:
        """Close the TCP connection (the next poll reconnects)."""
        if self._client is not None:
            self._client.close()

    async def _connect(self) -> AsyncModbusTcpClient:
        if self._client is None:
            # reconnect_delay=0 turns pymodbus' own reconnect loop off: this poller's
            # backoff alone decides when to knock again, and the status shows it.
            self._client = AsyncModbusTcpClient(
                self.config.host,
                port=self.config.port,
                name=self.config.source,
                timeout=self.config.timeout_s,
                retries=self.config.retries,
                reconnect_delay=0,
            )
        if not self._client.connected and not await self._client.connect():
            raise ConnectionException(f"cannot connect to {self.config.host}:{self.config.port}")
        return self._client

    async def _request(self, client: AsyncModbusTcpClient, block: ReadBlock) -> ModbusPDU:
        unit = self.config.device_id
        if block.function == 1:
            return await client.read_coils(block.address, count=block.count, device_id=unit)
        if block.function == 2:
            return await client.read_discrete_inputs(
                block.address, count=block.count, device_id=unit
            )
        if block.function == 3:
            return await client.read_holding_registers(
                block.address, count=block.count, device_id=unit
            )
        return await client.read_input_registers(block.address, count=block.count, device_id=unit)

    async def _read(
        self, client: AsyncModbusTcpClient, block: ReadBlock, snapshot: RegisterSnapshot
    ) -> str | None:
        """Read one block into ``snapshot``; a refusal's description, or None."""
        self.counters.reads += 1
        response = await self._request(client, block)
        if response.isError():
            self.counters.exception_responses += 1
            code = response.exception_code
            return f"{block}: Modbus exception {code:#04x} ({_exception_name(code)})"
        values = response.bits if block.function in BIT_FUNCTIONS else response.registers
        if len(values) < block.count:
            self.counters.decode_errors += 1
            return f"{block}: short response, {len(values)} values"
        snapshot.store(block, values)
        return None

    def _decode(self, snapshot: RegisterSnapshot, now: datetime) -> list[Reading]:
        readings = []
        for point, binding in self._bindings:
            decoded = decode_point(point, snapshot, binding.sensor_range)
            if decoded.decode_error:
                self.counters.decode_errors += 1
                log.debug("%s: %s", self.source, decoded.decode_error)
            readings.append(
                Reading(
                    site=binding.site,
                    sensor=binding.sensor,
                    ts_utc=now,
                    value=decoded.value,
                    quality=decoded.quality,
                    source=self.source,
                )
            )
        return readings

    async def _offline(self, error: str) -> list[Reading]:
        # A timed-out request may still be answered later; a fresh connection guarantees
        # that late answer is never taken for the next request's.
        self.close()
        now = _utc_now()
        readings = [
            Reading(binding.site, binding.sensor, now, None, Quality.BAD, self.source)
            for _point, binding in self._bindings
        ]
        self._failed(DeviceState.OFFLINE, error, now)
        await self._emit(readings)
        return readings

    def _failed(self, state: DeviceState, error: str, now: datetime) -> None:
        status = self.status
        self.counters.polls_failed += 1
        status.consecutive_failures += 1
        delay_s = self.backoff.delay_s(status.consecutive_failures, self._rng)
        if status.state is not state:
            log.warning("%s is %s: %s", self.source, state, error)
        status.state = state
        status.last_error = error
        status.retry_delay_s = delay_s
        status.next_retry_at = now + timedelta(seconds=delay_s)

    def _succeeded(self, now: datetime) -> None:
        status = self.status
        self.counters.polls_ok += 1
        if status.failing:
            log.warning(
                "%s is online again after %d failed polls", self.source, status.consecutive_failures
            )
        status.state = DeviceState.ONLINE
        status.consecutive_failures = 0
        status.retry_delay_s = None
        status.next_retry_at = None
        status.last_ok_at = now

    async def _emit(self, readings: list[Reading]) -> None:
        for reading in readings:
            await self.queue.put(reading)
        self.counters.readings += len(readings)

    def _next_delay_s(self, elapsed_s: float) -> float:
        if self.status.retry_delay_s is not None:
            return self.status.retry_delay_s
        # Fixed rate, not fixed gap: a slow poll does not push every later one back.
        return max(0.0, self.config.poll_interval_s - elapsed_s)


class ModbusPoller:
    """Poll many Modbus TCP devices concurrently, one task per device.

    Parameters
    ----------
    devices : iterable of DeviceConfig
    queue : asyncio.Queue of Reading
    register_maps : mapping of str to RegisterMap, optional
        By model; default: every map in ``data/devices``.
    backoff : BackoffPolicy
    rng : random.Random, optional
        Source of backoff jitter.

    Raises
    ------
    ValueError
        For an unknown model, the same device configured twice, or a config that does
        not fit its register map.

    Examples
    --------
    ::

        async with ModbusPoller(configs, queue) as poller:
            reading = await queue.get()
            poller.status["modbus:10.0.0.5:502/1"].state
    """

    def __init__(
        self,
        devices: Iterable[DeviceConfig],
        queue: asyncio.Queue[Reading],
        *,
        register_maps: Mapping[str, RegisterMap] | None = None,
        backoff: BackoffPolicy = DEFAULT_BACKOFF,
        rng: random.Random | None = None,
    ) -> None:
        maps = load_register_maps() if register_maps is None else register_maps
        self.devices: dict[str, DevicePoller] = {}
        for config in devices:
            if config.model not in maps:
                raise ValueError(
                    f"{config.source}: no register map for model {config.model!r}; "
                    f"known: {sorted(maps)}"
                )
            if config.source in self.devices:
                raise ValueError(f"{config.source} is configured twice")
            self.devices[config.source] = DevicePoller(
                config, maps[config.model], queue, backoff=backoff, rng=rng
            )
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def status(self) -> dict[str, DeviceStatus]:
        """Live status per device source (updated in place while polling)."""
        return {source: device.status for source, device in self.devices.items()}

    @property
    def counters(self) -> dict[str, PollCounters]:
        """Live counters per device source."""
        return {source: device.counters for source, device in self.devices.items()}

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return bool(self._tasks)

    async def start(self) -> None:
        """Start one polling task per device."""
        if self._tasks:
            raise RuntimeError("poller already started")
        for source, device in self.devices.items():
            task = asyncio.create_task(device.run(), name=f"poll {source}")
            task.add_done_callback(self._report_crash)
            self._tasks.append(task)

    async def stop(self) -> None:
        """Cancel the polling tasks, wait for them and close every connection."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for device in self.devices.values():
            device.close()

    async def __aenter__(self) -> ModbusPoller:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @staticmethod
    def _report_crash(task: asyncio.Task[None]) -> None:
        # A bug, not a device failure (those are handled in poll_once): say so loudly.
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s stopped by an unexpected error", task.get_name(), exc_info=exc)
