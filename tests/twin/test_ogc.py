from __future__ import annotations

import json
import os
import subprocess

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import DEMO_PASSWORD, auth


def test_landing_links_and_conformance(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["regulator"])
    landing = client.get("/ogc", headers=h).json()
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert client.get(rels["service-desc"]["href"], headers=h).json()["openapi"].startswith("3.")
    classes = client.get("/ogc/conformance", headers=h).json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in classes)
    assert any(c.endswith("/conf/geojson") for c in classes)
    assert any(c.endswith("/conf/oas30") for c in classes)
    assert client.get("/ogc").status_code == 401


def test_one_collection_per_layer_with_extent(client: TestClient, tokens: dict[str, str]) -> None:
    doc = client.get("/ogc/collections", headers=auth(tokens["regulator"])).json()
    ids = [c["id"] for c in doc["collections"]]
    assert "zones" in ids and "risk_zones" in ids and "route_edges" in ids
    zones = next(c for c in doc["collections"] if c["id"] == "zones")
    minx, miny, maxx, maxy = zones["extent"]["spatial"]["bbox"][0]
    assert 119.9 < minx < maxx < 120.1 and 31.7 < miny < maxy < 31.9


def test_paging_follows_next_links_to_the_end(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["regulator"])
    url, seen, pages = "/ogc/collections/route_edges/items?limit=150", [], 0
    total = None
    while url:
        r = client.get(url, headers=h)
        assert r.headers["content-type"].startswith("application/geo+json")
        page = r.json()
        total = page["numberMatched"]
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        pages += 1
    assert len(seen) == len(set(seen)) == total and pages == -(-total // 150)
    assert all(fid.startswith("demo:") for fid in seen)


def test_limit_is_clamped_not_rejected_and_bbox_filters(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = auth(tokens["regulator"])
    big = client.get("/ogc/collections/sensors/items?limit=999999999", headers=h)
    assert big.status_code == 200 and big.json()["numberReturned"] == big.json()["numberMatched"]
    assert (
        client.get("/ogc/collections/sensors/items?limit=0", headers=h).json()["numberReturned"]
        == 1
    )
    for bad in ("limit=ten", "bbox=1,2,3", "crs=EPSG:3857", "offset=-1"):
        assert client.get(f"/ogc/collections/sensors/items?{bad}", headers=h).status_code == 400
    everything = big.json()["numberMatched"]
    xs = sorted(f["geometry"]["coordinates"][0] for f in big.json()["features"])
    west = f"{xs[0] - 1e-6},31.0,{xs[len(xs) // 2]},32.0"
    part = client.get(f"/ogc/collections/sensors/items?bbox={west}&limit=1000", headers=h)
    assert 0 < part.json()["numberMatched"] < everything
    one = big.json()["features"][0]["id"]
    item = client.get(f"/ogc/collections/sensors/items/{one}", headers=h)
    assert item.status_code == 200 and item.json()["id"] == one
    assert client.get("/ogc/collections/sensors/items/demo:nope", headers=h).status_code == 404
    assert client.get("/ogc/collections/nope/items", headers=h).status_code == 404


def test_cgcs2000_output_on_request(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(
        "/ogc/collections/exits/items?crs=http://www.opengis.net/def/crs/EPSG/0/4490",
        headers=auth(tokens["regulator"]),
    )
    assert r.status_code == 200
    assert r.headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"


@pytest.fixture(scope="module")
def regulator_token(live_server: str) -> str:
    r = httpx.post(
        f"{live_server}/api/v1/auth/token",
        data={"username": "regulator", "password": DEMO_PASSWORD},
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _ogr(live_server: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GDAL_HTTP_HEADERS=f"Authorization: Bearer {token}")
    return subprocess.run(
        ["ogrinfo", "-ro", f"OAPIF:{live_server}/ogc", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_gdal_oapif_driver_lists_and_reads_the_layers(
    live_server: str, regulator_token: str
) -> None:
    listing = _ogr(live_server, regulator_token)
    assert listing.returncode == 0, listing.stderr
    for layer in ("zones", "sensors", "risk_zones", "route_edges"):
        assert layer in listing.stdout
    counts = httpx.get(
        f"{live_server}/ogc/collections/route_edges/items?limit=1",
        headers={"Authorization": f"Bearer {regulator_token}"},
    ).json()
    summary = _ogr(
        live_server, regulator_token, "-so", "-al", "-oo", "PAGE_SIZE=100", "route_edges"
    )
    assert summary.returncode == 0, summary.stderr
    # GDAL walks every 'next' page to count, so this proves paging end to end.
    assert f"Feature Count: {counts['numberMatched']}" in summary.stdout
    features = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{live_server}/ogc", "risk_zones"],
        env=dict(os.environ, GDAL_HTTP_HEADERS=f"Authorization: Bearer {regulator_token}"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert features.returncode == 0, features.stderr
    grades = {f["properties"]["grade"] for f in json.loads(features.stdout)["features"]}
    assert grades <= {"red", "orange", "yellow", "blue"} and "red" in grades


def test_gdal_without_a_token_is_refused(live_server: str) -> None:
    result = subprocess.run(
        ["ogrinfo", "-ro", f"OAPIF:{live_server}/ogc"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
