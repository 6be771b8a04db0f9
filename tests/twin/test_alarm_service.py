"""Alarm records in the database: flood suppression, lifecycle rules, events and audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from twin.alarms import raising, service
from twin.alarms.models import Alarm, AlarmEvent
from twin.alarms.rules import Transition, load_rules
from twin.errors import Conflict, ValidationFailed
from twin.live.plane import RULES
from twin.plant.models import Sensor
from twin.sites.models import Site

RULES_ = load_rules(RULES)


def _refs(session: Session, zone: str) -> tuple[Site, list[raising.SensorRef]]:
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    sensors = session.scalars(
        select(Sensor).where(
            Sensor.site_id == site.id, Sensor.zone_code == zone, Sensor.kind == "gas"
        )
    ).all()
    return site, [
        raising.SensorRef(site.id, "demo", s.id, s.code, zone, s.setpoint_rule) for s in sensors
    ]


def test_many_detectors_in_one_zone_make_one_parent_alarm(session: Session) -> None:
    _, refs = _refs(session, "Z-TF1")
    assert len(refs) >= RULES_.flood_min_detectors
    now = datetime.now(UTC)
    parents = []
    for i, ref in enumerate(refs[:4]):
        changed = raising.apply(
            session,
            ref,
            [Transition("raise", "high_1", now + timedelta(seconds=i), 30.0, 28.0)],
            RULES_,
        )
        parents += [a for a in changed if a.kind == "flood"]
    assert len(parents) == 1
    flood = parents[0]
    children = session.scalars(select(Alarm).where(Alarm.parent_id == flood.id)).all()
    assert len(children) == 4  # the fourth detector joined the standing parent
    events = session.scalars(select(AlarmEvent).where(AlarmEvent.alarm_id == flood.id)).all()
    assert [e.transition for e in events] == ["raised"]


def test_lifecycle_rules(session: Session) -> None:
    site, refs = _refs(session, "Z-TF1")
    now = datetime.now(UTC)
    (alarm,) = raising.apply(
        session, refs[0], [Transition("raise", "high_2", now, 60.0, 56.0)], RULES_
    )
    with pytest.raises(Conflict, match="still present"):
        service.close(session, site, alarm.id, "engineer", "leak", "fixed")
    with pytest.raises(ValidationFailed, match="1 to 480"):
        service.shelve(session, site, alarm.id, "engineer", 0, "maintenance")
    service.acknowledge(session, site, alarm.id, "operator")
    assert alarm.state == "acknowledged" and alarm.acked_by == "operator"
    raising.apply(session, refs[0], [Transition("clear", "high_2", now, 1.0, 56.0)], RULES_)
    assert alarm.state == "cleared"
    with pytest.raises(ValidationFailed, match="cause"):
        service.close(session, site, alarm.id, "engineer", " ", "fixed")
    service.close(session, site, alarm.id, "engineer", "valve packing", "repacked")
    assert alarm.state == "closed"
    transitions = [
        e.transition
        for e in session.scalars(
            select(AlarmEvent).where(AlarmEvent.alarm_id == alarm.id).order_by(AlarmEvent.id)
        )
    ]
    assert transitions == ["raised", "acknowledged", "cleared", "closed"]
