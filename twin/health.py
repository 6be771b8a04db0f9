"""``/healthz`` without touching the database on the request: a background probe asks the
database every couple of seconds and the route reports what it last heard, so the answer
is instant even when every worker thread and connection is busy (that is exactly when an
operator asks), and says how old its news is."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from twin.feeds.board import FeedBoard

__all__ = ["DatabaseProbe", "health"]

log = logging.getLogger("twin.health")
PROBE_EVERY_S = 2.0
# The database counts as unreachable when the probe has not succeeded for this long.
DATABASE_DOWN_AFTER_S = 10.0


@dataclass
class DatabaseProbe:
    engine: Engine
    ok_at: float | None = None
    postgis: str | None = None
    error: str | None = None

    async def run(self) -> None:
        while True:
            try:
                # Its own thread, not the request pool: a full pool must not silence it.
                self.postgis = await asyncio.wait_for(
                    asyncio.to_thread(self._check), DATABASE_DOWN_AFTER_S
                )
                self.ok_at, self.error = time.monotonic(), None
            except Exception as exc:  # the database away, or the probe waited too long
                self.error = type(exc).__name__
            await asyncio.sleep(PROBE_EVERY_S)

    def _check(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(text("SELECT postgis_lib_version()")).scalar())

    @property
    def age_s(self) -> float | None:
        return None if self.ok_at is None else time.monotonic() - self.ok_at


def health(
    probe: DatabaseProbe, feeds: FeedBoard | None, version: str
) -> tuple[int, dict[str, Any]]:
    """The status code and body of ``/healthz``: 503 when the database is unreachable;
    200 otherwise, ``degraded`` with the feeds that are late or down."""
    age = probe.age_s
    body: dict[str, Any] = {"version": version, "postgis": probe.postgis}
    if age is None or age > DATABASE_DOWN_AFTER_S:
        body |= {"status": "degraded", "database": "unreachable", "error": probe.error}
        return 503, body
    body["database_checked_s_ago"] = round(age, 1)
    # The plant's inputs; a source fit not in use is the incident's business, not health's.
    degraded = [f.as_dict() for f in feeds.degraded() if f.kind != "fit"] if feeds else []
    body |= {"status": "degraded" if degraded else "ok", "degraded_feeds": degraded}
    return 200, body
