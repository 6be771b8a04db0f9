"""An open ammonia release followed live: wind from the masts, the release rate fitted to
the detectors, zones in PostGIS, the people inside them."""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sim.consequence.chemicals import mg_m3_to_ppm
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.zones import plume_frame
from twin.incidents import report, service, situation
from twin.incidents.models import Incident
from twin.people.models import Tag
from twin.routes.service import RouteCache
from twin.sites.models import Site

TRUE_RATE_KG_S = 3.0
WIND_M_S = 2.5


def _latest(session: Session, code: str, value: float) -> None:
    session.execute(
        text(
            "INSERT INTO latest_readings (sensor_id, ts_utc, value, quality) "
            "SELECT id, now(), :v, 0 FROM sensors WHERE code = :c "
            "ON CONFLICT (sensor_id) DO UPDATE SET ts_utc = now(), value = :v, quality = 0"
        ),
        {"c": code, "v": value},
    )


@pytest.fixture
def ammonia_release(session: Session) -> tuple[Site, Incident]:
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    incident = service.open_incident(
        session,
        site,
        "commander",
        service.Declared("toxic_release", hazard_source="T-NH3-01", release_kg_s=0.2),
    )
    return site, incident


def test_the_release_rate_is_fitted_to_the_detectors_and_the_zones_follow(
    session: Session, ammonia_release: tuple[Site, Incident]
) -> None:
    site, incident = ammonia_release
    now = datetime.now(UTC)
    chemical = situation.chemical_table().chemical("ammonia")
    # A west wind carries the plume east, over the detectors around sphere 2 (70–90 m).
    from_deg, toward = 270.0, 90.0
    for code, value in (
        ("WS-01", WIND_M_S),
        ("WS-02", WIND_M_S),
        ("WD-01", 270.0),
        ("WD-02", 270.0),
    ):
        _latest(session, code, value)
    for code in session.scalars(text("SELECT code FROM sensors WHERE gas = 'ammonia'")):
        _latest(session, code, 0.0)
    session.flush()
    positions = situation.detectors(session, site, incident, chemical, now)
    assert len(positions) >= 3
    stability = situation.stability_class(WIND_M_S, situation.sky(now))
    plume = GaussianPlume(TRUE_RATE_KG_S, WIND_M_S, stability)
    for code, e, n, _ in positions:
        down, cross = plume_frame(e, n, from_deg)
        mg = float(plume.concentration_mg_m3(down, cross))
        _latest(session, code, mg_m3_to_ppm(mg, chemical.molar_mass_g_mol))
    # A person 60 m downwind of the source, another 60 m upwind.
    x0, y0 = session.execute(
        text(
            "SELECT ST_X(ST_Transform(source, :srid)), ST_Y(ST_Transform(source, :srid)) "
            "FROM incidents WHERE id = :i"
        ),
        {"srid": site.metric_srid, "i": incident.id},
    ).one()
    rad = math.radians(toward)
    for tag, sign in (("T-DOWN", 1.0), ("T-UP", -1.0)):
        session.add(
            Tag(
                site_id=site.id, code=tag, technology="uwb", person_name=tag, person_kind="employee"
            )
        )
        session.flush()
        session.execute(
            text(
                "INSERT INTO latest_positions (tag_id, ts_utc, geom, floor) SELECT t.id, now(), "
                "ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), :srid), 4490), 0 "
                "FROM tags t WHERE t.code = :tag"
            ),
            {
                "x": x0 + sign * 60 * math.sin(rad),
                "y": y0 + sign * 60 * math.cos(rad),
                "srid": site.metric_srid,
                "tag": tag,
            },
        )
    session.flush()

    result = situation.refresh(session, site, incident, now, RouteCache())

    assert "error" not in result, result
    assert result["release_basis"] == "fitted to detectors"
    assert result["release_kg_s"] == pytest.approx(TRUE_RATE_KG_S, rel=0.02)
    assert result["fit"]["r2"] > 0.99 and result["fit"]["in_plume"] >= 2
    assert incident.release_estimated and result["model"] == "gaussian_plume"
    assert [z["level"] for z in result["zones"]] == [3, 2, 1]
    inside = {p["tag"] for p in service.people_in_zones(session, site, incident, now)}
    assert "T-DOWN" in inside and "T-UP" not in inside
    assert result["people_in_zones"] == len(inside)
    # The person downwind is routed out to an assembly point, around every zone.
    out = [f for f in result["routes"]["features"] if f["properties"].get("person") == "T-DOWN"]
    assert len(out) == 1 and out[0]["properties"]["assembly_point"]
    assert out[0]["properties"]["eta_s"] > 0
    # The fire engine comes from the nearest station to a staging point outside the
    # most severe zone, on roads.
    rescue = [f for f in result["routes"]["features"] if f["properties"]["purpose"] == "rescue"]
    assert len(rescue) == 1 and rescue[0]["properties"]["profile"] == "fire_engine"
    assert rescue[0]["properties"]["eta_s"] > 0
    # A second round: both recomputations are kept, the map gets only the newest.
    situation.refresh(session, site, incident, now, RouteCache())
    full = service.as_dict(session, incident, full=True)
    assert [e["kind"] for e in full["timeline"]] == ["opened", "situation"]
    assert full["recomputations"] == 2


def test_without_live_wind_no_zones_are_guessed(
    session: Session, ammonia_release: tuple[Site, Incident]
) -> None:
    site, incident = ammonia_release
    session.execute(
        text(
            "DELETE FROM latest_readings WHERE sensor_id IN "
            "(SELECT id FROM sensors WHERE kind = 'wind')"
        )
    )
    result = situation.refresh(session, site, incident, datetime.now(UTC))
    assert result["error"].startswith("no live wind")
    assert service.zones_geojson(session, incident)["features"] == []


def test_a_chlorine_release_uses_the_dense_gas_model(session: Session) -> None:
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    incident = service.open_incident(
        session,
        site,
        "commander",
        service.Declared("toxic_release", hazard_source="CS-CL2-01", release_kg_s=0.5),
    )
    for code, value in (("WS-01", 3.0), ("WS-02", 3.0), ("WD-01", 135.0), ("WD-02", 135.0)):
        _latest(session, code, value)
    # The detectors read clean air: nothing to fit, so the declared rate stands.
    for code in session.scalars(text("SELECT code FROM sensors WHERE gas = 'chlorine'")):
        _latest(session, code, 0.0)
    session.flush()
    result = situation.refresh(session, site, incident, datetime.now(UTC))
    assert result["model"] == "dense_gas" and result["release_basis"] == "declared"
    assert len(service.zones_geojson(session, incident)["features"]) >= 2


def test_the_incident_report_has_the_map_zones_plan_and_timeline(
    session: Session, ammonia_release: tuple[Site, Incident]
) -> None:
    site, incident = ammonia_release
    for code, value in (("WS-01", 2.0), ("WS-02", 2.0), ("WD-01", 90.0), ("WD-02", 90.0)):
        _latest(session, code, value)
    session.flush()
    situation.refresh(session, site, incident, datetime.now(UTC))
    service.command(session, site, incident.id, "commander", "启动水幕")
    html = report.report_html(session, site, incident)
    assert incident.title in html and "液氨泄漏现场处置方案" in html
    assert "AEGL-3" in html and "启动水幕" in html
    png = html.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = report.report_pdf(html)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000


def test_a_fire_is_drawn_without_waiting_for_the_wind(session: Session) -> None:
    site = session.scalars(select(Site).where(Site.code == "demo")).one()
    session.execute(
        text(
            "DELETE FROM latest_readings WHERE sensor_id IN "
            "(SELECT id FROM sensors WHERE kind = 'wind')"
        )
    )
    incident = service.open_incident(
        session,
        site,
        "commander",
        service.Declared("fire", hazard_source="T-MEOH-01", release_kg_s=0.5),
    )
    result = situation.refresh(session, site, incident, datetime.now(UTC))
    assert "error" not in result and result["wind"] is None
    assert result["model"] == "pool_fire"
    assert [f["properties"]["label"] for f in service.zones_geojson(session, incident)["features"]]
