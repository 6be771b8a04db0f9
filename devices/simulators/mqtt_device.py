"""What every simulated MQTT field device shares: a client with a last will, a retained
online status on every (re)connection, and a thread publishing once per interval."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

__all__ = ["SimulatedMqttDevice"]

Messages = list[tuple[str, Any]]


class SimulatedMqttDevice:
    """Publish ``produce(now)``'s (topic, payload) pairs every ``interval_s`` at QoS 1.

    Parameters
    ----------
    mqtt_url : str
        ``mqtt://host:port``.
    site, name : str
        The device appears as ``twin/{site}/devices/{name}/status`` (retained).
    interval_s : float
    produce : callable
        ``produce(now_epoch_s) -> [(topic, payload)]``; payloads are JSON-encoded.
    """

    def __init__(
        self,
        mqtt_url: str,
        site: str,
        name: str,
        interval_s: float,
        produce: Callable[[float], Messages],
    ) -> None:
        parsed = urlparse(mqtt_url)
        self.interval_s, self.produce = interval_s, produce
        self.status_topic = f"twin/{site}/devices/{name}/status"
        self.published = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"{name}-{site}", protocol=mqtt.MQTTv5
        )
        self.client.will_set(self.status_topic, "offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.connect_async(parsed.hostname or "127.0.0.1", parsed.port or 1883)

    def start(self) -> None:
        self.client.loop_start()
        self._thread = threading.Thread(target=self._run, name=self.status_topic, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.client.publish(self.status_topic, "offline", qos=1, retain=True)
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        # On every (re)connection: the broker published the last will if the link broke.
        if not reason.is_failure:
            client.publish(self.status_topic, "online", qos=1, retain=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            # Intervals are skipped while disconnected; the next one covers the whole gap.
            if not self.client.is_connected():
                continue
            for topic, payload in self.produce(time.time()):
                self.client.publish(topic, json.dumps(payload), qos=1)
                self.published += 1
