"""Dense-gas plume: Britter-McQuaid workbook correlations for a continuous release.

A gas heavier than air (chlorine, cold ammonia vapour, LPG) slumps and spreads sideways
under gravity and mixes less than a passive plume. `DenseGasPlume` follows the
Britter-McQuaid workbook correlations (`sim.consequence.britter_mcquaid`) from the source
to where the axis falls to 0.2 % of the source gas, as a top hat across the wind.

Beyond that the correlations end and the plume is passive: the model hands over to a
ground-level Gaussian plume (σ of `sim.consequence.dispersion_coefficients`, class
``stability``) with the same axis concentration, the same crosswind integral
(σy = 2b/√(2π) for the top hat's half-width b) and so the same flux, its σy and σz then
growing along the passive curves from virtual distances.

Validity (reported by `DenseGasPlume.warnings`): the release is dense,
(g0' q0 / (u³ Dc))^⅓ ≥ 0.15; continuous, u·T/x ≥ 2.5 for a release lasting T; at
ground level on flat open ground without obstacles; workbook curves for α ≤ 1; the
near-field relation and the passive continuation are extensions.

Examples
--------
Burro LNG trial as worked in CCPS (1999): 0.23 m³/s of LNG (425.6 kg/m³) boiling off
as 1.76 kg/m³ vapour at −162 °C, wind 10.9 m/s, air at 298 K. CCPS finds the 5 % (lower
flammability limit) concentration at 367 m downwind.

>>> lng = DenseGasPlume(0.23 * 425.6, 10.9, molar_mass_g_mol=16.04,
...                     source_density_kg_m3=1.76, source_temperature_k=111.15,
...                     ambient_temperature_k=298.0)
>>> round(float(lng.centreline_volume_fraction(367.0)), 3)
0.05
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.consequence import britter_mcquaid as bm
from sim.consequence.atmosphere import GRAVITY_M_S2, air_density_kg_m3, gas_density_kg_m3
from sim.consequence.chemicals import MOLAR_VOLUME_25C_L_MOL
from sim.consequence.dispersion_coefficients import FloatArray, sigma_y_m, sigma_z_m
from sim.consequence.limits import ModelWarning
from sim.consequence.stability import STABILITY_CLASSES, Stability

__all__ = ["DenseGasPlume"]

# u·T/x at or above this makes a finite release look continuous at distance x.
_CONTINUOUS_UT_X = 2.5
# Below this a heavy gas pools and drains downhill: the correlations do not cover it.
_LOW_WIND_M_S = 1.0


@dataclass(frozen=True, slots=True)
class DenseGasPlume:
    """A continuous ground-level release of a gas heavier than air.

    Attributes
    ----------
    release_kg_s : float
        Mass rate of gas (vapour plus any aerosol that evaporates at once), kg/s.
    wind_m_s : float
        Wind speed at 10 m, m/s.
    molar_mass_g_mol : float
        Molar mass of the released gas.
    source_temperature_k : float or None
        Temperature of the gas at the source (a boiling liquefied gas is at its boiling
        point); None for the ambient temperature (isothermal release).
    source_density_kg_m3 : float or None
        Density of the source gas; None for the ideal-gas value at the source temperature.
    ambient_temperature_k : float
        Air temperature, K.
    stability : {"A", "B", "C", "D", "E", "F"}
        Pasquill class for the passive continuation beyond Cm/C0 = 0.002.
    duration_s : float or None
        How long the release lasts, for the continuity check; None for indefinitely.

    Raises
    ------
    ValueError
        On non-positive inputs, or a source gas not denser than the air (use the
        Gaussian plume for that).
    """

    release_kg_s: float
    wind_m_s: float
    molar_mass_g_mol: float
    source_temperature_k: float | None = None
    source_density_kg_m3: float | None = None
    ambient_temperature_k: float = 298.15
    stability: Stability = "D"
    duration_s: float | None = None
    # Derived once in __post_init__: the curve positions β for this α, and the hand-over
    # to the passive plume (distance, and the virtual distances for σy and σz there).
    _betas: FloatArray = field(init=False, repr=False, compare=False)
    _passive_from_m: float = field(init=False, repr=False, compare=False)
    _virtual_y_m: float = field(init=False, repr=False, compare=False)
    _virtual_z_m: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("release_kg_s", "wind_m_s", "molar_mass_g_mol", "ambient_temperature_k"):
            _positive(getattr(self, name), name)
        for name in ("source_temperature_k", "source_density_kg_m3", "duration_s"):
            if getattr(self, name) is not None:
                _positive(getattr(self, name), name)
        if self.stability not in STABILITY_CLASSES:
            raise ValueError(f"unknown stability class {self.stability!r}; expected A-F")
        if self.reduced_gravity_m_s2 <= 0:
            raise ValueError(
                f"the source gas ({self.density_kg_m3:.3g} kg/m³) is not denser than the air "
                f"({air_density_kg_m3(self.ambient_temperature_k):.3g} kg/m³): use the "
                "Gaussian plume"
            )
        betas = bm.curve_positions(self.alpha)
        object.__setattr__(self, "_betas", betas)
        x_t = self.source_scale_m * 10.0 ** float(betas[-1])
        object.__setattr__(self, "_passive_from_m", x_t)
        # Hand-over to the passive plume (see the module notes).
        c_t = float(self._isothermal_to_real(bm.RATIOS[-1]))
        sy_t = 2.0 * float(self._top_hat_m(np.array(x_t))) / math.sqrt(2.0 * math.pi)
        sz_t = self._ambient_volume_rate_m3_s / (math.pi * self.wind_m_s * sy_t * c_t)
        object.__setattr__(self, "_virtual_y_m", _distance_for(sigma_y_m, sy_t, self.stability))
        object.__setattr__(self, "_virtual_z_m", _distance_for(sigma_z_m, sz_t, self.stability))

    @property
    def temperature_k(self) -> float:
        """Source gas temperature used, K."""
        return self.source_temperature_k or self.ambient_temperature_k

    @property
    def density_kg_m3(self) -> float:
        """Source gas density ρ0 used, kg/m³."""
        if self.source_density_kg_m3 is not None:
            return self.source_density_kg_m3
        return gas_density_kg_m3(self.molar_mass_g_mol, self.temperature_k)

    @property
    def volume_rate_m3_s(self) -> float:
        """q0, the source volume rate, m³/s."""
        return self.release_kg_s / self.density_kg_m3

    @property
    def reduced_gravity_m_s2(self) -> float:
        """g0' = g (ρ0 − ρa) / ρa, m/s²."""
        rho_a = air_density_kg_m3(self.ambient_temperature_k)
        return GRAVITY_M_S2 * (self.density_kg_m3 - rho_a) / rho_a

    @property
    def source_scale_m(self) -> float:
        """Dc = (q0 / u)^½, m."""
        return math.sqrt(self.volume_rate_m3_s / self.wind_m_s)

    @property
    def buoyancy_length_m(self) -> float:
        """lb = g0' q0 / u³, m."""
        return self.reduced_gravity_m_s2 * self.volume_rate_m3_s / self.wind_m_s**3

    @property
    def alpha(self) -> float:
        """α = 0.2 log10(g0'² q0 / u⁵)."""
        g0 = self.reduced_gravity_m_s2
        return 0.2 * math.log10(g0**2 * self.volume_rate_m3_s / self.wind_m_s**5)

    @property
    def density_criterion(self) -> float:
        """(g0' q0 / (u³ Dc))^⅓; the release is dense when it is ≥ 0.15."""
        return float((self.buoyancy_length_m / self.source_scale_m) ** (1.0 / 3.0))

    @property
    def upwind_extent_m(self) -> float:
        """Lu = Dc/2 + 2 lb: how far the slumping gas spreads upwind of the source, m."""
        return bm.upwind_extent_m(self.source_scale_m, self.buoyancy_length_m)

    @property
    def passive_from_m(self) -> float:
        """Downwind distance where Cm/C0 reaches 0.002 and the passive plume takes over."""
        return self._passive_from_m

    @property
    def width_steps_m(self) -> tuple[float, ...]:
        """Distances where the crosswind profile changes form (top hat → Gaussian)."""
        return (self._passive_from_m,)

    def centreline_volume_fraction(self, x_m: npt.ArrayLike) -> FloatArray:
        """Ground-level centreline volume fraction at downwind ``x_m`` (1 = pure gas).

        1 over the source region (−Lu ≤ x ≤ 0); 0 further upwind.
        """
        x = np.asarray(x_m, dtype=np.float64)
        c_star = bm.isothermal_ratio(x / self.source_scale_m, self._betas)
        c_real = self._isothermal_to_real(c_star)

        x_t = self.passive_from_m
        far = x > x_t
        if np.any(far):
            c_real = np.where(far, self._passive(np.where(far, x, x_t)), c_real)
        c_real = np.where(x <= 0, np.where(x >= -self.upwind_extent_m, 1.0, 0.0), c_real)
        return np.asarray(c_real, dtype=np.float64)

    def centreline_mg_m3(self, x_m: npt.ArrayLike) -> FloatArray:
        """Ground-level centreline concentration, mg/m³ at 25 °C."""
        vf = self.centreline_volume_fraction(x_m)
        return vf * 1e6 * self.molar_mass_g_mol / MOLAR_VOLUME_25C_L_MOL

    def half_width_m(self, x_m: npt.ArrayLike, level_mg_m3: float | None = None) -> FloatArray:
        """Crosswind half-width (m) of the plume, or of the region above ``level_mg_m3``.

        Near the source the plume is a top hat of half-width L_H (where its axis value
        reaches the level); in the passive far field the half-width is
        σy · sqrt(2 ln(C_axis / level)), or 2σy when no level is given.

        Examples
        --------
        >>> p = DenseGasPlume(2.0, 3.0, molar_mass_g_mol=70.9, source_temperature_k=239.1)
        >>> width_at_source = float(p.half_width_m(0.0))
        >>> math.isclose(width_at_source, p.source_scale_m + 8 * p.buoyancy_length_m)
        True
        """
        x = np.asarray(x_m, dtype=np.float64)
        axis = self.centreline_mg_m3(x)
        far = x > self._passive_from_m
        if level_mg_m3 is None:
            level = np.where(far, axis * math.exp(-2.0), 0.0)
        else:
            if not math.isfinite(level_mg_m3) or level_mg_m3 <= 0:
                raise ValueError(f"level must be a positive concentration, got {level_mg_m3}")
            level = np.full(x.shape, level_mg_m3)
        width = np.where(x < -self.upwind_extent_m, 0.0, self._top_hat_m(x))
        if np.any(far):
            sy = sigma_y_m(self._far_x(x, self._virtual_y_m), self.stability)
            ratio = np.where(axis > level, axis / np.where(level > 0, level, 1.0), 1.0)
            width = np.where(far, sy * np.sqrt(2.0 * np.log(ratio)), width)
        return np.asarray(np.where(axis >= level, width, 0.0), dtype=np.float64)

    def concentration_mg_m3(self, x_m: npt.ArrayLike, y_m: npt.ArrayLike = 0.0) -> FloatArray:
        """Ground-level concentration (mg/m³): top hat near, Gaussian in the far field."""
        x, y = np.broadcast_arrays(
            np.asarray(x_m, dtype=np.float64), np.asarray(y_m, dtype=np.float64)
        )
        axis = self.centreline_mg_m3(x)
        far = x > self._passive_from_m
        inside = (np.abs(y) <= self._top_hat_m(x)) & (x >= -self.upwind_extent_m)
        sy = sigma_y_m(self._far_x(x, self._virtual_y_m), self.stability)
        far_value = axis * np.exp(-(y**2) / (2.0 * np.where(far, sy, 1.0) ** 2))
        return np.asarray(np.where(far, far_value, np.where(inside, axis, 0.0)), dtype=np.float64)

    def warnings(self, distances_m: npt.ArrayLike = ()) -> tuple[ModelWarning, ...]:
        """The limits these inputs, and optionally these downwind distances, reach."""
        found: list[ModelWarning] = []
        if self.density_criterion < bm.DENSE_CRITERION:
            found.append(
                ModelWarning(
                    "not_dense",
                    f"density criterion {self.density_criterion:.2f} < {bm.DENSE_CRITERION}: the "
                    "release is not dense enough for the Britter-McQuaid correlations; "
                    "use the Gaussian plume",
                )
            )
        if self.alpha > 1.0:
            found.append(
                ModelWarning(
                    "outside_correlation",
                    f"α = {self.alpha:.2f} is beyond the workbook curves (α ≤ 1); their "
                    "values at α = 1 are used",
                )
            )
        if self.wind_m_s < _LOW_WIND_M_S:
            found.append(
                ModelWarning(
                    "low_wind",
                    f"wind {self.wind_m_s:g} m/s: below ~1 m/s a heavy gas pools and flows "
                    "downhill; the correlations do not cover it",
                )
            )
        d = np.asarray(distances_m, dtype=np.float64).ravel()
        d = d[np.isfinite(d) & (d > 0)]
        if d.size and d.min() < bm.NEAR_FIELD_XI * self.source_scale_m:
            found.append(
                ModelWarning(
                    "near_field",
                    f"within {bm.NEAR_FIELD_XI * self.source_scale_m:.0f} m (30 Dc) the workbook's "
                    "near-field relation is used; jet momentum and aerosol are ignored",
                )
            )
        if d.size and d.max() > self.passive_from_m:
            found.append(
                ModelWarning(
                    "passive_far_field",
                    f"beyond {self.passive_from_m:.0f} m the dense-gas correlations end "
                    f"(Cm/C0 = 0.002); a passive Gaussian plume (class {self.stability}) "
                    "continues them",
                )
            )
        if self.duration_s is not None and d.size:
            reach_m = self.wind_m_s * self.duration_s / _CONTINUOUS_UT_X
            if d.max() > reach_m:
                found.append(
                    ModelWarning(
                        "not_continuous",
                        f"a {self.duration_s:g} s release is continuous only to about "
                        f"{reach_m:.0f} m (u·T/x ≥ 2.5); further out it is a puff and this "
                        "steady plume overstates the extent",
                    )
                )
        return tuple(found)

    @property
    def _ambient_volume_rate_m3_s(self) -> float:
        return self.release_kg_s / gas_density_kg_m3(
            self.molar_mass_g_mol, self.ambient_temperature_k
        )

    def _isothermal_to_real(self, c_star: npt.ArrayLike) -> FloatArray:
        return bm.real_fraction(c_star, self.ambient_temperature_k, self.temperature_k)

    def _top_hat_m(self, x: FloatArray) -> FloatArray:
        return bm.top_hat_half_width_m(x, self.source_scale_m, self.buoyancy_length_m)

    def _far_x(self, x: FloatArray, virtual_m: float) -> FloatArray:
        return np.asarray(np.maximum(x - self._passive_from_m, 0.0) + virtual_m)

    def _passive(self, x_m: FloatArray) -> FloatArray:
        sy = sigma_y_m(self._far_x(x_m, self._virtual_y_m), self.stability)
        sz = sigma_z_m(self._far_x(x_m, self._virtual_z_m), self.stability)
        value = self._ambient_volume_rate_m3_s / (math.pi * self.wind_m_s * sy * sz)
        return np.asarray(np.minimum(value, 1.0), dtype=np.float64)


def _distance_for(sigma: Callable[..., FloatArray], target_m: float, stability: Stability) -> float:
    # The downwind distance at which a passive σ curve reaches target_m, by bisection in
    # log distance (the curves grow with distance).
    lo, hi = math.log(1e-3), math.log(1e6)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if float(sigma(math.exp(mid), stability)) < target_m:
            lo = mid
        else:
            hi = mid
    return math.exp(0.5 * (lo + hi))


def _positive(value: float, name: str) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
