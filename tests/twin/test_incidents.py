"""Declaring an incident, its zones, who is inside them, resources, plan and timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import shapely
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import auth
from twin.alarms.models import Alarm
from twin.incidents import service
from twin.incidents.models import Incident
from twin.people.models import Tag
from twin.plant.models import Sensor
from twin.sites.models import Site


def _open(client: TestClient, token: str, **body: object) -> dict:  # type: ignore[type-arg]
    r = client.post("/api/v1/sites/demo/incidents", json=body, headers=auth(token))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_incident_at_a_hazard_source_brings_its_plan_contacts_and_resources(
    client: TestClient, tokens: dict[str, str]
) -> None:
    opened = _open(client, tokens["commander"], kind="toxic_release", hazard_source="T-NH3-01")
    assert opened["chemical"] == "ammonia" and opened["state"] == "open"
    full = client.get(
        f"/api/v1/sites/demo/incidents/{opened['id']}", headers=auth(tokens["operator"])
    ).json()
    assert full["plan"]["code"] == "EP-NH3" and full["plan"]["targets"]["alarm_to_ack_s"] > 0
    assert full["responsible"]["principal"]
    distances = [r["distance_m"] for r in full["resources"]]
    assert distances == sorted(distances) and {"hydrant", "scba"} & {
        r["kind"] for r in full["resources"]
    }
    assert [e["kind"] for e in full["timeline"]] == ["opened"]
    trail = client.get(
        "/api/v1/audit", params={"entity": "incident"}, headers=auth(tokens["admin"])
    ).json()
    assert any(e["action"] == "incident.opened" and e["actor"] == "commander" for e in trail)


def test_an_incident_from_an_alarm_starts_at_the_detector(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    sensor = session.scalars(
        select(Sensor).where(Sensor.kind == "gas", Sensor.gas == "chlorine")
    ).first()
    assert sensor is not None
    alarm = Alarm(
        site_id=sensor.site_id,
        sensor_id=sensor.id,
        kind="high_2",
        priority=1,
        active=True,
        acked=False,
        closed=False,
        raised_utc=datetime.now(UTC),
        rule_version="test",
        message="二级报警 / high-high",
    )
    session.add(alarm)
    session.flush()
    opened = _open(client, tokens["commander"], kind="toxic_release", alarm_id=alarm.id)
    assert opened["chemical"] == "chlorine"
    assert opened["hazard_source"] == sensor.installation_code
    incident = session.get(Incident, opened["id"])
    assert incident is not None
    same = session.scalar(
        select(func.ST_Equals(Incident.source, sensor.geom)).where(Incident.id == incident.id)
    )
    assert same


def test_bad_declarations_are_refused_with_a_reason(
    client: TestClient, tokens: dict[str, str]
) -> None:
    head = auth(tokens["commander"])
    for body in (
        {"kind": "toxic_release"},
        {"kind": "toxic_release", "hazard_source": "NO-SUCH"},
        {"kind": "toxic_release", "lon": 116.4, "lat": 39.9},  # Beijing, not the plant
        {"kind": "flood", "hazard_source": "T-NH3-01"},
        {"kind": "fire", "hazard_source": "T-NH3-01", "release_kg_s": -1},
    ):
        r = client.post("/api/v1/sites/demo/incidents", json=body, headers=head)
        assert r.status_code == 422, body
        assert r.json()["message"]
    r = client.post(
        "/api/v1/sites/demo/incidents",
        json={"kind": "fire", "hazard_source": "T-NH3-01"},
        headers=auth(tokens["operator"]),
    )
    assert r.status_code == 403


def test_people_inside_a_zone_are_found_at_its_most_severe_level(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    opened = _open(client, tokens["commander"], kind="toxic_release", hazard_source="T-NH3-02")
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    incident = session.get(Incident, opened["id"])
    assert incident is not None
    x, y = session.execute(
        select(
            func.ST_X(func.ST_Transform(Incident.source, site.metric_srid)),
            func.ST_Y(func.ST_Transform(Incident.source, site.metric_srid)),
        ).where(Incident.id == incident.id)
    ).one()
    source = shapely.Point(x, y)
    service.store_zones(
        session,
        site,
        incident,
        [
            service.Zone(1, "ERPG-1", 25, "ppm", source.buffer(300)),
            service.Zone(2, "ERPG-2", 150, "ppm", source.buffer(120)),
            service.Zone(3, "ERPG-3", 750, "ppm", source.buffer(40)),
        ],
    )
    # One person 80 m from the source (level 2), one 1 km away (outside every zone).
    for tag, dx in (("T-INC-1", 80.0), ("T-INC-2", 1000.0)):
        session.add(
            Tag(
                site_id=site.id, code=tag, technology="uwb", person_name=tag, person_kind="employee"
            )
        )
        session.flush()
        session.execute(
            text(
                "INSERT INTO latest_positions (tag_id, ts_utc, geom, floor) "
                "SELECT t.id, now(), ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), :srid), 4490), 0"
                " FROM tags t WHERE t.code = :tag AND t.site_id = :site "
                "ON CONFLICT (tag_id) DO UPDATE SET ts_utc = now(), geom = excluded.geom"
            ),
            {"x": x + dx, "y": y, "srid": site.metric_srid, "tag": tag, "site": site.id},
        )
    session.flush()
    people = service.people_in_zones(session, site, incident, datetime.now(UTC))
    mine = [(p["tag"], p["level"]) for p in people if p["tag"].startswith("T-INC-")]
    assert mine == [("T-INC-1", 2)]
    zones = service.zones_geojson(session, incident)
    assert [f["properties"]["level"] for f in zones["features"]] == [1, 2, 3]
    lon, lat = zones["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 119 < lon < 121 and 31 < lat < 33


def test_commands_go_on_the_timeline_and_a_closed_incident_takes_no_more(
    client: TestClient, tokens: dict[str, str]
) -> None:
    head = auth(tokens["commander"])
    opened = _open(client, tokens["commander"], kind="fire", hazard_source="T-MEOH-01")
    base = f"/api/v1/sites/demo/incidents/{opened['id']}"
    assert (
        client.post(f"{base}/commands", json={"text": "启动泡沫系统"}, headers=head).status_code
        == 201
    )
    assert client.post(f"{base}/close", json={"summary": "x"}, headers=head).status_code == 422
    closed = client.post(f"{base}/close", json={"summary": "火已扑灭"}, headers=head).json()
    assert closed["state"] == "closed" and closed["closed_by"] == "commander"
    again = client.post(f"{base}/commands", json={"text": "late"}, headers=head)
    assert again.status_code == 409
    timeline = client.get(base, headers=head).json()["timeline"]
    assert [e["kind"] for e in timeline] == ["opened", "command", "closed"]
    assert client.get("/api/v1/sites/demo/incidents?state=open", headers=head).status_code == 200
    assert client.get("/api/v1/sites/demo/incidents?state=x", headers=head).status_code == 422
