"""Gaussian plume and σ curves against the textbook example and basic physics.

The worked example of *Fundamentals of Air Pollution* (3rd ed., §19.III.D) uses the
Pasquill-Gifford fits of its tables 19-4 and 19-5: a 0.37 g/s source at an effective
height of 40 m, wind 2 m/s, class B; it prints σz, σy and the ground-level centreline
concentration at 0.26, 0.28 and 0.30 km.
"""

from __future__ import annotations

import doctest
import math
from types import ModuleType

import numpy as np
import pytest

import sim.consequence
import sim.evaluation
import sim.fusion
import sim.rule_files
from sim.consequence import (
    assessment,
    atmosphere,
    britter_mcquaid,
    chemical_table,
    chemicals,
    dense_gas,
    dispersion_coefficients,
    explosion,
    footprint,
    gaussian_plume,
    jet_fire,
    levels,
    limits,
    pool_fire,
    scenarios,
    source_terms,
    stability,
    thermal_radiation,
    timeline,
    zones,
)
from sim.consequence.dispersion_coefficients import DISPERSION_SCHEMES, sigma_y_m, sigma_z_m
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.stability import STABILITY_CLASSES, Stability, stability_class

MODULES: list[ModuleType] = [
    sim.evaluation,
    sim.fusion,
    sim.rule_files,
    sim.consequence,
    assessment,
    atmosphere,
    britter_mcquaid,
    chemical_table,
    chemicals,
    dense_gas,
    dispersion_coefficients,
    explosion,
    footprint,
    gaussian_plume,
    jet_fire,
    levels,
    limits,
    pool_fire,
    scenarios,
    source_terms,
    stability,
    thermal_radiation,
    timeline,
    zones,
]

# (x km, σz m, σy m, C g/m³) as printed in the book's table.
TURNER_EXAMPLE = [
    (0.26, 26.2, 45.9, 1.53e-5),
    (0.28, 28.2, 49.0, 1.56e-5),
    (0.30, 30.1, 52.2, 1.55e-5),
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("x_km", "sigma_z", "sigma_y", "c_g_m3"), TURNER_EXAMPLE)
def test_turner_worked_example_within_one_percent(
    x_km: float, sigma_z: float, sigma_y: float, c_g_m3: float
) -> None:
    plume = GaussianPlume(0.37e-3, 2.0, "B", release_height_m=40.0)
    x_m = x_km * 1000.0
    assert float(sigma_z_m(x_m, "B")) == pytest.approx(sigma_z, rel=0.01)
    assert float(sigma_y_m(x_m, "B")) == pytest.approx(sigma_y, rel=0.01)
    assert float(plume.centreline_mg_m3(x_m)) / 1000.0 == pytest.approx(c_g_m3, rel=0.01)


def test_sigma_z_matches_the_books_values_at_band_edges() -> None:
    # Table 19-5 lists σz at the upper edge of each distance band.
    printed: dict[tuple[Stability, float], float] = {
        ("A", 0.1): 14.0,
        ("A", 0.15): 21.4,
        ("A", 0.2): 29.3,
        ("A", 0.25): 37.7,
        ("A", 0.3): 47.4,
        ("A", 0.4): 71.2,
        ("A", 0.5): 104.7,
        ("B", 0.2): 20.2,
        ("B", 0.4): 40.0,
        ("D", 0.3): 12.1,
        ("D", 1.0): 32.1,
        ("D", 3.0): 65.1,
        ("D", 10.0): 134.9,
        ("D", 30.0): 251.2,
        ("E", 20.0): 109.3,
        ("E", 40.0): 141.9,
    }
    for (cls, x_km), expected in printed.items():
        assert float(sigma_z_m(x_km * 1000.0, cls)) == pytest.approx(expected, rel=0.01), (
            cls,
            x_km,
        )


@pytest.mark.parametrize("cls", STABILITY_CLASSES)
def test_piecewise_sigma_z_is_continuous(cls: str) -> None:
    # A transcription error in one band's coefficients shows up as a jump at its edge.
    x = np.geomspace(10.0, 100_000.0, 4000)
    sz = sigma_z_m(x, cls)  # type: ignore[arg-type]
    jumps = np.abs(np.diff(np.log(sz)))
    step = np.diff(np.log(x))
    assert np.all(jumps <= 2.2 * step + 1e-3)


def test_crosswind_integrated_flux_equals_the_release_rate() -> None:
    # Ground reflection conserves mass: ∫∫ C dy dz over y ∈ ℝ, z ≥ 0, times u, is Q.
    q_kg_s, u = 1.5, 4.0
    plume = GaussianPlume(q_kg_s, u, "C", release_height_m=60.0)
    for x in (200.0, 1000.0, 5000.0):
        sy, sz = float(sigma_y_m(x, "C")), float(sigma_z_m(x, "C"))
        y = np.linspace(-8 * sy, 8 * sy, 801)
        z = np.linspace(0.0, 60.0 + 10 * sz, 1601)
        yy, zz = np.meshgrid(y, z)
        c_kg_m3 = plume.concentration_mg_m3(x, yy, zz) / 1e6
        flux = np.trapezoid(np.trapezoid(c_kg_m3, y, axis=1), z) * u
        assert flux == pytest.approx(q_kg_s, rel=1e-3)


def test_ground_level_axis_falls_monotonically_beyond_its_maximum() -> None:
    plume = GaussianPlume(1.0, 3.0, "D", release_height_m=30.0)
    x = np.geomspace(50.0, 20_000.0, 2000)
    c = plume.centreline_mg_m3(x)
    peak = int(np.argmax(c))
    assert 0 < peak < x.size - 1
    assert np.all(np.diff(c[peak:]) < 0)
    assert np.all(np.diff(c[: peak + 1]) > 0)


def test_spread_grows_with_instability() -> None:
    for x in (100.0, 500.0, 2000.0, 8000.0):
        for scheme in DISPERSION_SCHEMES:
            sy = [float(sigma_y_m(x, c, scheme)) for c in STABILITY_CLASSES]
            sz = [float(sigma_z_m(x, c, scheme)) for c in STABILITY_CLASSES]
            assert sy == sorted(sy, reverse=True), (x, scheme)
            assert sz == sorted(sz, reverse=True), (x, scheme)


@pytest.mark.parametrize("cls", ["B", "C", "D", "E", "F"])
def test_briggs_rural_agrees_with_pasquill_gifford_within_a_factor(cls: str) -> None:
    # Both describe open country; class A σz diverges past 0.5 km (P-G's steep fit).
    x = np.geomspace(100.0, 10_000.0, 50)
    for sigma in (sigma_y_m, sigma_z_m):
        ratio = sigma(x, cls, "briggs_rural") / sigma(x, cls)  # type: ignore[arg-type]
        assert np.all((ratio > 1 / 1.5) & (ratio < 1.5))
    pg = GaussianPlume(1.0, 3.0, cls).centreline_mg_m3(x)  # type: ignore[arg-type]
    rural = GaussianPlume(1.0, 3.0, cls, dispersion="briggs_rural").centreline_mg_m3(x)  # type: ignore[arg-type]
    assert np.all((rural / pg > 0.5) & (rural / pg < 2.0))


def test_urban_roughness_dilutes_more_than_open_country() -> None:
    x = np.geomspace(100.0, 10_000.0, 50)
    for cls in STABILITY_CLASSES:
        rural = GaussianPlume(1.0, 3.0, cls, dispersion="briggs_rural").centreline_mg_m3(x)
        urban = GaussianPlume(1.0, 3.0, cls, dispersion="briggs_urban").centreline_mg_m3(x)
        assert np.all(urban < rural)


def test_concentration_scales_with_rate_and_inverse_wind() -> None:
    base = float(GaussianPlume(1.0, 2.0, "D").centreline_mg_m3(700.0))
    assert float(GaussianPlume(3.0, 2.0, "D").centreline_mg_m3(700.0)) == pytest.approx(3 * base)
    assert float(GaussianPlume(1.0, 4.0, "D").centreline_mg_m3(700.0)) == pytest.approx(base / 2)


def test_nothing_upwind_and_inputs_checked() -> None:
    plume = GaussianPlume(1.0, 3.0, "D")
    assert plume.concentration_mg_m3([-10.0, 0.0], 0.0).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="wind_m_s"):
        GaussianPlume(1.0, 0.0, "D")
    with pytest.raises(ValueError, match="stability"):
        GaussianPlume(1.0, 3.0, "G")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dispersion"):
        sigma_y_m(100.0, "D", "smooth")  # type: ignore[arg-type]


def test_limits_are_reported_like_aloha() -> None:
    calm = GaussianPlume(1.0, 0.8, "F")
    codes = [w.code for w in calm.warnings([30.0, 12_000.0])]
    assert codes == ["low_wind", "stable_conditions", "near_field", "far_field"]
    assert GaussianPlume(1.0, 5.0, "D").warnings([500.0]) == ()


@pytest.mark.parametrize(
    ("wind", "sky", "expected"),
    [
        (1.0, "strong_sun", "A"),
        (1.0, "moderate_sun", "B"),
        (2.5, "strong_sun", "B"),
        (2.5, "night_cloudy", "E"),
        (2.5, "night_clear", "F"),
        (4.0, "slight_sun", "C"),
        (4.0, "night_cloudy", "D"),
        (4.0, "night_clear", "E"),
        (5.5, "moderate_sun", "D"),
        (7.0, "strong_sun", "C"),
        (7.0, "night_clear", "D"),
        (1.0, "overcast", "D"),
    ],
)
def test_pasquill_table(wind: float, sky: str, expected: str) -> None:
    assert stability_class(wind, sky) == expected  # type: ignore[arg-type]


def test_split_classes_resolve_either_way() -> None:
    assert stability_class(1.0, "moderate_sun", resolve="unstable") == "A"
    assert stability_class(5.5, "moderate_sun", resolve="unstable") == "C"
    with pytest.raises(ValueError):
        stability_class(-1.0, "overcast")
    with pytest.raises(ValueError):
        stability_class(3.0, "dusk")  # type: ignore[arg-type]


def test_turner_maximum_sits_where_sigma_z_is_h_over_root_two() -> None:
    plume = GaussianPlume(0.37e-3, 2.0, "B", release_height_m=40.0)
    x = np.linspace(200.0, 400.0, 2001)
    x_max = float(x[np.argmax(plume.centreline_mg_m3(x))])
    assert float(sigma_z_m(x_max, "B")) == pytest.approx(40.0 / math.sqrt(2), rel=0.05)
