"""The events of the spine: typed, frozen, one class per kind of change.

A service that changes state builds one of these and hands it to
:func:`twin.events.emit.emit`; the log, the live maps, replay and (later) the uploads all
read the same object. ``to_wire()`` is the live protocol's message (``{"type": …}``), the
form the maps, the event log and replay have always used, so a message replayed from the
log looks exactly like the one the stream carried.

Examples
--------
>>> from datetime import UTC, datetime
>>> e = IncidentChanged(site="demo", site_id=1, ts_utc=datetime(2026, 1, 1, tzinfo=UTC),
...                     incident={"id": 7, "state": "open"})
>>> e.to_wire()
{'type': 'incident', 'incident': {'id': 7, 'state': 'open'}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

__all__ = [
    "AlarmChanged",
    "DrillChanged",
    "Event",
    "FeedChanged",
    "HeadcountChanged",
    "IncidentChanged",
    "IncidentStep",
    "InjectFired",
    "PositionsBatch",
    "ReadingsBatch",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """What every event carries: the site (code and id), when it happened on the plant
    (UTC; a drill's own clock for a drill's events), and the drill it belongs to."""

    KIND: ClassVar[str] = ""
    # Real readings and positions live in their own tables; only a drill's are logged.
    KEPT_ELSEWHERE: ClassVar[bool] = False

    site: str
    site_id: int
    ts_utc: datetime
    drill_id: str | None = None

    def body(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_wire(self) -> dict[str, Any]:
        return {"type": self.KIND, **self.body()}

    @property
    def logged(self) -> bool:
        """Whether the event log keeps it (readings and positions have their own tables)."""
        return not (self.KEPT_ELSEWHERE and self.drill_id is None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingsBatch(Event):
    """The newest value of each sensor that reported in one stored batch."""

    KIND: ClassVar[str] = "readings"
    KEPT_ELSEWHERE: ClassVar[bool] = True
    sensors: Mapping[str, Mapping[str, Any]]

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sensors": dict(self.sensors)}
        if self.drill_id:
            out["drill_id"] = self.drill_id
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionsBatch(Event):
    KIND: ClassVar[str] = "positions"
    KEPT_ELSEWHERE: ClassVar[bool] = True
    tags: Mapping[str, Mapping[str, Any]]

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tags": dict(self.tags)}
        if self.drill_id:
            out["drill_id"] = self.drill_id
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class HeadcountChanged(Event):
    """People per zone now (with the positioning feed's state: a count from a feed that is
    down is not a count)."""

    KIND: ClassVar[str] = "headcount"
    zones: Mapping[str, Any]

    def body(self) -> dict[str, Any]:
        return {"ts": self.ts_utc.isoformat(), "zones": dict(self.zones)}


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmChanged(Event):
    """An alarm after one transition (raised, cleared, acknowledged, shelved, closed …)."""

    KIND: ClassVar[str] = "alarm"
    transition: str
    alarm: Mapping[str, Any]

    def body(self) -> dict[str, Any]:
        return {"transition": self.transition, "alarm": dict(self.alarm)}


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentChanged(Event):
    """An incident as the maps draw it (whole, with zones and people, after a refresh)."""

    KIND: ClassVar[str] = "incident"
    incident: Mapping[str, Any]

    def body(self) -> dict[str, Any]:
        return {"incident": dict(self.incident)}


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentStep(Event):
    """One entry of an incident's timeline: declared, a command, a resource, closed."""

    KIND: ClassVar[str] = "incident_step"
    incident_id: int
    step: str
    actor: str
    text: str | None = None
    detail: Mapping[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "kind": self.step,
            "actor": self.actor,
            "text": self.text,
            "detail": dict(self.detail) if self.detail is not None else None,
            "drill_id": self.drill_id,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DrillChanged(Event):
    """A drill's banner: running, finished or stopped (see ``twin.drills.service``)."""

    KIND: ClassVar[str] = "drill"
    banner: Mapping[str, Any]

    def body(self) -> dict[str, Any]:
        return {k: v for k, v in self.banner.items() if k != "type"}


@dataclass(frozen=True, slots=True, kw_only=True)
class InjectFired(Event):
    KIND: ClassVar[str] = "inject"
    index: int
    inject: str
    target: str | None
    text: str | None
    at_s: float

    def body(self) -> dict[str, Any]:
        return {
            "drill_id": self.drill_id,
            "index": self.index,
            "inject": self.inject,
            "target": self.target,
            "text": self.text,
            "at_s": self.at_s,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedChanged(Event):
    """A data feed went live, late or down (see ``twin.feeds``)."""

    KIND: ClassVar[str] = "feed"
    feed: Mapping[str, Any]

    def body(self) -> dict[str, Any]:
        return {"feed": dict(self.feed)}
