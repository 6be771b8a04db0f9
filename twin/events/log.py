"""Append live events to the event log, in the transaction of the change they report.

Whoever tells the maps about a change (the alarm engine, the people tracker, the incident
loop, a request through :func:`twin.live.bus.announce`, a drill) records the same message
here first, so a change and its record commit together or not at all. Readings and
positions are already kept in their own partitioned tables: only a drill's (which never
enter those tables) are logged here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from twin.events.models import LoggedEvent
from twin.readings.store import ensure_partitions
from twin.sites.models import Site

__all__ = [
    "IN_OWN_TABLES",
    "LOGGED_AT_SOURCE",
    "HeadcountFilter",
    "event_time",
    "record",
    "record_all",
    "record_timeline",
    "site_ids",
]

# Message types whose real (non-drill) data lives in the readings and positions tables.
IN_OWN_TABLES = frozenset({"readings", "positions"})
# Logged where they happen, with their transition (twin.alarms.service.record_event):
# whoever publishes them afterwards passes ``skip=LOGGED_AT_SOURCE``.
LOGGED_AT_SOURCE = frozenset({"alarm"})


def event_time(event: dict[str, Any], default: datetime) -> datetime:
    """When the event happened on the plant: an alarm's raise or clear, a headcount's
    time; otherwise ``default`` (the moment it is recorded)."""
    kind = event.get("type")
    stamp = None
    if kind == "alarm":
        alarm = event["alarm"]
        stamp = {"raised": alarm.get("raised_utc"), "cleared": alarm.get("cleared_utc")}.get(
            alarm.get("state")
        )
    elif kind == "headcount":
        stamp = event.get("ts")
    return datetime.fromisoformat(stamp) if stamp else default


def _drill_of(event: dict[str, Any]) -> str | None:
    for key in ("alarm", "incident"):
        inner = event.get(key)
        if isinstance(inner, dict) and inner.get("drill_id"):
            return str(inner["drill_id"])
    drill = event.get("drill_id")
    return str(drill) if drill else None


def record(
    session: Session,
    site: Site | int,
    event: dict[str, Any],
    ts: datetime | None = None,
    drill_id: str | None = None,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Append one event (a live-protocol message) for ``site``."""
    site_id = site if isinstance(site, int) else site.id
    record_all(session.connection(), [(site_id, event)], ts=ts, drill_id=drill_id, skip=skip)


def record_all(
    conn: Connection,
    events: Iterable[tuple[int, dict[str, Any]]],
    *,
    ts: datetime | None = None,
    drill_id: str | None = None,
    skip: frozenset[str] = frozenset(),
) -> int:
    """Append ``(site_id, event)`` pairs in one statement; returns how many were logged.
    Real readings and positions are left out (their tables are their log), and so are
    messages of the types in ``skip``."""
    now = datetime.now(UTC)
    rows = []
    for site_id, event in events:
        drill = drill_id or _drill_of(event)
        if event["type"] in skip or (event["type"] in IN_OWN_TABLES and drill is None):
            continue
        rows.append(_row(site_id, ts or event_time(event, now), event, drill, now))
    return _insert(conn, rows)


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
    """Lets a site's headcount through only when it changed: the tracker announces it with
    every batch of positions, but people cross zone lines far less often.

    Call :meth:`forget` when the transaction that logged a headcount rolls back.
    """

    def __init__(self) -> None:
        self._last: dict[str, Any] = {}

    def changed(self, site: str, event: dict[str, Any]) -> bool:
        if event["type"] != "headcount":
            return True
        if self._last.get(site) == event["zones"]:
            return False
        self._last[site] = event["zones"]
        return True

    def forget(self) -> None:
        self._last.clear()


def site_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Site ids by code (the engine's events name their site by code)."""
    wanted = set(codes)
    if not wanted:
        return {}
    return dict(session.execute(select(Site.code, Site.id).where(Site.code.in_(wanted))).all())
