"""A few seconds of everything at once against the real server (``twin serve``, its own
process), database and broker: audited writes of every kind, logins and reads from 32
clients while MQTT readings flow, then SIGTERM under the same load.

Every request answers (2xx, a clear 4xx, or 503 with a reason); /healthz answers within a
second throughout; every reading is stored; the server stops within its shutdown bound;
the audit chain verifies afterwards. This is the load that wedged the server for good
when the audit head was locked for a whole request and a route ran its session on the
event loop.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from subprocess import PIPE, STDOUT, Popen
from typing import Any

import httpx
import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD
from tests.live.conftest import Publisher, epoch_ms, recent, token, until
from tests.live.health_watch import watch_health
from tests.live.test_live_plane import _stored
from tests.twin.helpers import D_LAT, D_LON, point_feature, sensor_props
from twin.audit import service as audit
from twin.config import Settings
from twin.embedded.mosquitto import PrivateBroker
from twin.embedded.server import free_port

WRITERS = 32
GRACE_S = 3.0
# Requests in flight get the grace; one waiting on a lock is cut off by the lock timeout;
# then the live plane's parts stop (each bounded) and the interpreter exits.
STOP_BOUND_S = GRACE_S + 5.0 + 6.0
ROUNDS = 8  # per kind of request: about 300 requests in all
READINGS = 200
SCENARIO = "data/drills/nh3-sphere-west-wind.yaml"


def _site(url: str, admin: dict[str, str], code: str, lon: float, lat: float) -> None:
    ring = [[lon, lat], [lon + D_LON, lat], [lon + D_LON, lat + D_LAT], [lon, lat + D_LAT]]
    body = {
        "code": code,
        "name": "压力测试厂区",
        "boundary": {"type": "Polygon", "coordinates": [[*ring, [lon, lat]]]},
    }
    r = httpx.post(f"{url}/api/v1/sites", json=body, headers=admin)
    assert r.status_code == 201, r.text


def _quietly(fn: Any, *args: Any) -> Any:
    """A request racing the shutdown may find the server gone: that is fine here."""
    try:
        return fn(*args)
    except httpx.HTTPError:
        return None


def _answered(status: int) -> bool:
    return 200 <= status < 300 or status in (400, 403, 404, 409, 422, 429, 503)


@contextmanager
def twin_serve(database_url: str, settings: Settings, broker_url: str) -> Iterator[Popen[bytes]]:
    """``twin serve`` in its own process (its own GIL: the load below cannot slow it)."""
    port = free_port()
    env = os.environ | {
        "TWIN_DATABASE_URL": database_url,
        "TWIN_MQTT_URL": broker_url,
        "TWIN_MQTT_CLIENT_ID": f"stress-{uuid.uuid4().hex[:6]}",
        "TWIN_SECRET_KEY": uuid.uuid4().hex * 2,
        "TWIN_DATA_DIR": str(settings.data_dir),
        "TWIN_PORT": str(port),
        "TWIN_SHUTDOWN_GRACE_S": str(GRACE_S),
    }
    twin = Path(sys.executable).with_name("twin")
    proc = Popen([str(twin), "serve"], env=env, stdout=PIPE, stderr=STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        up = until(lambda: proc.poll() is not None or _healthy(url), 60)
        assert up and proc.poll() is None, (proc.stdout.read() if proc.stdout else b"").decode()
        proc.url = url  # type: ignore[attr-defined]
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_concurrent_audited_writes_logins_reads_and_readings_never_wedge_the_server(
    engine: Engine,
    database_url: str,
    settings: Settings,
    broker: PrivateBroker,
    publisher: Publisher,
) -> None:
    tag = uuid.uuid4().hex[:6]
    site = f"stress-{tag}"
    lon, lat = 121.0 + int(tag[:2], 16) * 0.02, 30.0
    with twin_serve(database_url, settings, broker.url) as server:
        url = server.url  # type: ignore[attr-defined]
        admin = {"Authorization": f"Bearer {token(url, 'admin')}"}
        engineer = {"Authorization": f"Bearer {token(url, 'safety_engineer')}"}
        commander = {"Authorization": f"Bearer {token(url, 'commander')}"}
        planner = {"Authorization": f"Bearer {token(url, 'drill_planner')}"}
        operator = {"Authorization": f"Bearer {token(url, 'operator')}"}
        _site(url, admin, site, lon, lat)
        base = f"{url}/api/v1/sites/{site}"
        for i in range(4):
            r = httpx.post(
                f"{base}/layers/sensors",
                json=point_feature(sensor_props(f"S-{i}"), lon + 0.001 * (i + 1), lat + 0.001),
                headers=engineer,
            )
            assert r.status_code == 201, r.text
        incident = httpx.post(
            f"{base}/incidents",
            json={"kind": "fire", "title": "stress", "lon": lon + 0.002, "lat": lat + 0.002},
            headers=commander,
        )
        assert incident.status_code == 201, incident.text
        incident_id = incident.json()["id"]
        # Readings over the second level raise alarms to acknowledge under load.
        start = epoch_ms(recent(60))
        for i in range(4):
            publisher.send(f"twin/{site}/sensors/S-{i}", {"ts": start, "value": 90.0})
        alarms = until(
            lambda: [
                a["id"] for a in httpx.get(f"{base}/alarms?state=active", headers=operator).json()
            ],
            20,
        )
        assert alarms, "the engine raised no alarm to acknowledge"
        scenario = yaml.safe_load(open(SCENARIO, encoding="utf-8"))  # noqa: SIM115

        counter = itertools.count()

        def request(kind: str) -> tuple[str, int]:
            n = next(counter)
            with httpx.Client(base_url=url, timeout=30) as c:
                if kind == "scenario":
                    body = scenario | {"code": f"STRESS-{tag}-{n}"}
                    r = c.post("/api/v1/sites/demo/drills/scenarios", json=body, headers=planner)
                elif kind == "feature":
                    code = f"S-{n % 4}"
                    props = sensor_props(code, alarm_high_1=20 + n % 7)
                    r = c.put(
                        f"/api/v1/sites/{site}/layers/sensors/{code}",
                        json=point_feature(props, lon + 0.001 * (n % 4 + 1), lat + 0.001),
                        headers=engineer,
                    )
                elif kind == "ack":
                    alarm = alarms[n % len(alarms)]
                    r = c.post(
                        f"/api/v1/sites/{site}/alarms/{alarm}/acknowledge",
                        json={"comment": f"seen {n}"},
                        headers=operator,
                    )
                elif kind == "command":
                    r = c.post(
                        f"/api/v1/sites/{site}/incidents/{incident_id}/commands",
                        json={"text": f"command {n}"},
                        headers=commander,
                    )
                elif kind == "login":
                    r = c.post(
                        "/api/v1/auth/token",
                        data={"username": "operator", "password": DEMO_PASSWORD},
                    )
                else:
                    r = c.get(f"/api/v1/sites/{site}/{kind}", headers=operator)
                if r.status_code == 503:
                    assert r.json().get("message"), "a 503 says why"
                return kind, r.status_code

        kinds = ["scenario", "feature", "ack", "command", "login", "sensors", "alarms"]
        # Timed from a process of its own: this one's threads would delay the clock.
        spawn = multiprocessing.get_context("spawn")
        stop = spawn.Event()
        slowest = spawn.Value("d", 0.0)
        failures = spawn.Value("i", 0)
        asked = spawn.Value("i", 0)

        def readings() -> None:
            for i in range(READINGS):
                publisher.send(
                    f"twin/{site}/sensors/S-{i % 4}", {"ts": start + 1000 + i * 10, "value": 1.0}
                )

        watcher = spawn.Process(
            target=watch_health, args=(url, stop, slowest, failures, asked), daemon=True
        )
        feeder = threading.Thread(target=readings, daemon=True)
        watcher.start()
        assert until(lambda: asked.value > 0, 60), "the /healthz watcher did not start"
        feeder.start()
        with ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(request, kinds * ROUNDS * 5))
        feeder.join(60)
        time.sleep(1)
        stop.set()
        watcher.join(10)
        statuses: dict[str, list[int]] = {}
        for kind, status in results:
            statuses.setdefault(kind, []).append(status)
        assert all(_answered(s) for _, s in results), statuses
        # Most of it went through: a 503 is an answer, not the norm.
        ok = sum(200 <= s < 300 for _, s in results)
        assert ok >= 0.9 * len(results), statuses
        assert watcher.exitcode == 0 and asked.value >= 10, "the /healthz watcher did not run"
        assert failures.value == 0, "/healthz failed during the load"
        assert slowest.value < 1.0, f"/healthz took {slowest.value:.2f} s"
        r = httpx.get(f"{url}/healthz", timeout=1)
        assert r.status_code == 200
        stored = until(
            lambda: (
                sum(_stored(engine, f"S-{i}", start + 1000, site)[0] for i in range(4)) >= READINGS
            ),
            20,
        )
        assert stored, "readings were lost"
        # SIGTERM with the same load running: it stops within its bound, and everything
        # in flight is finished or rolled back (the chain below still verifies).
        with ThreadPoolExecutor(WRITERS) as pool:
            wave = [pool.submit(_quietly, request, k) for k in kinds * ROUNDS]
            time.sleep(0.5)
            t0 = time.monotonic()
            server.send_signal(signal.SIGTERM)
            server.wait(STOP_BOUND_S + 10)
            stopped_s = time.monotonic() - t0
            for f in wave:
                f.result()
        assert stopped_s < STOP_BOUND_S, f"took {stopped_s:.1f} s to stop"
        if os.environ.get("TWIN_STRESS_FIGURES"):  # for the README's figures
            health = f"/healthz slowest {slowest.value:.3f} s of {asked.value}"
            print(f"\n{health}; stopped in {stopped_s:.2f} s")
            print(f"{ok}/{len(results)} 2xx; statuses {statuses}")
    with Session(engine) as session:
        report = audit.verify(session)
    assert report.ok, report.problems
