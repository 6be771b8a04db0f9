"""Vapour-cloud explosion overpressure by TNT equivalence.

The fuel mass m in the flammable cloud, with heat of combustion ΔHc, is replaced by the
TNT charge that would release the blast energy actually produced (CCPS, *Guidelines for
Evaluating the Characteristics of Vapor Cloud Explosions, Flash Fires, and BLEVEs*, 1994):

    W_TNT = η · m · ΔHc / E_TNT,  E_TNT = 4.68 MJ/kg,

with the yield factor η an assumption: 1-10 % in the incidents CCPS reviews, 3 % a
common central value (the default here). The peak side-on overpressure at distance R
follows from the scaled distance Z = R / W^⅓ (m/kg^⅓) on the Kingery-Bulmash curve for
a hemispherical TNT surface burst, in Swisdak's polynomial fit (*Simplified Kingery
Airblast Calculations*, NSWC 1994): ln p = Σ cᵢ (ln Z)ⁱ, p in kPa, for 0.2 ≤ Z ≤ 198.5.

TNT equivalence is a coarse model of a deflagrating cloud: it overstates the pressure
near and inside the cloud, ignores congestion and confinement (which the TNO
multi-energy and Baker-Strehlow-Tang methods account for) and treats the blast as a
point at the cloud centre. `VapourCloudExplosion.warnings` reports where these bite.

Examples
--------
1000 kg of propane in the cloud, 3 % yield:

>>> vce = VapourCloudExplosion(1000.0, 46.35e6)
>>> round(vce.tnt_kg, 1)
297.1
>>> round(float(vce.overpressure_kpa(100.0)), 1)
8.8
>>> round(vce.distance_to_kpa(6.894757), 0)  # 1 psi
121.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.consequence.dispersion_coefficients import FloatArray
from sim.consequence.limits import ModelWarning

__all__ = ["VapourCloudExplosion", "kingery_bulmash_kpa", "tnt_equivalent_kg"]

# Blast energy of TNT used by CCPS for TNT equivalence.
TNT_J_KG = 4.68e6
DEFAULT_YIELD = 0.03
# Swisdak's fit: (upper Z bound, coefficients of ln p in powers of ln Z).
_KB_BANDS: tuple[tuple[float, tuple[float, ...]], ...] = (
    (2.9, (7.2106, -2.1069, -0.3229, 0.1117, 0.0685)),
    (23.8, (7.5938, -3.0523, 0.40977, 0.0261, -0.01267)),
    (math.inf, (6.0536, -1.4066)),
)
_Z_MIN, _Z_MAX = 0.2, 198.5
# Nearer than this the point-blast picture of a deflagrating cloud is at its worst.
_NEAR_FIELD_Z = 2.0


def tnt_equivalent_kg(
    fuel_mass_kg: float, heat_of_combustion_j_kg: float, yield_factor: float = DEFAULT_YIELD
) -> float:
    """TNT mass (kg) equivalent to ``fuel_mass_kg`` of fuel exploding with ``yield_factor``.

    Examples
    --------
    >>> round(tnt_equivalent_kg(100.0, 46.35e6, 0.1), 1)
    99.0
    """
    for name, value in (
        ("fuel_mass_kg", fuel_mass_kg),
        ("heat_of_combustion_j_kg", heat_of_combustion_j_kg),
    ):
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive finite number, got {value}")
    if not 0.0 < yield_factor <= 1.0:
        raise ValueError(f"yield factor must be within (0, 1], got {yield_factor}")
    return yield_factor * fuel_mass_kg * heat_of_combustion_j_kg / TNT_J_KG


def kingery_bulmash_kpa(scaled_distance: npt.ArrayLike) -> FloatArray:
    """Peak side-on overpressure (kPa) of a TNT hemispherical surface burst.

    Parameters
    ----------
    scaled_distance : array_like
        Z = R / W^⅓ in m/kg^⅓. Below 0.2 the value at 0.2 is returned; beyond 198.5 the
        last band's power law continues.

    Examples
    --------
    DoD 6055.09 relates separation factors K (ft/lb^⅓) to overpressure: K11 ≈ 8 psi,
    K18 ≈ 3.5 psi, K40 ≈ 1.2 psi (1 ft/lb^⅓ = 0.3967 m/kg^⅓):

    >>> psi = kingery_bulmash_kpa(np.array([11.0, 18.0, 40.0]) * 0.3967) / 6.894757
    >>> np.round(psi, 1).tolist()
    [8.0, 3.5, 1.2]
    """
    z = np.clip(np.asarray(scaled_distance, dtype=np.float64), _Z_MIN, None)
    log_z = np.log(z)
    result = np.zeros_like(z)
    lower = 0.0
    for upper, coefficients in _KB_BANDS:
        band = (z > lower) & (z <= upper) if lower else z <= upper
        powers = sum(c * log_z**i for i, c in enumerate(coefficients))
        result = np.where(band, np.exp(powers), result)
        lower = upper
    return np.asarray(result, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class VapourCloudExplosion:
    """An ignited flammable cloud, as an equivalent TNT surface burst at its centre.

    Attributes
    ----------
    fuel_mass_kg : float
        Fuel in the cloud within its flammability limits, kg (less than the release).
    heat_of_combustion_j_kg : float
        ΔHc (lower heating value), J/kg.
    yield_factor : float
        η, the fraction of the combustion energy that drives the blast.
    """

    fuel_mass_kg: float
    heat_of_combustion_j_kg: float
    yield_factor: float = DEFAULT_YIELD

    def __post_init__(self) -> None:
        tnt_equivalent_kg(self.fuel_mass_kg, self.heat_of_combustion_j_kg, self.yield_factor)

    @property
    def tnt_kg(self) -> float:
        """W_TNT, kg."""
        return tnt_equivalent_kg(self.fuel_mass_kg, self.heat_of_combustion_j_kg, self.yield_factor)

    def overpressure_kpa(self, distance_m: npt.ArrayLike) -> FloatArray:
        """Peak side-on overpressure (kPa) at ``distance_m`` from the cloud centre."""
        r = np.abs(np.asarray(distance_m, dtype=np.float64))
        return kingery_bulmash_kpa(np.maximum(r, 1e-9) / self.tnt_kg ** (1.0 / 3.0))

    def distance_to_kpa(self, overpressure_kpa: float) -> float:
        """Distance (m) at which the overpressure falls to ``overpressure_kpa``.

        Returns 0 when even Z = 0.2 does not reach that pressure.
        """
        if not math.isfinite(overpressure_kpa) or overpressure_kpa <= 0:
            raise ValueError(f"overpressure must be positive, got {overpressure_kpa}")
        if float(kingery_bulmash_kpa(_Z_MIN)) < overpressure_kpa:
            return 0.0
        # The curve falls with Z: bisect in log Z out to far beyond the fitted range.
        lo, hi = math.log(_Z_MIN), math.log(1e5)
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if float(kingery_bulmash_kpa(math.exp(mid))) > overpressure_kpa:
                lo = mid
            else:
                hi = mid
        return math.exp(0.5 * (lo + hi)) * self.tnt_kg ** (1.0 / 3.0)

    def warnings(self, distances_m: npt.ArrayLike = ()) -> tuple[ModelWarning, ...]:
        """The limits these distances reach, and the yield assumption."""
        w3 = self.tnt_kg ** (1.0 / 3.0)
        d = np.asarray(distances_m, dtype=np.float64).ravel()
        z = d[np.isfinite(d) & (d > 0)] / w3
        found = [
            ModelWarning(
                "tnt_equivalence",
                f"TNT equivalence with {self.yield_factor:.0%} yield is an order-of-magnitude "
                "estimate; congestion and confinement (not modelled) decide a real blast",
            )
        ]
        if z.size and z.min() < _NEAR_FIELD_Z:
            found.append(
                ModelWarning(
                    "near_field",
                    f"within {_NEAR_FIELD_Z * w3:.0f} m (Z < {_NEAR_FIELD_Z:g} m/kg^⅓) the cloud "
                    "itself burns; TNT equivalence overstates pressures there",
                )
            )
        if z.size and z.max() > _Z_MAX:
            found.append(
                ModelWarning(
                    "far_field",
                    f"beyond Z = {_Z_MAX:g} m/kg^⅓ ({_Z_MAX * w3:.0f} m) the Kingery-Bulmash fit "
                    "is extrapolated",
                )
            )
        return tuple(found)
