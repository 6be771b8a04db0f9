"""Append events to the event log, in the transaction of the change they report.

:func:`twin.events.emit.emit` writes here for every typed event; a simulated drill writes
its whole timeline at once (:func:`record_timeline`). Readings and positions are already
kept in their own partitioned tables: only a drill's (which never enter those tables) are
logged here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert

from twin.events.models import LoggedEvent
from twin.readings.store import ensure_partitions

if TYPE_CHECKING:
    from twin.events.types import Event

__all__ = [
    "HeadcountFilter",
    "record_events",
    "record_timeline",
]


def record_events(conn: Connection, events: Iterable[Event]) -> int:
    """Append typed events in one statement, each at its own plant time."""
    now = datetime.now(UTC)
    return _insert(conn, [_row(e.site_id, e.ts_utc, e.to_wire(), e.drill_id, now) for e in events])


def record_timeline(
    conn: Connection, site_id: int, events: Iterable[tuple[datetime, dict[str, Any]]], drill_id: str
) -> int:
    """Append a drill's own timeline (``(ts, event)`` pairs on its clock) in one statement."""
    now = datetime.now(UTC)
    return _insert(conn, [_row(site_id, ts, event, drill_id, now) for ts, event in events])


def _row(
    site_id: int, ts: datetime, event: dict[str, Any], drill: str | None, now: datetime
) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "ts_utc": ts,
        "kind": event["type"],
        "drill_id": drill,
        "payload": event,
        "recorded_utc": now,
    }


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> int:
    if rows:
        ensure_partitions(conn, {r["ts_utc"].astimezone(UTC).date() for r in rows}, "event_log")
        conn.execute(insert(LoggedEvent), rows)
    return len(rows)


class HeadcountFilter:
    """Lets a site's headcount into the log only when it changed: the tracker emits it with
    every batch of positions, but people cross zone lines far less often.

    Call :meth:`forget` when the transaction that logged a headcount rolls back.
    """

    def __init__(self) -> None:
        self._last: dict[str, Any] = {}

    def changed(self, site: str, zones: Any) -> bool:
        if self._last.get(site) == zones:
            return False
        self._last[site] = zones
        return True

    def forget(self) -> None:
        self._last.clear()
