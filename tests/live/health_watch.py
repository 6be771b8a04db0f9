"""A /healthz poller for a process of its own (spawned: it imports nothing heavy), so the
load generator's threads cannot delay its clock."""

from __future__ import annotations

import time
from typing import Any

import httpx


def watch_health(url: str, stop: Any, slowest: Any, failures: Any, asked: Any) -> None:
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                ok = client.get(f"{url}/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            slowest.value = max(slowest.value, time.monotonic() - t0)
            failures.value += not ok
            asked.value += 1
            time.sleep(0.1)
