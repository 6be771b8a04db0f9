"""Alarm notifications through pluggable channels, with escalation when nobody answers.

A channel is anything with ``name`` and ``send(payload)``; the webhook is built in and an
SMS gateway is a plugin of the same shape registered in :data:`CHANNELS`. Sending happens
off the ingest path: a failing receiver is counted and retried, never slows the engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.request
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("twin.notify")

# Attempts per notification and the pause between them (the receiver may be restarting).
ATTEMPTS = 3
RETRY_PAUSE_S = 2.0
TIMEOUT_S = 5.0
QUEUE_LIMIT = 10_000


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, payload: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class WebhookChannel:
    """POST the alarm as JSON to ``url`` (a duty phone gateway, a chat bot, a pager)."""

    url: str
    name: str = "webhook"

    def send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is operator configuration
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            if response.status >= 300:
                raise OSError(f"webhook answered {response.status}")


CHANNELS: dict[str, type] = {"webhook": WebhookChannel}


class Notifier:
    """Queue of notifications per escalation level, drained by a background task."""

    def __init__(self, levels: list[list[Channel]]) -> None:
        self.levels = levels
        self.queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue(QUEUE_LIMIT)
        self.counters: Counter[str] = Counter()

    def notify(self, level: int, payload: dict[str, Any]) -> None:
        if level >= len(self.levels) or not self.levels[level]:
            return
        try:
            self.queue.put_nowait((level, payload))
        except asyncio.QueueFull:
            self.counters["dropped"] += 1

    async def run(self) -> None:
        while True:
            level, payload = await self.queue.get()
            for channel in self.levels[level]:
                await self._deliver(channel, payload)

    async def _deliver(self, channel: Channel, payload: dict[str, Any]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await asyncio.to_thread(channel.send, payload)
                self.counters["sent"] += 1
                return
            except OSError as exc:
                log.warning("%s notification failed (attempt %d): %s", channel.name, attempt, exc)
                await asyncio.sleep(RETRY_PAUSE_S)
        self.counters["failed"] += 1
