"""Britter-McQuaid dense-gas plume against the CCPS worked example and its own limits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.consequence.atmosphere import air_density_kg_m3
from sim.consequence.dense_gas import DenseGasPlume
from sim.consequence.gaussian_plume import GaussianPlume


def _burro() -> DenseGasPlume:
    # CCPS, Guidelines for Consequence Analysis of Chemical Releases (1999), Burro LNG
    # example: 0.23 m³/s of LNG (425.6 kg/m³) boiling off as vapour of 1.76 kg/m³ at
    # −162 °C, wind 10.9 m/s at 10 m, air at 298 K. CCPS works α ≈ −0.42, corrects 5 %
    # for the cold source to an isothermal 1.9 % and reads 367 m to the 5 % LFL.
    return DenseGasPlume(
        0.23 * 425.6,
        10.9,
        molar_mass_g_mol=16.04,
        source_density_kg_m3=1.76,
        source_temperature_k=111.15,
        ambient_temperature_k=298.0,
    )


def test_burro_lng_reaches_five_percent_at_367_m() -> None:
    burro = _burro()
    assert burro.alpha == pytest.approx(-0.42, abs=0.01)
    assert burro.source_scale_m == pytest.approx(2.26, abs=0.01)
    assert float(burro.centreline_volume_fraction(367.0)) == pytest.approx(0.05, rel=0.03)
    x = np.linspace(300.0, 450.0, 1501)
    x_lfl = float(x[np.argmin(np.abs(burro.centreline_volume_fraction(x) - 0.05))])
    assert x_lfl == pytest.approx(367.0, rel=0.03)


def test_isothermal_release_reads_the_curves_directly() -> None:
    # At ambient temperature C = C*: at the 0.01 curve's β the axis is 1 % of pure gas.
    plume = DenseGasPlume(5.0, 2.0, molar_mass_g_mol=70.906)
    alpha = plume.alpha
    assert -0.29 < alpha <= 1.0  # the 0.01 curve is β = 2.45 there, falling past −0.2
    beta = 2.45 if alpha <= -0.2 else 2.45 + (1.83 - 2.45) * (alpha + 0.2) / 1.2
    x = plume.source_scale_m * 10**beta
    assert float(plume.centreline_volume_fraction(x)) == pytest.approx(0.01, rel=1e-6)


def test_axis_falls_continuously_through_the_hand_over_to_the_passive_plume() -> None:
    plume = DenseGasPlume(2.0, 3.0, molar_mass_g_mol=70.906, source_temperature_k=239.11)
    x = np.geomspace(0.1, 20_000.0, 5000)
    c = plume.centreline_volume_fraction(x)
    assert np.all(np.diff(c) <= 0)
    x_t = plume.passive_from_m
    before, after = plume.centreline_volume_fraction([x_t * (1 - 1e-6), x_t * (1 + 1e-6)])
    assert after == pytest.approx(before, rel=1e-3)
    assert plume.centreline_volume_fraction(-0.5).item() == 1.0  # over the source
    assert plume.centreline_volume_fraction(-50.0).item() == 0.0  # upwind of the spread


def test_crosswind_integral_is_continuous_through_the_hand_over() -> None:
    # The passive plume takes over with the top hat's axis value and crosswind integral
    # (σy = 2b/√(2π)), so the flux through the plane x does not jump there.
    plume = DenseGasPlume(2.0, 3.0, molar_mass_g_mol=70.906, source_temperature_k=239.11)
    x_t = plume.passive_from_m
    y = np.linspace(-1000.0, 1000.0, 200_001)
    before = np.trapezoid(plume.concentration_mg_m3(x_t * (1 - 1e-6), y), y)
    after = np.trapezoid(plume.concentration_mg_m3(x_t * (1 + 1e-6), y), y)
    assert after == pytest.approx(before, rel=1e-2)


def test_dense_plume_is_wider_and_no_more_dilute_near_the_source_than_a_passive_one() -> None:
    dense = DenseGasPlume(2.0, 3.0, molar_mass_g_mol=70.906, source_temperature_k=239.11)
    passive = GaussianPlume(2.0, 3.0, "D")
    x = np.array([100.0, 200.0])
    assert np.all(dense.half_width_m(x) > 2 * np.array([7.0, 13.0]))
    assert np.all(dense.centreline_mg_m3(x) > 0.3 * passive.centreline_mg_m3(x))


def test_light_gas_is_refused_and_weakly_dense_gas_flagged() -> None:
    with pytest.raises(ValueError, match="not denser"):
        DenseGasPlume(1.0, 3.0, molar_mass_g_mol=17.031)  # ammonia at 25 °C
    weak = DenseGasPlume(0.01, 8.0, molar_mass_g_mol=32.0)
    assert weak.density_criterion < 0.15
    assert "not_dense" in [w.code for w in weak.warnings()]


def test_limits_reported() -> None:
    plume = DenseGasPlume(
        2.0, 0.8, molar_mass_g_mol=70.906, source_temperature_k=239.11, duration_s=60.0
    )
    codes = [w.code for w in plume.warnings([5.0, 2000.0])]
    assert codes == ["low_wind", "near_field", "passive_far_field", "not_continuous"]


def test_air_density() -> None:
    assert air_density_kg_m3(293.15) == pytest.approx(1.204, abs=0.002)
