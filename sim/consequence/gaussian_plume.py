"""Gaussian plume: steady concentration downwind of a continuous point source.

For a neutrally buoyant gas released at ``release_kg_s`` (Q) from an effective height H
into a wind u, the concentration at x downwind, y crosswind and z above the ground is

    C = Q / (2π u σy σz) · exp(−y² / 2σy²) · [exp(−(z − H)² / 2σz²) + exp(−(z + H)² / 2σz²)]

with σy(x), σz(x) from `sim.consequence.dispersion_coefficients`. The second exponential
is the image source below the ground: gas reaching the ground is reflected, not absorbed,
so the crosswind-integrated flux through any plane x = const stays Q (Turner 1970;
*Fundamentals of Air Pollution*, 3rd ed., eq. 19-2).

Limits (returned as `ModelWarning` by `GaussianPlume.warnings`): the gas must be
neutrally buoyant (use `sim.consequence.dense_gas` for chlorine-like releases); wind below
~1.5 m/s and very stable nights make the plume meander; the σ curves start at 100 m and
average over ~10 minutes; beyond ~10 km wind shifts and terrain break the straight plume.
No mixing lid, plume rise, buildings or deposition are modelled.

Examples
--------
The worked example of *Fundamentals of Air Pollution* (3rd ed., §19.III.D): 0.37 g/s at
an effective height of 40 m, wind 2 m/s, class B; ground-level centreline values at
0.26, 0.28 and 0.30 km are printed there as 1.53, 1.56 and 1.55 × 10⁻⁵ g/m³.

>>> plume = GaussianPlume(0.37e-3, 2.0, "B", release_height_m=40.0)
>>> c_g_m3 = plume.centreline_mg_m3([260.0, 280.0, 300.0]) / 1000.0
>>> [f"{c:.2e}" for c in c_g_m3]
['1.53e-05', '1.56e-05', '1.55e-05']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.consequence.dispersion_coefficients import (
    DISPERSION_SCHEMES,
    Dispersion,
    FloatArray,
    sigma_y_m,
    sigma_z_m,
)
from sim.consequence.limits import ModelWarning
from sim.consequence.stability import STABILITY_CLASSES, Stability

__all__ = ["GaussianPlume"]

# Below this wind the plume meanders and the Gaussian picture fails (ALOHA warns below
# about 1 m/s at 3 m; the domain notes put "unreliable" at ~1.5 m/s at 10 m).
LOW_WIND_M_S = 1.5
# The Pasquill-Gifford and Briggs curves were fitted from 100 m outward.
NEAR_FIELD_M = 100.0
# Beyond this a straight-line steady plume is not credible (ALOHA stops at 10 km).
FAR_FIELD_M = 10_000.0


@dataclass(frozen=True, slots=True)
class GaussianPlume:
    """A continuous release of a neutrally buoyant gas, with ground reflection.

    Attributes
    ----------
    release_kg_s : float
        Release rate Q, kg/s (> 0).
    wind_m_s : float
        Mean wind speed u at 10 m, m/s (> 0), taken as the transport speed.
    stability : {"A", "B", "C", "D", "E", "F"}
        Pasquill stability class (see `sim.consequence.stability`).
    release_height_m : float
        Effective source height H above the ground, m (≥ 0); no plume rise is added.
    dispersion : {"pasquill_gifford", "briggs_rural", "briggs_urban"}
        σy, σz parameterisation.

    Raises
    ------
    ValueError
        On a non-positive rate or wind, a negative height, or an unknown class/scheme.
    """

    release_kg_s: float
    wind_m_s: float
    stability: Stability
    release_height_m: float = 0.0
    dispersion: Dispersion = "pasquill_gifford"

    def __post_init__(self) -> None:
        for name in ("release_kg_s", "wind_m_s"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if not math.isfinite(self.release_height_m) or self.release_height_m < 0:
            raise ValueError(f"release_height_m must be ≥ 0, got {self.release_height_m}")
        if self.stability not in STABILITY_CLASSES:
            raise ValueError(f"unknown stability class {self.stability!r}; expected A-F")
        if self.dispersion not in DISPERSION_SCHEMES:
            raise ValueError(f"unknown dispersion {self.dispersion!r}")

    def concentration_mg_m3(
        self, x_m: npt.ArrayLike, y_m: npt.ArrayLike = 0.0, z_m: npt.ArrayLike = 0.0
    ) -> FloatArray:
        """Concentration (mg/m³) at downwind ``x_m``, crosswind ``y_m``, height ``z_m``.

        Arrays broadcast together; points at or upwind of the source (x ≤ 0) get 0.

        Examples
        --------
        >>> p = GaussianPlume(1.0, 3.0, "D")
        >>> c = p.concentration_mg_m3(500.0, [0.0, 36.13])
        >>> round(float(c[1] / c[0]), 3)  # one σy off the axis: exp(-1/2)
        0.607
        """
        x, y, z = np.broadcast_arrays(
            np.asarray(x_m, dtype=np.float64),
            np.asarray(y_m, dtype=np.float64),
            np.asarray(z_m, dtype=np.float64),
        )
        sy = sigma_y_m(x, self.stability, self.dispersion)
        sz = sigma_z_m(x, self.stability, self.dispersion)
        downwind = x > 0
        sy = np.where(downwind, sy, 1.0)
        sz = np.where(downwind, sz, 1.0)
        h = self.release_height_m
        vertical = np.exp(-((z - h) ** 2) / (2 * sz**2)) + np.exp(-((z + h) ** 2) / (2 * sz**2))
        c_kg_m3 = (
            self.release_kg_s
            / (2 * math.pi * self.wind_m_s * sy * sz)
            * np.exp(-(y**2) / (2 * sy**2))
            * vertical
        )
        return np.where(downwind, c_kg_m3 * 1e6, 0.0)

    def centreline_mg_m3(self, x_m: npt.ArrayLike, z_m: float = 0.0) -> FloatArray:
        """Concentration (mg/m³) on the plume axis (y = 0) at height ``z_m``."""
        return self.concentration_mg_m3(x_m, 0.0, z_m)

    def half_width_m(self, x_m: npt.ArrayLike, level_mg_m3: float, z_m: float = 0.0) -> FloatArray:
        """Crosswind half-width (m) of the region where the concentration ≥ a level.

        The crosswind profile is Gaussian, so at each x the level is reached at
        y = σy · sqrt(2 ln(C_axis / level)); 0 where the axis value is below the level.

        Examples
        --------
        >>> p = GaussianPlume(1.0, 3.0, "D")
        >>> axis = float(p.centreline_mg_m3(500.0))
        >>> round(float(p.half_width_m(500.0, axis * math.exp(-0.5))), 1)  # = σy(500 m)
        36.1
        """
        if not math.isfinite(level_mg_m3) or level_mg_m3 <= 0:
            raise ValueError(f"level must be a positive concentration, got {level_mg_m3}")
        axis = self.centreline_mg_m3(x_m, z_m)
        ratio = np.where(axis > level_mg_m3, axis / level_mg_m3, 1.0)
        sy = sigma_y_m(x_m, self.stability, self.dispersion)
        return np.asarray(sy * np.sqrt(2.0 * np.log(ratio)), dtype=np.float64)

    def warnings(self, distances_m: npt.ArrayLike = ()) -> tuple[ModelWarning, ...]:
        """The model limits these inputs, and optionally these distances, reach.

        Parameters
        ----------
        distances_m : array_like
            Downwind distances the caller reports on (zone extents, query points).

        Examples
        --------
        >>> [w.code for w in GaussianPlume(1.0, 1.0, "F").warnings([50.0])]
        ['low_wind', 'stable_conditions', 'near_field']
        """
        found: list[ModelWarning] = []
        if self.wind_m_s < LOW_WIND_M_S:
            found.append(
                ModelWarning(
                    "low_wind",
                    f"wind {self.wind_m_s:g} m/s is below {LOW_WIND_M_S:g} m/s: the plume "
                    "meanders and may pool; the Gaussian zones are unreliable",
                )
            )
        if self.stability == "F" or (self.stability == "E" and self.wind_m_s < 3.0):
            found.append(
                ModelWarning(
                    "stable_conditions",
                    f"very stable air (class {self.stability}): the plume stays narrow and "
                    "concentrated far downwind and may follow terrain; treat zones as "
                    "indicative",
                )
            )
        d = np.asarray(distances_m, dtype=np.float64).ravel()
        d = d[np.isfinite(d) & (d > 0)]
        if d.size and d.min() < NEAR_FIELD_M:
            found.append(
                ModelWarning(
                    "near_field",
                    f"the σ curves start at {NEAR_FIELD_M:g} m: values nearer the source are "
                    "extrapolated and ignore the source's size, jet momentum and buildings",
                )
            )
        if d.size and d.max() > FAR_FIELD_M:
            found.append(
                ModelWarning(
                    "far_field",
                    f"beyond {FAR_FIELD_M / 1000:g} km wind shifts and terrain make a "
                    "straight steady plume unreliable",
                )
            )
        return tuple(found)
