"""Toxic footprint of a plume in its own frame: where the ground-level value ≥ a level.

On a geometric grid of downwind distances the axis value is compared with the level, the
crossings are refined by bisection (keeping the side where the level is reached, so the
outline never claims less than the model), and the crosswind half-width is sampled at
256 distances bunched toward both ends (plus both sides of any step the model declares
in ``width_steps_m``). The outline is the upper edge out and the lower edge back; an
elevated source can give more than one piece. Vectorised with numpy: about a
millisecond per level.

Examples
--------
>>> from sim.consequence.gaussian_plume import GaussianPlume
>>> parts, extent_m, half_width_m = plume_footprint(GaussianPlume(2.0, 3.0, "D"), 200.0)
>>> len(parts), round(extent_m), round(half_width_m)
(1, 657, 39)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np
import numpy.typing as npt
from shapely import MultiPolygon, Polygon, make_valid
from shapely.geometry.base import BaseGeometry

from sim.consequence.dispersion_coefficients import FloatArray
from sim.consequence.limits import ModelWarning

__all__ = ["PlumeModel", "as_polygonal", "plume_footprint"]

_GRID_POINTS = 600
_EDGE_POINTS = 256
_BISECTIONS = 60


class PlumeModel(Protocol):
    """What a toxic footprint needs from a plume: `GaussianPlume`, `DenseGasPlume`."""

    def centreline_mg_m3(self, x_m: npt.ArrayLike) -> FloatArray: ...

    def half_width_m(self, x_m: npt.ArrayLike, level_mg_m3: float) -> FloatArray: ...

    def concentration_mg_m3(self, x_m: npt.ArrayLike, y_m: npt.ArrayLike = 0.0) -> FloatArray: ...

    def warnings(self, distances_m: npt.ArrayLike = ()) -> tuple[ModelWarning, ...]: ...


def plume_footprint(
    plume: PlumeModel, level: float, max_distance_m: float = 10_000.0, upwind_m: float = 0.0
) -> tuple[list[Polygon], float, float]:
    """Polygons (plume frame) where ``plume``'s ground-level value reaches ``level``.

    Parameters
    ----------
    plume : PlumeModel
    level : float
        Threshold in the plume's unit (mg/m³).
    max_distance_m : float
        Downwind limit of the search.
    upwind_m : float
        How far the plume reaches upwind of the source (dense gas), m.

    Returns
    -------
    parts : list of Polygon
        Empty when the level is not reached.
    extent_m : float
        Farthest downwind distance reached.
    half_width_m : float
        Largest crosswind half-width.
    """
    x = np.geomspace(0.1, max_distance_m, _GRID_POINTS)
    above = plume.centreline_mg_m3(x) >= level
    if not above.any():
        return [], 0.0, 0.0

    def reaches(distance: float) -> bool:
        return bool(plume.centreline_mg_m3(distance) >= level)

    parts, extent, width = [], 0.0, 0.0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], above.astype(np.int8), [0]))))
    for first, last in zip(edges[::2], edges[1::2] - 1, strict=True):
        at_source = first == 0
        start = 0.0 if at_source else _crossing(reaches, x[first - 1], x[first])
        end = x[last] if last == x.size - 1 else _crossing(reaches, x[last + 1], x[last])
        t = (1.0 - np.cos(np.linspace(0.0, math.pi, _EDGE_POINTS))) / 2.0
        xs = start + (end - start) * t
        # Where the model's width jumps (the dense plume's hand-over), draw the step.
        steps = [s for s in getattr(plume, "width_steps_m", ()) if start < s < end]
        if steps:
            sides = [s * (1.0 + e) for s in steps for e in (-1e-9, 1e-9)]
            xs = np.unique(np.concatenate((xs, sides)))
        if at_source:
            xs = xs[1:]
        half = plume.half_width_m(xs, level)
        if at_source:
            lead = np.array([-upwind_m, 0.0]) if upwind_m > 0 else np.array([0.0])
            xs = np.concatenate((lead, xs))
            half = np.concatenate(
                (plume.half_width_m(lead, level) if upwind_m > 0 else [0.0], half)
            )
        ring = np.concatenate((np.c_[xs, half], np.c_[xs[::-1], -half[::-1]]))
        polygon = Polygon(ring)
        parts.append(polygon if polygon.is_valid else as_polygonal(make_valid(polygon)))
        extent, width = max(extent, float(end)), max(width, float(half.max()))
    return parts, extent, width


def _crossing(reaches: Callable[[float], bool], outside: float, inside: float) -> float:
    # Bisection between a distance where the level is not reached and one where it is;
    # returns the inside end, so the polygon never claims less than the model.
    for _ in range(_BISECTIONS):
        mid = math.sqrt(outside * inside) if outside > 0 and inside > 0 else (outside + inside) / 2
        if reaches(mid):
            inside = mid
        else:
            outside = mid
        if abs(inside - outside) <= 1e-6 * max(inside, 1.0):
            break
    return inside


def as_polygonal(geometry: BaseGeometry) -> Polygon | MultiPolygon:
    """The polygonal part of a geometry (lines and points a repair left are dropped)."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    polygons = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(polygons) if polygons else Polygon()
