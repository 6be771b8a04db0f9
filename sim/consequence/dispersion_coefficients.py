"""Plume spread σy (crosswind) and σz (vertical) against downwind distance.

Three parameterisations, each by Pasquill stability class A-F:

``"pasquill_gifford"``
    The analytic fits of the Pasquill-Gifford curves used by Turner's point-source
    programs PTDIS/PTMTP and by ISC, as tabulated in *Fundamentals of Air Pollution*
    (3rd ed., tables 19-4 and 19-5; the same coefficients are in the ISC3 user's guide,
    EPA-454/B-95-003b, tables 1-1 and 1-2):
    σy = 465.11628 · x · tan(θ), θ = 0.017453293 · (c − d · ln x) (x in km, θ in
    radians), and σz = a · x^b (m) with a, b piecewise in x, capped at 5000 m. They
    reproduce the book's worked example (σz 28.2 m, σy 49.0 m at 0.28 km in class B).
    Fitted to open-country observations from 100 m outward, averaging over ~10 min.
``"briggs_rural"`` and ``"briggs_urban"``
    Briggs' (1973) formulas as given by Gifford (1976) and in the same book (tables 19-6
    and 19-7), e.g. rural D: σy = 0.08x(1 + 0.0001x)^-½, σz = 0.06x(1 + 0.0015x)^-½
    (x in m), fitted for 100 m to 10 km. The urban set joins A-B and E-F.

Distances at or below 0 give σ = 0; the plume models treat such points as upwind.

Examples
--------
>>> [round(float(sigma_y_m(280.0, "B")), 1), round(float(sigma_z_m(280.0, "B")), 1)]
[49.0, 28.2]
>>> round(float(sigma_z_m(1000.0, "D", "briggs_rural")), 1)
37.9
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from sim.consequence.stability import Stability

__all__ = ["DISPERSION_SCHEMES", "Dispersion", "FloatArray", "sigma_y_m", "sigma_z_m"]

FloatArray = npt.NDArray[np.float64]
Dispersion = Literal["pasquill_gifford", "briggs_rural", "briggs_urban"]
DISPERSION_SCHEMES: tuple[Dispersion, ...] = get_args(Dispersion)

# The fitted curves stop growing σz here: a plume that deep is mixed through the
# boundary layer, which this simple model does not represent (ISC applies the same cap).
_SIGMA_Z_MAX_M = 5000.0

# σy = 465.11628 x tan(0.017453293 (c − d ln x)), x in km: (c, d) per class.
_PG_Y: dict[str, tuple[float, float]] = {
    "A": (24.1670, 2.5334),
    "B": (18.3330, 1.8096),
    "C": (12.5000, 1.0857),
    "D": (8.3330, 0.72382),
    "E": (6.2500, 0.54287),
    "F": (4.1667, 0.36191),
}

# σz = a x^b, x in km: rows (upper bound of the band in km, a, b), bands in order.
# Class A's last band (beyond 3.11 km) is the 5000 m cap itself.
_INF = float("inf")
_PG_Z: dict[str, tuple[tuple[float, float, float], ...]] = {
    "A": (
        (0.10, 122.800, 0.94470),
        (0.15, 158.080, 1.05420),
        (0.20, 170.220, 1.09320),
        (0.25, 179.520, 1.12620),
        (0.30, 217.410, 1.26440),
        (0.40, 258.890, 1.40940),
        (0.50, 346.750, 1.72830),
        (3.11, 453.850, 2.11660),
        (_INF, _SIGMA_Z_MAX_M, 0.0),
    ),
    "B": (
        (0.20, 90.673, 0.93198),
        (0.40, 98.483, 0.98332),
        (_INF, 109.300, 1.09710),
    ),
    "C": ((_INF, 61.141, 0.91465),),
    "D": (
        (0.30, 34.459, 0.86974),
        (1.00, 32.093, 0.81066),
        (3.00, 32.093, 0.64403),
        (10.00, 33.504, 0.60486),
        (30.00, 36.650, 0.56589),
        (_INF, 44.053, 0.51179),
    ),
    "E": (
        (0.10, 24.260, 0.83660),
        (0.30, 23.331, 0.81956),
        (1.00, 21.628, 0.75660),
        (2.00, 21.628, 0.63077),
        (4.00, 22.534, 0.57154),
        (10.00, 24.703, 0.50527),
        (20.00, 26.970, 0.46713),
        (40.00, 35.420, 0.37615),
        (_INF, 47.618, 0.29592),
    ),
    "F": (
        (0.20, 15.209, 0.81558),
        (0.70, 14.457, 0.78407),
        (1.00, 13.953, 0.68465),
        (2.00, 13.953, 0.63227),
        (3.00, 14.823, 0.54503),
        (7.00, 16.187, 0.46490),
        (15.00, 17.836, 0.41507),
        (30.00, 22.651, 0.32681),
        (60.00, 27.074, 0.27436),
        (_INF, 34.219, 0.21716),
    ),
}

# Briggs: σ = k x (1 + m x)^p, x in m: ((ky, my, py), (kz, mz, pz)) per class.
_BriggsTerm = tuple[float, float, float]
_BRIGGS_RURAL: dict[str, tuple[_BriggsTerm, _BriggsTerm]] = {
    "A": ((0.22, 0.0001, -0.5), (0.20, 0.0, 1.0)),
    "B": ((0.16, 0.0001, -0.5), (0.12, 0.0, 1.0)),
    "C": ((0.11, 0.0001, -0.5), (0.08, 0.0002, -0.5)),
    "D": ((0.08, 0.0001, -0.5), (0.06, 0.0015, -0.5)),
    "E": ((0.06, 0.0001, -0.5), (0.03, 0.0003, -1.0)),
    "F": ((0.04, 0.0001, -0.5), (0.016, 0.0003, -1.0)),
}
_URBAN_AB = ((0.32, 0.0004, -0.5), (0.24, 0.001, 0.5))
_URBAN_EF = ((0.11, 0.0004, -0.5), (0.08, 0.0015, -0.5))
_BRIGGS_URBAN: dict[str, tuple[_BriggsTerm, _BriggsTerm]] = {
    "A": _URBAN_AB,
    "B": _URBAN_AB,
    "C": ((0.22, 0.0004, -0.5), (0.20, 0.0, 1.0)),
    "D": ((0.16, 0.0004, -0.5), (0.14, 0.0003, -0.5)),
    "E": _URBAN_EF,
    "F": _URBAN_EF,
}


def sigma_y_m(
    x_m: npt.ArrayLike, stability: Stability, dispersion: Dispersion = "pasquill_gifford"
) -> FloatArray:
    """Crosswind spread σy (m) at downwind distance ``x_m``.

    Parameters
    ----------
    x_m : array_like
        Downwind distance from the source, m.
    stability : {"A", "B", "C", "D", "E", "F"}
        Pasquill stability class.
    dispersion : {"pasquill_gifford", "briggs_rural", "briggs_urban"}
        Parameterisation (see the module notes).

    Returns
    -------
    ndarray
        σy in metres, shaped like ``x_m``; 0 where ``x_m`` ≤ 0.

    Raises
    ------
    ValueError
        When the class or the parameterisation is unknown.

    Examples
    --------
    >>> np.round(sigma_y_m([260.0, 300.0], "B"), 1).tolist()
    [45.9, 52.2]
    """
    x = _distances(x_m)
    _check(stability, dispersion)
    positive = x > 0
    xs = np.where(positive, x, 1.0)
    if dispersion == "pasquill_gifford":
        c, d = _PG_Y[stability]
        x_km = xs / 1000.0
        sigma = 465.11628 * x_km * np.tan(0.017453293 * (c - d * np.log(x_km)))
    else:
        table = _BRIGGS_RURAL if dispersion == "briggs_rural" else _BRIGGS_URBAN
        sigma = _briggs(xs, table[stability][0])
    return np.where(positive, sigma, 0.0)


def sigma_z_m(
    x_m: npt.ArrayLike, stability: Stability, dispersion: Dispersion = "pasquill_gifford"
) -> FloatArray:
    """Vertical spread σz (m) at downwind distance ``x_m``, at most 5000 m.

    Parameters and errors as for `sigma_y_m`.

    Examples
    --------
    >>> np.round(sigma_z_m([260.0, 300.0], "B"), 1).tolist()
    [26.2, 30.1]
    >>> float(sigma_z_m(5000.0, "A"))
    5000.0
    """
    x = _distances(x_m)
    _check(stability, dispersion)
    positive = x > 0
    xs = np.where(positive, x, 1.0)
    if dispersion == "pasquill_gifford":
        bands = _PG_Z[stability]
        bounds = np.array([b[0] for b in bands])
        x_km = xs / 1000.0
        # Band i covers (bound[i-1], bound[i]]: the first bound at or above x.
        i = np.searchsorted(bounds, x_km, side="left")
        a = np.array([b[1] for b in bands])[i]
        b = np.array([b[2] for b in bands])[i]
        sigma = a * x_km**b
    else:
        table = _BRIGGS_RURAL if dispersion == "briggs_rural" else _BRIGGS_URBAN
        sigma = _briggs(xs, table[stability][1])
    return np.where(positive, np.minimum(sigma, _SIGMA_Z_MAX_M), 0.0)


def _briggs(x: FloatArray, term: _BriggsTerm) -> FloatArray:
    k, m, p = term
    if m == 0.0:
        return np.asarray(k * x, dtype=np.float64)
    return np.asarray(k * x * (1.0 + m * x) ** p, dtype=np.float64)


def _distances(x_m: npt.ArrayLike) -> FloatArray:
    x = np.asarray(x_m, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("downwind distances must be finite numbers of metres")
    return x


def _check(stability: str, dispersion: str) -> None:
    if stability not in _PG_Y:
        raise ValueError(f"unknown stability class {stability!r}; expected A-F")
    if dispersion not in DISPERSION_SCHEMES:
        raise ValueError(
            f"unknown dispersion {dispersion!r}; expected one of {', '.join(DISPERSION_SCHEMES)}"
        )
