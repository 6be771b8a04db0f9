"""The plant as a 3D scene: one named, coloured mesh per feature, packed as GLB.

Pure: features arrive with geometry already in the scene's local frame (the site's
metric CRS minus the origin, see :mod:`twin.scene.service`); nothing here touches the
database or lon/lat. Node names are ``<layer>:<code>`` (``sensor:GD-NH3-01``,
``installation:T-MEOH-01``) so the browser finds a feature's mesh and recolours it live;
each node's ``extras`` carry ``layer``, ``code`` and ``kind`` as well.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyvista as pv
from shapely.geometry.base import BaseGeometry

from twin.scene import shapes
from twin.scene.glb import Part, gltf_from_parts, pack_glb

__all__ = ["NODE_PREFIX", "BuiltScene", "Origin", "PlantFeature", "build_glb", "part_for"]

log = logging.getLogger(__name__)

# Layer -> node-name prefix (singular, as the browser says "the sensor GD-NH3-01").
NODE_PREFIX = {
    "sites": "site",
    "zones": "zone",
    "installations": "installation",
    "sensors": "sensor",
    "assembly_points": "assembly_point",
    "rescue_resources": "rescue_resource",
}

# Heights used when a record has none (m). Typical of Chinese chemical parks; enough for
# a readable scene, never for a calculation: the record's own height_m always wins.
DEFAULT_HEIGHT_M = {
    "building": 6.0,  # one industrial storey with roof structure
    "reactor": 15.0,
    "column": 30.0,
    "furnace": 20.0,
    "cylinder_store": 6.0,
    "other": 6.0,
    "pipe_rack": 6.0,  # the usual clearance over plant roads (GB 50160 asks ≥ 4.5 m)
}
STOREY_M = 3.5  # a zone with floors but no height: floors × storey height
RACK_DECK_M = 0.8  # a pipe rack is drawn as its deck, this thick, under its top height
SENSOR_HEIGHT_M = 1.5  # detectors without install_height_m: breathing height
SENSOR_RADIUS_M = 2.0  # drawn oversized: a detector must be visible and clickable plant-wide
MARKER_SIZE_M = 1.2  # rescue resources (hydrants, cabinets)
ASSEMBLY_RADIUS_M = 4.0
# Flat layers are lifted a little above the site ground so they do not flicker
# against it (depth-buffer fighting).
ZONE_LIFT_M = 0.1
ASSEMBLY_LIFT_M = 0.2

# Colours (linear RGB 0-1). Zones follow the usual plant-drawing palette: tank farms and
# process units warm, offices and control rooms neutral, green areas green.
ZONE_RGB = {
    "process_unit": (0.85, 0.62, 0.45),
    "tank_farm": (0.80, 0.72, 0.52),
    "warehouse": (0.70, 0.66, 0.60),
    "control_room": (0.55, 0.65, 0.80),
    "office": (0.78, 0.80, 0.84),
    "gate": (0.60, 0.60, 0.62),
    "workshop": (0.68, 0.70, 0.72),
    "utility": (0.62, 0.72, 0.70),
    "loading": (0.80, 0.78, 0.60),
    "fire_station": (0.85, 0.40, 0.35),
    "parking": (0.50, 0.50, 0.52),
    "green": (0.45, 0.68, 0.40),
    "other": (0.70, 0.70, 0.70),
}
INSTALLATION_RGB = {
    "tank": (0.88, 0.88, 0.86),
    "sphere": (0.92, 0.92, 0.90),
    "reactor": (0.70, 0.72, 0.76),
    "column": (0.72, 0.74, 0.78),
    "cylinder_store": (0.76, 0.74, 0.66),
    "pipe_rack": (0.55, 0.50, 0.45),
    "building": (0.78, 0.78, 0.76),
    "furnace": (0.60, 0.45, 0.40),
    "other": (0.72, 0.72, 0.72),
}
GROUND_RGB = (0.80, 0.80, 0.78)
SENSOR_RGB = (0.20, 0.55, 0.95)  # neutral blue until the browser colours it by state
ASSEMBLY_RGB = (0.20, 0.70, 0.30)
RESCUE_RGB = (0.85, 0.15, 0.15)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the scene's (0, 0, 0) is: metric CRS coordinates and the same point in lon/lat.

    Scene x = x_m - ``x_m``, scene y = height, scene z = -(y_m - ``y_m``).
    """

    x_m: float
    y_m: float
    srid: int
    lon: float
    lat: float
    lonlat_srid: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "x_m": self.x_m,
            "y_m": self.y_m,
            "srid": self.srid,
            "lon": self.lon,
            "lat": self.lat,
            "lonlat_srid": self.lonlat_srid,
        }


@dataclass(frozen=True, slots=True)
class PlantFeature:
    """A feature as the scene needs it; ``geom`` in the local frame, metres, z up."""

    layer: str
    code: str
    geom: BaseGeometry
    kind: str | None = None
    height_m: float | None = None
    diameter_m: float | None = None
    floors: int | None = None


@dataclass(frozen=True, slots=True)
class BuiltScene:
    glb: bytes
    # (node name, layer, code, kind) of every node, in file order.
    nodes: tuple[tuple[str, str, str, str], ...]


def _footprint_radius(geom: BaseGeometry) -> float:
    """Radius of the circle with the footprint's area (a tank drawn as a polygon)."""
    return math.sqrt(geom.area / math.pi)


def _xy(geom: BaseGeometry) -> tuple[float, float]:
    centre = geom.centroid
    return (centre.x, centre.y)


def _zone(f: PlantFeature) -> tuple[pv.PolyData, tuple[float, float, float]]:
    rgb = ZONE_RGB.get(f.kind or "other", ZONE_RGB["other"])
    height = f.height_m or (f.floors * STOREY_M if f.floors else None)
    if height:
        return shapes.prism(f.geom, 0.0, height), rgb
    return shapes.flat(f.geom, ZONE_LIFT_M), rgb


def _installation(f: PlantFeature) -> tuple[pv.PolyData, tuple[float, float, float]]:
    kind = f.kind or "other"
    rgb = INSTALLATION_RGB.get(kind, INSTALLATION_RGB["other"])
    radius = f.diameter_m / 2 if f.diameter_m else _footprint_radius(f.geom)
    if kind == "tank":
        # A vertical storage tank is about as tall as it is wide when nothing is recorded.
        return shapes.cylinder(_xy(f.geom), radius, f.height_m or 2 * radius), rgb
    if kind == "sphere":
        # Spheres stand on legs with their bottom about 0.3 diameters above grade.
        top = f.height_m or 2 * radius * 1.3
        return shapes.sphere_on_legs(_xy(f.geom), radius, top), rgb
    height = f.height_m or DEFAULT_HEIGHT_M.get(kind, DEFAULT_HEIGHT_M["other"])
    if kind in ("column", "reactor"):
        return shapes.cylinder(_xy(f.geom), radius, height), rgb
    if kind == "pipe_rack":
        return shapes.prism(f.geom, max(height - RACK_DECK_M, 0.0), height), rgb
    return shapes.prism(f.geom, 0.0, height), rgb


def _sensor(f: PlantFeature) -> tuple[pv.PolyData, tuple[float, float, float]]:
    x, y = _xy(f.geom)
    z = f.height_m if f.height_m is not None else SENSOR_HEIGHT_M
    return shapes.ball((x, y, max(z, SENSOR_RADIUS_M)), SENSOR_RADIUS_M), SENSOR_RGB


def _site(f: PlantFeature) -> tuple[pv.PolyData, tuple[float, float, float]]:
    return shapes.flat(f.geom, 0.0), GROUND_RGB


def _assembly_point(f: PlantFeature) -> tuple[pv.PolyData, tuple[float, float, float]]:
    return shapes.cylinder(_xy(f.geom), ASSEMBLY_RADIUS_M, ASSEMBLY_LIFT_M), ASSEMBLY_RGB


def _rescue_resource(f: PlantFeature) -> tuple[pv.PolyData, tuple[float, float, float]]:
    x, y = _xy(f.geom)
    return shapes.box((x, y, MARKER_SIZE_M / 2), MARKER_SIZE_M), RESCUE_RGB


_SHAPERS: dict[str, Callable[[PlantFeature], tuple[pv.PolyData, tuple[float, float, float]]]] = {
    "sites": _site,
    "zones": _zone,
    "installations": _installation,
    "sensors": _sensor,
    "assembly_points": _assembly_point,
    "rescue_resources": _rescue_resource,
}


def part_for(feature: PlantFeature) -> Part | None:
    """The scene part of one feature, or ``None`` when it has no drawable geometry.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> part = part_for(PlantFeature("sensors", "GD-1", Point(3.0, 4.0), "gas", 2.0))
    >>> part.name, [round(float(v), 1) for v in part.mesh.center]
    ('sensor:GD-1', [3.0, 2.0, -4.0])
    """
    if feature.geom.is_empty:
        return None
    mesh, rgb = _SHAPERS[feature.layer](feature)
    if mesh.n_cells == 0:
        return None
    kind = feature.kind or feature.layer
    return Part(
        name=f"{NODE_PREFIX[feature.layer]}:{feature.code}",
        mesh=mesh,
        rgb=rgb,
        extras={"layer": feature.layer, "code": feature.code, "kind": kind},
    )


def build_glb(
    site_code: str, features: Iterable[PlantFeature], scene_extras: Mapping[str, Any]
) -> BuiltScene:
    """Build the GLB of a site's features.

    Parameters
    ----------
    site_code : str
        Names the root node (``plant:<site>``).
    features : iterable of PlantFeature
        In drawing order; features without drawable geometry are skipped and logged.
    scene_extras : mapping
        Stored in the glTF scene's ``extras`` (the origin, so the file describes itself).

    Returns
    -------
    BuiltScene
        The GLB bytes and the named nodes it holds.
    """
    parts = []
    for feature in features:
        part = part_for(feature)
        if part is None:
            log.warning(
                "scene %s: %s %s has no drawable geometry", site_code, feature.layer, feature.code
            )
            continue
        parts.append(part)
    gltf = gltf_from_parts(parts, root_name=f"plant:{site_code}", scene_extras=scene_extras)
    nodes = tuple(
        (p.name, str(p.extras["layer"]), str(p.extras["code"]), str(p.extras["kind"]))
        for p in parts
    )
    return BuiltScene(glb=pack_glb(gltf), nodes=nodes)
