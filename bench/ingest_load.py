"""Device-side load and the raw-path peer for ``bench_ingest.py``, each in its own process.

Kept apart from the benchmark script so a spawned child imports only paho and psycopg,
never the app: the publisher and the peer must not share a GIL (or import time) with the
twin they are measuring.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# PUBACKs outstanding at once: deep enough to keep the broker busy, bounded so paho never
# queues unsent messages in memory (which would measure the queue, not the broker). The
# bound is a semaphore, not paho's max_inflight_messages_set: with a limit set, paho 2.2
# rescans every outstanding message on each PUBACK (Client._update_inflight), which caps
# a publisher near 4,000 msg/s; unlimited in paho + semaphore here reaches ~12,000.
INFLIGHT_WINDOW = 1000
# The peer closes a batch like the twin's engine does: 5000 readings or 20 ms.
PEER_BATCH_MAX = 5000
PEER_BATCH_WAIT_S = 0.02
# Rate-limited load is sent in ticks this long (smooth enough for a 5,000 msg/s load).
TICK_S = 0.005


@dataclass(frozen=True, slots=True)
class LoadJob:
    """What one publisher process sends.

    ``messages`` > 0: exactly that many, as fast as the broker takes them. ``messages`` 0:
    ``rate_msg_s`` messages a second until ``stop`` is set (background load).
    """

    port: int
    prefix: str  # "twin" for the app, "raw" for the peer
    site: str
    sensors: tuple[tuple[str, float], ...]  # (code, a value well inside the normal range)
    per_message: int = 1  # 1: single reading on .../sensors/{code}; >1: gateway batch
    messages: int = 0
    rate_msg_s: float = 0.0
    floor_ms: int = 0  # every device timestamp lies above this (earlier phases)


@dataclass(frozen=True, slots=True)
class LoadResult:
    first_publish_mono: float  # time.monotonic(): CLOCK_MONOTONIC is shared by processes
    all_acked_mono: float
    messages: int
    readings: int
    max_ts_ms: int


class _Stamps:
    """Strictly increasing epoch-ms device timestamps per sensor, kept near the wall clock
    (far behind would raise stale alarms, far ahead is refused by the twin)."""

    def __init__(self, codes: list[str], floor_ms: int) -> None:
        self.last = dict.fromkeys(codes, floor_ms)
        self.max_ms = floor_ms

    def next(self, code: str, now_ms: int) -> int:
        ts = max(now_ms, self.last[code] + 1)
        self.last[code] = ts
        self.max_ms = max(self.max_ms, ts)
        return ts


def _connect(port: int, client_id: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(0)  # 0 = no limit in paho; INFLIGHT_WINDOW bounds it
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def _payloads(job: LoadJob, stamps: _Stamps, index: int) -> tuple[str, bytes]:
    """Message ``index`` of the round-robin over the job's sensors."""
    n = len(job.sensors)
    now_ms = int(time.time() * 1000)
    if job.per_message == 1:
        code, value = job.sensors[index % n]
        body = f'{{"ts":{stamps.next(code, now_ms)},"value":{value},"seq":{index}}}'
        return f"{job.prefix}/{job.site}/sensors/{code}", body.encode()
    parts = []
    base = index * job.per_message
    for k in range(job.per_message):
        code, value = job.sensors[(base + k) % n]
        ts = stamps.next(code, now_ms)
        parts.append(f'{{"sensor":"{code}","ts":{ts},"value":{value},"seq":{base + k}}}')
    return f"{job.prefix}/{job.site}/sensors", ("[" + ",".join(parts) + "]").encode()


def publish_load(job: LoadJob, results: mp.Queue, stop: Event | None = None) -> None:
    """Child process: publish the job QoS 1 with a bounded window; put a LoadResult."""
    window = threading.Semaphore(INFLIGHT_WINDOW)
    acked = threading.Event()
    state = {"acks": 0, "sent": 0, "done": False}
    lock = threading.Lock()

    def on_publish(*_: object) -> None:
        window.release()
        with lock:
            state["acks"] += 1
            if state["done"] and state["acks"] == state["sent"]:
                acked.set()

    client = _connect(job.port, f"bench-pub-{uuid.uuid4().hex[:8]}")
    client.on_publish = on_publish
    stamps = _Stamps([c for c, _ in job.sensors], job.floor_ms)
    first = time.monotonic()
    sent = 0
    try:
        if job.messages:
            for sent in range(job.messages):
                window.acquire()
                client.publish(*_payloads(job, stamps, sent), qos=1)
            sent = job.messages
        else:
            sent = _paced(job, stamps, client, window, stop)
        with lock:
            state["sent"], state["done"] = sent, True
            if state["acks"] == sent:
                acked.set()
        acked.wait(timeout=120)
        done = time.monotonic()
    finally:
        client.disconnect()
        client.loop_stop()
    results.put(LoadResult(first, done, sent, sent * job.per_message, stamps.max_ms))


def _paced(
    job: LoadJob,
    stamps: _Stamps,
    client: mqtt.Client,
    window: threading.Semaphore,
    stop: Event | None,
) -> int:
    """Publish at ``rate_msg_s`` until ``stop``; returns how many were sent."""
    start, sent = time.monotonic(), 0
    while stop is None or not stop.is_set():
        due = int((time.monotonic() - start) * job.rate_msg_s)
        while sent < due:
            window.acquire()
            client.publish(*_payloads(job, stamps, sent), qos=1)
            sent += 1
        time.sleep(TICK_S)
    return sent


RAW_TABLE = "CREATE TABLE IF NOT EXISTS raw_readings (sensor text, ts timestamptz, value float8)"
_RAW_COPY = "COPY raw_readings (sensor, ts, value) FROM STDIN"


def raw_peer(port: int, dsn: str, ready: Event, stop: Event, committed: Synchronized[int]) -> None:
    """Child process: the bare pipeline the twin is compared with.

    paho QoS 1 subscriber → json.loads → psycopg COPY into a plain table, acknowledging a
    message only after its batch is committed (the twin's durability contract, so the
    comparison is like for like). No validation, no sensor lookup, no alarms, no events.
    """
    inbox: deque[mqtt.MQTTMessage] = deque()

    def on_connect(client: mqtt.Client, *_: object) -> None:
        client.subscribe([("raw/+/sensors", 1), ("raw/+/sensors/+", 1)])

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
        manual_ack=True,
    )
    client.on_connect = on_connect
    client.on_subscribe = lambda *_: ready.set()
    client.on_message = lambda _c, _u, msg: inbox.append(msg)
    props = Properties(PacketTypes.CONNECT)
    props.ReceiveMaximum = 65535
    client.connect("127.0.0.1", port, properties=props)
    client.loop_start()
    try:
        with psycopg.connect(dsn) as conn:
            while not stop.is_set():
                batch = _take_batch(inbox, stop)
                if batch:
                    committed.value += _store_raw(conn, batch)
                    for msg in batch:
                        client.ack(msg.mid, msg.qos)
    finally:
        client.disconnect()
        client.loop_stop()


def _take_batch(inbox: deque[mqtt.MQTTMessage], stop: Event) -> list[mqtt.MQTTMessage]:
    while not inbox:
        if stop.is_set():
            return []
        time.sleep(0.001)
    deadline = time.monotonic() + PEER_BATCH_WAIT_S
    batch: list[mqtt.MQTTMessage] = []
    readings = 0
    while readings < PEER_BATCH_MAX:
        if inbox:
            msg = inbox.popleft()
            batch.append(msg)
            # Readings per message without parsing here: one JSON object each.
            readings += msg.payload.count(b"}")
        elif time.monotonic() >= deadline:
            break
        else:
            time.sleep(0.001)
    return batch


def _store_raw(conn: psycopg.Connection, batch: list[mqtt.MQTTMessage]) -> int:
    rows = 0
    with conn.cursor() as cursor, cursor.copy(_RAW_COPY) as copy:
        for msg in batch:
            doc = json.loads(msg.payload)
            parts = msg.topic.split("/")
            topic_sensor = parts[3] if len(parts) == 4 else None
            for obj in doc if isinstance(doc, list) else [doc]:
                ts = datetime.fromtimestamp(obj["ts"] / 1000, tz=UTC)
                copy.write_row((obj.get("sensor", topic_sensor), ts, obj["value"]))
                rows += 1
    conn.commit()
    return rows


def stop_process(proc: mp.process.BaseProcess, timeout_s: float = 10.0) -> None:
    """Join a child; terminate it (then kill) if it does not finish on its own."""
    proc.join(timeout_s)
    if proc.is_alive():
        proc.terminate()
        proc.join(5)
    if proc.is_alive():
        with contextlib.suppress(Exception):
            proc.kill()
        proc.join(5)
