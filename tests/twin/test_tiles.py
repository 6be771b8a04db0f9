"""Vector tiles cut by PostGIS carry the plant's features where the map expects them."""

from __future__ import annotations

import math

import mapbox_vector_tile
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import auth

ZOOM = 16
# Half the Web Mercator world, in metres: tile indices count from its north-west corner.
HALF_WORLD_M = 20037508.342789244


def _tile_range(bounds: list[float], z: int) -> tuple[range, range]:
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    west, north = to_merc.transform(bounds[0], bounds[3])
    east, south = to_merc.transform(bounds[2], bounds[1])
    size = 2 * HALF_WORLD_M / 2**z

    def index(metres: float, flip: bool) -> int:
        return math.floor(((HALF_WORLD_M - metres) if flip else (metres + HALF_WORLD_M)) / size)

    return (
        range(index(west, False), index(east, False) + 1),
        range(index(north, True), index(south, True) + 1),
    )


def test_the_tiles_over_the_site_carry_every_sensor_and_zone_once_decoded(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    head = auth(tokens["regulator"])
    described = client.get("/api/v1/sites/demo/map", headers=head)
    assert described.status_code == 200
    meta = described.json()
    assert meta["tiles"] == "/api/v1/sites/demo/tiles/{z}/{x}/{y}.mvt"
    assert "route_nodes" not in {layer["name"] for layer in meta["layers"]}
    xs, ys = _tile_range(meta["bounds"], ZOOM)
    seen: dict[str, set[str]] = {}
    kinds: dict[str, str] = {}
    for x in xs:
        for y in ys:
            r = client.get(f"/api/v1/sites/demo/tiles/{ZOOM}/{x}/{y}.mvt", headers=head)
            assert r.status_code == 200
            assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
            for layer, content in mapbox_vector_tile.decode(r.content).items():
                for feature in content["features"]:
                    seen.setdefault(layer, set()).add(feature["properties"]["code"])
                    if layer == "risk_zones":
                        kinds[feature["properties"]["code"]] = feature["properties"]["grade"]
    expected = {
        layer: set(
            session.scalars(
                text(
                    f"SELECT code FROM {layer} WHERE site_id = "
                    "(SELECT id FROM sites WHERE code = 'demo')"
                )
            )
        )
        for layer in ("sensors", "zones", "risk_zones", "installations", "route_edges")
    }
    for layer, codes in expected.items():
        assert seen.get(layer) == codes, layer
    assert set(kinds.values()) <= {"red", "orange", "yellow", "blue"}


def test_a_sensor_lands_in_its_own_tile_at_its_own_pixel(
    client: TestClient, session: Session, tokens: dict[str, str]
) -> None:
    code, lon, lat = session.execute(
        text("SELECT code, ST_X(geom), ST_Y(geom) FROM sensors ORDER BY code LIMIT 1")
    ).one()
    z = 20
    xs, ys = _tile_range([lon, lat, lon, lat], z)
    x, y = xs.start, ys.start
    r = client.get(f"/api/v1/sites/demo/tiles/{z}/{x}/{y}.mvt", headers=auth(tokens["operator"]))
    features = mapbox_vector_tile.decode(r.content)["sensors"]["features"]
    mine = next(f for f in features if f["properties"]["code"] == code)
    # Where the pixel should be, from the tile's own corner (y down in tile space).
    to_merc = Transformer.from_crs(4490, 3857, always_xy=True)
    mx, my = to_merc.transform(lon, lat)
    size = 2 * HALF_WORLD_M / 2**z
    px = (mx + HALF_WORLD_M - x * size) / size * 4096
    py = (HALF_WORLD_M - my - y * size) / size * 4096
    gx, gy = mine["geometry"]["coordinates"]
    # mapbox_vector_tile flips y to point up by default.
    assert abs(gx - px) <= 1 and abs((4096 - gy) - py) <= 1


def test_bad_tiles_and_strangers_get_clear_answers(
    client: TestClient, tokens: dict[str, str]
) -> None:
    head = auth(tokens["operator"])
    for path, status in (
        ("/api/v1/sites/demo/tiles/23/0/0.mvt", 422),
        ("/api/v1/sites/demo/tiles/3/8/0.mvt", 422),
        ("/api/v1/sites/demo/tiles/3/0/-1.mvt", 422),
        ("/api/v1/sites/nowhere/tiles/3/0/0.mvt", 404),
        ("/api/v1/sites/demo/tiles/a/0/0.mvt", 422),
    ):
        r = client.get(path, headers=head)
        assert r.status_code == status, (path, r.text)
        assert r.json()["message"]
    assert client.get("/api/v1/sites/demo/tiles/3/0/0.mvt").status_code == 401
    empty = client.get("/api/v1/sites/demo/tiles/3/0/0.mvt", headers=head)
    assert empty.status_code == 200 and empty.content == b""
