"""The event log: written with the change it reports, and never rewritten."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from twin.alarms import service as alarm_service
from twin.alarms.models import Alarm
from twin.events import log as eventlog
from twin.events.models import LoggedEvent
from twin.events.types import DrillChanged, ReadingsBatch
from twin.sites.models import Site


def _demo(session: Session) -> Site:
    return session.scalars(select(Site).where(Site.code == "demo")).one()


def _alarm(session: Session, site: Site) -> Alarm:
    alarm = Alarm(
        site_id=site.id,
        kind="high_1",
        priority=2,
        raised_utc=datetime.now(UTC),
        rule_version="test",
        message="high",
    )
    session.add(alarm)
    session.flush()
    return alarm


def test_an_alarm_transition_is_logged_with_its_name_in_the_same_transaction(
    session: Session,
) -> None:
    site = _demo(session)
    alarm = _alarm(session, site)
    alarm_service.acknowledge(session, site, alarm.id, "operator", "seen")
    logged = session.scalars(
        select(LoggedEvent).where(
            LoggedEvent.kind == "alarm",
            # As text: a simulated drill's alarms, never rows, carry ids like "sim-2-a0".
            LoggedEvent.payload["alarm"]["id"].as_string() == str(alarm.id),
        )
    ).all()
    assert [e.payload["transition"] for e in logged] == ["acknowledged"]
    assert logged[0].payload["alarm"]["acked_by"] == "operator"
    assert logged[0].drill_id is None


def test_real_readings_are_left_to_their_table_but_a_drills_are_logged(
    session: Session,
) -> None:
    site = _demo(session)
    now = datetime.now(UTC)
    real = ReadingsBatch(site="demo", site_id=site.id, ts_utc=now, sensors={"GD-NH3-01": {}})
    drill = replace(real, drill_id="drill-1")
    assert not real.logged and drill.logged
    conn = session.connection()
    assert eventlog.record_events(conn, [e for e in (real, drill) if e.logged]) == 1
    assert drill.to_wire()["drill_id"] == "drill-1"


def test_the_log_is_append_only(session: Session) -> None:
    site = _demo(session)
    eventlog.record_events(
        session.connection(),
        [
            DrillChanged(
                site="demo",
                site_id=site.id,
                ts_utc=datetime.now(UTC),
                drill_id="drill-9",
                banner={"state": "running", "drill_id": "drill-9"},
            )
        ],
    )
    for statement in (
        "UPDATE event_log SET kind = 'x' WHERE drill_id = 'drill-9'",
        "DELETE FROM event_log WHERE drill_id = 'drill-9'",
        "TRUNCATE event_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement))
    assert (
        session.scalar(select(LoggedEvent.kind).where(LoggedEvent.drill_id == "drill-9")) == "drill"
    )


def test_headcount_is_logged_only_when_it_changes() -> None:
    f = eventlog.HeadcountFilter()
    one = {"Z-TF1": 2}
    assert f.changed("demo", one) and not f.changed("demo", dict(one))
    assert f.changed("demo", {"Z-TF1": 3})
    f.forget()
    assert f.changed("demo", {"Z-TF1": 3})
