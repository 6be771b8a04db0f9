"""Thermal radiation from a fire treated as a point source, with air absorption.

A fire releasing heat at Q (W), of which the fraction χ leaves as radiation, irradiates a
target at distance R from the flame centre with

    q = τ · χ · Q / (4π R²)

(the point-source model of CCPS, *Guidelines for Chemical Process Quantitative Risk
Analysis*, 2nd ed., 2000, §2.2.4). The atmospheric transmissivity τ accounts for the
water vapour and CO₂ on the path; this module uses the correlation of Pietersen and
Huerta (TNO, 1985; quoted by CCPS 2000):

    τ = 2.02 · (p_w · X)^−0.09,  p_w in Pa, X in m, capped at 1,

with the partial pressure of water p_w = RH · p_sat(T) and
p_sat = 101325 · exp(14.4114 − 5328 / T) Pa (Mudan and Croce, SFPE Handbook).

The point source is good beyond a few flame lengths; nearer, the flame's shape matters
and the models using this module say so in their warnings.

Examples
--------
>>> round(float(transmissivity(100.0, relative_humidity=0.5)), 3)
0.687
>>> round(float(point_source_flux_kw_m2(1e7, 100.0, relative_humidity=0.5)), 3)
0.055
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from sim.consequence.dispersion_coefficients import FloatArray

__all__ = ["point_source_flux_kw_m2", "transmissivity", "water_vapour_pressure_pa"]


def water_vapour_pressure_pa(relative_humidity: float, temperature_k: float) -> float:
    """Partial pressure of water vapour in the air, Pa.

    Examples
    --------
    >>> round(water_vapour_pressure_pa(1.0, 298.15))
    3188
    """
    if not 0.0 <= relative_humidity <= 1.0:
        raise ValueError(f"relative humidity is a fraction within 0-1, got {relative_humidity}")
    if not math.isfinite(temperature_k) or temperature_k <= 0:
        raise ValueError(f"temperature must be a positive number of kelvin, got {temperature_k}")
    return relative_humidity * 101_325.0 * math.exp(14.4114 - 5328.0 / temperature_k)


def transmissivity(
    path_m: npt.ArrayLike, relative_humidity: float = 0.5, temperature_k: float = 298.15
) -> FloatArray:
    """Fraction of thermal radiation the air transmits over ``path_m`` metres (≤ 1).

    Dry air (``relative_humidity=0``) transmits everything in this correlation.
    """
    pw = water_vapour_pressure_pa(relative_humidity, temperature_k)
    x = np.asarray(path_m, dtype=np.float64)
    if pw == 0.0:
        return np.ones_like(x)
    product = np.maximum(pw * x, 1e-12)
    return np.asarray(np.minimum(2.02 * product**-0.09, 1.0), dtype=np.float64)


def point_source_flux_kw_m2(
    radiated_w: float,
    distance_m: npt.ArrayLike,
    relative_humidity: float = 0.5,
    temperature_k: float = 298.15,
) -> FloatArray:
    """Incident heat flux (kW/m²) at ``distance_m`` from a point radiating ``radiated_w``.

    Parameters
    ----------
    radiated_w : float
        χ · Q, the power leaving the fire as radiation, W.
    distance_m : array_like
        Distance from the flame centre to the target, m (> 0).
    relative_humidity, temperature_k : float
        Air conditions for the transmissivity.
    """
    r = np.asarray(distance_m, dtype=np.float64)
    if np.any(r <= 0):
        raise ValueError("distances from the flame centre must be positive")
    tau = transmissivity(r, relative_humidity, temperature_k)
    return np.asarray(tau * radiated_w / (4.0 * math.pi * r**2) / 1000.0, dtype=np.float64)
