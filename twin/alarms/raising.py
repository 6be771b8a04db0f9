"""What the engine writes: alarms raised and cleared by sensors, people and floods, and
escalation of the ones nobody answers. Pure rules decide (:mod:`twin.alarms.rules`,
:mod:`twin.people.geofence`); this module records their verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from twin.alarms.models import Alarm
from twin.alarms.rules import AlarmRules, Transition
from twin.alarms.service import record_event
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
    "feed": "数据源中断 / feed down",
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
    message: str | None = None,
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
        message=message or MESSAGES[kind],
        escalation_level=0,
        **fields,
    )
    session.add(alarm)
    session.flush()
    record_event(session, alarm, "raised", ENGINE_ACTOR, ts, site_code, detail)
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
            record_event(
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


# A drill alarm says so in its own text, whatever screen or printout shows it.
DRILL_MARK = "演练 DRILL · "


def raise_drill(
    session: Session,
    rules: AlarmRules,
    site: Site,
    drill_id: str,
    *,
    kind: str,
    ts: datetime,
    value: float | None = None,
    **fields: Any,
) -> Alarm:
    """A drill's alarm, raised as the engine raises a real one, marked with the drill."""
    return _raise(
        session,
        rules,
        site.code,
        {"drill": drill_id, **{k: v for k, v in fields.items() if k.endswith("_code")}},
        site_id=site.id,
        kind=kind,
        ts=ts,
        value=value,
        message=DRILL_MARK + MESSAGES[kind],
        drill_id=drill_id,
        **fields,
    )


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
            record_event(
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
            record_event(
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


def raise_feed(
    session: Session,
    rules: AlarmRules,
    site: Site,
    feed: str,
    label: str,
    reason: str,
    ts: datetime,
) -> Alarm | None:
    """A data feed went down: one active alarm per feed and site (None: one stands)."""
    standing = session.scalar(
        select(Alarm.id).where(Alarm.site_id == site.id, Alarm.feed == feed, Alarm.active)
    )
    if standing is not None:
        return None
    return _raise(
        session,
        rules,
        site.code,
        {"feed": feed, "reason": reason},
        site_id=site.id,
        kind="feed",
        ts=ts,
        value=None,
        message=_feed_message(label),
        feed=feed,
    )


def _feed_message(label: str) -> str:
    """ "数据源中断 · 人员定位 / feed down · positioning": each language with its own half."""
    zh, _, en = label.partition(" / ")
    head_zh, _, head_en = MESSAGES["feed"].partition(" / ")
    return f"{head_zh} · {zh} / {head_en} · {en or zh}"


def clear_feed(session: Session, site: Site, feed: str, ts: datetime) -> list[Alarm]:
    """The feed is live again: its alarm clears (it stays until acknowledged and closed)."""
    cleared = list(
        session.scalars(
            select(Alarm).where(Alarm.site_id == site.id, Alarm.feed == feed, Alarm.active)
        )
    )
    for alarm in cleared:
        alarm.active, alarm.cleared_utc = False, ts
        record_event(session, alarm, "cleared", ENGINE_ACTOR, ts, site.code, {"feed": feed})
    return cleared
