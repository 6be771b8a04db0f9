"""The live data plane against a real Mosquitto (a private one per run, so tests can stop
and restart it) and the app under uvicorn with the engine running."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.engine import Engine
from websockets.sync.client import ClientConnection

from tests.conftest import DEMO_PASSWORD
from twin.app import create_app
from twin.config import Settings
from twin.embedded.mosquitto import PrivateBroker
from twin.embedded.server import free_port, serving
from viewer.browser import launch


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    b = PrivateBroker(tmp_path_factory.mktemp("mosquitto"), port=free_port())
    b.start()
    yield b
    b.stop()


@pytest.fixture
def live_settings(settings: Settings, broker: PrivateBroker) -> Settings:
    # A fresh client id per test: each test starts with an empty broker session.
    return settings.model_copy(
        update={"mqtt_url": broker.url, "mqtt_client_id": f"ingest-{uuid.uuid4().hex[:8]}"}
    )


@pytest.fixture
def live_url(engine: Engine, live_settings: Settings) -> Iterator[str]:
    with serving(create_app(live_settings, engine, live=True)) as url:
        yield url


def token(base_url: str, username: str = "commander") -> str:
    r = httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


class Publisher:
    """A device-side MQTT client publishing QoS 1 and waiting for each PUBACK."""

    def __init__(self, broker_url: str) -> None:
        port = int(broker_url.rsplit(":", 1)[1])
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"pub-{uuid.uuid4().hex[:6]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def send(self, topic: str, payload: object, *, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.client.publish(topic, body, qos=1).wait_for_publish(timeout=10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alarms", received
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (one per test module)."""
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def publisher(broker: PrivateBroker) -> Iterator[Publisher]:
    p = Publisher(broker.url)
    yield p
    p.close()


def epoch_ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def recent(seconds_ago: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds_ago)


def data_root() -> Path:
    return Path(__file__).resolve().parents[2] / "data"


def listen(ws: ClientConnection, into: list[dict[str, Any]], stop: threading.Event) -> None:
    """Collect a WebSocket's JSON messages into ``into`` until ``stop`` (in a thread)."""
    while not stop.is_set():
        try:
            into.append(json.loads(ws.recv(timeout=0.5)))
        except TimeoutError:
            continue


def until(predicate: Any, timeout_s: float = 15.0) -> Any:
    """The first truthy answer of ``predicate`` within ``timeout_s``, or None."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return None
