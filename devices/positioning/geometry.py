"""Range geometry shared by the solvers: input checks, the linear seed fix, dilution.

Stations are mounted 3-8 m up and tags are worn at a known height, so a measured slant
range ``d`` relates to the horizontal distance ``h`` by ``d**2 = h**2 + dz**2``, where
``dz`` is the station's height above the tag. The solvers estimate ``(x_m, y_m)`` only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MIN_RANGES",
    "DegenerateGeometryError",
    "InsufficientRangesError",
    "PositioningError",
    "RangeSet",
    "Ranges",
    "StationMap",
    "hdop",
    "linear_fix",
    "linear_seed",
    "radius_95_m",
    "range_set",
]

StationMap = Mapping[str, tuple[float, float, float]]
"""Base-station id -> ``(x_m, y_m, z_m)`` in the site's local metric frame."""

Ranges = Sequence[tuple[str, float]]
"""One epoch of ranges for one tag: ``[(station_id, distance_m), ...]``."""

MIN_RANGES = 3
"""Two unknowns need two ranges; the third removes the mirror ambiguity."""

# Ratio of the smallest to the largest singular value of the differenced design matrix
# below which the stations are as good as collinear: ranges from a line cannot tell which
# side of it the tag is on, so a fix would be a coin toss.
MIN_SPREAD_RATIO = 0.02
# Radius holding 95 % of a circular 2D Gaussian: sqrt(-2 ln 0.05) standard deviations.
RADIUS_95_PER_SIGMA = math.sqrt(-2.0 * math.log(0.05))


class PositioningError(ValueError):
    """The ranges of one epoch cannot give a trustworthy fix."""


class InsufficientRangesError(PositioningError):
    """Fewer than :data:`MIN_RANGES` usable ranges."""


class DegenerateGeometryError(PositioningError):
    """The stations are (nearly) collinear or the dilution of precision is too large."""


@dataclass(frozen=True, slots=True)
class RangeSet:
    """The usable ranges of one epoch as arrays, in a frame centred on the stations.

    Centring matters: site frames such as Gauss-Krüger put ``y`` near 3.5e6 m, and the
    squared coordinates of the linear fix would lose the centimetres to cancellation.

    Attributes
    ----------
    ids : tuple of str
        Station id of each usable range, in input order.
    xy_m : ndarray, shape (n, 2)
        Station horizontal positions relative to ``origin_m``.
    dz_m : ndarray, shape (n,)
        Station height above the tag.
    distance_m : ndarray, shape (n,)
        Measured slant ranges.
    origin_m : ndarray, shape (2,)
        Offset to add back to get site coordinates.
    unusable : tuple of str
        Station ids dropped before solving: unknown station, or a distance that is not a
        finite non-negative number.
    """

    ids: tuple[str, ...]
    xy_m: NDArray[np.float64]
    dz_m: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    origin_m: NDArray[np.float64]
    unusable: tuple[str, ...]


def range_set(stations: StationMap, ranges: Ranges, tag_height_m: float) -> RangeSet:
    """Collect the usable ranges of one epoch.

    Parameters
    ----------
    stations : StationMap
        Known base stations.
    ranges : Ranges
        ``(station_id, distance_m)`` pairs of one epoch.
    tag_height_m : float
        Assumed height of the tag above the ground (the stations' ``z_m`` datum).

    Returns
    -------
    RangeSet

    Raises
    ------
    InsufficientRangesError
        With fewer than :data:`MIN_RANGES` usable ranges.

    Examples
    --------
    >>> rs = range_set({"A": (0, 0, 5), "B": (10, 0, 5), "C": (0, 10, 5)},
    ...                [("A", 7.0), ("B", 8.0), ("C", 9.0), ("Z", 1.0)], tag_height_m=1.0)
    >>> rs.ids, rs.unusable, rs.dz_m.tolist()
    (('A', 'B', 'C'), ('Z',), [4.0, 4.0, 4.0])
    """
    ids: list[str] = []
    unusable: list[str] = []
    xyz: list[tuple[float, float, float]] = []
    dist: list[float] = []
    for station_id, distance_m in ranges:
        where = stations.get(station_id)
        if where is None or not math.isfinite(distance_m) or distance_m < 0.0:
            unusable.append(station_id)
            continue
        ids.append(station_id)
        xyz.append(where)
        dist.append(float(distance_m))
    if len(ids) < MIN_RANGES:
        raise InsufficientRangesError(
            f"{len(ids)} usable range(s); a 2D fix needs at least {MIN_RANGES}"
        )
    pos = np.asarray(xyz, dtype=np.float64)
    origin = pos[:, :2].mean(axis=0)
    return RangeSet(
        ids=tuple(ids),
        xy_m=pos[:, :2] - origin,
        dz_m=pos[:, 2] - tag_height_m,
        distance_m=np.asarray(dist, dtype=np.float64),
        origin_m=origin,
        unusable=tuple(unusable),
    )


def linear_seed(rs: RangeSet) -> NDArray[np.float64]:
    """Unweighted linear least-squares fix in the centred frame (see :func:`linear_fix`)."""
    horizontal_sq = rs.distance_m**2 - rs.dz_m**2
    # The shortest range is the reference: its error enters every differenced row, and
    # short ranges are the least likely to be blocked.
    ref = int(np.argmin(rs.distance_m))
    keep = np.arange(len(rs.ids)) != ref
    design = 2.0 * (rs.xy_m[keep] - rs.xy_m[ref])
    rhs = (
        horizontal_sq[ref]
        - horizontal_sq[keep]
        + np.sum(rs.xy_m[keep] ** 2, axis=1)
        - np.sum(rs.xy_m[ref] ** 2)
    )
    singular = np.linalg.svd(design, compute_uv=False)
    if singular.size < 2 or singular[1] <= MIN_SPREAD_RATIO * singular[0]:
        raise DegenerateGeometryError(
            f"stations {', '.join(rs.ids)} are nearly collinear; the side is ambiguous"
        )
    solution, *_ = np.linalg.lstsq(design, rhs, rcond=None)
    return np.asarray(solution, dtype=np.float64)


def linear_fix(
    stations: StationMap, ranges: Ranges, *, tag_height_m: float = 1.2
) -> tuple[float, float]:
    """Plain linear least-squares fix: no weights, no outlier rejection.

    Squared ranges are differenced against the station with the shortest range, which
    cancels the unknown ``x**2 + y**2`` and leaves a linear system in ``(x, y)``. This is
    the seed of :func:`~devices.positioning.solver.solve_fix` and the benchmark baseline.

    Parameters
    ----------
    stations : StationMap
        Known base stations.
    ranges : Ranges
        ``(station_id, distance_m)`` pairs of one epoch.
    tag_height_m : float, default 1.2
        Assumed tag height (a tag worn on the chest).

    Returns
    -------
    tuple of float
        ``(x_m, y_m)`` in the site frame.

    Raises
    ------
    InsufficientRangesError
        With fewer than three usable ranges.
    DegenerateGeometryError
        When the stations are nearly collinear.

    Examples
    --------
    >>> stations = {"A": (0.0, 0.0, 1.2), "B": (30.0, 0.0, 1.2), "C": (0.0, 40.0, 1.2)}
    >>> x, y = linear_fix(stations, [("A", 5.0), ("B", 25.0), ("C", 1625**0.5)])
    >>> round(x, 6), round(y, 6)
    (5.0, 0.0)
    >>> linear_fix(stations, [("A", 5.0), ("B", 25.0)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    devices.positioning.geometry.InsufficientRangesError: 2 usable range(s); ...
    """
    rs = range_set(stations, ranges, tag_height_m)
    x_m, y_m = linear_seed(rs) + rs.origin_m
    return float(x_m), float(y_m)


def hdop(xy_m: NDArray[np.float64], dz_m: NDArray[np.float64], at_m: NDArray[np.float64]) -> float:
    """Horizontal dilution of precision of slant ranges at a point.

    The horizontal standard error of an unweighted fix is about ``hdop * sigma_range``.
    A station overhead contributes little: its range hardly changes as the tag moves.

    Parameters
    ----------
    xy_m : ndarray, shape (n, 2)
        Station horizontal positions.
    dz_m : ndarray, shape (n,)
        Station heights above the tag.
    at_m : ndarray, shape (2,)
        Tag position, same frame as ``xy_m``.

    Returns
    -------
    float
        ``sqrt(trace((J^T J)^-1))``; ``inf`` when the geometry is singular.

    Examples
    --------
    >>> xy = np.array([[10.0, 0.0], [-10.0, 0.0], [0.0, 10.0], [0.0, -10.0]])
    >>> round(hdop(xy, np.zeros(4), np.zeros(2)), 3)
    1.0
    """
    diff = at_m - xy_m
    slant = np.sqrt(np.sum(diff**2, axis=1) + dz_m**2)
    jac = diff / np.maximum(slant, 1e-9)[:, None]
    normal = jac.T @ jac
    det = normal[0, 0] * normal[1, 1] - normal[0, 1] ** 2
    if det <= 1e-12 * max(float(np.trace(normal)) ** 2, 1e-300):
        return math.inf
    return float(math.sqrt(np.trace(normal) / det))


def radius_95_m(cov_m2: NDArray[np.float64]) -> float:
    """Radius holding the true position 95 % of the time, from a 2x2 covariance.

    Uses the larger principal axis, so it errs on the safe side for elongated ellipses.

    Examples
    --------
    >>> round(radius_95_m(np.diag([0.01, 0.0025])), 3)
    0.245
    """
    largest = float(np.linalg.eigvalsh(cov_m2)[-1])
    return RADIUS_95_PER_SIGMA * math.sqrt(max(largest, 0.0))
