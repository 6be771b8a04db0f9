from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import auth
from tests.twin.helpers import LAT0, LON0, make_site, point_feature, polygon_feature, sensor_props
from twin.spatial import service


def _seed(client: TestClient, session: Session, h: dict[str, str]) -> None:
    make_site(session)
    base = "/api/v1/sites/t1/layers"
    # Sensors 0 m, ~95 m and ~286 m east of the reference point.
    for code, dx in (("S0", 0.0), ("S1", 0.001), ("S3", 0.003)):
        client.post(
            f"{base}/sensors",
            json=point_feature(sensor_props(code), LON0 + 0.004 + dx, LAT0 + 0.004),
            headers=h,
        )
    client.post(
        f"{base}/zones",
        json=polygon_feature(
            {"code": "TF", "kind": "tank_farm", "restricted": True},
            LON0 + 0.0035,
            LAT0 + 0.0035,
            0.002,
        ),
        headers=h,
    )
    client.post(
        f"{base}/risk_zones",
        json=polygon_feature(
            {"code": "R1", "grade": "orange", "method": "LEC", "score": 200},
            LON0 + 0.0038,
            LAT0 + 0.0038,
            0.0005,
        ),
        headers=h,
    )


def test_nearby_answers_in_metres_nearest_first(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    h = auth(tokens["commander"])
    _seed(client, session, auth(tokens["admin"]))
    r = client.get(
        "/api/v1/sites/t1/spatial/nearby",
        headers=h,
        params={"x": LON0 + 0.004, "y": LAT0 + 0.004, "radius_m": 100, "layers": "sensors"},
    )
    found = [(f["id"], f["properties"]["distance_m"]) for f in r.json()["features"]]
    assert [code for code, _ in found] == ["S0", "S1"]
    assert found[0][1] == 0 and 95 < found[1][1] < 96


def test_containing_names_zone_and_risk_zone(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    _seed(client, session, auth(tokens["admin"]))
    r = client.get(
        "/api/v1/sites/t1/spatial/containing",
        headers=auth(tokens["operator"]),
        params={"x": LON0 + 0.004, "y": LAT0 + 0.004},
    )
    assert {(f["properties"]["layer"], f["id"]) for f in r.json()["features"]} == {
        ("zones", "TF"),
        ("risk_zones", "R1"),
    }


def test_bbox_across_layers_and_bad_boxes(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    _seed(client, session, auth(tokens["admin"]))
    h = auth(tokens["regulator"])
    box = f"{LON0 + 0.0039},{LAT0 + 0.0039},{LON0 + 0.0051},{LAT0 + 0.0041}"
    r = client.get("/api/v1/sites/t1/spatial/bbox", headers=h, params={"bbox": box})
    assert {f["id"] for f in r.json()["features"]} == {"TF", "R1", "S0", "S1"}
    for bad in ("1,2,3", "a,b,c,d", "5,5,1,1", "nan,1,2,3"):
        assert (
            client.get("/api/v1/sites/t1/spatial/bbox", headers=h, params={"bbox": bad}).status_code
            == 422
        )


def test_demo_plant_counts(session: Session) -> None:
    from twin.sites.service import get_site

    counts = service.count_in_site(session, get_site(session, "demo"))
    assert counts["route_edges"] >= 400
    assert counts["base_stations"] == 20
    assert counts["assembly_points"] == 3
    assert 50 <= counts["sensors"] <= 80
