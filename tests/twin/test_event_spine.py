"""The spine: every committed change is on the bus and in the log exactly once; a change
rolled back (whole, or a savepoint of it) is on neither."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import Published
from twin.alarms import raising
from twin.alarms import service as alarm_service
from twin.alarms.rules import load_rules
from twin.events.emit import emit
from twin.events.models import LoggedEvent
from twin.events.types import AlarmChanged, IncidentChanged, ReadingsBatch
from twin.incidents import service as incidents
from twin.live.plane import RULES
from twin.sites.service import get_site

# Inside the demo plant.
DEMO_LONLAT = (119.98, 31.78)


def _logged_since(session: Session, mark: datetime) -> list[dict[str, Any]]:
    return [
        row.payload
        for row in session.scalars(
            select(LoggedEvent).where(LoggedEvent.recorded_utc >= mark).order_by(LoggedEvent.id)
        )
    ]


def _changes(session: Session) -> None:
    """One of each kind of state change the services make, as a request would."""
    site = get_site(session, "demo")
    rules = load_rules(RULES)
    alarm = raising.raise_drill(
        session, rules, site, "drill-spine", kind="high_2", ts=datetime.now(UTC), value=9.0
    )
    alarm_service.acknowledge(session, site, alarm.id, "operator", "seen")
    incident = incidents.open_incident(
        session, site, "commander", incidents.Declared("fire", "spine test", lonlat=DEMO_LONLAT)
    )
    incidents.command(session, site, incident.id, "commander", "cool the tank")
    incidents.close_incident(session, site, incident.id, "commander", "out")


def test_each_committed_change_is_published_once_and_logged_once(published: Published) -> None:
    mark = datetime.now(UTC)
    with published.factory() as session:
        _changes(session)
        assert published.drain() == [], "nothing is published before the commit"
        session.commit()
    on_bus = published.drain()
    with published.factory() as session:
        logged = _logged_since(session, mark)
    kinds = [e["type"] for e in on_bus]
    assert kinds.count("alarm") == 2  # raised, acknowledged
    assert kinds.count("incident") == 3  # opened, commanded, closed
    assert kinds.count("incident_step") == 3
    # The same messages, once each, in the same order, on the bus and in the log.
    assert on_bus == logged


def test_a_rolled_back_change_is_neither_published_nor_logged(published: Published) -> None:
    mark = datetime.now(UTC)
    with published.factory() as session:
        _changes(session)
        session.rollback()
    assert published.drain() == []
    with published.factory() as session:
        assert _logged_since(session, mark) == []
        assert session.scalar(text("SELECT count(*) FROM alarms WHERE drill_id='drill-spine'")) == 0


def test_a_savepoint_rolled_back_drops_only_its_own_events(published: Published) -> None:
    mark = datetime.now(UTC)
    with published.factory() as session:
        site = get_site(session, "demo")
        now = datetime.now(UTC)

        def event(name: str) -> ReadingsBatch:
            return ReadingsBatch(
                site="demo", site_id=site.id, ts_utc=now, drill_id="drill-sp", sensors={name: {}}
            )

        emit(session, event("kept-before"))
        with session.begin_nested() as inner:
            emit(session, event("dropped"))
            inner.rollback()
        with session.begin_nested():
            emit(session, event("kept-after"))
        session.commit()
    names = [next(iter(e["sensors"])) for e in published.drain()]
    assert names == ["kept-before", "kept-after"]
    with published.factory() as session:
        assert [next(iter(e["sensors"])) for e in _logged_since(session, mark)] == names


def test_real_readings_and_positions_stay_out_of_the_log_but_reach_the_maps(
    published: Published,
) -> None:
    with published.factory() as session:
        site = get_site(session, "demo")
        before = session.scalar(select(func.count()).select_from(LoggedEvent))
        now = datetime.now(UTC)
        emit(
            session,
            ReadingsBatch(site="demo", site_id=site.id, ts_utc=now, sensors={"X": {"value": 1}}),
        )
        emit(
            session,
            AlarmChanged(site="demo", site_id=site.id, ts_utc=now, transition="raised", alarm={}),
        )
        emit(
            session,
            IncidentChanged(site="demo", site_id=site.id, ts_utc=now, incident={"id": 1}),
            log_it=False,
        )
        session.commit()
        after = session.scalar(select(func.count()).select_from(LoggedEvent))
    assert [e["type"] for e in published.drain()] == ["readings", "alarm", "incident"]
    assert after == before + 1  # only the alarm
