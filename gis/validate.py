"""Geometry checks an import or an edit must pass, with reasons a person can act on."""

from __future__ import annotations

from collections.abc import Iterable

from shapely import get_coordinates
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

__all__ = ["geometry_problems"]


def geometry_problems(
    geom: BaseGeometry | None, allowed_types: Iterable[str], *, geographic: bool = True
) -> list[str]:
    """List what is wrong with ``geom``; an empty list means it may be stored.

    Parameters
    ----------
    geom : shapely geometry or None
    allowed_types : iterable of str
        Accepted ``geom_type`` values, e.g. ``("Polygon", "MultiPolygon")``.
    geographic : bool
        When True, coordinates must be longitudes / latitudes.

    Returns
    -------
    list of str
        Reasons, empty when the geometry is acceptable.

    Examples
    --------
    >>> from shapely import Polygon
    >>> geometry_problems(Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), ["Polygon"])
    ['invalid geometry: Self-intersection[0.5 0.5]']
    """
    if geom is None or geom.is_empty:
        return ["missing or empty geometry"]
    allowed = tuple(allowed_types)
    if geom.geom_type not in allowed:
        return [f"geometry type {geom.geom_type} not accepted here (expected {', '.join(allowed)})"]
    problems = []
    coords = get_coordinates(geom)
    if not (coords == coords).all():  # NaN never equals itself
        problems.append("coordinates contain NaN")
    elif geographic and ((abs(coords[:, 0]) > 180).any() or (abs(coords[:, 1]) > 90).any()):
        problems.append("coordinates are not longitude/latitude: check the declared CRS")
    if not geom.is_valid:
        problems.append(f"invalid geometry: {explain_validity(geom)}")
    return problems
