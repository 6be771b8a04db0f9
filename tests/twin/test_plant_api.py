from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import auth
from tests.twin.helpers import (
    LAT0,
    LON0,
    make_site,
    point_feature,
    polygon_feature,
    sensor_props,
)


def _admin(tokens: dict[str, str]) -> dict[str, str]:
    return auth(tokens["safety_engineer"])


def test_create_read_replace_delete_a_sensor(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    make_site(session)
    h = _admin(tokens)
    url = "/api/v1/sites/t1/layers/sensors"
    r = client.post(
        url, json=point_feature(sensor_props("GD-1"), LON0 + 0.002, LAT0 + 0.002), headers=h
    )
    assert r.status_code == 201, r.text
    assert r.json()["geometry"]["coordinates"] == [LON0 + 0.002, LAT0 + 0.002]
    assert (
        client.post(
            url, json=point_feature(sensor_props("GD-1"), LON0 + 0.002, LAT0 + 0.002), headers=h
        ).status_code
        == 409
    )
    moved = point_feature(sensor_props("GD-1", alarm_high_1=25), LON0 + 0.003, LAT0 + 0.002)
    r = client.put(f"{url}/GD-1", json=moved, headers=h)
    assert r.status_code == 200 and r.json()["properties"]["alarm_high_1"] == 25
    cgcs = client.get(f"{url}/GD-1?crs=EPSG:4490", headers=h).json()
    assert abs(cgcs["geometry"]["coordinates"][0] - (LON0 + 0.003)) < 1e-7
    assert client.delete(f"{url}/GD-1", headers=h).status_code == 204
    assert client.get(f"{url}/GD-1", headers=h).status_code == 404


def test_bad_features_get_reasons_and_nothing_is_written(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    make_site(session)
    h, url = _admin(tokens), "/api/v1/sites/t1/layers/sensors"
    cases = {
        "outside the site boundary": point_feature(sensor_props("A"), LON0 - 0.01, LAT0),
        "range_max must be above": point_feature(
            sensor_props("B", range_min=10, range_max=5, alarm_high_1=None, alarm_high_2=None),
            LON0 + 0.001,
            LAT0 + 0.001,
        ),
        "not accepted here": polygon_feature(sensor_props("C"), LON0 + 0.001, LAT0 + 0.001),
        "Extra inputs are not permitted": point_feature(
            sensor_props("D", colour="red"), LON0 + 0.001, LAT0 + 0.001
        ),
        "longitude/latitude": point_feature(sensor_props("E"), 500000.0, 3500000.0),
    }
    for reason, body in cases.items():
        r = client.post(url, json=body, headers=h)
        assert r.status_code == 422, (reason, r.text)
        assert reason in r.text, (reason, r.text)
    assert client.get(url, headers=h).json()["numberMatched"] == 0
    assert (
        client.post(
            url,
            json={"type": "Feature", "geometry": {"type": "Point"}, "properties": {}},
            headers=h,
        ).status_code
        == 422
    )
    assert client.post(url, content=b"{not json", headers=h).status_code == 422
    assert client.get("/api/v1/sites/t1/layers/unicorns", headers=h).status_code == 404
    assert client.get("/api/v1/sites/nowhere/layers/zones", headers=h).status_code == 404


def test_route_edges_must_join_known_nodes_and_get_their_length(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    make_site(session)
    h = _admin(tokens)
    for code, dx in (("N1", 0.001), ("N2", 0.002)):
        body = point_feature({"code": code, "kind": "junction"}, LON0 + dx, LAT0 + 0.001)
        assert (
            client.post("/api/v1/sites/t1/layers/route_nodes", json=body, headers=h).status_code
            == 201
        )
    edge = {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[LON0 + 0.001, LAT0 + 0.001], [LON0 + 0.002, LAT0 + 0.001]],
        },
        "properties": {
            "code": "E1",
            "from_node": "N1",
            "to_node": "N9",
            "kind": "walkway",
            "width_m": 1.5,
        },
    }
    r = client.post("/api/v1/sites/t1/layers/route_edges", json=edge, headers=h)
    assert r.status_code == 422 and "no route_nodes feature 'N9'" in r.text
    edge["properties"]["to_node"] = "N2"
    r = client.post("/api/v1/sites/t1/layers/route_edges", json=edge, headers=h)
    assert r.status_code == 201
    # 0.001 degree of longitude at 31 N is about 95.4 m on the ellipsoid.
    assert abs(r.json()["properties"]["length_m"] - 95.43) < 0.1
    r = client.delete("/api/v1/sites/t1/layers/route_nodes/N2", headers=h)
    assert r.status_code == 409 and "E1" in r.json()["message"]


def test_zone_polygons_are_stored_as_multipolygons(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    make_site(session)
    body = polygon_feature(
        {
            "code": "RZ-1",
            "grade": "red",
            "method": "LS",
            "score": 20,
            "factors": {"likelihood": 4, "severity": 5},
            "owner": "张工",
        },
        LON0 + 0.001,
        LAT0 + 0.001,
    )
    r = client.post("/api/v1/sites/t1/layers/risk_zones", json=body, headers=_admin(tokens))
    assert r.status_code == 201
    assert r.json()["geometry"]["type"] == "MultiPolygon"
    assert r.json()["properties"]["factors"] == {"likelihood": 4, "severity": 5}


def test_sites_are_created_with_their_metric_crs(
    client: TestClient, tokens: dict[str, str]
) -> None:
    body = {
        "code": "north",
        "name": "北区",
        "credit_code": "91320400MA1XYW123C",
        "boundary": {
            "type": "Polygon",
            "coordinates": [[[117.0, 31.0], [117.01, 31.0], [117.01, 31.01], [117.0, 31.0]]],
        },
    }
    r = client.post("/api/v1/sites", json=body, headers=auth(tokens["admin"]))
    assert r.status_code == 201, r.text
    assert r.json()["metric_srid"] == 4548  # CGCS2000 3-degree GK, CM 117E
    for wrong in ("123", "91320400MA1XYW123D", "91320400MA1XYW123c"):
        r = client.post(
            "/api/v1/sites",
            json=dict(body, code="x", credit_code=wrong),
            headers=auth(tokens["admin"]),
        )
        assert r.status_code == 422, wrong
    assert "check character should be 'C'" in r.text or "18 characters" in r.text


def test_layers_catalogue_has_bilingual_titles(client: TestClient, tokens: dict[str, str]) -> None:
    layers = client.get("/api/v1/layers", headers=auth(tokens["operator"])).json()
    zones = next(layer for layer in layers if layer["name"] == "zones")
    assert zones["title"] == {"zh-CN": "区域", "en": "Zones"}
    assert "kind" in zones["properties_schema"]["properties"]
