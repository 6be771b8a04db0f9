"""Alarms people handle: read, acknowledge, shelve, close; every transition an event and
audited. What the engine raises and clears lives in :mod:`twin.alarms.raising`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.alarms.models import Alarm, AlarmEvent
from twin.audit import service as audit
from twin.errors import Conflict, NotFound, ValidationFailed
from twin.events.emit import emit
from twin.events.types import AlarmChanged
from twin.plant.models import Sensor
from twin.sites.models import Site


def as_dict(alarm: Alarm, sensor_code: str | None = None) -> dict[str, Any]:
    return {
        "id": alarm.id,
        "kind": alarm.kind,
        "state": alarm.state,
        "priority": alarm.priority,
        "sensor": sensor_code,
        "zone": alarm.zone_code,
        "tag": alarm.tag_code,
        "message": alarm.message,
        "value": alarm.value,
        "peak_value": alarm.peak_value,
        "setpoint": alarm.setpoint,
        "raised_utc": alarm.raised_utc.isoformat(),
        "active": alarm.active,
        "acked": alarm.acked,
        "acked_by": alarm.acked_by,
        "cleared_utc": alarm.cleared_utc.isoformat() if alarm.cleared_utc else None,
        "shelved_until": alarm.shelved_until.isoformat() if alarm.shelved_until else None,
        "parent_id": alarm.parent_id,
        "rule_version": alarm.rule_version,
        "cause": alarm.cause,
        "measures": alarm.measures,
        "drill_id": alarm.drill_id,
        "feed": alarm.feed,
    }


def sensor_code(session: Session, alarm: Alarm) -> str | None:
    return (
        None
        if alarm.sensor_id is None
        else session.scalar(select(Sensor.code).where(Sensor.id == alarm.sensor_id))
    )


def record_event(
    session: Session,
    alarm: Alarm,
    transition: str,
    actor: str,
    ts: datetime,
    site_code: str,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AlarmEvent(alarm_id=alarm.id, ts_utc=ts, transition=transition, actor=actor, detail=detail)
    )
    # Every transition passes here: the log and the maps take it with its name.
    emit(
        session,
        AlarmChanged(
            site=site_code,
            site_id=alarm.site_id,
            ts_utc=ts,
            drill_id=alarm.drill_id,
            transition=transition,
            alarm=as_dict(alarm, sensor_code(session, alarm)),
        ),
    )
    audit.record(
        session,
        actor,
        [
            audit.Change(
                f"alarm.{transition}",
                "alarm",
                str(alarm.id),
                site_code,
                None,
                {"kind": alarm.kind, **(detail or {})},
            )
        ],
    )


def get_alarm(session: Session, site: Site, alarm_id: int) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or alarm.site_id != site.id:
        raise NotFound(f"no alarm {alarm_id} at site {site.code!r}")
    return alarm


def acknowledge(
    session: Session, site: Site, alarm_id: int, actor: str, comment: str | None = None
) -> Alarm:
    alarm = get_alarm(session, site, alarm_id)
    if alarm.closed:
        raise Conflict("the alarm is closed")
    if alarm.acked:
        return alarm
    now = datetime.now(UTC)
    alarm.acked, alarm.acked_utc, alarm.acked_by = True, now, actor
    record_event(session, alarm, "acknowledged", actor, now, site.code, {"comment": comment})
    return alarm


def shelve(
    session: Session, site: Site, alarm_id: int, actor: str, minutes: int, reason: str
) -> Alarm:
    if not 1 <= minutes <= 8 * 60:
        raise ValidationFailed("shelving lasts 1 to 480 minutes (one shift at most)")
    alarm = get_alarm(session, site, alarm_id)
    if alarm.closed:
        raise Conflict("the alarm is closed")
    now = datetime.now(UTC)
    alarm.shelved_until, alarm.shelved_by = now + timedelta(minutes=minutes), actor
    record_event(
        session, alarm, "shelved", actor, now, site.code, {"minutes": minutes, "reason": reason}
    )
    return alarm


def close(
    session: Session, site: Site, alarm_id: int, actor: str, cause: str, measures: str
) -> Alarm:
    """Close a cleared alarm; the cause and the measures taken are required."""
    alarm = get_alarm(session, site, alarm_id)
    if alarm.closed:
        raise Conflict("the alarm is already closed")
    if alarm.active:
        raise Conflict("the condition is still present: an active alarm cannot be closed")
    if not cause.strip() or not measures.strip():
        raise ValidationFailed("closing an alarm needs its cause and the measures taken")
    now = datetime.now(UTC)
    alarm.closed, alarm.closed_utc, alarm.closed_by = True, now, actor
    alarm.cause, alarm.measures = cause.strip(), measures.strip()
    if not alarm.acked:
        alarm.acked, alarm.acked_utc, alarm.acked_by = True, now, actor
    record_event(
        session,
        alarm,
        "closed",
        actor,
        now,
        site.code,
        {"cause": alarm.cause, "measures": alarm.measures},
    )
    return alarm


STATES = ("raised", "acknowledged", "cleared", "closed")


def list_alarms(
    session: Session,
    site: Site,
    *,
    state: str | None = None,
    limit: int = 500,
    drills: Collection[str] = (),
) -> list[tuple[Alarm, str | None]]:
    """Alarms newest first with their sensor code: the real ones, and those of the
    ``drills`` named (a running drill's, for the maps under its banner). ``state=active``
    means not closed and either present or unacknowledged, and not shelved."""
    real = Alarm.drill_id.is_(None)
    query = (
        select(Alarm, Sensor.code)
        .outerjoin(Sensor, Sensor.id == Alarm.sensor_id)
        .where(Alarm.site_id == site.id, real | Alarm.drill_id.in_(drills) if drills else real)
        .order_by(Alarm.raised_utc.desc(), Alarm.id.desc())
        .limit(limit)
    )
    now = datetime.now(UTC)
    if state == "active":
        query = query.where(
            ~Alarm.closed,
            Alarm.active | ~Alarm.acked,
            (Alarm.shelved_until.is_(None)) | (Alarm.shelved_until < now),
        )
    elif state == "shelved":
        query = query.where(~Alarm.closed, Alarm.shelved_until >= now)
    elif state in STATES:
        query = query.where(
            {
                "closed": Alarm.closed,
                "raised": ~Alarm.closed & Alarm.active & ~Alarm.acked,
                "acknowledged": ~Alarm.closed & Alarm.active & Alarm.acked,
                "cleared": ~Alarm.closed & ~Alarm.active,
            }[state]
        )
    elif state is not None:
        raise ValidationFailed(f"state must be active, shelved or one of {', '.join(STATES)}")
    return [(alarm, code) for alarm, code in session.execute(query)]


# People who cannot be expected to walk out by themselves.
DISTRESS_KINDS = ("man_down", "sos")


def tags_in_distress(session: Session, site: Site, drill_id: str | None = None) -> frozenset[str]:
    """Tags with an open man-down or SOS alarm: real ones, or those of ``drill_id`` (a
    drill's casualty never counts in a real incident, nor a real one in a drill's)."""
    rows = session.scalars(
        select(Alarm.tag_code).where(
            Alarm.site_id == site.id,
            Alarm.kind.in_(DISTRESS_KINDS),
            Alarm.active,
            ~Alarm.closed,
            Alarm.drill_id.is_(None) if drill_id is None else Alarm.drill_id == drill_id,
            Alarm.tag_code.is_not(None),
        )
    )
    return frozenset(t for t in rows if t is not None)
