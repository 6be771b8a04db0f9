"""Meshes for plant features, in the scene's local metric frame.

Every function takes shapely geometry or coordinates in metres relative to the scene
origin, z up (the site's projected CRS minus the origin), and returns a triangulated
``pyvista.PolyData`` with outward ``NORMAL`` point normals in glTF's frame (y up).

Examples
--------
>>> mesh = cylinder((0.0, 0.0), radius_m=5.0, height_m=10.0)
>>> float(mesh.points[:, 1].max())  # glTF is y up: the tank's top
10.0
"""

from __future__ import annotations

import numpy as np
import pyvista as pv
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["ball", "box", "cylinder", "flat", "prism", "sphere_on_legs", "y_up"]

# Facets around a circle: smooth enough at plant scale (a 20 m tank shows no corners) and
# small enough that a plant of hundreds of vessels stays a few megabytes.
CIRCLE_SEGMENTS = 48
# Normals of adjacent faces closer than this are averaged (round walls look round); a
# sharper edge (a roof, a tank's rim) keeps its own normals.
FEATURE_ANGLE_DEG = 30.0


def y_up(points: NDArray[np.floating]) -> NDArray[np.float32]:
    """East-north-up metres to glTF's frame: x east, y up, z south (right-handed).

    Examples
    --------
    >>> y_up(np.array([[1.0, 2.0, 3.0]])).tolist()
    [[1.0, 3.0, -2.0]]
    """
    out = np.empty_like(points, dtype=np.float32)
    out[:, 0], out[:, 1], out[:, 2] = points[:, 0], points[:, 2], -points[:, 1]
    return out


def _finish(mesh: pv.PolyData, *, closed: bool) -> pv.PolyData:
    """Triangles, normals, y up, and nothing else (texture coordinates would be exported)."""
    tri = mesh.triangulate().clean()
    if closed:
        # Orients each closed part outward, whatever winding the generator used.
        tri = tri.compute_normals(
            split_vertices=True,
            feature_angle=FEATURE_ANGLE_DEG,
            auto_orient_normals=True,
            cell_normals=False,
        )
    else:
        # Flat ground is wound counter-clockwise seen from above: its normals point up.
        tri = tri.compute_normals(consistent_normals=False, cell_normals=False)
    out = pv.PolyData(y_up(np.asarray(tri.points)), tri.faces)
    # vtkGLTFExporter writes the point array named NORMAL as the glTF NORMAL attribute.
    out.point_data["NORMAL"] = y_up(np.asarray(tri.point_data["Normals"]))
    return out


def _triangles(geom: BaseGeometry, z_m: float) -> pv.PolyData:
    """Polygon(s), holes included, as counter-clockwise triangles at height ``z_m``."""
    tris = shapely.constrained_delaunay_triangles(geom)
    corners = np.array([np.asarray(t.exterior.coords)[:3] for t in tris.geoms], dtype=float)
    if corners.size == 0:
        return pv.PolyData()
    ab, ac = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    clockwise = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0] < 0
    corners[clockwise] = corners[clockwise][:, ::-1]
    # Shared corners become shared points, so extrusion finds the outline (free edges).
    unique, index = np.unique(corners.reshape(-1, 2), axis=0, return_inverse=True)
    points = np.column_stack([unique, np.full(len(unique), z_m)])
    faces = np.column_stack([np.full(len(corners), 3), index.reshape(-1, 3)]).ravel()
    return pv.PolyData(points, faces)


def flat(geom: BaseGeometry, z_m: float = 0.0) -> pv.PolyData:
    """A polygonal area lying flat at ``z_m`` (ground, a zone's outline)."""
    surface = _triangles(geom, z_m)
    return _finish(surface, closed=False) if surface.n_cells else surface


def prism(geom: BaseGeometry, base_m: float, top_m: float) -> pv.PolyData:
    """A footprint extruded from ``base_m`` to ``top_m`` (a building, a rack, a store)."""
    surface = _triangles(geom, base_m)
    if not surface.n_cells or top_m <= base_m:
        return pv.PolyData()
    return _finish(surface.extrude((0.0, 0.0, top_m - base_m), capping=True), closed=True)


def cylinder(
    centre: tuple[float, float], radius_m: float, height_m: float, base_m: float = 0.0
) -> pv.PolyData:
    """An upright cylinder standing on ``base_m`` (a tank, a column, a reactor)."""
    mesh = pv.Cylinder(
        center=(centre[0], centre[1], base_m + height_m / 2),
        direction=(0.0, 0.0, 1.0),
        radius=radius_m,
        height=height_m,
        resolution=CIRCLE_SEGMENTS,
    )
    return _finish(mesh, closed=True)


def sphere_on_legs(centre: tuple[float, float], radius_m: float, top_m: float) -> pv.PolyData:
    """A spherical tank whose top is at ``top_m``, on legs down to the ground."""
    centre_z = max(top_m - radius_m, radius_m)
    parts = [
        pv.Sphere(
            radius=radius_m,
            center=(centre[0], centre[1], centre_z),
            theta_resolution=CIRCLE_SEGMENTS,
            phi_resolution=CIRCLE_SEGMENTS // 2,
        )
    ]
    # Real spheres stand on 6-12 columns welded at the equator; 8 read well at any size.
    leg_radius = max(0.15, radius_m * 0.04)
    for angle in np.linspace(0.0, 2 * np.pi, 8, endpoint=False):
        x = centre[0] + (radius_m - leg_radius) * np.cos(angle)
        y = centre[1] + (radius_m - leg_radius) * np.sin(angle)
        parts.append(
            pv.Cylinder(
                center=(x, y, centre_z / 2),
                direction=(0.0, 0.0, 1.0),
                radius=leg_radius,
                height=centre_z,
                resolution=8,
            )
        )
    return _finish(pv.merge(parts), closed=True)


def ball(centre: tuple[float, float, float], radius_m: float) -> pv.PolyData:
    """A small sphere marking a point (a detector, an instrument)."""
    mesh = pv.Sphere(radius=radius_m, center=centre, theta_resolution=12, phi_resolution=8)
    return _finish(mesh, closed=True)


def box(centre: tuple[float, float, float], size_m: float) -> pv.PolyData:
    """A cube marking a point (a hydrant, a rescue cabinet)."""
    half = size_m / 2
    x, y, z = centre
    mesh = pv.Box(bounds=(x - half, x + half, y - half, y + half, z - half, z + half))
    return _finish(mesh, closed=True)
