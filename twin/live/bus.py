"""In-process fan-out of live events to stream subscribers (WebSocket clients).

Publishing never waits: a subscriber whose queue is full is marked lagging and dropped;
its client reconnects and starts again from a fresh snapshot. A slow screen can never
slow ingest.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fastapi import BackgroundTasks, Request
from sqlalchemy.orm import Session

from twin.events import log as eventlog
from twin.sites.models import Site

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
    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self.dropped_subscribers = 0

    def subscribe(self, site: str) -> Subscription:
        sub = Subscription(site)
        self._subs[site].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs[sub.site].discard(sub)

    def publish(self, site: str, event: dict[str, Any]) -> None:
        for sub in list(self._subs.get(site, ())):
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                sub.lagging = True
                self._subs[site].discard(sub)
                self.dropped_subscribers += 1

    def subscribers(self, site: str) -> int:
        return len(self._subs.get(site, ()))


def announce(
    request: Request,
    tasks: BackgroundTasks,
    session: Session,
    site: Site,
    event: dict[str, Any],
    *,
    logged: bool = False,
) -> None:
    """Record ``event`` in the event log with the request's change (unless the service
    that made it has: ``logged``), and publish it to the site's maps once that change is
    committed: background tasks run after the response, and the request's session commits
    before it."""
    if not logged:
        eventlog.record(session, site, event, skip=eventlog.LOGGED_AT_SOURCE)

    async def publish() -> None:  # async: runs on the event loop, where the bus lives
        request.app.state.bus.publish(site.code, event)

    tasks.add_task(publish)
