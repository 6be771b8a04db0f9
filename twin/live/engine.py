"""Take readings off the queue, store them in batches, evaluate alarms, push events.

Acknowledgement discipline: a message is acknowledged to the broker only after the batch
holding it is committed, so a crash at any point loses nothing (the broker redelivers)
and the idempotent store keeps a redelivered reading from being stored twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from devices.mqtt.payloads import PositionReport
from devices.values import Quality, RangeEpoch, Reading
from twin.alarms import raising
from twin.alarms.rules import AlarmRules, SensorConditions, Transition
from twin.db import session_scope
from twin.events.emit import emit_all
from twin.events.types import ReadingsBatch
from twin.feeds.board import FeedBoard
from twin.live.registry import LiveSensor, SensorRegistry
from twin.people.live import PeopleTracker
from twin.readings import store

log = logging.getLogger("twin.live")

# A batch closes at this many readings or after this long, whichever comes first. The
# wait is short on purpose: while one batch is stored the next one fills by itself, so
# batches grow with the load and a lone alarm reading never waits for company.
BATCH_MAX = 5000
BATCH_WAIT_S = 0.002
# The engine counts as lagging behind the devices while the readings it just processed
# are older than this share of the stale limit; it then judges no sensor silent.
LAG_SHARE_OF_STALE_LIMIT = 0.5
# Sensors are re-read this often so edited set points take effect without a restart.
REGISTRY_REFRESH_S = 10.0
# Retry a batch the database refused after this long (doubling, capped).
RETRY_FIRST_S, RETRY_MAX_S = 0.5, 10.0


def wind_feed(site: str, sensor: str) -> str:
    return f"wind:{site}:{sensor}"


def positioning_feed(site: str) -> str:
    return f"positioning:{site}"


@dataclass
class Undo:
    """In-memory state as it was before a batch touched it, saved on first touch."""

    sensors: dict[int, tuple[LiveSensor, SensorConditions]] = field(default_factory=dict)
    sites: dict[str, Any] = field(default_factory=dict)

    def roll_back(self, people: PeopleTracker) -> None:
        people.headcounts.forget()  # the headcount it let through was not stored after all
        for sensor, conditions in self.sensors.values():
            sensor.conditions = conditions
        for code, state in self.sites.items():
            if code in people.sites:
                people.sites[code].fences.restore(state)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A reading or a position plus how to acknowledge the message that carried it."""

    item: Reading | PositionReport | RangeEpoch
    ack: Callable[[], None] | None = None


class LiveEngine:
    def __init__(
        self,
        factory: sessionmaker[Session],
        rules: AlarmRules,
        feeds: FeedBoard | None = None,
    ) -> None:
        self.factory, self.rules, self.feeds = factory, rules, feeds
        self.queue: asyncio.Queue[Envelope] = asyncio.Queue()
        self.registry = SensorRegistry()
        self.people = PeopleTracker(rules)
        self.oldest_new_ts: datetime | None = None
        self.counters: Counter[str] = Counter()
        # Wall clock minus the newest device time of the last batch, and when it ran.
        self.lag_s = 0.0
        self._batch_at = 0.0
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def run(self) -> None:
        """Consume the queue forever (cancel the task to stop)."""
        while True:
            batch = await self._next_batch()
            delay = RETRY_FIRST_S
            while True:
                try:
                    async with self._lock:
                        await asyncio.to_thread(self._process, batch)
                    break
                except Exception:
                    self.counters["batch_failures"] += 1
                    log.exception(
                        "batch of %d readings not stored; retrying in %.1f s", len(batch), delay
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
            for envelope in batch:
                if envelope.ack is not None:
                    envelope.ack()

    async def sweep_stale(self, period_s: float = 1.0) -> None:
        """Raise stale alarms for sensors that went quiet (runs beside :meth:`run`).

        Skipped while the engine lags the devices (more than a batch queued here, or a
        backlog at the broker that shows as old readings): a sensor that did report would
        look silent, a false "no data" alarm. A site gone quiet altogether sends no batches,
        so it never counts as lagging and its sensors do go stale.
        """
        limit_s = self.rules.stale_intervals * self.rules.expected_interval_s
        while True:
            await asyncio.sleep(period_s)
            catching_up = (
                time.monotonic() - self._batch_at < 2 * period_s
                and self.lag_s > LAG_SHARE_OF_STALE_LIMIT * limit_s
            )
            if self.queue.qsize() > BATCH_MAX or catching_up:
                self.counters["stale_sweeps_skipped"] += 1
                continue
            try:
                async with self._lock:
                    await asyncio.to_thread(self._stale, datetime.now(UTC))
            except Exception:
                log.exception("stale sweep failed")

    async def _next_batch(self) -> list[Envelope]:
        batch = [await self.queue.get()]
        deadline = time.monotonic() + BATCH_WAIT_S
        while len(batch) < BATCH_MAX:
            try:
                batch.append(self.queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can drop an item that
            # Queue.get had already taken when the timeout fires (a lost reading, never
            # acknowledged); a cancelled Queue.get inside asyncio.timeout takes nothing.
            try:
                async with asyncio.timeout(remaining):
                    batch.append(await self.queue.get())
            except TimeoutError:
                break
        return batch

    def _refresh(self, session: Session, force: bool = False) -> None:
        if force or time.monotonic() - self._loaded_at > REGISTRY_REFRESH_S:
            self.registry.load(session)
            self.people.load(session)
            self._loaded_at = time.monotonic()
            self._declare_feeds()

    def _declare_feeds(self) -> None:
        """The feeds this engine sees: each wind sensor, each site's positioning."""
        if self.feeds is None:
            return
        for (site, code), sensor in self.registry.by_code.items():
            if sensor.kind == "wind":
                self.feeds.declare(wind_feed(site, code), "wind", site, sensor.label)
        for site in self.people.sites:
            self.feeds.declare(
                positioning_feed(site), "positioning", site, "人员定位 / positioning"
            )

    def _report_seen(self, batch: list[Envelope]) -> None:
        """After a commit: what the stored batch proves alive."""
        if self.feeds is None:
            return
        now = datetime.now(UTC)
        for envelope in batch:
            item = envelope.item
            if isinstance(item, Reading):
                sensor = self.registry.get(item.site, item.sensor)
                if sensor is not None and sensor.kind == "wind" and item.quality == Quality.GOOD:
                    self.feeds.seen(wind_feed(item.site, item.sensor), min(item.ts_utc, now))
            elif item.site in self.people.sites:
                # Device time, but never ahead of ours: a fast clock must not look live.
                self.feeds.seen(positioning_feed(item.site), min(item.ts_utc, now))

    def _resolve(self, session: Session, reading: Reading) -> LiveSensor | None:
        sensor = self.registry.get(reading.site, reading.sensor)
        if sensor is None and time.monotonic() - self._loaded_at > 1.0:
            self._refresh(session, force=True)  # a sensor added moments ago
            sensor = self.registry.get(reading.site, reading.sensor)
        return sensor

    def _checked(self, sensor: LiveSensor, reading: Reading, counts: Counter[str]) -> Reading:
        """Values far outside the measuring range are kept, but as bad quality."""
        if reading.value is None or reading.quality == Quality.BAD:
            return reading
        slack = sensor.points.span * self.rules.out_of_range_pct_span / 100
        if not sensor.points.range_min - slack <= reading.value <= sensor.points.range_max + slack:
            counts["out_of_range"] += 1
            return replace(reading, quality=Quality.BAD)
        return reading

    def _process(self, batch: list[Envelope]) -> None:
        """Store and evaluate one batch; all of it, or none of it and no state changed.

        The alarm and geofence state in memory is saved first and put back if the batch
        fails, so the retry evaluates the same readings from the same state.
        """
        undo = Undo()
        counts: Counter[str] = Counter()
        try:
            self._process_batch(batch, counts, undo)
        except BaseException:
            undo.roll_back(self.people)
            raise
        self.counters.update(counts)
        self._report_seen(batch)

    def _process_batch(self, batch: list[Envelope], counts: Counter[str], undo: Undo) -> None:
        with session_scope(self.factory) as session:
            self._refresh(session)
            resolved: list[tuple[LiveSensor, Reading]] = []
            people: list[PositionReport | RangeEpoch] = []
            for envelope in batch:
                if not isinstance(envelope.item, Reading):
                    people.append(envelope.item)
                    continue
                sensor = self._resolve(session, envelope.item)
                if sensor is None:
                    counts["unknown_sensor"] += 1
                    continue
                resolved.append((sensor, self._checked(sensor, envelope.item, counts)))
            rows = [
                store.Row(s.ref.sensor_id, r.ts_utc, r.value, str(r.quality), r.seq, r.source)
                for s, r in resolved
            ]
            new = store.write(session.connection(), rows)
            if rows:
                newest = max(r.ts_utc for r in rows)
                self.lag_s = (datetime.now(UTC) - newest).total_seconds()
                self._batch_at = time.monotonic()
            if new:
                oldest = min(ts for _, ts in new)
                # Late readings (a gateway flushing its buffer) tell the rollup how far
                # back to recompute.
                self.oldest_new_ts = min(self.oldest_new_ts or oldest, oldest)
            counts["stored"] += len(new)
            counts["duplicates"] += len(rows) - len(new)
            self._evaluate(session, resolved, new, undo)
            if people:
                self.people.handle(session, people, undo.sites)

    def _evaluate(
        self,
        session: Session,
        resolved: list[tuple[LiveSensor, Reading]],
        new: set[tuple[int, datetime]],
        undo: Undo,
    ) -> None:
        fresh = [
            (sensor, reading)
            for sensor, reading in sorted(resolved, key=lambda p: p[1].ts_utc)
            # A redelivery was evaluated when it first arrived.
            if (sensor.ref.sensor_id, reading.ts_utc) in new
        ]
        self._emit_readings(session, fresh)
        for sensor, reading in fresh:
            undo.sensors.setdefault(sensor.ref.sensor_id, (sensor, sensor.conditions.clone()))
            transitions = sensor.conditions.evaluate(
                self.rules, sensor.points, reading.ts_utc, reading.value, str(reading.quality)
            )
            self._apply(session, sensor, transitions)

    def _emit_readings(self, session: Session, fresh: list[tuple[LiveSensor, Reading]]) -> None:
        """Coalesced: one event per site per batch with the newest value of each sensor."""
        latest: dict[str, dict[str, Reading]] = {}
        site_ids: dict[str, int] = {}
        for sensor, reading in fresh:
            latest.setdefault(reading.site, {})[reading.sensor] = reading
            site_ids[reading.site] = sensor.ref.site_id
        emit_all(
            session,
            [
                ReadingsBatch(
                    site=site,
                    site_id=site_ids[site],
                    ts_utc=max(r.ts_utc for r in values.values()),
                    sensors={
                        code: {
                            "ts": r.ts_utc.isoformat(),
                            "value": r.value,
                            "quality": str(r.quality),
                        }
                        for code, r in values.items()
                    },
                )
                for site, values in latest.items()
            ],
        )

    def _apply(self, session: Session, sensor: LiveSensor, transitions: list[Transition]) -> None:
        """Alarm transitions: the alarm service emits each one."""
        if transitions:
            raising.apply(session, sensor.ref, transitions, self.rules)
            self.counters["alarm_transitions"] += len(transitions)

    def _stale(self, now: datetime) -> None:
        with session_scope(self.factory) as session:
            self._refresh(session)
            for sensor in self.registry.by_code.values():
                transition = sensor.conditions.check_stale(self.rules, now)
                if transition is not None:
                    self._apply(session, sensor, [transition])
