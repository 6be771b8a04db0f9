"""Robust 2D fix from one epoch of slant ranges, aware that NLOS only ever lengthens them.

A blocked line of sight makes the signal take a longer path, so a UWB range can be too
long by metres but never too short by more than the noise. The solver:

1. seeds with the linear least-squares fix and refines it with Levenberg-Marquardt on
   every range; if the residuals look like noise alone (none past 3 sigma, chi-square
   below its 99th percentile) that is the fix;
2. otherwise scores candidates, the fit to every range and the exact fix of every
   triple of ranges, with an asymmetric loss: a range measured *shorter* than a
   candidate allows costs its full squared residual, one measured *longer* costs at most
   ``NLOS_CUTOFF_SIGMA**2`` however long it is;
3. refits on the ranges consistent with the best candidate until that set settles; the
   others are reported as rejected, and the covariance of the last fit gives the
   accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from devices.positioning.geometry import (
    MIN_RANGES,
    DegenerateGeometryError,
    Ranges,
    RangeSet,
    StationMap,
    hdop,
    linear_seed,
    radius_95_m,
    range_set,
)

__all__ = ["BLE", "UWB", "Fix", "RangingModel", "solve_fix"]

# A positive residual beyond 3 sigma is more likely a blocked path than noise (p < 0.14 %
# for Gaussian noise); past it the range stops pulling the fix.
NLOS_CUTOFF_SIGMA = 3.0
# Ranges cannot come out short by NLOS, so a short range stays in the fit until it is
# far beyond noise; only then is it treated as a gross fault (wrong station position,
# a station moved, a replayed message).
SHORT_CUTOFF_SIGMA = 8.0
# Fits agree to well below a millimetre when the step is this small.
STEP_TOL_M = 1e-7
MAX_ITERATIONS = 40
# Dropping a range moves the fix, which can bring another range in or push it out; the
# set settles within a pass or two.
MAX_REFITS = 4
# The residuals of a fit to every range are accepted as noise alone below the 99th
# percentile of chi-square; above it the fit goes to subset consensus.
CHI2_GATE_Z = 2.3263  # standard normal 99th percentile
# Triples come from the shortest ranges only: short ranges are the least often blocked,
# and 12 stations give 220 triples, already more than an epoch usually hears.
TRIPLE_STATIONS = 12
# |det| of a triple's 2x2 system relative to its squared entries: below this the three
# stations are close to a line and the triple's fix is noise, not information.
MIN_TRIPLE_SPREAD = 0.05


@dataclass(frozen=True, slots=True)
class RangingModel:
    """How a ranging technology looks to the solver.

    Parameters
    ----------
    source : str
        Technology name, copied to ``Position.source`` (``uwb`` or ``ble``).
    sigma_m : float
        One-sigma range noise with a clear line of sight.
    max_hdop : float
        Fixes with a larger horizontal dilution of precision are refused.
    """

    source: str
    sigma_m: float
    max_hdop: float = 10.0


UWB = RangingModel("uwb", sigma_m=0.1)
BLE = RangingModel("ble", sigma_m=2.5)


@dataclass(frozen=True, slots=True)
class Fix:
    """One solved position with its uncertainty and the ranges behind it.

    Attributes
    ----------
    x_m, y_m : float
        Position in the site frame.
    accuracy_m : float
        Radius expected to hold the true position 95 % of the time, from the covariance.
    covariance_m2 : tuple of float
        ``(var_x, var_y, cov_xy)`` in square metres.
    hdop : float
        Horizontal dilution of precision of the ranges used.
    residual_rms_m : float
        RMS of the used ranges' residuals.
    used : tuple of str
        Station ids whose ranges made the fix.
    rejected : tuple of str
        Station ids left out: inconsistent (NLOS or gross error) or unusable input.
    """

    x_m: float
    y_m: float
    accuracy_m: float
    covariance_m2: tuple[float, float, float]
    hdop: float
    residual_rms_m: float
    used: tuple[str, ...]
    rejected: tuple[str, ...]


def solve_fix(
    stations: StationMap,
    ranges: Ranges,
    *,
    model: RangingModel = UWB,
    tag_height_m: float = 1.2,
) -> Fix:
    """Solve one tag's 2D position from one epoch of ranges, rejecting NLOS ranges.

    Parameters
    ----------
    stations : StationMap
        Known base stations, ``id -> (x_m, y_m, z_m)``.
    ranges : Ranges
        ``(station_id, distance_m)`` pairs measured at one instant.
    model : RangingModel, default UWB
        Range noise of the technology.
    tag_height_m : float, default 1.2
        Assumed height of the worn tag, in the stations' height datum.

    Returns
    -------
    Fix

    Raises
    ------
    InsufficientRangesError
        Fewer than three usable ranges.
    DegenerateGeometryError
        Nearly collinear stations or an HDOP above ``model.max_hdop``.

    Examples
    --------
    >>> stations = {"A": (0.0, 0.0, 5.0), "B": (40.0, 0.0, 6.0),
    ...             "C": (40.0, 30.0, 4.0), "D": (0.0, 30.0, 7.0), "E": (20.0, 50.0, 5.0)}
    >>> def slant(s, x, y):
    ...     sx, sy, sz = stations[s]
    ...     return ((sx - x) ** 2 + (sy - y) ** 2 + (sz - 1.2) ** 2) ** 0.5
    >>> ranges = [(s, slant(s, 12.0, 9.0)) for s in stations]
    >>> ranges[2] = ("C", ranges[2][1] + 1.2)  # C is seen through a tank: NLOS
    >>> fix = solve_fix(stations, ranges)
    >>> round(fix.x_m, 3), round(fix.y_m, 3), fix.rejected
    (12.0, 9.0, ('C',))
    >>> solve_fix(stations, ranges[:2])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    devices.positioning.geometry.InsufficientRangesError: 2 usable range(s); ...
    """
    rs = range_set(stations, ranges, tag_height_m)
    everything = np.ones(len(rs.ids), dtype=bool)
    position = _fit(rs, everything, linear_seed(rs))
    u = _residuals(rs, position[None])[0] / model.sigma_m
    if _plausible(u):
        return _finish(rs, position, everything, model)

    members, candidates = _triple_fixes(rs)
    members = np.vstack([everything, members])
    candidates = np.vstack([position, candidates])
    u = _residuals(rs, candidates) / model.sigma_m
    # nanargmin keeps the first of equal scores, and the fit to every range comes first.
    best = int(np.nanargmin(_asymmetric_cost(u)))
    # A triple's own fix carries its noise; start from its members plus every range that
    # agrees with it, then let the refits settle which ranges are consistent.
    inliers = members[best] | _consistent(u[best])
    position = _fit(rs, inliers, candidates[best])
    for _ in range(MAX_REFITS):
        consistent = _consistent(_residuals(rs, position[None])[0] / model.sigma_m)
        if consistent.sum() < MIN_RANGES or np.array_equal(consistent, inliers):
            break
        inliers = consistent
        position = _fit(rs, inliers, position)
    return _finish(rs, position, inliers, model)


def _fit(
    rs: RangeSet, inliers: NDArray[np.bool_], start: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Levenberg-Marquardt least-squares fit of the chosen ranges, from ``start``.

    All ranges of one technology share one sigma, so the weights are the inlier mask;
    sigma enters through the covariance in :func:`_finish`.
    """
    xy, dz, measured = rs.xy_m[inliers], rs.dz_m[inliers], rs.distance_m[inliers]

    def residual_and_jacobian(
        at: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        diff = at - xy
        slant = np.maximum(np.sqrt(np.sum(diff**2, axis=1) + dz**2), 1e-9)
        return measured - slant, diff / slant[:, None]

    position = np.array(start, dtype=np.float64)
    damping = 1e-3
    residual, jac = residual_and_jacobian(position)
    cost = float(residual @ residual)
    for _ in range(MAX_ITERATIONS):
        normal, grad = jac.T @ jac, jac.T @ residual
        a00, a11 = normal[0, 0] * (1.0 + damping), normal[1, 1] * (1.0 + damping)
        a01 = normal[0, 1]
        det = a00 * a11 - a01 * a01
        if det <= 1e-12 * (a00 + a11) ** 2:
            break  # collinear ranges: no unique step; _finish refuses the geometry
        step = np.array(
            [(a11 * grad[0] - a01 * grad[1]) / det, (a00 * grad[1] - a01 * grad[0]) / det]
        )
        trial = position + step
        trial_residual, trial_jac = residual_and_jacobian(trial)
        trial_cost = float(trial_residual @ trial_residual)
        if trial_cost <= cost:
            position, residual, jac, cost = trial, trial_residual, trial_jac, trial_cost
            damping = max(damping * 0.1, 1e-9)
        else:
            damping *= 10.0
        if max(abs(step[0]), abs(step[1])) < STEP_TOL_M:
            break
    return position


def _consistent(u: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Ranges whose normalised residual is neither NLOS-long nor grossly short."""
    return np.asarray((u <= NLOS_CUTOFF_SIGMA) & (u >= -SHORT_CUTOFF_SIGMA), dtype=np.bool_)


def _finish(
    rs: RangeSet, position: NDArray[np.float64], inliers: NDArray[np.bool_], model: RangingModel
) -> Fix:
    xy, dz = rs.xy_m[inliers], rs.dz_m[inliers]
    dilution = hdop(xy, dz, position)
    if dilution > model.max_hdop:
        raise DegenerateGeometryError(
            f"HDOP {dilution:.1f} exceeds {model.max_hdop:g}: the stations in range are "
            "too close to one line"
        )
    residual_m = _residuals(rs, position[None])[0][inliers]
    dof = int(inliers.sum()) - 2
    # Scale the noise up when the residuals say it is worse than the model, never down:
    # with one or two spare ranges the residuals alone are a poor estimate of it.
    chi2 = float(np.sum((residual_m / model.sigma_m) ** 2))
    variance_scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
    diff = position - xy
    jac = diff / np.maximum(np.sqrt(np.sum(diff**2, axis=1) + dz**2), 1e-9)[:, None]
    cov = np.linalg.inv(jac.T @ jac) * model.sigma_m**2 * variance_scale
    x_m, y_m = position + rs.origin_m
    return Fix(
        x_m=float(x_m),
        y_m=float(y_m),
        accuracy_m=radius_95_m(cov),
        covariance_m2=(float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])),
        hdop=dilution,
        residual_rms_m=float(np.sqrt(np.mean(residual_m**2))),
        used=tuple(i for i, keep in zip(rs.ids, inliers, strict=True) if keep),
        rejected=tuple(i for i, keep in zip(rs.ids, inliers, strict=True) if not keep)
        + rs.unusable,
    )


@lru_cache(maxsize=64)
def _triples(n: int) -> NDArray[np.int_]:
    """Index triples over the first ``min(n, TRIPLE_STATIONS)`` ranges, shape (m, 3)."""
    out = np.array(list(combinations(range(min(n, TRIPLE_STATIONS)), 3)), dtype=np.int_)
    out.setflags(write=False)
    return out


def _triple_fixes(rs: RangeSet) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Exact fixes from every triple of the shortest ranges; NaN for collinear triples.

    Differencing squared ranges is exact algebra, not a linearisation: three consistent
    ranges give the true point in one 2x2 solve, no iteration needed.

    Returns
    -------
    members : ndarray of bool, shape (m, n)
        Which ranges each triple uses.
    fixes : ndarray, shape (m, 2)
    """
    order = np.argsort(rs.distance_m, kind="stable")
    tri = order[_triples(len(order))]
    members = np.zeros((len(tri), len(order)), dtype=bool)
    np.put_along_axis(members, tri, True, axis=1)
    xy = rs.xy_m[tri]
    sq = rs.distance_m[tri] ** 2 - rs.dz_m[tri] ** 2 - np.sum(xy**2, axis=2)
    a = 2.0 * (xy[:, 1:, :] - xy[:, :1, :])
    b = sq[:, :1] - sq[:, 1:]
    det = a[:, 0, 0] * a[:, 1, 1] - a[:, 0, 1] * a[:, 1, 0]
    scale = np.sum(a**2, axis=(1, 2))
    det = np.where(np.abs(det) > MIN_TRIPLE_SPREAD * scale, det, np.nan)
    x = (b[:, 0] * a[:, 1, 1] - b[:, 1] * a[:, 0, 1]) / det
    y = (a[:, 0, 0] * b[:, 1] - a[:, 1, 0] * b[:, 0]) / det
    return members, np.column_stack([x, y])


def _residuals(rs: RangeSet, positions: NDArray[np.float64]) -> NDArray[np.float64]:
    """Measured minus predicted range for each candidate position, shape (m, n)."""
    diff = positions[:, None, :] - rs.xy_m[None, :, :]
    slant = np.sqrt(diff[..., 0] ** 2 + diff[..., 1] ** 2 + rs.dz_m**2)
    return np.asarray(rs.distance_m - slant, dtype=np.float64)


def _plausible(u: NDArray[np.float64]) -> bool:
    """Whether normalised residuals of a fit to every range look like noise alone."""
    if np.any(np.abs(u) > NLOS_CUTOFF_SIGMA):
        return False
    dof = u.size - 2
    return dof <= 0 or float(np.sum(u * u)) <= _chi2_quantile(dof)


def _chi2_quantile(dof: int) -> float:
    """Upper 1 % point of chi-square with ``dof`` degrees of freedom (Wilson-Hilferty)."""
    h = 2.0 / (9.0 * dof)
    return dof * (1.0 - h + CHI2_GATE_Z * math.sqrt(h)) ** 3


def _asymmetric_cost(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum over ranges of the NLOS-aware loss of normalised residuals, per candidate."""
    cap = np.where(u > 0.0, NLOS_CUTOFF_SIGMA**2, SHORT_CUTOFF_SIGMA**2)
    return np.asarray(np.minimum(u * u, cap).sum(axis=-1), dtype=np.float64)
