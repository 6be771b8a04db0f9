"""Release rates from a hole in a tank or pipe: liquid and gas orifice flow.

Liquid below the liquid level (Bernoulli, incompressible; e.g. Crowl & Louvar,
*Chemical Process Safety*, eq. 3-17):

    ṁ = Cd · A · sqrt(2 ρ (p − pa) + 2 ρ² g h)

with the gauge pressure p − pa over the liquid, the liquid head h above the hole and
Cd ≈ 0.61 for a sharp-edged hole. A liquefied gas stored under its own vapour pressure
flashes in the hole; this single-phase formula then overstates the rate (a conservative
bound), and `flash_fraction` estimates how much of the liquid turns to vapour at once.

Gas through a hole (isentropic nozzle flow of an ideal gas; Crowl & Louvar eq. 3-22/3-24):
the flow is choked (sonic at the hole) when pa/p ≤ (2/(γ+1))^(γ/(γ−1)), and then

    ṁ = Cd · A · p · sqrt(γ M / (R T) · (2/(γ+1))^((γ+1)/(γ−1)))

otherwise

    ṁ = Cd · A · p · sqrt(2 M / (R T) · γ/(γ−1) · [(pa/p)^(2/γ) − (pa/p)^((γ+1)/γ)]).

Cd defaults to 1.0 for gas: when the hole's shape is unknown the largest rate is the safe
assumption. Pressures are absolute. The rate is the initial one: the tank's pressure and
level fall as it empties, which these formulas do not follow.

Examples
--------
A 25 mm hole 2 m below the level of methanol (791 kg/m³) in an atmospheric tank:

>>> round(liquid_release_kg_s(25.0, 791.0, liquid_head_m=2.0), 2)
1.48

Propane vapour at 8 bar(a) and 25 °C through a 10 mm hole is choked:

>>> r = gas_release(10.0, 8e5, 298.15, molar_mass_g_mol=44.097, heat_capacity_ratio=1.13)
>>> round(r.release_kg_s, 3), r.choked
(0.168, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.consequence.atmosphere import ATMOSPHERE_PA, GAS_CONSTANT_J_MOL_K, GRAVITY_M_S2

__all__ = ["GasRelease", "flash_fraction", "gas_release", "liquid_release_kg_s"]

# Sharp-edged orifice discharge coefficient for liquids (the usual design value).
LIQUID_CD = 0.61


@dataclass(frozen=True, slots=True)
class GasRelease:
    """Initial gas flow through a hole.

    Attributes
    ----------
    release_kg_s : float
        Mass rate, kg/s.
    choked : bool
        True when the flow is sonic at the hole.
    exit_velocity_m_s : float
        Gas velocity in the hole (sonic velocity at the throat when choked), m/s.
    """

    release_kg_s: float
    choked: bool
    exit_velocity_m_s: float


def liquid_release_kg_s(
    hole_diameter_mm: float,
    liquid_density_kg_m3: float,
    *,
    gauge_pressure_pa: float = 0.0,
    liquid_head_m: float = 0.0,
    discharge_coefficient: float = LIQUID_CD,
) -> float:
    """Initial liquid rate (kg/s) through a round hole below the liquid level.

    Parameters
    ----------
    hole_diameter_mm : float
        Hole diameter, mm.
    liquid_density_kg_m3 : float
        Liquid density at storage conditions.
    gauge_pressure_pa : float
        Pressure over the liquid above the atmosphere, Pa (vapour pressure of a
        liquefied gas minus 101.325 kPa, or a nitrogen blanket).
    liquid_head_m : float
        Liquid height above the hole, m.
    discharge_coefficient : float
        Cd, 0.61 for a sharp-edged hole; up to 1 for a rounded one.

    Returns
    -------
    float
        kg/s.

    Raises
    ------
    ValueError
        When a size or density is not positive, or there is nothing driving the flow.

    Examples
    --------
    >>> round(liquid_release_kg_s(10.0, 1000.0, gauge_pressure_pa=1e5), 3)
    0.678
    """
    _positive(hole_diameter_mm, "hole_diameter_mm")
    _positive(liquid_density_kg_m3, "liquid_density_kg_m3")
    _coefficient(discharge_coefficient)
    if gauge_pressure_pa < 0 or liquid_head_m < 0:
        raise ValueError("gauge pressure and liquid head must be ≥ 0")
    rho = liquid_density_kg_m3
    drive = 2.0 * rho * gauge_pressure_pa + 2.0 * rho**2 * GRAVITY_M_S2 * liquid_head_m
    if drive <= 0:
        raise ValueError("no driving pressure: give a gauge pressure or a liquid head")
    return discharge_coefficient * _area_m2(hole_diameter_mm) * math.sqrt(drive)


def gas_release(
    hole_diameter_mm: float,
    pressure_pa: float,
    temperature_k: float,
    *,
    molar_mass_g_mol: float,
    heat_capacity_ratio: float,
    ambient_pressure_pa: float = ATMOSPHERE_PA,
    discharge_coefficient: float = 1.0,
) -> GasRelease:
    """Initial gas rate through a round hole, choked or not.

    Parameters
    ----------
    hole_diameter_mm : float
        Hole diameter, mm.
    pressure_pa : float
        Absolute pressure in the vessel, Pa.
    temperature_k : float
        Gas temperature in the vessel, K.
    molar_mass_g_mol, heat_capacity_ratio : float
        M and γ = cp/cv of the gas.
    ambient_pressure_pa : float
        Absolute pressure outside, Pa.
    discharge_coefficient : float
        Cd; 1.0 (the default) gives the largest, safe-side rate.

    Returns
    -------
    GasRelease

    Raises
    ------
    ValueError
        When an input is not positive, γ ≤ 1, or the vessel pressure does not exceed the
        ambient pressure.

    Examples
    --------
    >>> r = gas_release(10.0, 1.5e5, 298.15, molar_mass_g_mol=28.0, heat_capacity_ratio=1.4)
    >>> r.choked, round(r.release_kg_s, 4)
    (False, 0.0258)
    """
    _positive(hole_diameter_mm, "hole_diameter_mm")
    _positive(temperature_k, "temperature_k")
    _positive(molar_mass_g_mol, "molar_mass_g_mol")
    _positive(ambient_pressure_pa, "ambient_pressure_pa")
    _coefficient(discharge_coefficient)
    g = heat_capacity_ratio
    if not math.isfinite(g) or g <= 1.0:
        raise ValueError(f"heat_capacity_ratio must be > 1, got {g}")
    if not math.isfinite(pressure_pa) or pressure_pa <= ambient_pressure_pa:
        raise ValueError(
            f"vessel pressure {pressure_pa} Pa must exceed the ambient {ambient_pressure_pa} Pa"
        )
    m_kg_mol = molar_mass_g_mol / 1000.0
    rt = GAS_CONSTANT_J_MOL_K * temperature_k
    area = _area_m2(hole_diameter_mm)
    ratio = ambient_pressure_pa / pressure_pa
    critical = (2.0 / (g + 1.0)) ** (g / (g - 1.0))
    if ratio <= critical:
        flux = pressure_pa * math.sqrt(g * m_kg_mol / rt * (2.0 / (g + 1.0)) ** ((g + 1) / (g - 1)))
        throat_t = temperature_k * 2.0 / (g + 1.0)
        velocity = math.sqrt(g * GAS_CONSTANT_J_MOL_K * throat_t / m_kg_mol)
        return GasRelease(discharge_coefficient * area * flux, True, velocity)
    term = ratio ** (2.0 / g) - ratio ** ((g + 1.0) / g)
    flux = pressure_pa * math.sqrt(2.0 * m_kg_mol / rt * g / (g - 1.0) * term)
    # Exit density at ambient pressure after isentropic expansion gives the velocity.
    exit_density = ambient_pressure_pa * m_kg_mol / (rt * ratio ** ((g - 1.0) / g))
    return GasRelease(discharge_coefficient * area * flux, False, flux / exit_density)


def flash_fraction(
    storage_temperature_k: float,
    boiling_point_k: float,
    liquid_heat_capacity_j_kg_k: float,
    heat_of_vaporization_j_kg: float,
) -> float:
    """Fraction of a superheated liquid that flashes to vapour on release.

    The adiabatic flash, f = cp (T − Tb) / ΔHv (Crowl & Louvar eq. 3-88 in its simple
    form), bounded to 0-1. In practice the spray that does not flash often stays airborne
    as aerosol; ALOHA and the workbook treat a liquefied gas release as all vapour when
    f is more than about 0.2 (rain-out is not modelled here).

    Examples
    --------
    Liquid chlorine stored at 20 °C:

    >>> round(flash_fraction(293.15, 239.11, 946.0, 2.878e5), 3)
    0.178
    """
    _positive(storage_temperature_k, "storage_temperature_k")
    _positive(boiling_point_k, "boiling_point_k")
    _positive(liquid_heat_capacity_j_kg_k, "liquid_heat_capacity_j_kg_k")
    _positive(heat_of_vaporization_j_kg, "heat_of_vaporization_j_kg")
    f = liquid_heat_capacity_j_kg_k * (storage_temperature_k - boiling_point_k)
    return min(max(f / heat_of_vaporization_j_kg, 0.0), 1.0)


def _area_m2(diameter_mm: float) -> float:
    return math.pi * (diameter_mm / 1000.0) ** 2 / 4.0


def _coefficient(cd: float) -> None:
    if not math.isfinite(cd) or not 0.0 < cd <= 1.0:
        raise ValueError(f"discharge coefficient must be within (0, 1], got {cd}")


def _positive(value: float, name: str) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
