"""Physical constants and ideal-gas densities at sea-level pressure.

Examples
--------
>>> round(air_density_kg_m3(298.15), 4), round(gas_density_kg_m3(70.906, 239.11), 3)
(1.1839, 3.614)
"""

from __future__ import annotations

__all__ = [
    "AIR_MOLAR_MASS_G_MOL",
    "ATMOSPHERE_PA",
    "GAS_CONSTANT_J_MOL_K",
    "GRAVITY_M_S2",
    "air_density_kg_m3",
    "gas_density_kg_m3",
]

GRAVITY_M_S2 = 9.80665
GAS_CONSTANT_J_MOL_K = 8.314462618
ATMOSPHERE_PA = 101_325.0
AIR_MOLAR_MASS_G_MOL = 28.9647


def gas_density_kg_m3(molar_mass_g_mol: float, temperature_k: float) -> float:
    """Ideal-gas density at 101.325 kPa (kg/m³)."""
    return ATMOSPHERE_PA * molar_mass_g_mol / 1000.0 / (GAS_CONSTANT_J_MOL_K * temperature_k)


def air_density_kg_m3(temperature_k: float) -> float:
    """Density of dry air at 101.325 kPa (kg/m³)."""
    return gas_density_kg_m3(AIR_MOLAR_MASS_G_MOL, temperature_k)
