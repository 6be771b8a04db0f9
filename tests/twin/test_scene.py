"""The 3D scene of the demo plant: a GLB a browser can load, with a node per feature
under its code, geometry where PostGIS says the feature is, and HTTP revalidation."""

from __future__ import annotations

import doctest
import json
import struct
import subprocess
import sys
import textwrap
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import auth
from twin.scene import build, glb, shapes

GLB = "/api/v1/sites/demo/scene.glb"
META = "/api/v1/sites/demo/scene.json"


def parse_glb(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The JSON and BIN chunks of a binary glTF 2.0, checked against the spec's layout."""
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    assert (magic, version, length) == (b"glTF", 2, len(data))
    json_len, json_type = struct.unpack_from("<I4s", data, 12)
    assert json_type == b"JSON" and json_len % 4 == 0
    doc = json.loads(data[20 : 20 + json_len])
    at = 20 + json_len
    bin_len, bin_type = struct.unpack_from("<I4s", data, at)
    assert bin_type == b"BIN\x00" and at + 8 + bin_len == len(data)
    assert doc["buffers"] == [{"byteLength": bin_len}]
    return doc, data[at + 8 :]


def node_positions(doc: dict[str, Any], blob: bytes, name: str) -> np.ndarray:
    """The POSITION vertices (n × 3, scene frame) of the node called ``name``."""
    (node,) = [n for n in doc["nodes"] if n.get("name") == name]
    assert "matrix" not in node and "translation" not in node  # vertices are final
    (primitive,) = doc["meshes"][node["mesh"]]["primitives"]
    accessor = doc["accessors"][primitive["attributes"]["POSITION"]]
    assert (accessor["componentType"], accessor["type"]) == (5126, "VEC3")
    view = doc["bufferViews"][accessor["bufferView"]]
    start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
    count = accessor["count"]
    return np.frombuffer(blob, dtype="<f4", count=count * 3, offset=start).reshape(count, 3)


def _codes(session: Session, sql: str) -> set[str]:
    return set(session.scalars(text(sql)))


def test_glb_has_a_named_node_for_every_sensor_and_vessel(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    r = client.get(GLB, headers=auth(tokens["regulator"]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "model/gltf-binary"
    doc, _ = parse_glb(r.content)
    names = [n["name"] for n in doc["nodes"]]
    assert len(names) == len(set(names))

    demo = "FROM {} t JOIN sites s ON s.id = t.site_id WHERE s.code = 'demo'"
    sensors = _codes(session, "SELECT t.code " + demo.format("sensors"))
    vessels = _codes(
        session, "SELECT t.code " + demo.format("installations") + " AND kind IN ('tank', 'sphere')"
    )
    installations = _codes(session, "SELECT t.code " + demo.format("installations"))
    assert len(sensors) >= 50 and len(vessels) == 9
    assert {f"sensor:{c}" for c in sensors} <= set(names)
    assert {f"installation:{c}" for c in installations} <= set(names)
    # Each node says what it is, for clients that match on extras instead of names
    # (three.js strips ':' from object names and keeps the original in userData.name).
    by_name = {n["name"]: n for n in doc["nodes"]}
    some = sorted(sensors)[0]
    assert by_name[f"sensor:{some}"]["extras"] == {
        "layer": "sensors",
        "code": some,
        "kind": session.scalar(
            text("SELECT t.kind " + demo.format("sensors") + " AND t.code = :c"), {"c": some}
        ),
    }
    # Every feature mesh has its own material, so recolouring one leaves the others alone.
    materials = [
        doc["meshes"][n["mesh"]]["primitives"][0]["material"]
        for n in by_name.values()
        if "mesh" in n
    ]
    assert len(materials) == len(set(materials))


def test_a_tank_stands_on_its_footprint_in_the_origin_shifted_frame(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    h = auth(tokens["regulator"])
    meta = client.get(META, headers=h).json()
    origin = meta["origin"]
    assert origin["srid"] == 4549 and meta["axes"] == {"x": "east", "y": "up", "z": "south"}
    # Independently of the scene code: the tank's centre and footprint radius in the
    # site's metric CRS, straight from PostGIS.
    tank = session.execute(
        text(
            "SELECT ST_X(c) AS x, ST_Y(c) AS y, r, i.height_m FROM installations i"
            " JOIN sites s ON s.id = i.site_id,"
            " LATERAL ST_Transform(i.geom, s.metric_srid) AS g,"
            " LATERAL ST_Centroid(g) AS c,"
            " LATERAL (SELECT (ST_MinimumBoundingRadius(g)).radius AS r) AS mbr"
            " WHERE s.code = 'demo' AND i.code = 'T-MEOH-01'"
        )
    ).one()
    doc, blob = parse_glb(client.get(GLB, headers=h).content)
    vertices = node_positions(doc, blob, "installation:T-MEOH-01")
    east = vertices[:, 0] - (tank.x - origin["x_m"])
    north = -vertices[:, 2] - (tank.y - origin["y_m"])
    radial = np.hypot(east, north)
    # Within the footprint (2 cm for float32 and facet chords) and reaching its rim.
    assert radial.max() <= tank.r + 0.02
    assert radial.max() >= 0.95 * tank.r
    assert vertices[:, 1].min() == pytest.approx(0.0, abs=1e-3)
    assert vertices[:, 1].max() == pytest.approx(tank.height_m, abs=1e-3)
    # The origin is near the plant (within the 800 m × 600 m site), so float32 keeps cm.
    assert np.abs(vertices).max() < 600


def test_scene_json_lists_the_nodes_and_places_the_origin(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = auth(tokens["regulator"])
    r = client.get(META, headers=h)
    assert r.status_code == 200
    meta = r.json()
    origin = meta["origin"]
    # The demo site lies around 119.98 E, 31.78 N (CGCS2000).
    assert abs(origin["lon"] - 119.980) < 0.01 and abs(origin["lat"] - 31.780) < 0.01
    assert origin["lonlat_srid"] == 4490
    assert origin["x_m"] % 10 == 0 and origin["y_m"] % 10 == 0
    g = client.get(GLB, headers=h)
    assert g.headers["etag"] == r.headers["etag"]
    assert g.headers["x-scene-srid"] == "4549"
    assert g.headers["x-scene-origin"] == f"{origin['x_m']:.3f},{origin['y_m']:.3f}"
    doc, _ = parse_glb(g.content)
    listed = {n["name"]: n for n in meta["nodes"]}
    in_file = {n["name"] for n in doc["nodes"] if "mesh" in n}
    assert set(listed) == in_file
    assert listed["installation:T-NH3-01"]["kind"] == "sphere"
    assert listed["site:demo"]["layer"] == "sites"
    assert doc["scenes"][0]["extras"]["origin"] == origin


def test_revalidation_answers_304_until_the_plant_changes(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = auth(tokens["admin"])
    first = client.get(GLB, headers=h)
    etag = first.headers["etag"]
    assert "no-cache" in first.headers["cache-control"]
    again = client.get(GLB, headers={**h, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(GLB, headers={**h, "If-None-Match": f'"x", W/{etag}'}).status_code == 304

    names = {n["name"] for n in parse_glb(first.content)[0]["nodes"]}
    gone = sorted(n for n in names if n.startswith("rescue_resource:"))[0]
    code = gone.split(":", 1)[1]
    r = client.delete(f"/api/v1/sites/demo/layers/rescue_resources/{code}", headers=h)
    assert r.status_code == 204
    changed = client.get(GLB, headers={**h, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert gone not in {n["name"] for n in parse_glb(changed.content)[0]["nodes"]}


def test_scene_needs_a_token_and_a_known_site(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get(GLB).status_code == 401
    assert client.get(META).status_code == 401
    h = auth(tokens["regulator"])
    for url in ("/api/v1/sites/nowhere/scene.glb", "/api/v1/sites/nowhere/scene.json"):
        r = client.get(url, headers=h)
        assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_building_never_loads_an_opengl_backend() -> None:
    """Servers have no display and may have no GL library: the exporter must not render.

    A separate interpreter, so no other test's imports hide a regression; the app is
    imported too, so no module of the server may pull in a rendering backend either.
    """
    script = textwrap.dedent("""
        import sys
        import twin.app
        from shapely.geometry import Point
        from twin.scene.build import PlantFeature, build_glb
        built = build_glb("t", [
            PlantFeature("sites", "t", Point(0, 0).buffer(50)),
            PlantFeature("installations", "T1", Point(5, 5).buffer(4), "tank", 8.0),
            PlantFeature("sensors", "S1", Point(1, 1), "gas"),
        ], {})
        assert built.glb[:4] == b"glTF", built.glb[:4]
        loaded = [m for m in sys.modules if "OpenGL" in m or m.startswith("pyvista.plotting")]
        assert not loaded, loaded
        print(len(built.nodes))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"


@pytest.mark.parametrize("module", [shapes, glb, build], ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
