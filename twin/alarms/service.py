"""Alarm transitions in the database: every one recorded as an event and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twin.alarms.models import Alarm, AlarmEvent
from twin.alarms.rules import AlarmRules, Transition
from twin.audit import service as audit
from twin.errors import Conflict, NotFound, ValidationFailed
from twin.plant.models import Sensor
from twin.sites.models import Site

ENGINE_ACTOR = "system:alarm-engine"
DETECTOR_KINDS = ("high_1", "high_2")
MESSAGES = {
    "high_2": "二级报警 / high-high",
    "high_1": "一级报警 / high",
    "low": "低报警 / low",
    "fault": "设备故障 / device fault",
    "rate": "变化率过快 / rate of change",
    "stale": "数据中断 / no data",
    "flood": "区域多点报警 / alarm flood",
    "sos": "人员求救 / SOS",
    "man_down": "人员静止 / man down",
    "entry": "闯入限制区域 / restricted-zone entry",
    "crowding": "区域超员 / too many people",
}


@dataclass(frozen=True, slots=True)
class SensorRef:
    """What the engine knows of the sensor an alarm belongs to."""

    site_id: int
    site_code: str
    sensor_id: int
    sensor_code: str
    zone_code: str | None
    setpoint_rule: str | None


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
    }


def _event(
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


def _raise(
    session: Session,
    rules: AlarmRules,
    site_code: str,
    detail: dict[str, Any],
    *,
    site_id: int,
    kind: str,
    ts: datetime,
    value: float | None,
    rule_version: str | None = None,
    **fields: Any,
) -> Alarm:
    """A new, active, unacknowledged alarm with its ``raised`` event."""
    alarm = Alarm(
        site_id=site_id,
        kind=kind,
        priority=rules.priorities.get(kind, 2),
        active=True,
        acked=False,
        closed=False,
        raised_utc=ts,
        value=value,
        peak_value=value,
        rule_version=rule_version or rules.version,
        message=MESSAGES[kind],
        escalation_level=0,
        **fields,
    )
    session.add(alarm)
    session.flush()
    _event(session, alarm, "raised", ENGINE_ACTOR, ts, site_code, detail)
    return alarm


def apply(
    session: Session,
    ref: SensorRef,
    transitions: list[Transition],
    rules: AlarmRules,
    drill_id: str | None = None,
) -> list[Alarm]:
    """Write the engine's transitions for one sensor; returns the alarms that changed."""
    changed: list[Alarm] = []
    for t in transitions:
        if t.action == "raise":
            alarm = _raise(
                session,
                rules,
                ref.site_code,
                {"sensor": ref.sensor_code, "value": t.value, "setpoint": t.setpoint},
                site_id=ref.site_id,
                kind=t.kind,
                ts=t.ts_utc,
                value=t.value,
                rule_version=f"{rules.version}; {ref.setpoint_rule or 'sensor set points'}",
                sensor_id=ref.sensor_id,
                zone_code=ref.zone_code,
                setpoint=t.setpoint,
                drill_id=drill_id,
            )
            changed.append(alarm)
            if t.kind in DETECTOR_KINDS and ref.zone_code:
                parent = _flood_parent(session, ref, rules, t.ts_utc, drill_id)
                if parent is not None:
                    changed.append(parent)
        else:
            cleared = session.scalar(
                select(Alarm).where(
                    Alarm.sensor_id == ref.sensor_id,
                    Alarm.kind == t.kind,
                    Alarm.active,
                    Alarm.drill_id.is_(None) if drill_id is None else Alarm.drill_id == drill_id,
                )
            )
            if cleared is None:
                continue
            cleared.active, cleared.cleared_utc = False, t.ts_utc
            _event(
                session,
                cleared,
                "cleared",
                ENGINE_ACTOR,
                t.ts_utc,
                ref.site_code,
                {"sensor": ref.sensor_code, "value": t.value},
            )
            changed.append(cleared)
    return changed


def apply_people(
    session: Session, site_id: int, site_code: str, events: list[Any], rules: AlarmRules
) -> list[Alarm]:
    """Write geofence transitions (entry, crowding, man_down, sos) as alarms."""
    changed: list[Alarm] = []
    for e in events:
        if e.action == "raise":
            alarm = _raise(
                session,
                rules,
                site_code,
                {"zone": e.zone, "tag": e.tag, "value": e.value},
                site_id=site_id,
                kind=e.kind,
                ts=e.ts_utc,
                value=e.value,
                zone_code=e.zone,
                tag_code=e.tag,
            )
            changed.append(alarm)
            continue
        query = select(Alarm).where(
            Alarm.site_id == site_id, Alarm.kind == e.kind, Alarm.active, Alarm.drill_id.is_(None)
        )
        if e.tag is not None:
            query = query.where(Alarm.tag_code == e.tag)
        if e.zone is not None:
            query = query.where(Alarm.zone_code == e.zone)
        for alarm in session.scalars(query):
            alarm.active, alarm.cleared_utc = False, e.ts_utc
            _event(
                session,
                alarm,
                "cleared",
                ENGINE_ACTOR,
                e.ts_utc,
                site_code,
                {"zone": e.zone, "tag": e.tag, "value": e.value},
            )
            changed.append(alarm)
    return changed


def _flood_parent(
    session: Session, ref: SensorRef, rules: AlarmRules, ts: datetime, drill_id: str | None
) -> Alarm | None:
    """One parent alarm for a zone when many of its detectors trip together."""
    since = ts - timedelta(seconds=rules.flood_window_s)
    same_zone = (
        Alarm.site_id == ref.site_id,
        Alarm.zone_code == ref.zone_code,
        Alarm.active,
        Alarm.kind.in_(DETECTOR_KINDS),
        Alarm.raised_utc >= since,
    )
    sensors = (
        session.scalar(select(func.count(func.distinct(Alarm.sensor_id))).where(*same_zone)) or 0
    )
    if sensors < rules.flood_min_detectors:
        return None
    parent = session.scalar(
        select(Alarm).where(
            Alarm.site_id == ref.site_id,
            Alarm.zone_code == ref.zone_code,
            Alarm.kind == "flood",
            Alarm.active,
        )
    )
    created = parent is None
    if parent is None:
        parent = _raise(
            session,
            rules,
            ref.site_code,
            {"zone": ref.zone_code, "detectors": sensors},
            site_id=ref.site_id,
            kind="flood",
            ts=ts,
            value=float(sensors),
            zone_code=ref.zone_code,
            setpoint=float(rules.flood_min_detectors),
            drill_id=drill_id,
        )
    children = session.scalars(select(Alarm).where(*same_zone, Alarm.parent_id.is_(None)))
    for child in children:
        child.parent_id = parent.id
    return parent if created else None


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
    _event(session, alarm, "acknowledged", actor, now, site.code, {"comment": comment})
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
    _event(session, alarm, "shelved", actor, now, site.code, {"minutes": minutes, "reason": reason})
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
    _event(
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
    session: Session, site: Site, *, state: str | None = None, limit: int = 500
) -> list[tuple[Alarm, str | None]]:
    """Alarms newest first with their sensor code. ``state=active`` means not closed and
    either present or unacknowledged, and not shelved."""
    query = (
        select(Alarm, Sensor.code)
        .outerjoin(Sensor, Sensor.id == Alarm.sensor_id)
        .where(Alarm.site_id == site.id, Alarm.drill_id.is_(None))
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


def due_for_escalation(session: Session, rules: AlarmRules, now: datetime) -> list[Alarm]:
    """Real alarms still unacknowledged past their next escalation time, now escalated."""
    out = []
    candidates = session.scalars(
        select(Alarm).where(
            Alarm.active,
            ~Alarm.acked,
            ~Alarm.closed,
            Alarm.drill_id.is_(None),
            Alarm.parent_id.is_(None),
            (Alarm.shelved_until.is_(None)) | (Alarm.shelved_until < now),
            Alarm.escalation_level < len(rules.escalation_after_min),
        )
    )
    site_codes = {s.id: s.code for s in session.scalars(select(Site))}
    for alarm in candidates:
        after = timedelta(minutes=rules.escalation_after_min[alarm.escalation_level])
        if now - alarm.raised_utc >= after:
            alarm.escalation_level += 1
            _event(
                session,
                alarm,
                "escalated",
                ENGINE_ACTOR,
                now,
                site_codes.get(alarm.site_id, ""),
                {"level": alarm.escalation_level},
            )
            out.append(alarm)
    session.flush()
    return out
