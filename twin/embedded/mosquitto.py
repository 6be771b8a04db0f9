"""Find or start the MQTT broker the live data plane needs.

Order: ``TWIN_MQTT_URL``; a broker answering on 127.0.0.1:1883; otherwise a private
Mosquitto (Debian's package) under the data directory, stopped when the process exits.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from twin.embedded.postgres import port_answers
from twin.errors import SetupError

DEFAULT_LOCAL = "mqtt://127.0.0.1:1883"
PRIVATE_PORT = 18830
# Queued QoS 1 messages per offline session: 0 = no limit. Mosquitto's default (1000)
# would silently drop readings sent during a longer ingest outage.
CONFIG = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {data}/
autosave_interval 1
max_queued_messages 0
max_inflight_messages 0
{user}
"""


@dataclass
class PrivateBroker:
    data_dir: Path
    port: int = PRIVATE_PORT
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise SetupError(
                "Mosquitto is not installed: `apt-get install mosquitto` "
                "(`make setup` does it as root) or set TWIN_MQTT_URL"
            )
        if port_answers("127.0.0.1", self.port):
            raise SetupError(
                f"port {self.port} is taken; stop what runs there or set TWIN_MQTT_URL"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "mosquitto.conf"
        # As root Mosquitto would switch to its own account, which cannot write here.
        user = "user root" if os.geteuid() == 0 else ""
        conf.write_text(CONFIG.format(port=self.port, data=self.data_dir.resolve(), user=user))
        log = (self.data_dir / "mosquitto.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while not port_answers("127.0.0.1", self.port, 0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SetupError(f"private Mosquitto did not start; see {log.name}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def resolve_broker(configured: str | None, data_dir: Path) -> tuple[str, PrivateBroker | None]:
    if configured:
        return configured, None
    if port_answers("127.0.0.1", 1883):
        return DEFAULT_LOCAL, None
    broker = PrivateBroker(data_dir / "mosquitto")
    broker.start()
    return broker.url, broker
