from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely import Point
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import auth
from tests.twin.helpers import LAT0, LON0, make_site, sensor_props
from twin.audit.models import AuditEntry
from twin.plant.models import Sensor

# A point with more digits than any format rounds to by accident.
PX, PY = LON0 + 0.00412345678, LAT0 + 0.00398765432


def _collection(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _sensor(code: str, lon: float, lat: float, **extra: object) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"layer": "sensors", **sensor_props(code, **extra)},
    }


def _import(
    client: TestClient, h: dict[str, str], name: str, content: bytes, **form: str
) -> tuple[int, dict]:
    r = client.post(
        "/api/v1/sites/t1/import", headers=h, data=form, files={"file": (name, content)}
    )
    return r.status_code, r.json()


def _audit_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_one_bad_feature_rejects_the_whole_file(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    make_site(session)
    h = auth(tokens["safety_engineer"])
    audit_before = _audit_rows(session)
    content = _collection(
        [
            _sensor("OK-1", LON0 + 0.001, LAT0 + 0.001),
            _sensor("BAD-1", LON0 + 0.002, LAT0 + 0.001, gas=None),
            _sensor("OK-1", LON0 + 0.003, LAT0 + 0.001),
            _sensor("FAR-1", LON0 + 0.5, LAT0),
        ]
    )
    status, body = _import(client, h, "drawing.geojson", content)
    assert status == 422
    reasons = {(e["index"], e["code"]): e["reasons"] for e in body["detail"]}
    assert "a gas detector names its gas" in reasons[(1, "BAD-1")][0]
    assert "repeats feature 0" in reasons[(2, "OK-1")][0]
    assert "outside the site boundary" in reasons[(3, "FAR-1")][0]
    assert (
        session.scalar(select(func.count()).select_from(Sensor).where(Sensor.code == "OK-1")) == 0
    )
    assert _audit_rows(session) == audit_before


def test_reimporting_the_same_file_changes_nothing(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    make_site(session)
    h = auth(tokens["safety_engineer"])
    content = _collection([_sensor(f"S-{i}", LON0 + 0.001 * i, LAT0 + 0.001) for i in range(1, 6)])
    status, first = _import(client, h, "sensors.geojson", content)
    assert status == 200 and first["created"] == 5
    audit_after_first = _audit_rows(session)
    status, second = _import(client, h, "sensors.geojson", content)
    assert status == 200 and second["unchanged"] == 5 and second["created"] == 0
    assert _audit_rows(session) == audit_after_first
    changed = _collection([_sensor("S-1", LON0 + 0.001, LAT0 + 0.002)])
    status, third = _import(client, h, "sensors.geojson", changed)
    assert third["updated"] == 1
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "sensors.update"
    assert entry.before["geometry"]["coordinates"][1] == pytest.approx(LAT0 + 0.001)
    assert entry.after["geometry"]["coordinates"][1] == pytest.approx(LAT0 + 0.002)


def _distance_m(session: Session, code: str) -> float:
    return float(
        session.scalar(
            text(
                "SELECT ST_Distance(geography(geom),"
                " geography(ST_SetSRID(ST_MakePoint(:x, :y), 4490)))"
                " FROM sensors s JOIN sites ON sites.id = s.site_id"
                " WHERE sites.code = 't1' AND s.code = :c"
            ),
            {"x": PX, "y": PY, "c": code},
        )
    )


@pytest.mark.parametrize(
    ("fmt", "crs"), [("gpkg", "EPSG:4490"), ("gpkg", "EPSG:4326"), ("geojson", None), ("kml", None)]
)
def test_export_then_reimport_moves_a_point_less_than_1_cm(
    client: TestClient,
    session: Session,
    tokens: dict[str, str],
    tmp_path: Path,
    fmt: str,
    crs: str | None,
) -> None:
    make_site(session)
    h = auth(tokens["admin"])
    status, _ = _import(
        client, h, "one.geojson", _collection([_sensor("P-1", PX, PY)]), crs="EPSG:4490"
    )
    assert status == 200
    params = {"format": fmt, "layers": "sensors"} | ({"crs": crs} if crs else {})
    r = client.get("/api/v1/sites/t1/export", headers=h, params=params)
    assert r.status_code == 200, r.text
    exported = tmp_path / f"t1.{fmt}"
    exported.write_bytes(r.content)
    frame = gpd.read_file(exported)
    assert frame.crs.to_epsg() == (4490 if crs == "EPSG:4490" else 4326)
    assert client.delete("/api/v1/sites/t1/layers/sensors/P-1", headers=h).status_code == 204
    files = {"file": (exported.name, exported.read_bytes())}
    form = {"layer": "sensors"} if fmt == "kml" else {}
    r = client.post("/api/v1/sites/t1/import", headers=h, files=files, data=form)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    assert _distance_m(session, "P-1") < 0.01
    props = client.get("/api/v1/sites/t1/layers/sensors/P-1", headers=h).json()["properties"]
    assert props["alarm_high_2"] == 40 and props["name"] == "氨气探测器"


def test_projected_gauss_krueger_files_land_in_place(
    client: TestClient, session: Session, tokens: dict[str, str], tmp_path: Path
) -> None:
    make_site(session)
    here = gpd.GeoSeries([Point(PX, PY)], crs="EPSG:4490").to_crs("EPSG:4549")
    frame = gpd.GeoDataFrame([sensor_props("GK-1")], geometry=here.values, crs="EPSG:4549")
    path = tmp_path / "gk.gpkg"
    frame.to_file(path, layer="sensors", driver="GPKG")
    status, body = _import(client, auth(tokens["admin"]), "gk.gpkg", path.read_bytes())
    assert status == 200 and body["created"] == 1
    assert _distance_m(session, "GK-1") < 0.01


def test_files_without_a_usable_crs_or_layer_are_refused(
    client: TestClient, session: Session, tokens: dict[str, str], tmp_path: Path
) -> None:
    make_site(session)
    h = auth(tokens["admin"])
    mercator = gpd.GeoDataFrame(
        [sensor_props("M-1")], geometry=[Point(13358338, 3632749)], crs="EPSG:3857"
    )
    path = tmp_path / "m.gpkg"
    mercator.to_file(path, layer="sensors", driver="GPKG")
    status, body = _import(client, h, "m.gpkg", path.read_bytes())
    assert status == 422 and "unsupported CRS EPSG:3857" in json.dumps(body)
    status, body = _import(
        client,
        h,
        "x.geojson",
        _collection(
            [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [PX, PY]},
                    "properties": {"code": "Q"},
                }
            ]
        ),
    )
    assert status == 422 and "not a plant layer" in body["message"]
    status, body = _import(client, h, "x.shp", b"whatever")
    assert status == 422 and "unsupported file type" in body["message"]
    status, body = _import(client, h, "x.geojson", b"{this is not json")
    assert status == 422 and "cannot read" in body["message"]


def test_multi_layer_geopackage_with_nodes_and_edges(
    client: TestClient, session: Session, tokens: dict[str, str], tmp_path: Path
) -> None:
    from shapely import LineString

    make_site(session)
    path = tmp_path / "net.gpkg"
    nodes = gpd.GeoDataFrame(
        [{"code": "A", "kind": "junction"}, {"code": "B", "kind": "door"}],
        geometry=[Point(PX, PY), Point(PX + 0.0005, PY)],
        crs="EPSG:4490",
    )
    edges = gpd.GeoDataFrame(
        [{"code": "AB", "from_node": "A", "to_node": "B", "kind": "walkway", "width_m": 1.8}],
        geometry=[LineString([(PX, PY), (PX + 0.0005, PY)])],
        crs="EPSG:4490",
    )
    nodes.to_file(path, layer="route_nodes", driver="GPKG")
    edges.to_file(path, layer="route_edges", driver="GPKG", mode="a")
    status, body = _import(client, auth(tokens["admin"]), "net.gpkg", path.read_bytes())
    assert status == 200, body
    assert body["layers"]["route_nodes"]["created"] == 2
    assert body["layers"]["route_edges"]["created"] == 1
