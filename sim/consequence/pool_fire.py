"""Pool fire: a burning liquid pool and the heat flux it radiates against distance.

Burning rate m'' (kg/m²·s): where the chemical table has a measured large-pool rate,
Babrauskas' m'' = m''∞ (1 − exp(−kβ D)); otherwise Burgess and Zabetakis'
m'' = 10⁻³ ΔHc / (ΔHv + cp (Tb − Ta)) (the cp term only for liquids boiling above the
air temperature; CCPS 2000, §2.2.4).

Flame height (Thomas 1963): H = 42 D (m'' / (ρa sqrt(g D)))^0.61.

Radiation: the point-source model of `sim.consequence.thermal_radiation`, the source at
mid-flame height above the pool centre, radiating the fraction χ of Q = m'' · (π D²/4) ·
ΔHc. χ defaults to 0.35, the upper end of the 0.15-0.35 CCPS quotes for hydrocarbon pool
fires: safe-side for clean-burning fuels (methanol radiates less), but large smoky pools
(D ≳ 20 m) shield themselves and radiate less still.

Limits (`PoolFire.warnings`): the point source misrepresents the flame within about three
pool diameters; the flame is upright (no wind tilt or drag, which push heat downwind);
targets at ground level facing the flame.

Examples
--------
A 10 m methanol pool (m'' = 0.017 kg/m²·s, ΔHc = 19.9 MJ/kg) in air at 25 °C, 50 % RH:

>>> fire = PoolFire(10.0, 0.017, 19.9e6)
>>> round(fire.heat_release_w / 1e6, 1), round(fire.flame_height_m, 1)
(26.6, 7.8)
>>> round(float(fire.flux_kw_m2(30.0)), 2)
0.62
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.consequence.atmosphere import GRAVITY_M_S2, air_density_kg_m3
from sim.consequence.chemicals import Chemical
from sim.consequence.dispersion_coefficients import FloatArray
from sim.consequence.limits import ModelWarning
from sim.consequence.thermal_radiation import point_source_flux_kw_m2

__all__ = ["PoolFire", "burning_rate_kg_m2_s", "equilibrium_pool_diameter_m"]

# CCPS quotes 0.15-0.35 for the radiated fraction of hydrocarbon pool fires.
DEFAULT_RADIATIVE_FRACTION = 0.35
# The point source is a poor picture of the flame nearer than this many diameters.
_NEAR_FIELD_DIAMETERS = 3.0
# Pools wider than this burn smoky and radiate a smaller fraction.
_SMOKY_DIAMETER_M = 20.0


@dataclass(frozen=True, slots=True)
class PoolFire:
    """A burning pool of diameter ``pool_diameter_m`` on the ground.

    Attributes
    ----------
    pool_diameter_m : float
        Pool diameter D, m.
    burning_rate_kg_m2_s : float
        Mass burning rate m'' (see `burning_rate_kg_m2_s`).
    heat_of_combustion_j_kg : float
        ΔHc (lower heating value), J/kg.
    radiative_fraction : float
        χ, the fraction of the heat released that is radiated (0-1).
    ambient_temperature_k, relative_humidity : float
        Air conditions (relative humidity as a fraction).

    Raises
    ------
    ValueError
        On a non-positive size, rate or heat of combustion, or χ outside (0, 1].
    """

    pool_diameter_m: float
    burning_rate_kg_m2_s: float
    heat_of_combustion_j_kg: float
    radiative_fraction: float = DEFAULT_RADIATIVE_FRACTION
    ambient_temperature_k: float = 298.15
    relative_humidity: float = 0.5

    def __post_init__(self) -> None:
        for name in ("pool_diameter_m", "burning_rate_kg_m2_s", "heat_of_combustion_j_kg"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if not 0.0 < self.radiative_fraction <= 1.0:
            raise ValueError(
                f"radiative_fraction must be within (0, 1], got {self.radiative_fraction}"
            )

    @property
    def heat_release_w(self) -> float:
        """Q = m'' · area · ΔHc, W."""
        area = math.pi * self.pool_diameter_m**2 / 4.0
        return self.burning_rate_kg_m2_s * area * self.heat_of_combustion_j_kg

    @property
    def flame_height_m(self) -> float:
        """Thomas' mean visible flame height, m."""
        d = self.pool_diameter_m
        rho_a = air_density_kg_m3(self.ambient_temperature_k)
        group = self.burning_rate_kg_m2_s / (rho_a * math.sqrt(GRAVITY_M_S2 * d))
        return 42.0 * d * group**0.61

    def flux_kw_m2(self, distance_m: npt.ArrayLike) -> FloatArray:
        """Heat flux (kW/m²) on a ground-level target ``distance_m`` from the pool centre."""
        r = np.abs(np.asarray(distance_m, dtype=np.float64))
        slant = np.hypot(r, self.flame_height_m / 2.0)
        return point_source_flux_kw_m2(
            self.radiative_fraction * self.heat_release_w,
            slant,
            self.relative_humidity,
            self.ambient_temperature_k,
        )

    def warnings(self, distances_m: npt.ArrayLike = ()) -> tuple[ModelWarning, ...]:
        """The limits these inputs, and optionally these distances, reach."""
        found: list[ModelWarning] = []
        d = np.asarray(distances_m, dtype=np.float64).ravel()
        d = d[np.isfinite(d)]
        near_m = _NEAR_FIELD_DIAMETERS * self.pool_diameter_m
        if d.size and d.min() < near_m:
            found.append(
                ModelWarning(
                    "near_field",
                    f"within {near_m:.0f} m (3 pool diameters) the point source misrepresents "
                    "the flame; inside the pool and flame the flux is far higher",
                )
            )
        if self.pool_diameter_m > _SMOKY_DIAMETER_M:
            found.append(
                ModelWarning(
                    "smoky_fire",
                    f"a {self.pool_diameter_m:.0f} m pool burns smoky: the radiated fraction is "
                    f"likely below the {self.radiative_fraction:g} assumed",
                )
            )
        found.append(
            ModelWarning(
                "no_wind_tilt",
                "the flame is taken upright: wind tilts it and carries more heat downwind",
            )
        )
        return tuple(found)


def burning_rate_kg_m2_s(
    chemical: Chemical, pool_diameter_m: float, ambient_temperature_k: float = 298.15
) -> float:
    """Mass burning rate of a pool of ``chemical``, kg/m²·s.

    Raises
    ------
    ValueError
        When the chemical does not burn (no heat of combustion) or the table lacks both a
        measured rate and the heat of vaporisation Burgess' formula needs.

    Examples
    --------
    >>> from pathlib import Path
    >>> import sim
    >>> from sim.consequence.chemical_table import load_chemicals
    >>> table = load_chemicals(Path(sim.__file__).parents[1] / "data/rules/chemicals.yaml")
    >>> round(burning_rate_kg_m2_s(table.chemical("lpg"), 10.0), 4)  # 0.099 (1 − e^-14)
    0.099
    >>> round(burning_rate_kg_m2_s(table.chemical("ammonia"), 10.0), 4)  # Burgess, Tb < Ta
    0.0136
    """
    if chemical.heat_of_combustion_j_kg is None:
        raise ValueError(f"{chemical.key} does not burn: no heat of combustion in the table")
    if chemical.pool_burning_rate_kg_m2_s is not None:
        k_beta = chemical.pool_k_beta_per_m
        if k_beta is None:
            return chemical.pool_burning_rate_kg_m2_s
        return chemical.pool_burning_rate_kg_m2_s * (1.0 - math.exp(-k_beta * pool_diameter_m))
    if chemical.heat_of_vaporization_j_kg is None:
        raise ValueError(f"{chemical.key}: no burning rate or heat of vaporisation in the table")
    sensible = 0.0
    tb = chemical.normal_boiling_point_k
    if tb > ambient_temperature_k and chemical.liquid_heat_capacity_j_kg_k is not None:
        sensible = chemical.liquid_heat_capacity_j_kg_k * (tb - ambient_temperature_k)
    return 1e-3 * chemical.heat_of_combustion_j_kg / (chemical.heat_of_vaporization_j_kg + sensible)


def equilibrium_pool_diameter_m(
    spill_kg_s: float, chemical: Chemical, ambient_temperature_k: float = 298.15
) -> float:
    """Diameter at which a burning pool consumes a continuous spill as fast as it comes.

    D = 2 · sqrt(ṁ / (π m''(D))), iterated because m'' depends on D.

    Examples
    --------
    >>> from pathlib import Path
    >>> import sim
    >>> from sim.consequence.chemical_table import load_chemicals
    >>> table = load_chemicals(Path(sim.__file__).parents[1] / "data/rules/chemicals.yaml")
    >>> round(equilibrium_pool_diameter_m(5.0, table.chemical("methanol")), 1)
    19.4
    """
    if not math.isfinite(spill_kg_s) or spill_kg_s <= 0:
        raise ValueError(f"spill rate must be positive, got {spill_kg_s}")
    d = 10.0
    for _ in range(50):
        rate = burning_rate_kg_m2_s(chemical, d, ambient_temperature_k)
        d_next = 2.0 * math.sqrt(spill_kg_s / (math.pi * rate))
        if abs(d_next - d) < 1e-9 * d_next:
            return d_next
        d = d_next
    return d
