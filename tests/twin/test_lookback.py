"""The time slider's view of a past instant: the values, alarms and people of then."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import auth
from tests.live.conftest import recent
from twin.alarms.models import Alarm
from twin.plant.models import Sensor
from twin.readings import store
from twin.sites.models import Site


def test_the_plant_at_a_past_instant(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    sensor = session.scalars(
        select(Sensor).where(Sensor.site_id == site.id, Sensor.kind == "gas").order_by(Sensor.code)
    ).first()
    assert sensor is not None
    then = recent(3600).replace(microsecond=0)
    store.write(
        session.connection(),
        [
            store.Row(sensor.id, then - timedelta(minutes=5), 12.5, "good", None, "test"),
            store.Row(sensor.id, then + timedelta(minutes=1), 99.0, "good", None, "test"),
        ],
    )
    session.add(
        Alarm(
            site_id=site.id,
            sensor_id=sensor.id,
            kind="high_1",
            priority=2,
            active=False,
            acked=False,
            closed=False,
            raised_utc=then - timedelta(minutes=1),
            cleared_utc=then + timedelta(minutes=1),
            value=30.0,
            rule_version="test",
            message="一级报警 / high",
        )
    )
    session.flush()
    head = auth(tokens["regulator"])

    def at(ts: str) -> dict:  # type: ignore[type-arg]
        r = client.get("/api/v1/sites/demo/at", params={"ts": ts}, headers=head)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    past = at(then.isoformat())
    assert past["sensors"][sensor.code]["value"] == 12.5
    assert [a["sensor"] for a in past["alarms"] if a["kind"] == "high_1"] == [sensor.code]
    later = at((then + timedelta(minutes=2)).isoformat())
    assert later["sensors"][sensor.code]["value"] == 99.0
    assert not [a for a in later["alarms"] if a["sensor"] == sensor.code]
    # Ten minutes of silence before the instant: no value then, rather than an old one.
    quiet = at((then - timedelta(minutes=16)).isoformat())
    assert sensor.code not in quiet["sensors"]
    for bad in ("2026-11-22T08:00:00", "2999-01-01T00:00:00Z", "yesterday"):
        r = client.get("/api/v1/sites/demo/at", params={"ts": bad}, headers=head)
        assert r.status_code == 422 and r.json()["message"]
