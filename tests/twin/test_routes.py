"""Safe routes on the demo plant's network, through the API, against real PostGIS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely import Point, Polygon
from shapely.geometry import mapping, shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.crs import WGS84, transformer
from tests.conftest import auth
from twin.people import service as people_service
from twin.sites.service import get_site

URL = "/api/v1/sites/demo/routes"
# The demo's local frame (data/demo/layout.yaml) sits at this easting / northing of
# EPSG:4549, the site's metric CRS.
E0, N0, SRID = 497706.0, 3517158.0, 4549
TO_LONLAT, TO_METRIC = transformer(SRID, WGS84), transformer(WGS84, SRID)
# A release at the ammonia tank farm: a 70 m circle, as the incident workflow sends it.
AMMONIA = Point(E0 + 400, N0 + 440).buffer(70)


def at(x: float, y: float, floor: int = 0) -> dict[str, float]:
    """A place given in the demo's local metres."""
    return {"x_m": E0 + x, "y_m": N0 + y, "floor": floor}


def lonlat(geom: Any) -> dict[str, Any]:
    return mapping(shapely.transform(geom, _via(TO_LONLAT)))


def metric(geometry: dict[str, Any]) -> Any:
    return shapely.transform(shape(geometry), _via(TO_METRIC))


def _via(t: Any) -> Any:
    return lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1]))


def post(client: TestClient, token: str, body: dict[str, Any], path: str = "") -> Any:
    r = client.post(URL + path, json=body, headers=auth(token))
    assert r.status_code == 200, r.text
    return r.json()


def _edge_points(session: Session, n: int, seed: int) -> list[tuple[float, float]]:
    """Points a few metres off random ground-floor edges, in the site's metric CRS."""
    rows = session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_LineInterpolatePoint(geom,"
            " 0.5), 4549) AS p FROM route_edges e JOIN sites s ON s.id = e.site_id"
            " WHERE s.code = 'demo' AND e.floor = 0) q"
        )
    ).all()
    rng = np.random.default_rng(seed)
    picked = rng.choice(np.array(rows, dtype=float), n, replace=False)
    return [(x, y) for x, y in picked + rng.uniform(-4, 4, picked.shape)]


def test_route_is_geojson_with_length_and_eta(client: TestClient, tokens: dict[str, str]) -> None:
    # From the office door to the south assembly point.
    body = post(
        client,
        tokens["operator"],
        {"from": at(580, 110), "to": {"feature": {"layer": "assembly_points", "code": "AP-03"}}},
    )
    assert body["type"] == "FeatureCollection" and body["no_safe_route"] is False
    (route,) = body["features"]
    props, coords = route["properties"], route["geometry"]["coordinates"]
    assert route["geometry"]["type"] == "LineString"
    assert all(119.97 < lon < 119.99 and 31.77 < lat < 31.79 for lon, lat in coords)
    assert props["to"] == "AP-03" and props["profile"] == "walk"
    # Walked at 1.19 m/s (SFPE), the line's own length in metres.
    line_m = metric(route["geometry"]).length
    assert props["length_m"] == pytest.approx(line_m, abs=0.05)
    assert props["eta_s"] == pytest.approx(props["length_m"] / 1.19, rel=0.01)
    assert props["edges"] and props["nodes"]


def test_no_route_ever_crosses_a_threat_zone(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    chlorine = Polygon(
        [(E0 + 560, N0 + 430), (E0 + 720, N0 + 430), (E0 + 720, N0 + 560), (E0 + 560, N0 + 560)]
    )
    zones = [AMMONIA, chlorine]
    points = [
        p
        for p in _edge_points(session, 80, seed=3)
        if not any(z.intersects(Point(p)) for z in zones)
    ]
    checked = refused = rerouted = 0
    for (x1, y1), (x2, y2) in zip(points[::2], points[1::2], strict=False):
        trip = {"from": {"x_m": x1, "y_m": y1}, "to": {"x_m": x2, "y_m": y2}}
        free = metric(post(client, tokens["commander"], trip)["features"][0]["geometry"])
        body = post(client, tokens["commander"], {**trip, "avoid": [lonlat(z) for z in zones]})
        if body["no_safe_route"]:
            refused += 1
            continue
        line = metric(body["features"][0]["geometry"])
        # A centimetre inside each zone: the lon/lat round trip moves lines by a millimetre.
        assert not any(line.intersects(z.buffer(-0.01)) for z in zones)
        checked += 1
        rerouted += any(free.intersects(z) for z in zones)
    assert checked >= 25 and refused <= checked // 4 and rerouted >= 5


def test_a_person_enclosed_by_a_zone_gets_no_safe_route(
    client: TestClient, tokens: dict[str, str]
) -> None:
    # A ring of gas around the synthesis unit's pipe rack: nobody inside can get out.
    centre = Point(E0 + 450, N0 + 300)
    ring = centre.buffer(90).difference(centre.buffer(40))
    person = {"id": "T-RING", "x_m": E0 + 450, "y_m": N0 + 300}
    body = post(
        client,
        tokens["commander"],
        {"people": [person], "avoid": [lonlat(ring)]},
        "/evacuation",
    )
    (feature,) = body["features"]
    assert feature["geometry"] is None
    assert feature["properties"]["no_safe_route"] is True
    assert feature["properties"]["reason"] == "no_path"
    assert body["summary"] == {
        "people": 1,
        "routed": 0,
        "no_safe_route": 1,
        "max_eta_s": 0.0,
        "by_assembly_point": {},
    }
    single = post(
        client,
        tokens["commander"],
        {"from": at(450, 300), "to": {"nearest": "assembly_point"}, "avoid": [lonlat(ring)]},
    )
    assert single["no_safe_route"] is True and single["features"] == []
    assert single["reason"] == "no_path" and single["message"]


def test_a_person_inside_a_zone_walks_straight_out_and_never_back(
    client: TestClient, tokens: dict[str, str]
) -> None:
    body = post(
        client,
        tokens["commander"],
        {"from": at(400, 460), "to": {"nearest": "assembly_point"}, "avoid": [lonlat(AMMONIA)]},
    )
    props = body["features"][0]["properties"]
    assert props["starts_in_zones"] == [0]
    line = metric(body["features"][0]["geometry"])
    inside = line.intersection(AMMONIA.buffer(0.01))
    # One stretch inside, from the start to the zone's edge; nothing after.
    assert inside.geom_type == "LineString"
    assert Point(line.coords[0]).distance(inside) < 1e-6


def test_closed_edges_are_avoided_and_unknown_ones_refused(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = tokens["commander"]
    trip = {"from": at(100, 200), "to": at(700, 200)}
    first = post(client, h, trip)["features"][0]["properties"]
    closed = first["edges"][len(first["edges"]) // 2]
    detour = post(client, h, {**trip, "closed_edges": [closed]})["features"][0]["properties"]
    assert closed not in detour["edges"] and detour["eta_s"] > first["eta_s"]
    r = client.post(URL, json={**trip, "closed_edges": ["RE-9999"]}, headers=auth(h))
    assert r.status_code == 422 and "RE-9999" in r.json()["message"]


def test_fire_engine_stays_on_roads_at_least_4_m_wide(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    body = post(
        client,
        tokens["commander"],
        {
            "from": {"nearest": "fire_station"},
            "to": {"feature": {"layer": "exits", "code": "EX-E1"}},
            "profile": "fire_engine",
            "avoid": [lonlat(AMMONIA)],
        },
    )
    props = body["features"][0]["properties"]
    assert props["from"] == "RR-FS-01" and props["profile"] == "fire_engine"
    kinds = session.execute(
        text(
            "SELECT DISTINCT kind, width_m >= 4 FROM route_edges WHERE code = ANY(:codes)"
            " AND site_id = (SELECT id FROM sites WHERE code = 'demo')"
        ),
        {"codes": props["edges"]},
    ).all()
    assert kinds == [("road", True)]
    # A walker to the same exit takes its walkway.
    walk = post(
        client,
        tokens["commander"],
        {
            "from": {"nearest": "fire_station"},
            "to": {"feature": {"layer": "exits", "code": "EX-E1"}},
        },
    )
    walked = session.execute(
        text("SELECT DISTINCT kind FROM route_edges WHERE code = ANY(:codes)"),
        {"codes": walk["features"][0]["properties"]["edges"]},
    ).scalars()
    assert "walkway" in set(walked)


def test_evacuation_equals_each_persons_own_shortest_route(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    h = tokens["commander"]
    points = [*_edge_points(session, 24, seed=11), (E0 + 400, N0 + 450), (E0 + 420, N0 + 400)]
    people = [{"id": f"P{i}", "x_m": x, "y_m": y} for i, (x, y) in enumerate(points)]
    avoid = [lonlat(AMMONIA)]
    batch = post(client, h, {"people": people, "avoid": avoid}, "/evacuation")
    assert [f["id"] for f in batch["features"]] == [p["id"] for p in people]
    assert any(f["properties"].get("starts_in_zones") for f in batch["features"])
    for person, feature in zip(people, batch["features"], strict=True):
        alone = post(
            client,
            h,
            {
                "from": {"x_m": person["x_m"], "y_m": person["y_m"]},
                "to": {"nearest": "assembly_point"},
                "avoid": avoid,
            },
        )
        if feature["properties"]["no_safe_route"]:
            assert alone["no_safe_route"]
            continue
        mine = alone["features"][0]["properties"]
        assert feature["properties"]["eta_s"] == pytest.approx(mine["eta_s"], abs=0.01)
        assert feature["properties"]["assembly_point"] == mine["to"]


def test_alternatives_are_distinct_and_quickest_first(
    client: TestClient, tokens: dict[str, str]
) -> None:
    body = post(
        client,
        tokens["operator"],
        {"from": at(100, 200), "to": at(700, 400), "alternatives": 3},
    )
    routes = [f["properties"] for f in body["features"]]
    assert [r["rank"] for r in routes] == [1, 2, 3]
    assert len({tuple(r["edges"]) for r in routes}) == 3
    etas = [r["eta_s"] for r in routes]
    assert etas == sorted(etas)


def test_places_off_the_network_or_malformed_are_422_with_a_reason(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = auth(tokens["operator"])
    far = client.post(URL, json={"from": at(400, 1500), "to": at(100, 200)}, headers=h)
    assert far.status_code == 422
    assert far.json()["message"].startswith("from: no edge a walk route may use")
    assert "nearest is" in far.json()["message"]
    assert far.json()["detail"] == {"reason": "off_network"}
    half = client.post(URL, json={"from": {"lon": 119.98}, "to": at(1, 1)}, headers=h)
    assert half.status_code == 422 and "lon/lat" in half.text
    unknown = client.post(
        URL,
        json={"from": {"feature": {"layer": "exits", "code": "NOPE"}}, "to": at(1, 1)},
        headers=h,
    )
    assert unknown.status_code == 422 and "NOPE" in unknown.json()["message"]
    line = client.post(
        URL,
        json={
            "from": at(100, 200),
            "to": at(700, 200),
            "avoid": [{"type": "Point", "coordinates": [1, 2]}],
        },
        headers=h,
    )
    assert line.status_code == 422 and "avoid[0]" in line.json()["message"]


def test_the_graph_is_rebuilt_when_the_network_is_edited(
    client: TestClient, tokens: dict[str, str]
) -> None:
    trip = {
        "from": {"nearest": "fire_station"},
        "to": {"feature": {"layer": "exits", "code": "EX-E1"}},
        "profile": "fire_engine",
    }
    before = post(client, tokens["commander"], trip)["features"][0]["properties"]
    cache = client.app.state.route_cache  # type: ignore[attr-defined]
    built = next(iter(cache._networks.values()))[1]
    # Narrow one road on the route below a fire lane's 4 m, through the layers API.
    road = before["edges"][len(before["edges"]) // 2]
    h = auth(tokens["admin"])
    feature = client.get(f"/api/v1/sites/demo/layers/route_edges/{road}", headers=h).json()
    feature["properties"]["width_m"] = 3.0
    r = client.put(f"/api/v1/sites/demo/layers/route_edges/{road}", json=feature, headers=h)
    assert r.status_code == 200, r.text
    after = post(client, tokens["commander"], trip)["features"][0]["properties"]
    assert road not in after["edges"] and after["eta_s"] > before["eta_s"]
    assert next(iter(cache._networks.values()))[1] is not built


def test_evacuation_of_everyone_positioned_now(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    site = get_site(session, "demo")
    for code, (x, y) in {"T-EV-1": (580, 135), "T-EV-2": (130, 300)}.items():
        people_service.create_tag(
            session,
            site,
            "test",
            {"code": code, "technology": "uwb", "person_name": "测试", "person_kind": "employee"},
        )
        lon, lat = TO_LONLAT.transform(E0 + x, N0 + y)
        session.execute(
            text(
                "INSERT INTO latest_positions (tag_id, ts_utc, geom, floor, accuracy_m) "
                "SELECT id, :ts, ST_SetSRID(ST_MakePoint(:lon, :lat), 4490), 0, 1.0 "
                "FROM tags WHERE code = :code"
            ),
            {"ts": datetime.now(UTC), "lon": lon, "lat": lat, "code": code},
        )
    session.flush()
    body = post(client, tokens["commander"], {"geometry": False}, "/evacuation")
    found = {f["id"]: f for f in body["features"]}
    assert {"T-EV-1", "T-EV-2"} <= set(found)
    assert all(found[t]["geometry"] is None for t in ("T-EV-1", "T-EV-2"))
    assert found["T-EV-1"]["properties"]["assembly_point"] in {"AP-01", "AP-02", "AP-03"}
    assert body["summary"]["routed"] == body["summary"]["people"]


def test_routing_is_a_query_for_every_reader(client: TestClient, tokens: dict[str, str]) -> None:
    trip = {"from": at(100, 200), "to": {"nearest": "assembly_point"}}
    assert client.post(URL, json=trip).status_code == 401
    for role in ("regulator", "operator", "commander"):
        assert client.post(URL, json=trip, headers=auth(tokens[role])).status_code == 200
