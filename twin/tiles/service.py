"""Mapbox vector tiles of a site's plant layers, cut by PostGIS.

One tile carries every layer (one ``ST_AsMVT`` per layer, concatenated), so the big screen
makes one request per tile instead of one per layer. Properties are the layers' scalar
columns; the live state of sensors and hazard sources is laid over by the client with
feature state keyed on ``code``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, text
from sqlalchemy.orm import Session

from twin.errors import ValidationFailed
from twin.plant.layers import LAYERS, LayerSpec
from twin.sites.models import Site

__all__ = ["EXTENT", "MAX_ZOOM", "TILE_LAYERS", "map_description", "tile"]

EXTENT = 4096
# Pixels of geometry kept beyond the tile edge, so lines and outlines join seamlessly.
BUFFER = 64
# Past zoom 22 a tile is a few metres across: nothing a plant map needs.
MAX_ZOOM = 22
# Route nodes are the graph's joints: the edges show the network, nodes would be clutter.
TILE_LAYERS = tuple(name for name in LAYERS if name != "route_nodes")
_SKIPPED = {"id", "site_id", "geom", "created_at", "updated_at"}
_SCALAR = (String, Float, Integer, Boolean)


def _columns(spec: LayerSpec) -> list[str]:
    table = spec.model.__table__
    return [c.name for c in table.columns if c.name not in _SKIPPED and isinstance(c.type, _SCALAR)]


def _layer_sql(name: str) -> str:
    spec = LAYERS[name]
    columns = ", ".join(f'"{c}"' for c in _columns(spec))
    # The envelope is widened by the buffer and brought to the storage CRS, so the GiST
    # index on geom picks the candidates; ST_AsMVTGeom clips in Web Mercator.
    return f"""
    (SELECT ST_AsMVT(t, '{name}', {EXTENT}, 'geom') FROM (
        SELECT {columns},
               ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(:z, :x, :y),
                            {EXTENT}, {BUFFER}, true) AS geom
        FROM {spec.model.__tablename__}
        WHERE site_id = :site
          AND geom && ST_Transform(
              ST_TileEnvelope(:z, :x, :y, margin => {BUFFER / EXTENT}), 4490)
    ) AS t WHERE t.geom IS NOT NULL)"""


_TILE = text("SELECT " + " || ".join(_layer_sql(n) for n in TILE_LAYERS))


def tile(session: Session, site: Site, z: int, x: int, y: int) -> bytes:
    """The tile ``z/x/y`` (XYZ scheme, Web Mercator) of ``site``: every layer in one.

    Raises
    ------
    ValidationFailed
        When ``z/x/y`` names no tile.
    """
    if not 0 <= z <= MAX_ZOOM:
        raise ValidationFailed(f"zoom must be 0–{MAX_ZOOM}, not {z}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ValidationFailed(f"tile {z}/{x}/{y} does not exist: x and y lie in 0–{2**z - 1}")
    data = session.scalar(_TILE, {"site": site.id, "z": z, "x": x, "y": y})
    return bytes(data or b"")


_BOUNDS = text("""
SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
FROM (SELECT ST_Extent(ST_Transform(boundary, 4326))::geometry AS b
      FROM sites WHERE id = :site) AS e
""")


# Where the map writes names: a point inside each zone and hazard source (PostGIS picks
# one on the surface, so an L-shaped zone is labelled inside itself).
_LABELS = text("""
SELECT 'zones' AS layer, code, name, name_en,
       ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
FROM zones WHERE site_id = :site
UNION ALL
SELECT 'installations', code, name, name_en,
       ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
FROM installations WHERE site_id = :site AND is_hazard_source
ORDER BY 1, 2
""")


def map_description(session: Session, site: Site, basemap_url: str | None) -> dict[str, Any]:
    """What the viewer needs to open the map: bounds, layers and where tiles come from."""
    west, south, east, north = session.execute(_BOUNDS, {"site": site.id}).one()
    return {
        "site": site.code,
        "name": site.name,
        "name_en": site.name_en,
        "bounds": [west, south, east, north],
        "tiles": f"/api/v1/sites/{site.code}/tiles/{{z}}/{{x}}/{{y}}.mvt",
        "max_zoom": MAX_ZOOM,
        "layers": [
            {"name": n, "title_zh": LAYERS[n].title_zh, "title_en": LAYERS[n].title_en}
            for n in TILE_LAYERS
        ],
        # A site with its own tile server (air-gapped, on the plant network) may name it;
        # otherwise the plant's own layers are the base map.
        "basemap": basemap_url,
        "labels": [
            {"layer": layer, "code": code, "name": name, "name_en": name_en, "lonlat": [x, y]}
            for layer, code, name, name_en, x, y in session.execute(_LABELS, {"site": site.id})
        ],
    }
