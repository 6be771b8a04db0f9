"""Sustained MQTT ingest (alarms evaluated, nothing lost) and publish → alarm latency.

The whole live data plane runs as in production: a private Mosquitto, the app under
uvicorn with its lifespan (MQTT ingest → engine → PostgreSQL COPY → alarm engine → bus →
WebSocket). Load comes from a separate publisher process (QoS 1, bounded window) so it
never shares the app's GIL. Each figure stands beside a peer measured in the same run:
  * ingest:  the twin vs a bare pipeline on the same broker and database (paho QoS 1 →
             json.loads → psycopg COPY into a plain table, acknowledged after commit; no
             validation, no sensor lookup, no alarms, no events);
  * latency: publish → the alarm event on the WebSocket vs publish → the same message at a
             bare MQTT subscriber (the broker's share of the delay).

Run: `.venv/bin/python bench/bench_ingest.py` (`--seconds 15` sizes each ingest window).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import resource
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import psycopg
from bench_setup import DEMO_PASSWORD, demo_database, libpq, progress_bar
from fastapi import FastAPI
from ingest_load import RAW_TABLE, LoadJob, LoadResult, publish_load, raw_peer, stop_process
from paho.mqtt.enums import CallbackAPIVersion
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from websockets.sync.client import connect as ws_connect

from twin.app import create_app
from twin.config import Settings
from twin.embedded.mosquitto import PrivateBroker
from twin.embedded.server import free_port, serving

console = Console()
if not console.is_terminal:
    console = Console(width=150)  # piped into a log: wide enough for the table
DB_NAME = "twin_bench_ingest"
SITE = "demo"
GOAL_SINGLE_MSG_S = 5_000
GOAL_BATCH_READINGS_S = 30_000
GOAL_ALARM_P99_MS, SEED_ALARM_P99_MS = 100.0, 500.0
READINGS_PER_BATCH_MSG = 100
BACKGROUND_MSG_S = 5_000
# Gas detectors the latency probe raises and clears, outside the background load. At most
# two per zone: three detectors of one zone within a minute would open a flood parent.
PROBE_SENSORS = 10
PROBE_MAX_PER_ZONE = 2
# The engine raises only after the condition held on_delay_s of DEVICE time
# (data/rules/alarm_engine.yaml), so each probe is two readings this far apart.
ON_DELAY_MS = 2_000
# Time a missing alarm event is waited for before it counts as never arrived.
ALARM_GRACE_S = 5.0
# The engine's stale sweep runs every second (LiveEngine.sweep_stale); plus time to commit.
STALE_SWEEP_S = 1.5
# The stored-row count is checked in SQL at least this often (see _wait_stored).
SQL_POLL_S = 1.0
# Background load runs this long before the first alarm is timed.
WARMUP_S = 4.0


# --- setup -------------------------------------------------------------------------------


@dataclass
class Plant:
    """Everything the measurements need from the running setup."""

    base_url: str
    token: str
    broker_port: int
    broker_pid: int
    app: FastAPI
    sql: psycopg.Connection[Any]
    dsn: str
    load: tuple[tuple[str, float], ...]  # (code, normal value)
    probes: list[dict[str, Any]]
    children: list[mp.process.BaseProcess] = field(default_factory=list)

    @property
    def counters(self) -> Counter[str]:
        return self.app.state.live.engine.counters  # type: ignore[no-any-return]


def _sensors(base_url: str, token: str) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{base_url}/api/v1/sites/{SITE}/sensors", headers={"Authorization": f"Bearer {token}"}
    )
    r.raise_for_status()
    return list(r.json())


def _token(base_url: str) -> str:
    r = httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def normal_value(s: dict[str, Any]) -> float:
    """Midway between the lowest and highest set points: trips nothing, not even rate
    (the value is constant per sensor)."""
    low = max(x for x in (s["range_min"], s["alarm_low"]) if x is not None)
    high = min(x for x in (s["range_max"], s["alarm_high_1"], s["alarm_high_2"]) if x is not None)
    return round((low + high) / 2, 3)


def split_sensors(
    sensors: list[dict[str, Any]],
) -> tuple[tuple[tuple[str, float], ...], list[dict[str, Any]]]:
    """(load sensors with their normal value, probe gas detectors)."""
    per_zone: Counter[str | None] = Counter()
    probes = []
    for s in sensors:
        if s["kind"] != "gas" or not s["alarm_high_2"] or len(probes) >= PROBE_SENSORS:
            continue
        if per_zone[s["zone_code"]] < PROBE_MAX_PER_ZONE:
            per_zone[s["zone_code"]] += 1
            probes.append(s)
    probe_codes = {p["code"] for p in probes}
    load = tuple((s["code"], normal_value(s)) for s in sensors if s["code"] not in probe_codes)
    return load, probes


# --- CPU accounting ----------------------------------------------------------------------

CLOCK_TICKS_S = os.sysconf("SC_CLK_TCK")


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_S


def _postgres_pids() -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if stat.read_text().split(" ", 2)[1] == "(postgres)":
                pids.append(int(stat.parent.name))
    return pids


@dataclass
class CpuMeter:
    """CPU seconds per component over one phase: on 2 cores, who burns them decides."""

    broker_pid: int
    peer_pid: int | None = None
    start: dict[str, float] = field(default_factory=dict)

    def sample(self) -> dict[str, float]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = {
            "app": _proc_cpu_s(os.getpid()),  # the app, plus this script's idle polling
            "publisher": children.ru_utime + children.ru_stime,  # joined children only
            "broker": _proc_cpu_s(self.broker_pid),
            "postgres": sum(_proc_cpu_s(p) for p in _postgres_pids()),  # the whole server
        }
        if self.peer_pid is not None:
            out["peer"] = _proc_cpu_s(self.peer_pid)
        return out

    def begin(self) -> None:
        self.start = self.sample()

    def spent(self) -> dict[str, float]:
        return {k: v - self.start.get(k, 0.0) for k, v in self.sample().items()}


def cpu_note(spent: dict[str, float], wall_s: float | None) -> str:
    parts = ", ".join(f"{k} {v:.1f}" for k, v in spent.items() if v >= 0.05)
    return f"CPU s: {parts}" + (f" in {wall_s:.1f} s" if wall_s else "")


# --- ingest throughput -------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    expected: int  # readings
    messages: int
    stored: int
    distinct: int
    elapsed_s: float | None  # first publish → all stored; None when it never got there
    publish_s: float  # first publish → last PUBACK (the broker's pace alone)
    redelivered: int  # twin: readings that arrived twice and were kept once
    max_ts_ms: int
    cpu_s: dict[str, float]  # per component over the phase
    alarm_transitions: int  # twin: every raise/clear the engine wrote during the phase
    stale_raised: int  # twin: "no data" alarms raised during the phase (all false here)

    @property
    def rate(self) -> float:
        return self.expected / self.elapsed_s if self.elapsed_s else 0.0


def _count(sql: psycopg.Connection[Any], table: str, key: str) -> tuple[int, int]:
    total, distinct = sql.execute(
        f"SELECT count(*), count(DISTINCT ({key})) FROM {table}"
    ).fetchone()  # type: ignore[misc]
    return int(total), int(distinct)


def _stale_raised(sql: psycopg.Connection[Any], since_s: float, until_s: float) -> int:
    """False 'no data' alarms: raised between two wall-clock times (the sweep stamps them
    "now") for a sensor whose first reading of the phase was already stored, i.e. while it
    was sending. A raise before that is true: between phases every sensor is silent.

    Waits out one sweep first: a raise counted by the engine may not be committed yet.
    """
    time.sleep(max(0.0, until_s + STALE_SWEEP_S - time.time()))
    (n,) = sql.execute(
        "SELECT count(*) FROM alarms a WHERE a.kind = 'stale' "
        "AND a.raised_utc BETWEEN to_timestamp(%(since)s) AND to_timestamp(%(until)s) "
        "AND a.raised_utc > (SELECT min(r.received_utc) FROM readings r "
        "WHERE r.sensor_id = a.sensor_id AND r.received_utc >= to_timestamp(%(since)s))",
        {"since": since_s, "until": until_s},
    ).fetchone()  # type: ignore[misc]
    return int(n)


def _wait_stored(
    sql: psycopg.Connection[Any],
    table: str,
    expected: int,
    progress: Callable[[], int],
    show: Callable[[int], None],
    timeout_s: float,
) -> float | None:
    """Monotonic time at which ``table`` held ``expected`` rows, or None on timeout.

    The writer's own committed counter is polled every few ms (free) and ``count(*)`` runs
    once that says done, so polling neither loads the database nor blurs the end time. A
    slow ``count(*)`` every second backs the counter up, should it ever stop counting.
    """
    now = time.monotonic()
    deadline, next_count = now + timeout_s, now + SQL_POLL_S

    def rows() -> int:
        return int(sql.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]

    while time.monotonic() < deadline:
        done = progress()
        show(done)
        if (done >= expected or time.monotonic() >= next_count) and rows() >= expected:
            return time.monotonic()
        if time.monotonic() >= next_count:
            next_count = time.monotonic() + SQL_POLL_S
        time.sleep(0.005)
    return None


def _measure(
    plant: Plant,
    job: LoadJob,
    table: str,
    key: str,
    progress: Callable[[], int],
    label: str,
    timeout_s: float,
    peer_pid: int | None = None,
) -> Throughput:
    plant.sql.execute(f"TRUNCATE {table}")
    meter = CpuMeter(plant.broker_pid, peer_pid)
    expected = job.messages * job.per_message
    before = Counter(plant.counters)
    since_s = time.time()
    ctx = mp.get_context("spawn")  # never fork a process that runs threads
    results: mp.Queue[LoadResult] = ctx.Queue()
    proc = ctx.Process(target=publish_load, args=(job, results), daemon=True)
    plant.children.append(proc)
    with progress_bar(console) as bar:
        task = bar.add_task(label, total=expected)
        base = progress()
        meter.begin()
        proc.start()
        done_at = _wait_stored(
            plant.sql,
            table,
            expected,
            lambda: progress() - base,
            lambda n: bar.update(task, completed=n),
            timeout_s,
        )
    until_s, after = time.time(), Counter(plant.counters)
    result = results.get(timeout=60)
    stop_process(proc)
    cpu_s = meter.spent()
    stale = _stale_raised(plant.sql, since_s, until_s)
    stored, distinct = _count(plant.sql, table, key)
    return Throughput(
        expected,
        result.messages,
        stored,
        distinct,
        None if done_at is None else done_at - result.first_publish_mono,
        result.all_acked_mono - result.first_publish_mono,
        after["duplicates"] - before["duplicates"],
        result.max_ts_ms,
        cpu_s,
        after["alarm_transitions"] - before["alarm_transitions"],
        stale,
    )


def twin_ingest(plant: Plant, job: LoadJob, label: str, timeout_s: float) -> Throughput:
    return _measure(
        plant,
        job,
        "readings",
        "sensor_id, ts_utc",
        lambda: plant.counters["stored"],
        label,
        timeout_s,
    )


@contextmanager
def raw_pipeline(plant: Plant) -> Iterator[tuple[Callable[[], int], int]]:
    """The peer in its own process; yields its committed-row counter and its pid."""
    plant.sql.execute(RAW_TABLE)
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    committed = ctx.Value("q", 0)
    proc = ctx.Process(
        target=raw_peer, args=(plant.broker_port, plant.dsn, ready, stop, committed), daemon=True
    )
    plant.children.append(proc)
    proc.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the raw-path subscriber did not subscribe")
        yield (lambda: int(committed.value)), int(proc.pid or 0)
    finally:
        stop.set()
        stop_process(proc)


# --- publish → alarm latency -------------------------------------------------------------


def _epoch_ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


class StreamWatcher(threading.Thread):
    """The site's WebSocket stream, as a screen sees it; notes when each alarm arrives.

    Alarms are keyed by (sensor, raised device time in ms): unambiguous even when an
    alarm comes late and its sensor has been raised again since.
    """

    def __init__(self, url: str) -> None:
        super().__init__(name="stream-watcher", daemon=True)
        self.url = url
        self.arrived: dict[tuple[str, int], float] = {}
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.error: str | None = None

    def run(self) -> None:
        try:
            with ws_connect(self.url, max_size=None) as ws:
                if json.loads(ws.recv(timeout=30))["type"] != "snapshot":
                    raise RuntimeError("the stream did not start with a snapshot")
                self.ready.set()
                while not self.stop.is_set():
                    try:
                        raw = ws.recv(timeout=0.5)
                    except TimeoutError:
                        continue
                    self._note(raw, time.monotonic())
        except Exception as exc:  # reported in the table, never swallowed silently
            self.error = f"{type(exc).__name__}: {exc}"
            self.ready.set()

    def _note(self, raw: str | bytes, at: float) -> None:
        text = raw if isinstance(raw, str) else raw.decode()
        # Readings events dominate; skip parsing them (this thread shares the app's GIL).
        if '"alarm"' not in text:
            return
        event = json.loads(text)
        alarm = event.get("alarm") or {}
        if (
            event["type"] == "alarm"
            and alarm.get("kind") == "high_2"
            and alarm.get("state") == "raised"
            and alarm.get("sensor")
        ):
            self.arrived.setdefault((alarm["sensor"], _epoch_ms(alarm["raised_utc"])), at)


class BrokerWatcher:
    """The latency's peer: a bare subscriber to the probe topics (the broker's delay)."""

    def __init__(self, port: int, topics: list[str]) -> None:
        self.arrived: dict[tuple[str, int], float] = {}
        self.ready = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"bench-watch-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_: self.ready.set()
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([(t, 1) for t in topics])
        self.client.loop_start()

    def _on_message(self, _c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        at = time.monotonic()
        doc = json.loads(msg.payload)
        self.arrived.setdefault((msg.topic.rsplit("/", 1)[1], int(doc["ts"])), at)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Prober:
    """Raises a high_2 alarm on the probe detectors in rotation, clearing each first."""

    def __init__(self, port: int, probes: list[dict[str, Any]], floor_ms: int) -> None:
        self.probes = probes
        self.last_ms = {p["code"]: floor_ms for p in probes}
        self.sent: dict[tuple[str, int], float] = {}
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"bench-probe-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _send(self, code: str, ts_ms: int, value: float) -> None:
        body = json.dumps({"ts": ts_ms, "value": value}).encode()
        self.client.publish(f"twin/{SITE}/sensors/{code}", body, qos=1)

    def probe(self, i: int) -> None:
        sensor = self.probes[i % len(self.probes)]
        code, last = sensor["code"], self.last_ms[sensor["code"]]
        high = min(sensor["alarm_high_2"] * 1.2, sensor["range_max"])
        self._send(code, last + 1, 0.0)  # gas gone: clears the previous alarm, if any
        # Device time stays near the wall clock: the raising reading is stamped "now".
        first = max(int(time.time() * 1000) - ON_DELAY_MS, last + 2)
        self._send(code, first, high)
        raising = first + ON_DELAY_MS
        self.sent[(code, raising)] = time.monotonic()  # before publish: the clock starts
        self._send(code, raising, high)
        self.last_ms[code] = raising

    @property
    def max_ts_ms(self) -> int:
        return max(self.last_ms.values()) + 1

    def close(self) -> None:
        for code, last in self.last_ms.items():  # leave no alarm standing
            self._send(code, last + 1, 0.0)
        self.client.disconnect()
        self.client.loop_stop()


@dataclass(frozen=True)
class Latency:
    load_target_msg_s: float
    twin_ms: list[float]
    broker_ms: list[float]
    samples: int
    missing: int
    load_msg_s: float  # background load the broker accepted
    load_stored_s: float  # ... and the twin stored while alarms were timed
    stale_raised: int
    error: str | None
    cpu_s: dict[str, float]
    wall_s: float
    max_ts_ms: int

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _time_alarms(
    plant: Plant, prober: Prober, watcher: StreamWatcher, samples: int, period_s: float
) -> float:
    """Probe ``samples`` times; returns the rate the twin stored background readings at."""
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("publish → alarm on the WebSocket …", total=samples)
        stored_before, t0 = plant.counters["stored"], time.monotonic()
        for i in range(samples):
            prober.probe(i)
            bar.update(task, completed=i + 1)
            time.sleep(max(0.0, t0 + (i + 1) * period_s - time.monotonic()))
        stored_s = (plant.counters["stored"] - stored_before) / (time.monotonic() - t0)
        deadline = time.monotonic() + ALARM_GRACE_S
        while time.monotonic() < deadline and not prober.sent.keys() <= watcher.arrived.keys():
            time.sleep(0.05)
    return stored_s


def alarm_latency(
    plant: Plant, load_msg_s: float, floor_ms: int, samples: int, period_s: float
) -> Latency:
    """Alarms timed from publish to the WebSocket while a background load runs."""
    ctx = mp.get_context("spawn")
    stop, results = ctx.Event(), ctx.Queue()
    job = LoadJob(plant.broker_port, "twin", SITE, plant.load, 1, 0, load_msg_s, floor_ms)
    proc = ctx.Process(target=publish_load, args=(job, results, stop), daemon=True)
    plant.children.append(proc)
    meter, since_s = CpuMeter(plant.broker_pid), time.time()
    with ExitStack() as local:  # whatever fails, every client and the publisher stop
        url = plant.base_url.replace("http://", "ws://")
        watcher = StreamWatcher(f"{url}/api/v1/sites/{SITE}/stream?access_token={plant.token}")
        watcher.start()
        local.callback(watcher.join, 5)
        local.callback(watcher.stop.set)
        if not watcher.ready.wait(30) or watcher.error:
            raise RuntimeError(f"stream did not open: {watcher.error}")
        topics = [f"twin/{SITE}/sensors/{p['code']}" for p in plant.probes]
        broker = BrokerWatcher(plant.broker_port, topics)
        local.callback(broker.close)
        prober = Prober(plant.broker_port, plant.probes, floor_ms)
        local.callback(prober.close)
        broker.ready.wait(10)
        meter.begin()
        started = time.monotonic()
        proc.start()
        local.callback(stop_process, proc)
        local.callback(stop.set)
        # Warm-up: the publisher process starts and the stale alarms of the idle sensors
        # (quiet during the peer's phases) clear before anything is timed.
        time.sleep(WARMUP_S)
        stored_s = _time_alarms(plant, prober, watcher, samples, period_s)
        stop.set()
        loaded: LoadResult = results.get(timeout=60)
        until_s, wall_s = time.time(), time.monotonic() - started
        stop_process(proc)  # joined, so its CPU time is counted
        cpu_s = meter.spent()
    sent = prober.sent
    twin = [(watcher.arrived[k] - t) * 1e3 for k, t in sent.items() if k in watcher.arrived]
    peer = [(broker.arrived[k] - t) * 1e3 for k, t in sent.items() if k in broker.arrived]
    return Latency(
        load_msg_s,
        twin,
        peer,
        len(sent),
        len(sent) - len(twin),
        loaded.messages / (loaded.all_acked_mono - loaded.first_publish_mono),
        stored_s,
        _stale_raised(plant.sql, since_s, until_s),
        watcher.error,
        cpu_s,
        wall_s,
        max(prober.max_ts_ms, loaded.max_ts_ms),
    )


# --- report ------------------------------------------------------------------------------

Row = tuple[str, str, str, str, str]


def _verdict(value: float, goal: float, higher_is_better: bool = True) -> str:
    met = value >= goal if higher_is_better else value <= goal
    if met:
        return "met"
    off = (goal - value) / goal if higher_is_better else (value - goal) / goal
    return f"MISSED by {off:.0%}"


def _rate_cell(t: Throughput, unit: str) -> str:
    if t.elapsed_s is None:
        return f"incomplete: {t.stored:,} of {t.expected:,} stored\n" + cpu_note(t.cpu_s, None)
    return f"{t.rate:,.0f} {unit}\n({t.expected:,} in {t.elapsed_s:.1f} s)\n" + cpu_note(
        t.cpu_s, None
    )


def _loss_cell(t: Throughput) -> str:
    return f"lost {t.expected - t.stored:,}, duplicated {t.stored - t.distinct:,}"


def _twin_note(t: Throughput, verdict: str, shape: str) -> str:
    return (
        f"{verdict}; {shape}; the broker took the publisher's "
        f"{t.expected / t.publish_s:,.0f} readings/s; twin wrote {t.alarm_transitions:,} "
        f"alarm transitions, {t.stale_raised:,} of them 'no data' raises*"
    )


def ingest_rows(
    single: tuple[Throughput, Throughput], batch: tuple[Throughput, Throughput]
) -> list[Row]:
    (ts, ps), (tb, pb) = single, batch
    return [
        (
            "single-reading messages → stored",
            _rate_cell(ts, "msg/s"),
            _rate_cell(ps, "msg/s"),
            f"≥ {GOAL_SINGLE_MSG_S:,} msg/s",
            _twin_note(ts, _verdict(ts.rate, GOAL_SINGLE_MSG_S), "1 reading/msg, QoS 1"),
        ),
        (
            "  loss / duplicates",
            _loss_cell(ts),
            _loss_cell(ps),
            "0 / 0",
            f"count(*) and count(DISTINCT (sensor, ts)) vs N; twin: {ts.redelivered:,} "
            "redelivered readings kept once",
        ),
        (
            f"gateway batches ({READINGS_PER_BATCH_MSG}/msg) → stored",
            _rate_cell(tb, "readings/s"),
            _rate_cell(pb, "readings/s"),
            f"≥ {GOAL_BATCH_READINGS_S:,} readings/s",
            _twin_note(tb, _verdict(tb.rate, GOAL_BATCH_READINGS_S), "QoS 1"),
        ),
        (
            "  loss / duplicates",
            _loss_cell(tb),
            _loss_cell(pb),
            "0 / 0",
            f"twin: {tb.redelivered:,} redelivered readings kept once",
        ),
    ]


def latency_row(lat: Latency) -> Row:
    def cell(values: list[float]) -> str:
        if not values:
            return "no alarm arrived"
        return f"p50 {Latency.pct(values, 0.5):,.1f} ms\np99 {Latency.pct(values, 0.99):,.1f} ms"

    p99 = Latency.pct(lat.twin_ms, 0.99) if lat.twin_ms else float("inf")
    note = (
        f"{_verdict(p99, GOAL_ALARM_P99_MS, higher_is_better=False)} (seed: "
        f"{_verdict(p99, SEED_ALARM_P99_MS, higher_is_better=False)}); {lat.samples} alarms, "
        f"{lat.missing} never arrived (within {ALARM_GRACE_S:.0f} s); background "
        f"{lat.load_msg_s:,.0f} msg/s published, {lat.load_stored_s:,.0f}/s stored; "
        f"{lat.stale_raised} 'no data' raises*; " + cpu_note(lat.cpu_s, lat.wall_s)
    )
    if lat.error:
        note += f"; stream error: {lat.error}"
    return (
        f"publish → alarm on WebSocket\nunder {lat.load_target_msg_s:,.0f} msg/s load",
        cell(lat.twin_ms),
        cell(lat.broker_ms),
        f"p99 ≤ {GOAL_ALARM_P99_MS:.0f} ms\n(seed ≤ {SEED_ALARM_P99_MS:.0f} ms)",
        note,
    )


def report(rows: list[Row], durations: dict[str, float]) -> None:
    table = Table(
        "measure",
        "plant-twin",
        "peer (same run)",
        "goal",
        "note",
        title=f"bench_ingest: MQTT → PostgreSQL → alarms → WebSocket, {os.cpu_count()} CPUs",
        caption=(
            "peer, ingest: paho QoS 1 → json.loads → COPY into a plain table, acked after "
            "commit; peer, latency: a bare MQTT subscriber to the probe topic. "
            "CPU s per component over the phase (all on the same cores; postgres = the whole "
            "server). *'No data' alarms raised for a sensor after its first reading of the phase "
            "was stored (it kept sending): false alarms, as a backlog can cause."
        ),
        show_lines=True,
    )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        "durations: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in durations.items())
    )


# --- main --------------------------------------------------------------------------------


def _setup(stack: ExitStack, work: Path, keep_db: bool) -> Plant:
    url, engine = demo_database(stack, work, DB_NAME, keep_db)
    broker = PrivateBroker(work / "mosquitto", port=free_port())
    broker.start()
    stack.callback(broker.stop)
    settings = Settings(
        demo=True,
        mqtt_url=broker.url,
        mqtt_client_id=f"bench-ingest-{uuid.uuid4().hex[:8]}",  # a fresh broker session
        data_dir=work,
        simulate=False,
        modbus_devices=None,
    )
    app = create_app(settings, engine, live=True)
    base_url = stack.enter_context(serving(app))
    if not app.state.live.ingest.connected.wait(30):
        raise RuntimeError("the app's MQTT ingest did not connect")
    sql = stack.enter_context(psycopg.connect(libpq(url), autocommit=True))
    token = _token(base_url)
    load, probes = split_sensors(_sensors(base_url, token))
    assert broker.process is not None
    plant = Plant(
        base_url, token, broker.port, broker.process.pid, app, sql, libpq(url), load, probes
    )
    # Registered last, so it runs first: no publisher outlives the broker or the app.
    stack.callback(lambda: [stop_process(p, 5) for p in plant.children if p.is_alive()])
    return plant


class Phases:
    """Runs the measurements in order, timing each and carrying device time forward."""

    def __init__(self, plant: Plant, seconds: float) -> None:
        self.plant = plant
        self.durations: dict[str, float] = {}
        self.floor_ms = int(time.time() * 1000)  # device timestamps only ever move on
        self.timeout_s = max(60.0, 6 * seconds)
        self.single_msgs = int(GOAL_SINGLE_MSG_S * seconds)
        self.batch_msgs = int(GOAL_BATCH_READINGS_S * seconds / READINGS_PER_BATCH_MSG)

    def timed(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.monotonic()
        try:
            return fn()
        finally:
            self.durations[name] = time.monotonic() - start

    def job(self, prefix: str, per_message: int) -> LoadJob:
        messages = self.single_msgs if per_message == 1 else self.batch_msgs
        return LoadJob(
            self.plant.broker_port,
            prefix,
            SITE,
            self.plant.load,
            per_message,
            messages,
            0,
            self.floor_ms,
        )

    def twin(self, per_message: int, name: str) -> Throughput:
        out: Throughput = self.timed(
            name,
            lambda: twin_ingest(self.plant, self.job("twin", per_message), name, self.timeout_s),
        )
        self.floor_ms = max(self.floor_ms, out.max_ts_ms + 1)
        return out

    def peers(self) -> tuple[Throughput, Throughput]:
        with raw_pipeline(self.plant) as (committed, pid):

            def peer(per_message: int, name: str) -> Throughput:
                return self.timed(
                    name,
                    lambda: _measure(
                        self.plant,
                        self.job("raw", per_message),
                        "raw_readings",
                        "sensor, ts",
                        committed,
                        name,
                        self.timeout_s,
                        pid,
                    ),
                )

            return peer(1, "peer single"), peer(READINGS_PER_BATCH_MSG, "peer batches")

    def latency(self, load_msg_s: float, samples: int, period_s: float) -> Latency:
        out: Latency = self.timed(
            f"latency at {load_msg_s:,.0f} msg/s",
            lambda: alarm_latency(self.plant, load_msg_s, self.floor_ms, samples, period_s),
        )
        self.floor_ms = max(self.floor_ms, out.max_ts_ms + 1)
        return out


def run(plant: Plant, args: argparse.Namespace) -> tuple[list[Row], dict[str, float]]:
    phases = Phases(plant, args.seconds)
    twin_single = phases.twin(1, "twin single")
    twin_batch = phases.twin(READINGS_PER_BATCH_MSG, "twin batches")
    # The peer uses raw/... topics the app does not subscribe to: the twin idles meanwhile.
    peer_single, peer_batch = phases.peers()
    # Light load first: the heavy one may leave a backlog behind it.
    light = phases.latency(args.light_load, args.samples, args.period)
    heavy = phases.latency(BACKGROUND_MSG_S, args.samples, args.period)
    rows = [
        *ingest_rows((twin_single, peer_single), (twin_batch, peer_batch)),
        latency_row(heavy),
        latency_row(light),
    ]
    return rows, phases.durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="each ingest window holds this many seconds of load at the goal rate",
    )
    parser.add_argument("--samples", type=int, default=100, help="alarms timed per load")
    parser.add_argument("--period", type=float, default=0.2, help="seconds between alarms")
    parser.add_argument(
        "--light-load",
        type=float,
        default=1_000.0,
        help="msg/s of the second latency run (a load the twin can sustain)",
    )
    parser.add_argument("--keep-db", action="store_true", help=f"keep {DB_NAME} afterwards")
    args = parser.parse_args()
    console.print(f"CPUs: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.2f}")
    started = time.monotonic()
    # The directory outlives the stack: the broker and the server stop before it goes.
    with tempfile.TemporaryDirectory(prefix="twin-bench-ingest-") as tmp, ExitStack() as stack:
        setup_start = time.monotonic()
        plant = _setup(stack, Path(tmp), args.keep_db)
        setup_s = time.monotonic() - setup_start
        console.print(
            f"setup {setup_s:.1f} s: {len(plant.load)} load sensors, {len(plant.probes)} "
            f"probe detectors ({', '.join(p['code'] for p in plant.probes)})"
        )
        rows, durations = run(plant, args)
        counters = dict(plant.counters)
    report(rows, {"setup": setup_s, **durations, "total": time.monotonic() - started})
    console.print(f"engine counters: {counters}; load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
