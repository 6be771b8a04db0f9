"""The regulators' one map: files GDAL and Google Earth open, the figures on the regulator
page, and a report map that opens with no network at all."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import auth
from twin.alarms import raising
from twin.alarms.models import Alarm
from twin.alarms.rules import Transition, load_rules
from twin.errors import SetupError
from twin.live.plane import RULES
from twin.onemap.folium_map import LEAFLET_DIST, leaflet_assets
from twin.plant.models import Installation, RiskZone, Sensor, Zone
from twin.sites.models import Site

URL = "/api/v1/sites/demo/onemap"
LAYERS = ("hazard_sources", "risk_zones", "zones")


def _demo(session: Session) -> Site:
    return session.scalars(select(Site).where(Site.code == "demo")).one()


def _expected_counts(session: Session) -> dict[str, int]:
    site = _demo(session)

    def count(model: type[Zone | RiskZone | Installation], *where: object) -> int:
        query = select(func.count()).select_from(model).where(model.site_id == site.id, *where)
        return session.scalar(query) or 0

    return {
        "hazard_sources": count(Installation, Installation.is_hazard_source),
        "risk_zones": count(RiskZone),
        "zones": count(Zone),
    }


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(["ogrinfo", *args], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.parametrize("crs", [None, "4326"])
def test_geopackage_has_one_table_per_layer_with_grades(
    client: TestClient,
    session: Session,
    tokens: dict[str, str],
    tmp_path: Path,
    crs: str | None,
) -> None:
    params = {"format": "gpkg"} | ({"crs": crs} if crs else {})
    r = client.get(URL, headers=auth(tokens["regulator"]), params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geopackage+sqlite3"
    assert 'attachment; filename="demo-onemap.gpkg"' in r.headers["content-disposition"]
    path = tmp_path / "demo-onemap.gpkg"
    path.write_bytes(r.content)

    listing = _ogrinfo("-so", "-q", str(path))
    assert [m.group(1) for m in re.finditer(r"^\d+: (\w+) \(Multi Polygon\)", listing, re.M)] == [
        *LAYERS
    ]
    expected = _expected_counts(session)
    assert expected["hazard_sources"] > 0 and expected["risk_zones"] > 0
    for layer in LAYERS:
        info = _ogrinfo("-so", str(path), layer)
        assert f"Feature Count: {expected[layer]}\n" in info
        assert f'ID["EPSG",{crs or 4490}]' in info
    hazards = _ogrinfo("-so", str(path), "hazard_sources")
    for field in ("grade: Integer", "r: Real", "alarms_active: Integer", "alarms_30d: Integer"):
        assert f"\n{field}" in hazards
    assert "\ngrade: String" in _ogrinfo("-so", str(path), "risk_zones")
    # The values, not only the schema: every hazard source is graded or marked not major.
    rows = _ogrinfo("-q", "-sql", "SELECT code, grade_zh FROM hazard_sources", str(path))
    assert rows.count("重大危险源") == expected["hazard_sources"]


def test_geojson_is_rfc_7946_with_a_layer_property(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    h = auth(tokens["regulator"])
    r = client.get(URL, headers=h, params={"format": "geojson"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection" and "crs" not in body
    by_layer: dict[str, list[dict]] = {}
    for feature in body["features"]:
        by_layer.setdefault(feature["properties"]["layer"], []).append(feature)
    assert {k: len(v) for k, v in by_layer.items()} == _expected_counts(session)
    # WGS84 longitude first: every vertex inside the site's WGS84 bounding box.
    x0, y0, x1, y1 = client.get("/api/v1/sites/demo", headers=h).json()["bbox"]
    pad = 0.001
    for feature in body["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                for lon, lat in ring:
                    assert x0 - pad <= lon <= x1 + pad and y0 - pad <= lat <= y1 + pad
    props = {f["properties"]["code"]: f["properties"] for f in by_layer["hazard_sources"]}
    ammonia = props["T-NH3-01"]
    assert ammonia["name"] == "1#液氨球罐" and ammonia["grade"] in (1, 2, 3, 4)
    assert ammonia["grade_zh"].endswith("重大危险源") and ammonia["r"] > 10
    assert ammonia["chemicals"][0]["chemical"] == "ammonia"
    assert {"alarms_active", "alarms_30d", "alarms_unacked"} <= ammonia.keys()
    grades = {f["properties"]["grade"] for f in by_layer["risk_zones"]}
    assert grades <= {"red", "orange", "yellow", "blue"}
    assert client.get(URL, headers=h, params={"format": "geojson", "crs": "4490"}).status_code == (
        422
    )


def test_kml_has_a_folder_per_layer(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    r = client.get(URL, headers=auth(tokens["regulator"]), params={"format": "kml"})
    assert r.status_code == 200, r.text
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.fromstring(r.content)  # noqa: S314 - our own export, not untrusted input
    folders = {f.get("id"): f for f in root.iterfind(".//k:Folder", ns)}
    assert list(folders) == list(LAYERS)
    assert folders["hazard_sources"].findtext("k:name", namespaces=ns) == "重大危险源"
    expected = _expected_counts(session)
    for layer, folder in folders.items():
        assert len(folder.findall("k:Placemark", ns)) == expected[layer]
    names = {p.findtext("k:name", namespaces=ns) for p in folders["hazard_sources"]}
    assert "1#液氨球罐" in names
    grades = folders["hazard_sources"].findall(".//k:SimpleData[@name='grade']", ns)
    assert grades and all(g.text in {"1", "2", "3", "4"} for g in grades)


def test_regulator_may_download_operator_may_not(
    client: TestClient, tokens: dict[str, str]
) -> None:
    paths = (URL, f"{URL}/summary", "/api/v1/sites/demo/report-map.html")
    for path in paths:
        assert client.get(path, headers=auth(tokens["regulator"])).status_code == 200, path
        r = client.get(path, headers=auth(tokens["operator"]))
        assert r.status_code == 403 and "plant:export" in r.json()["message"], path
    h = auth(tokens["regulator"])
    assert client.get("/api/v1/sites/nowhere/onemap", headers=h).status_code == 404
    r = client.get(URL, headers=h, params={"crs": "EPSG:4549"})
    assert r.status_code == 422 and "CGCS2000" in r.json()["message"]


def test_an_active_alarm_counts_in_the_summary_and_on_its_hazard_source(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    h = auth(tokens["regulator"])
    before = client.get(f"{URL}/summary", headers=h).json()
    # Other tests share the database and may leave alarms behind: compare, not count.
    props_before = _onemap_props(client, h)
    site = _demo(session)
    sensor = session.scalars(
        select(Sensor).where(
            Sensor.site_id == site.id, Sensor.installation_code == "T-NH3-01", Sensor.kind == "gas"
        )
    ).first()
    assert sensor is not None
    ref = raising.SensorRef(site.id, "demo", sensor.id, sensor.code, "Z-TF1", None)
    now = datetime.now(UTC)
    rules = load_rules(RULES)
    raising.apply(session, ref, [Transition("raise", "high_1", now, 30.0, 20.0)], rules)
    # Neither a drill alarm nor one closed long ago is part of the one map.
    raising.apply(session, ref, [Transition("raise", "high_2", now, 60.0, 40.0)], rules, "drill-1")
    session.add(
        Alarm(
            site_id=site.id,
            sensor_id=sensor.id,
            zone_code="Z-TF1",
            kind="high_1",
            priority=2,
            active=False,
            acked=True,
            closed=True,
            raised_utc=now - timedelta(days=40),
            rule_version="test",
            message="old",
        )
    )
    session.flush()

    after = client.get(f"{URL}/summary", headers=h).json()
    for key in ("active", "raised_30d", "unacknowledged"):
        assert after["alarms"][key] == before["alarms"][key] + 1, key
    assert sum(after["hazard_sources"]["by_grade"].values()) == after["hazard_sources"]["total"]
    assert after["risk_zones"]["total"] == sum(after["risk_zones"]["by_grade"].values())
    assert after["zones"] == _expected_counts(session)["zones"]
    assert after["data_age"]["plant_updated_utc"] is not None

    props = _onemap_props(client, h)
    for key, field, added in (
        (("hazard_sources", "T-NH3-01"), "alarms_active", 1),
        (("hazard_sources", "T-NH3-01"), "alarms_unacked", 1),
        (("hazard_sources", "T-NH3-02"), "alarms_active", 0),
        (("zones", "Z-TF1"), "alarms_30d", 1),
    ):
        assert props[key][field] == props_before[key][field] + added, (key, field)


def _onemap_props(client: TestClient, headers: dict[str, str]) -> dict[Any, dict[str, Any]]:
    body = client.get(URL, headers=headers, params={"format": "geojson"}).json()
    return {
        (f["properties"]["layer"], f["properties"]["code"]): f["properties"]
        for f in body["features"]
    }


class _Links(HTMLParser):
    """Every URL-bearing attribute of every tag (script bodies are not tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "data", "poster", "action") and value:
                self.links.append((tag, name, value))


def test_report_map_needs_no_network_and_names_the_hazard_sources(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    r = client.get("/api/v1/sites/demo/report-map.html", headers=auth(tokens["regulator"]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    parser = _Links()
    parser.feed(page)
    assert parser.links == [], parser.links
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    # What URLs remain are strings inside Leaflet's own bundle (its licence comment,
    # the SVG namespace), never something the page loads.
    bundle = (LEAFLET_DIST / "leaflet.js").read_text(encoding="utf-8")
    url = re.compile(r"https?://[^\s\"'<>)]+")
    assert set(url.findall(page)) <= set(url.findall(bundle))
    assert "L.map(" in page and "L.tileLayer(" not in page
    names = session.scalars(
        select(Installation.name).where(
            Installation.site_id == _demo(session).id, Installation.is_hazard_source
        )
    ).all()
    assert names
    for name in names:
        assert name in page, name


def test_report_map_without_leaflet_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="npm ci"):
        leaflet_assets(tmp_path / "no-leaflet")


def test_summary_says_how_old_the_live_data_is(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    level = session.scalars(
        select(Sensor).where(
            Sensor.site_id == _demo(session).id,
            Sensor.installation_code == "T-NH3-01",
            Sensor.kind == "level",
        )
    ).one()
    read_at = datetime.now(UTC) - timedelta(minutes=5)
    session.execute(
        text(
            "INSERT INTO latest_readings (sensor_id, ts_utc, value, quality) VALUES (:s, :t, 45, 0)"
            " ON CONFLICT (sensor_id) DO UPDATE SET value = 45, quality = 0, ts_utc = :t"
        ),
        {"s": level.id, "t": read_at},
    )
    session.flush()
    age = client.get(f"{URL}/summary", headers=auth(tokens["regulator"])).json()["data_age"]
    assert datetime.fromisoformat(age["latest_reading_utc"]) >= read_at
    assert datetime.fromisoformat(age["oldest_live_level_utc"]) == read_at
    assert age["latest_reading_age_s"] <= 300 + 60
