"""The ingest client: paho-mqtt 2, QoS 1, persistent session, acknowledgement by the sink.

The broker keeps every QoS 1 message for this client's session until it is acknowledged,
and this client acknowledges only when the sink says the reading is stored (``manual_ack``):
readings sent while the ingest was down, or in flight when it died, arrive again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from devices.mqtt.payloads import (
    DeviceStatus,
    PayloadError,
    PositionReport,
    parse_message,
    topic_filters,
)
from devices.values import RangeEpoch, Reading

__all__ = ["Ack", "Item", "MqttIngest", "redacted"]

log = logging.getLogger("devices.mqtt")

Ack = Callable[[], None]
Item = Reading | PositionReport | RangeEpoch
# How many unacknowledged messages the broker may have in flight to us (MQTT 5 Receive
# Maximum). Acknowledging only after a commit needs a deep window to keep throughput up.
RECEIVE_MAXIMUM = 65535
# The broker keeps the session (and queued QoS 1 messages) this long while we are away.
SESSION_EXPIRY_S = 7 * 24 * 3600
KEEPALIVE_S = 30
# A failure of one kind is logged at most this often (a flood of bad messages must not
# become a flood of log lines).
LOG_EVERY_S = 60.0
# The consumer's proof of life: a message to itself through the broker (see probe()).
PROBE_PREFIX = "twin/_probe/"


def redacted(url: str) -> str:
    """``url`` without its password, for logs (mqtt://user:***@host:port)."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = f"{parsed.username}:***@{parsed.hostname}" + (f":{parsed.port}" if parsed.port else "")
    return parsed._replace(netloc=netloc).geturl()


class MqttIngest:
    """Subscribe to the reading topics and hand each reading to ``sink``.

    Parameters
    ----------
    url : str
        ``mqtt://host:port``.
    client_id : str
        Stable across restarts: the broker finds the persistent session by it.
    sink : callable
        ``sink(items, ack)`` from paho's network thread, once per message; call ``ack``
        once every item of the message is stored.
    shared_group : str, optional
        Join an MQTT 5 shared subscription so several ingest workers split the load.
    """

    def __init__(
        self,
        url: str,
        client_id: str,
        sink: Callable[[Sequence[Item], Ack], None],
        *,
        shared_group: str | None = None,
    ) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
            raise ValueError(f"MQTT URL must look like mqtt://host:1883, not {url!r}")
        self.host, self.port = parsed.hostname, parsed.port or 1883
        self.sink = sink
        self.filters = topic_filters(shared_group)
        self.counters: Counter[str] = Counter()
        self.devices: dict[tuple[str, str], DeviceStatus] = {}
        self.connected = threading.Event()
        self.probe_topic = PROBE_PREFIX + client_id
        self._logged: dict[str, float] = {}
        # Monotonic time the last message was handled to the end: the watchdog's measure.
        self.handled_at = time.monotonic()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        if parsed.username:
            self.client.username_pw_set(parsed.username, parsed.password)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            self.host, self.port, keepalive=KEEPALIVE_S, clean_start=False, properties=props
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.connected.clear()

    def abandon(self) -> None:
        """Give up a client whose network thread is stuck (in a callback that never
        returns): ask it to disconnect without waiting for it, and let its thread end
        whenever it can. A new client with the same id takes the session over; the
        broker redelivers what this one never acknowledged."""
        self.client.on_message = None
        self.connected.clear()
        self.client.disconnect()  # only queued: nothing here waits on the stuck thread
        threading.Thread(target=self.client.loop_stop, daemon=True, name="mqtt-abandoned").start()

    def probe(self) -> None:
        """Send the consumer a message through the broker: handled, it moves
        :attr:`handled_at` even when no device publishes; a stuck consumer never does."""
        if self.connected.is_set():
            self.client.publish(self.probe_topic, b"", qos=0)

    def _on_connect(
        self,
        client: mqtt.Client,
        _userdata: object,
        _flags: object,
        reason: mqtt.ReasonCode,
        _props: object,
    ) -> None:
        if reason.is_failure:
            log.error("MQTT connection refused: %s", reason)
            return
        # Subscribing again on every connect is harmless and covers a lost session.
        client.subscribe([(f, 1) for f in self.filters] + [(self.probe_topic, 0)])
        self.handled_at = time.monotonic()  # the watchdog's clock starts with the connection
        self.counters["connects"] += 1
        self.connected.set()

    def _on_disconnect(
        self,
        _client: mqtt.Client,
        _userdata: object,
        _flags: object,
        reason: mqtt.ReasonCode,
        _props: object,
    ) -> None:
        self.connected.clear()
        self.counters["disconnects"] += 1
        log.warning("MQTT disconnected (%s); paho reconnects", reason)

    def _on_message(self, client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        """Nothing a message holds may stop the consumer: whatever goes wrong in handling
        one is counted, logged (once a minute per kind of failure) and acknowledged, so
        the broker does not redeliver it to kill the next consumer too."""
        try:
            self._handle(client, msg)
        except Exception as exc:
            self.counters["failed"] += 1
            self._log_once(f"message on {msg.topic[:80]} failed: {type(exc).__name__}", exc)
            try:
                client.ack(msg.mid, msg.qos)
            except Exception:
                self.counters["ack_failed"] += 1
        finally:
            self.handled_at = time.monotonic()

    def _log_once(self, what: str, exc: BaseException) -> None:
        if self._due("failed:" + type(exc).__name__):
            log.error("%s (counted; logged once a minute)", what, exc_info=exc)

    def _due(self, kind: str) -> bool:
        """Whether a log line of ``kind`` may be written now (once per LOG_EVERY_S)."""
        now = time.monotonic()
        if now - self._logged.get(kind, -LOG_EVERY_S) < LOG_EVERY_S:
            return False
        self._logged[kind] = now
        return True

    def _handle(self, client: mqtt.Client, msg: mqtt.MQTTMessage) -> None:
        if msg.topic == self.probe_topic:
            self.counters["probes"] += 1
            return
        self.counters["messages"] += 1
        if msg.dup:
            # Sent again by the broker: one we had not acknowledged (a restart, a takeover).
            self.counters["redelivered"] += 1
        try:
            parsed = parse_message(msg.topic, bytes(msg.payload))
        except PayloadError as exc:
            # Counted and logged, never stored: acknowledge so it is not redelivered.
            self.counters["malformed"] += 1
            if self._due("malformed"):
                log.warning(
                    "malformed message on %s: %s (counted; logged once a minute)",
                    msg.topic[:80],
                    exc,
                )
            client.ack(msg.mid, msg.qos)
            return
        mid, qos = msg.mid, msg.qos

        def ack() -> None:
            client.ack(mid, qos)

        if isinstance(parsed, DeviceStatus):
            self.devices[(parsed.site, parsed.device)] = parsed
            self.counters["device_status"] += 1
            client.ack(msg.mid, msg.qos)
            return
        if not isinstance(parsed, list):
            self.counters["positions"] += 1
            self.sink([parsed], ack)
            return
        # One hand-over per message: a gateway batch crosses threads once, not per reading.
        self.sink(parsed, ack)
        self.counters["readings"] += len(parsed)
