"""An open ammonia release followed live: wind from the masts, the release rate fitted to
the detectors, zones in PostGIS, the people inside them."""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.crs import WGS84, transformer
from gis.routing import Place, Route, find_closures, nearest_routes
from sim.consequence.chemicals import mg_m3_to_ppm
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.zones import plume_frame
from twin.alarms.models import Alarm
from twin.incidents import fusion, report, service, situation
from twin.incidents.models import Incident
from twin.people import service as people_service
from twin.people.models import Tag
from twin.routes import service as routes_service
from twin.routes.emergency import STAGING_OFFSET_M
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


def _wind(session: Session, speed_m_s: float, from_deg: float) -> None:
    for code, value in (
        ("WS-01", speed_m_s),
        ("WS-02", speed_m_s),
        ("WD-01", from_deg),
        ("WD-02", from_deg),
    ):
        _latest(session, code, value)


def _plume_readings(
    session: Session,
    site: Site,
    incident: Incident,
    from_deg: float,
    leak: fusion.Candidate = fusion.DECLARED,
) -> list[fusion.Reading]:
    """Every ammonia detector reads what a TRUE_RATE_KG_S plume from ``leak`` gives it."""
    now = datetime.now(UTC)
    chemical = situation.chemical_table().chemical("ammonia")
    for code in session.scalars(text("SELECT code FROM sensors WHERE gas = 'ammonia'")):
        _latest(session, code, 0.0)
    session.flush()
    positions = fusion.detectors(session, site, incident, chemical, now)
    stability = situation.stability_class(WIND_M_S, situation.sky(now))
    plume = GaussianPlume(TRUE_RATE_KG_S, WIND_M_S, stability)
    for r in positions:
        down, cross = plume_frame(r.east_m - leak.east_m, r.north_m - leak.north_m, from_deg)
        mg = float(plume.concentration_mg_m3(down, cross))
        _latest(session, r.code, mg_m3_to_ppm(mg, chemical.molar_mass_g_mol))
    session.flush()
    return positions


def _source_xy(session: Session, site: Site, incident: Incident) -> tuple[float, float]:
    x, y = session.execute(
        text(
            "SELECT ST_X(ST_Transform(source, :srid)), ST_Y(ST_Transform(source, :srid)) "
            "FROM incidents WHERE id = :i"
        ),
        {"srid": site.metric_srid, "i": incident.id},
    ).one()
    return x, y


def _place_person(session: Session, site: Site, tag: str, x: float, y: float) -> None:
    session.add(
        Tag(site_id=site.id, code=tag, technology="uwb", person_name=tag, person_kind="employee")
    )
    session.flush()
    session.execute(
        text(
            "INSERT INTO latest_positions (tag_id, ts_utc, geom, floor) SELECT t.id, now(), "
            "ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), :srid), 4490), 0 "
            "FROM tags t WHERE t.code = :tag"
        ),
        {"x": x, "y": y, "srid": site.metric_srid, "tag": tag},
    )
    session.flush()


def test_the_release_rate_is_fitted_to_the_detectors_and_the_zones_follow(
    session: Session, ammonia_release: tuple[Site, Incident]
) -> None:
    site, incident = ammonia_release
    now = datetime.now(UTC)
    # A west wind carries the plume east, over the detectors around sphere 2 (70–90 m).
    from_deg, toward = 270.0, 90.0
    _wind(session, WIND_M_S, from_deg)
    assert len(_plume_readings(session, site, incident, from_deg)) >= 3
    # A person 60 m downwind of the source, another 60 m upwind.
    x0, y0 = _source_xy(session, site, incident)
    rad = math.radians(toward)
    for tag, sign in (("T-DOWN", 1.0), ("T-UP", -1.0)):
        _place_person(
            session, site, tag, x0 + sign * 60 * math.sin(rad), y0 + sign * 60 * math.cos(rad)
        )

    result = situation.refresh(session, site, incident, now, RouteCache())

    assert "error" not in result, result
    assert result["release_basis"] == "fitted to detectors"
    assert result["release_kg_s"] == pytest.approx(TRUE_RATE_KG_S, rel=0.02)
    assert result["fit"]["r2"] > 0.99 and result["fit"]["in_plume"] >= 2
    # The readings came from the declared point: the source stays where it was declared.
    assert result["source"]["located"] is False and result["fit"]["candidates"] > 10
    assert incident.release_estimated and result["model"] == "gaussian_plume"
    assert [z["level"] for z in result["zones"]] == [3, 2, 1]
    inside = {p["tag"] for p in service.people_in_zones(session, site, incident, now)}
    assert "T-DOWN" in inside and "T-UP" not in inside
    assert result["people_in_zones"] == len(inside)
    # The person downwind is routed out to an assembly point, around every zone, and not
    # to the one downwind of the source (AP-02, east), though it is the nearest.
    out = [f for f in result["routes"]["features"] if f["properties"].get("person") == "T-DOWN"]
    assert len(out) == 1 and out[0]["properties"]["purpose"] == "evacuation"
    assert out[0]["properties"]["assembly_point"] in ("AP-01", "AP-03")
    assert out[0]["properties"]["wind_side"] != "downwind"
    assert out[0]["properties"]["eta_s"] > 0
    # The fire engine comes from the nearest station to a staging point outside the
    # most severe zone, on roads.
    rescue = [f for f in result["routes"]["features"] if f["properties"]["purpose"] == "rescue"]
    assert len(rescue) == 1 and rescue[0]["properties"]["profile"] == "fire_engine"
    assert rescue[0]["properties"]["eta_s"] > 0
    # Nobody is down or trapped: no rescue team is sent in.
    assert not [
        f for f in result["routes"]["features"] if f["properties"]["purpose"] == "rescue_team"
    ]
    # A second round: both recomputations are kept, the map gets only the newest.
    situation.refresh(session, site, incident, now, RouteCache())
    full = service.as_dict(session, incident, full=True)
    assert [e["kind"] for e in full["timeline"]] == ["opened", "situation"]
    assert full["recomputations"] == 2


@pytest.mark.parametrize(
    ("from_deg", "expected"),
    [
        # AP-02, the nearest, lies downwind: sent crosswind to AP-03 instead.
        (255.0, ("AP-03", "crosswind")),
        # Every assembly point lies downwind: the nearest safe one, rather than none.
        (330.0, ("AP-02", "downwind")),
    ],
)
def test_people_are_not_sent_downwind_when_another_assembly_point_is_reachable(
    session: Session,
    ammonia_release: tuple[Site, Incident],
    from_deg: float,
    expected: tuple[str, str],
) -> None:
    site, incident = ammonia_release
    _wind(session, WIND_M_S, from_deg)
    _plume_readings(session, site, incident, from_deg)
    x0, y0 = _source_xy(session, site, incident)
    toward = math.radians(from_deg + 180.0)
    _place_person(session, site, "T-CAUGHT", x0 + 60 * math.sin(toward), y0 + 60 * math.cos(toward))
    cache = RouteCache()
    result = situation.refresh(session, site, incident, datetime.now(UTC), cache)
    out = [f for f in result["routes"]["features"] if f["properties"].get("person") == "T-CAUGHT"]
    assert len(out) == 1
    props = out[0]["properties"]
    assert (props["assembly_point"], props["wind_side"]) == expected
    # Without the wind rule the nearest safe point is AP-02, downwind.
    (where,) = [
        p
        for p in people_service.latest_positions(session, site, datetime.now(UTC))
        if p["tag"] == "T-CAUGHT"
    ]
    caught = Place(where["x_m"], where["y_m"], label="T-CAUGHT")
    network = routes_service.get_network(session, cache, site)
    to_metric = transformer(WGS84, site.metric_srid)
    zones = [
        shapely.transform(
            shape(f["geometry"]), lambda c: np.column_stack(to_metric.transform(*c.T))
        )
        for f in service.zones_geojson(session, incident)["features"]
    ]
    (nearest,) = nearest_routes(
        network,
        [caught],
        routes_service.assembly_points(session, site),
        closures=find_closures(network, zones),
    )
    assert isinstance(nearest, Route) and nearest.destination == "AP-02"
    assert nearest.eta_s <= props["eta_s"] + 0.01  # the answer's eta_s is rounded


def test_the_leak_is_located_on_the_source_from_the_detectors(
    session: Session, ammonia_release: tuple[Site, Incident]
) -> None:
    """The sphere is declared; the leak is at a nozzle 10 m west of its centre. The
    detectors downwind tell the position as well as the rate, and the zones move there."""
    site, incident = ammonia_release
    from_deg = 270.0
    _wind(session, WIND_M_S, from_deg)
    candidates = fusion.candidate_sources(session, site, incident)
    leak = min(
        (c for c in candidates if c.equipment is None),
        key=lambda c: math.hypot(c.east_m + 10.0, c.north_m),
    )
    assert math.hypot(leak.east_m + 10.0, leak.north_m) < fusion.GRID_STEP_M
    _plume_readings(session, site, incident, from_deg, leak)

    result = situation.refresh(session, site, incident, datetime.now(UTC), RouteCache())

    assert result["release_kg_s"] == pytest.approx(TRUE_RATE_KG_S, rel=0.02)
    located = result["source"]
    assert located["located"] is True and located["equipment"] is None
    assert (located["east_m"], located["north_m"]) == (
        pytest.approx(leak.east_m, abs=0.1),
        pytest.approx(leak.north_m, abs=0.1),
    )
    assert result["fit"]["rmse_mg_m3"] < 0.2 * result["fit"]["declared_rmse_mg_m3"]
    # The stored zones are drawn from the leak, not from the declared point: the most
    # severe zone covers the leak.
    x0, y0 = _source_xy(session, site, incident)
    covers = session.scalar(
        text(
            "SELECT ST_Covers(geom, ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), :srid), 4490))"
            " FROM threat_zones WHERE incident_id = :i ORDER BY level DESC LIMIT 1"
        ),
        {
            "x": x0 + leak.east_m + 1.0,
            "y": y0 + leak.north_m,
            "srid": site.metric_srid,
            "i": incident.id,
        },
    )
    assert covers is True


def test_a_person_down_inside_a_zone_gets_a_rescue_team(
    session: Session, ammonia_release: tuple[Site, Incident]
) -> None:
    site, incident = ammonia_release
    _wind(session, WIND_M_S, 270.0)
    _plume_readings(session, site, incident, 270.0)
    x0, y0 = _source_xy(session, site, incident)
    _place_person(session, site, "T-DOWN", x0 + 60, y0)
    session.add(
        Alarm(
            site_id=site.id,
            tag_code="T-DOWN",
            kind="man_down",
            priority=1,
            raised_utc=datetime.now(UTC),
            rule_version="test",
            message="man down",
        )
    )
    session.flush()
    result = situation.refresh(session, site, incident, datetime.now(UTC), RouteCache())
    teams = [f for f in result["routes"]["features"] if f["properties"]["purpose"] == "rescue_team"]
    assert len(teams) == 1, result["no_safe_route"]
    props = teams[0]["properties"]
    assert props["person"] == "T-DOWN" and props["ppe"] == "SCBA"
    # From where the engine stops, into the zones the person is in.
    assert props["from"] == "staging" and props["enters_zones"]
    assert props["eta_s"] > 0


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
    _wind(session, 2.0, 90.0)
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


@pytest.mark.parametrize("from_deg", [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0])
def test_the_fire_engine_stages_on_a_road_outside_the_most_severe_zone(
    session: Session, ammonia_release: tuple[Site, Incident], from_deg: float
) -> None:
    site, incident = ammonia_release
    _wind(session, WIND_M_S, from_deg)
    _plume_readings(session, site, incident, from_deg)
    result = situation.refresh(session, site, incident, datetime.now(UTC), RouteCache())
    (engine,) = [f for f in result["routes"]["features"] if f["properties"]["purpose"] == "rescue"]
    assert engine["properties"]["from"] == "RR-FS-01"
    lon, lat = engine["geometry"]["coordinates"][-1]
    gap_m = session.scalar(
        text(
            "SELECT ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :srid),"
            " ST_Transform(geom, :srid)) FROM threat_zones WHERE incident_id = :i"
            " ORDER BY level DESC LIMIT 1"
        ),
        {"lon": lon, "lat": lat, "srid": site.metric_srid, "i": incident.id},
    )
    # The buffer is a polygon inscribed in the true offset: a few centimetres short at most.
    assert gap_m >= STAGING_OFFSET_M - 0.1


def test_a_fit_that_does_not_explain_the_detectors_is_not_used(
    session: Session, ammonia_release: tuple[Site, Incident]
) -> None:
    """Readings no plume explains (stale, swapped, broken): the zones keep the declared
    rate and say so, the fit is kept beside them as rejected, with the rule's threshold."""
    site, incident = ammonia_release
    from_deg = 270.0
    _wind(session, WIND_M_S, from_deg)
    positions = _plume_readings(session, site, incident, from_deg)
    chemical = situation.chemical_table().chemical("ammonia")
    seen = {
        r.code: r.mg_m3
        for r in fusion.detectors(session, site, incident, chemical, datetime.now(UTC))
    }
    # The same values, dealt to the wrong detectors: far ones high, near ones low.
    ranked = sorted(positions, key=lambda r: seen[r.code])
    for r, value in zip(ranked, reversed([seen[p.code] for p in ranked]), strict=True):
        _latest(session, r.code, mg_m3_to_ppm(value, chemical.molar_mass_g_mol) + 5.0)
    session.flush()

    result = situation.refresh(session, site, incident, datetime.now(UTC), RouteCache())

    rejected = result["fit_rejected"]
    assert rejected is not None, result.get("fit")
    assert rejected["r2"] < situation.fit_rules().min_r2_to_use == rejected["min_r2"]
    assert rejected["rule"] == situation.fit_rules().version
    assert result["fit"] is None
    assert result["release_kg_s"] == 0.2  # as declared
    assert result["release_basis"].startswith("declared; fit rejected (R²")
    assert not incident.release_estimated
