"""No input produces a 500: hostile and malformed requests get a 4xx with a reason."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth

CASES = [
    ("GET", "/api/v1/sites/demo/layers/sensors?limit=-5", None),
    ("GET", "/api/v1/sites/demo/layers/sensors?bbox=1e309,0,1,1", None),
    ("GET", "/api/v1/sites/demo/layers/sensors?crs=EPSG:99999999999", None),
    ("GET", "/api/v1/sites/demo/spatial/nearby?x=abc&y=1&radius_m=5", None),
    ("GET", "/api/v1/sites/demo/spatial/nearby?x=1000&y=1000&radius_m=5", None),
    ("GET", "/api/v1/sites/demo/spatial/nearby?x=120&y=31&radius_m=-1", None),
    ("GET", "/api/v1/sites/demo/spatial/containing?x=nan&y=nan", None),
    ("GET", "/api/v1/sites/%00/layers/zones", None),
    ("GET", "/api/v1/sites/demo/export?format=shp", None),
    ("GET", "/api/v1/sites/demo/export?format=kml&crs=EPSG:4490", None),
    ("POST", "/api/v1/sites/demo/layers/zones", {"type": "Feature"}),
    (
        "POST",
        "/api/v1/sites/demo/layers/zones",
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[1, 2]]]},
            "properties": {"code": "x"},
        },
    ),
    (
        "POST",
        "/api/v1/sites/demo/layers/zones",
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": "oops"},
            "properties": {},
        },
    ),
    (
        "POST",
        "/api/v1/sites/demo/layers/sensors",
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120, 31, 5, 6, 7]},
            "properties": {"code": "q"},
        },
    ),
    (
        "POST",
        "/api/v1/sites/demo/layers/installations",
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [119.98, 31.78]},
            "properties": {
                "code": "t",
                "kind": "tank",
                "is_hazard_source": True,
                "inventory": "lots",
            },
        },
    ),
    (
        "PUT",
        "/api/v1/sites/demo/layers/sensors/" + "x" * 300,
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [119.98, 31.78]},
            "properties": {},
        },
    ),
    ("POST", "/api/v1/sites", {"code": "Bad Code", "name": "x", "boundary": {}}),
    (
        "POST",
        "/api/v1/sites",
        {"code": "ok", "name": "x", "boundary": {"type": "Point", "coordinates": [1, 2]}},
    ),
    (
        "POST",
        "/api/v1/sites",
        {
            "code": "ok2",
            "name": "x",
            "metric_srid": 3857,
            "boundary": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        },
    ),
    ("PATCH", "/api/v1/users/nobody", {"role": "king"}),
]


@pytest.mark.parametrize(("method", "path", "body"), CASES, ids=[c[1][:60] for c in CASES])
def test_bad_requests_get_a_reason_never_a_500(
    client: TestClient, tokens: dict[str, str], method: str, path: str, body: object
) -> None:
    r = client.request(method, path, json=body, headers=auth(tokens["admin"]))
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    payload = r.json()
    assert payload.get("message") or payload.get("detail"), payload
