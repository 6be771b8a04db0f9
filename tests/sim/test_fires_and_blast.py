"""Pool fire, jet fire and vapour-cloud explosion against hand calculations and curves."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.consequence.chemical_table import load_chemicals
from sim.consequence.chemicals import ChemicalTable
from sim.consequence.explosion import VapourCloudExplosion, kingery_bulmash_kpa, tnt_equivalent_kg
from sim.consequence.jet_fire import JetFire, chamberlain_radiative_fraction
from sim.consequence.pool_fire import PoolFire, burning_rate_kg_m2_s, equilibrium_pool_diameter_m
from sim.consequence.thermal_radiation import transmissivity, water_vapour_pressure_pa

ROOT = Path(__file__).resolve().parents[2]
PSI_KPA = 6.894757
FT_LB = 0.3967  # 1 ft/lb^⅓ in m/kg^⅓


@pytest.fixture(scope="module")
def table() -> ChemicalTable:
    return load_chemicals(ROOT / "data" / "rules" / "chemicals.yaml")


def test_pool_fire_flux_matches_a_hand_calculation() -> None:
    # LPG pool, D = 20 m, m'' = 0.099 (1 − e^(−1.4·20)) = 0.099 kg/m²·s, ΔHc 46.35 MJ/kg.
    #   Q = 0.099 · π·20²/4 · 46.35e6 = 1.4416e9 W; radiated 0.35 Q = 5.0457e8 W.
    #   Thomas: ρa = 1.1839 kg/m³ at 298.15 K; m''/(ρa√(gD)) = 0.099/(1.1839·14.005)
    #   = 5.971e-3; H = 42·20·(5.971e-3)^0.61 = 840·0.04400 = 36.96 m.
    #   Target 100 m from the centre: R = √(100² + 18.43²) = 101.68 m.
    #   τ: p_w = 0.5·101325·e^(14.4114 − 5328/298.15) = 1594 Pa; (1594·101.68)^−0.09
    #   = e^(−0.09·11.996) = 0.3398 → τ = 0.6864.
    #   q = 0.6864 · 5.0457e8 / (4π · 101.68²) = 2.664 kW/m².
    fire = PoolFire(20.0, 0.099, 46.35e6)
    assert fire.heat_release_w == pytest.approx(1.4416e9, rel=1e-3)
    assert fire.flame_height_m == pytest.approx(36.96, rel=1e-3)
    assert float(fire.flux_kw_m2(100.0)) == pytest.approx(2.664, rel=5e-3)


def test_pool_fire_flux_falls_with_distance_and_roughly_as_inverse_square() -> None:
    fire = PoolFire(10.0, 0.017, 19.9e6)
    r = np.geomspace(20.0, 2000.0, 200)
    q = fire.flux_kw_m2(r)
    assert np.all(np.diff(q) < 0)
    # Doubling a far distance quarters the flux, less a little for the longer air path.
    ratio = float(fire.flux_kw_m2(1000.0) / fire.flux_kw_m2(500.0))
    assert 0.2 < ratio < 0.25


def test_burning_rates(table: ChemicalTable) -> None:
    lpg, methanol = table.chemical("lpg"), table.chemical("methanol")
    # Babrauskas: small pools burn slower (optically thin flames).
    assert burning_rate_kg_m2_s(lpg, 0.5) == pytest.approx(0.099 * (1 - math.exp(-0.7)))
    assert burning_rate_kg_m2_s(methanol, 2.0) == burning_rate_kg_m2_s(methanol, 50.0) == 0.017
    with pytest.raises(ValueError, match="does not burn"):
        burning_rate_kg_m2_s(table.chemical("chlorine"), 5.0)
    d = equilibrium_pool_diameter_m(10.0, lpg)
    area = math.pi * d**2 / 4
    assert burning_rate_kg_m2_s(lpg, d) * area == pytest.approx(10.0, rel=1e-6)


def test_transmissivity_correlation() -> None:
    assert water_vapour_pressure_pa(1.0, 298.15) == pytest.approx(3169, rel=0.01)  # steam table
    assert float(transmissivity(10.0, 0.0)) == 1.0
    tau = transmissivity([10.0, 100.0, 1000.0], 0.7)
    assert np.all(np.diff(tau) < 0) and np.all(tau <= 1.0)


def test_jet_fire_matches_a_hand_calculation() -> None:
    # 2 kg/s methane-like gas (ΔHc 50 MJ/kg), exit 300 m/s, released 5 m up.
    #   Q = 1.0e8 W; F = 0.21·e^(−0.969) + 0.11 = 0.18970; L = 0.00326·(1e8)^0.478
    #   = 0.00326·6668.8 = 21.74 m; flame centre 5 + 10.87 = 15.87 m up.
    #   Target 50 m away: R = √(50² + 15.87²) = 52.46 m; τ = 2.02·(1594·52.46)^−0.09
    #   = 2.02·e^(−0.09·11.334) = 0.7277; q = 0.7277·0.1897·1e8/(4π·52.46²) = 0.3992 kW/m².
    jet = JetFire(2.0, 50e6, exit_velocity_m_s=300.0, release_height_m=5.0)
    assert jet.radiative_fraction_used == pytest.approx(0.18970, rel=1e-3)
    assert jet.flame_length_m == pytest.approx(21.74, rel=2e-3)
    assert float(jet.flux_kw_m2(50.0)) == pytest.approx(0.3992, rel=5e-3)
    assert chamberlain_radiative_fraction(0.0) == pytest.approx(0.32)
    assert JetFire(2.0, 50e6).radiative_fraction_used == 0.3
    assert "assumed_radiative_fraction" in [w.code for w in JetFire(2.0, 50e6).warnings()]


@pytest.mark.parametrize(("k_ft_lb", "psi"), [(11.0, 8.0), (18.0, 3.5), (24.0, 2.3), (40.0, 1.2)])
def test_kingery_bulmash_against_dod_separation_factors(k_ft_lb: float, psi: float) -> None:
    # DoD 6055.09 quantity-distance factors K (ft/lb^⅓) and their hemispherical TNT
    # surface-burst overpressures: K11 8 psi, K18 3.5 psi, K24 2.3 psi, K40 1.2 psi.
    assert float(kingery_bulmash_kpa(k_ft_lb * FT_LB)) / PSI_KPA == pytest.approx(psi, rel=0.05)


def test_kingery_bulmash_fit_falls_and_joins_its_bands_within_one_percent() -> None:
    z = np.geomspace(0.2, 500.0, 5000)
    p = kingery_bulmash_kpa(z)
    # Swisdak's bands meet with a step of under 1 % (up at 23.8): falling elsewhere.
    rising = np.flatnonzero(np.diff(p) >= 0)
    assert all(z[i] < 23.8 <= z[i + 1] for i in rising)
    for edge in (2.9, 23.8):
        below, above = kingery_bulmash_kpa([edge * (1 - 1e-9), edge * (1 + 1e-9)])
        assert above == pytest.approx(below, rel=0.01)


def test_tnt_equivalence_and_zone_radius() -> None:
    # 500 kg propane, 5 % yield: W = 0.05·500·46.35/4.68 = 247.6 kg TNT.
    vce = VapourCloudExplosion(500.0, 46.35e6, 0.05)
    assert vce.tnt_kg == pytest.approx(247.6, rel=1e-3)
    assert tnt_equivalent_kg(500.0, 46.35e6, 0.05) == vce.tnt_kg
    r = vce.distance_to_kpa(3.5 * PSI_KPA)
    assert float(vce.overpressure_kpa(r)) == pytest.approx(3.5 * PSI_KPA, rel=1e-6)
    # Hopkinson-Cranz scaling: eight times the charge, twice the distance.
    bigger = VapourCloudExplosion(4000.0, 46.35e6, 0.05)
    assert bigger.distance_to_kpa(3.5 * PSI_KPA) == pytest.approx(2 * r, rel=1e-6)
    codes = [w.code for w in vce.warnings([5.0, 5000.0])]
    assert codes == ["tnt_equivalence", "near_field", "far_field"]


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError):
        PoolFire(0.0, 0.05, 40e6)
    with pytest.raises(ValueError):
        JetFire(1.0, 40e6, radiative_fraction=1.5)
    with pytest.raises(ValueError):
        VapourCloudExplosion(100.0, 46e6, yield_factor=0.0)
