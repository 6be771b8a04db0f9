"""In-process fan-out of live events to stream subscribers (WebSocket clients).

Publishing never waits: a subscriber whose queue is full is marked lagging and dropped;
its client reconnects and starts again from a fresh snapshot. A slow screen can never
slow ingest.

Events are published after their transaction commits, which happens on whatever thread
ran it (a request's worker thread, the engine's). The subscribers' queues belong to the
event loop, so a publish from another thread is handed to the loop, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SUBSCRIBER_QUEUE", "Bus", "Subscription"]

log = logging.getLogger("twin.events")
# Events a client may fall behind by before it is dropped (a few seconds at full rate).
SUBSCRIBER_QUEUE = 2000


@dataclass(eq=False)
class Subscription:
    site: str
    queue: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(SUBSCRIBER_QUEUE)
    )
    lagging: bool = False


class Bus:
    """Fan-out per site. Bind it to the loop its subscribers live on (:meth:`bind`, done
    by the app at start); until then publishing runs in the caller's thread."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.dropped_subscribers = 0
        self.published = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._loop_thread = loop, threading.get_ident()

    def listen(self, listener: Callable[[str, dict[str, Any]], None]) -> None:
        """Call ``listener(site, event)`` on the loop for every event of every site (the
        alarm notifier). It must not block."""
        self._listeners.append(listener)

    def subscribe(self, site: str) -> Subscription:
        sub = Subscription(site)
        self._subs[site].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs[sub.site].discard(sub)

    def publish(self, site: str, event: dict[str, Any]) -> None:
        """Safe from any thread; events published by one thread arrive in order."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread:
            self._deliver(site, event)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody is listening
                loop.call_soon_threadsafe(self._deliver, site, event)

    def _deliver(self, site: str, event: dict[str, Any]) -> None:
        self.published += 1
        for listener in self._listeners:
            try:
                listener(site, event)
            except Exception:
                log.exception("bus listener failed on a %s event", event.get("type"))
        for sub in list(self._subs.get(site, ())):
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                sub.lagging = True
                self._subs[site].discard(sub)
                self.dropped_subscribers += 1

    def subscribers(self, site: str) -> int:
        return len(self._subs.get(site, ()))
