"""A site's 3D scene: read from PostGIS in the site's metric CRS, built once per plant
version, kept in memory.

Coordinates are projected and shifted by PostGIS (``ST_Transform`` to ``metric_srid``,
then ``ST_Translate`` by minus the origin), so Python only ever sees local metres. The
origin is the site's centroid in the metric CRS, rounded: float32 (glTF's only vertex
type) has a 24-bit mantissa: 0.25 m steps at Gauss-Krüger northings (≈ 3 500 000 m),
under a millimetre within a few kilometres of the origin.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from twin.db import STORAGE_SRID
from twin.plant import models as m
from twin.scene.build import Origin, PlantFeature, build_glb
from twin.sites.models import Site

__all__ = ["Scene", "SceneCache", "get_scene", "plant_version"]

log = logging.getLogger(__name__)

# Bump when the builder changes what it draws: cached copies in browsers revalidate.
SCENE_FORMAT = 1
# Origin rounded to whole tens of metres: readable in headers and logs; any rounding this
# small keeps float32 precision (see the module docstring).
ORIGIN_STEP_M = 10

# Layer tables drawn, with the columns each contributes; drawing order is this order.
_LAYERS: tuple[tuple[str, type[m.LayerRow], tuple[str, ...]], ...] = (
    ("zones", m.Zone, ("kind", "height_m", "floors")),
    ("installations", m.Installation, ("kind", "height_m", "diameter_m")),
    ("assembly_points", m.AssemblyPoint, ()),
    ("rescue_resources", m.RescueResource, ("kind",)),
    ("sensors", m.Sensor, ("kind", "install_height_m")),
)

_ORIGIN = text("""
WITH c AS (
    SELECT ST_Centroid(ST_Transform(boundary, metric_srid)) AS p, metric_srid AS srid
    FROM sites WHERE id = :site
), o AS (
    SELECT round(ST_X(p) / :step) * :step AS x, round(ST_Y(p) / :step) * :step AS y, srid
    FROM c
)
SELECT x, y, srid, ST_X(g) AS lon, ST_Y(g) AS lat
FROM o, LATERAL ST_Transform(ST_SetSRID(ST_MakePoint(x, y), srid), :lonlat) AS g
""")

# A digest of (id, updated_at) per table: changes on every insert, update and delete.
# max(updated_at) alone would miss deletes, and an older transaction committing after a
# newer one (now() is the transaction's start time). Names below are constants.
_VERSION = text(
    " UNION ALL ".join(
        f"SELECT '{table}' AS tbl, count(*) AS n, md5(coalesce(string_agg("
        f"id::text || '@' || updated_at::text, ',' ORDER BY id), '')) AS digest "
        f"FROM {table} WHERE {key} = :site"
        for table, key in [("sites", "id")]
        + [(model.__tablename__, "site_id") for _, model, _ in _LAYERS]
    )
)


@dataclass(frozen=True, slots=True)
class Scene:
    site: str
    etag: str
    origin: Origin
    nodes: tuple[tuple[str, str, str, str], ...]
    glb: bytes
    build_s: float

    def describe(self) -> dict[str, Any]:
        """What the browser needs besides the GLB: the frame and the named nodes."""
        return {
            "site": self.site,
            "etag": self.etag,
            "origin": self.origin.as_dict(),
            "axes": {"x": "east", "y": "up", "z": "south"},
            "to_scene": "[x_m - origin.x_m, height_m, -(y_m - origin.y_m)]",
            "glb_bytes": len(self.glb),
            "nodes": [
                {"name": name, "layer": layer, "code": code, "kind": kind}
                for name, layer, code, kind in self.nodes
            ],
        }


class SceneCache:
    """The newest built scene per site. Routes run in a thread pool, so access is locked,
    and builds run one at a time: VTK is not meant for concurrent pipelines, and a site's
    scene is built once however many requests wait for it."""

    def __init__(self) -> None:
        self._scenes: dict[str, Scene] = {}
        self._lock = threading.Lock()
        self._build = threading.Lock()

    def get(self, site: str, etag: str) -> Scene | None:
        with self._lock:
            scene = self._scenes.get(site)
        return scene if scene is not None and scene.etag == etag else None

    def put(self, scene: Scene) -> None:
        with self._lock:
            self._scenes[scene.site] = scene

    @contextmanager
    def building(self) -> Iterator[None]:
        with self._build:
            yield


def plant_version(session: Session, site: Site) -> str:
    """A short digest that changes whenever anything the scene draws changes.

    Cheap (one indexed pass over the site's rows of six tables), so every request can
    ask it before deciding whether the cached GLB is still current.
    """
    digest = hashlib.sha256(f"format {SCENE_FORMAT};".encode())
    for row in session.execute(_VERSION, {"site": site.id}):
        digest.update(f"{row.tbl}:{row.n}:{row.digest};".encode())
    return digest.hexdigest()[:20]


def origin(session: Session, site: Site) -> Origin:
    """The scene origin: the site's centroid in its metric CRS, rounded, with its lon/lat."""
    row = session.execute(
        _ORIGIN, {"site": site.id, "step": ORIGIN_STEP_M, "lonlat": STORAGE_SRID}
    ).one()
    return Origin(
        x_m=float(row.x),
        y_m=float(row.y),
        srid=int(row.srid),
        lon=round(float(row.lon), 9),
        lat=round(float(row.lat), 9),
        lonlat_srid=STORAGE_SRID,
    )


def _local(geom: Any, site: Site, at: Origin) -> Any:
    return func.ST_AsBinary(
        func.ST_Translate(func.ST_Transform(geom, site.metric_srid), -at.x_m, -at.y_m)
    )


def features(session: Session, site: Site, at: Origin) -> list[PlantFeature]:
    """Everything the scene draws, ground first, geometry in the local frame (metres)."""
    boundary = session.scalar(select(_local(Site.boundary, site, at)).where(Site.id == site.id))
    out = [PlantFeature("sites", site.code, shapely.from_wkb(boundary))]
    for layer, model, columns in _LAYERS:
        query = (
            select(
                model.code,
                _local(model.geom, site, at).label("wkb"),
                *(getattr(model, c) for c in columns),
            )
            .where(model.site_id == site.id)
            .order_by(model.code)
        )
        for row in session.execute(query).mappings():
            out.append(
                PlantFeature(
                    layer=layer,
                    code=row["code"],
                    geom=shapely.from_wkb(row["wkb"]),
                    kind=row.get("kind"),
                    height_m=row.get("height_m", row.get("install_height_m")),
                    diameter_m=row.get("diameter_m"),
                    floors=row.get("floors"),
                )
            )
    return out


def get_scene(session: Session, cache: SceneCache, site: Site) -> Scene:
    """The site's scene, from ``cache`` when the plant has not changed since it was built.

    Parameters
    ----------
    session : Session
        Read only.
    cache : SceneCache
        Holds the newest scene per site; a changed plant version replaces it.
    site : Site

    Returns
    -------
    Scene
        With ``etag`` derived from the plant version (same plant, same tag).
    """
    etag = plant_version(session, site)
    scene = cache.get(site.code, etag)
    if scene is not None:
        return scene
    with cache.building():
        # Another request may have built it while this one waited.
        scene = cache.get(site.code, etag)
        if scene is not None:
            return scene
        started = time.perf_counter()
        at = origin(session, site)
        built = build_glb(
            site.code, features(session, site, at), {"site": site.code, "origin": at.as_dict()}
        )
        scene = Scene(
            site=site.code,
            etag=etag,
            origin=at,
            nodes=built.nodes,
            glb=built.glb,
            build_s=time.perf_counter() - started,
        )
        cache.put(scene)
    log.info(
        "scene %s built in %.2f s: %d nodes, %d bytes",
        site.code,
        scene.build_s,
        len(scene.nodes),
        len(scene.glb),
    )
    return scene
