"""The fusion step recovers a known release rate from simulated detector readings."""

from __future__ import annotations

import numpy as np
import pytest

from sim.consequence.gaussian_plume import GaussianPlume
from sim.fusion import estimate_release_rate, refine_source

TRUE_RATE_KG_S = 2.5


def _detectors() -> tuple[np.ndarray, np.ndarray]:
    # A fence line of detectors 150–400 m downwind, some off the axis, two upwind.
    x = np.array([150.0, 200.0, 250.0, 300.0, 400.0, 220.0, -50.0, -120.0])
    y = np.array([0.0, 15.0, -30.0, 40.0, 10.0, 120.0, 0.0, 20.0])
    return x, y


def test_a_known_release_rate_is_recovered_from_noisy_detectors() -> None:
    x, y = _detectors()
    truth = GaussianPlume(TRUE_RATE_KG_S, 3.0, "D").concentration_mg_m3(x, y)
    rng = np.random.default_rng(7)
    # 10 % multiplicative noise and a 0.05 mg/m³ background offset, as real detectors read.
    measured = truth * rng.normal(1.0, 0.10, truth.size) + 0.05
    unit = GaussianPlume(1.0, 3.0, "D").concentration_mg_m3(x, y)
    fit = estimate_release_rate(unit, measured, background=0.05)
    assert fit.release_rate == pytest.approx(TRUE_RATE_KG_S, rel=0.08)
    assert fit.r2 > 0.9
    # The two upwind detectors and the one 120 m off the axis see nothing of it.
    assert fit.detectors == 8 and fit.in_plume == 5


def test_the_right_source_wins_among_candidates() -> None:
    x, y = _detectors()
    measured = GaussianPlume(TRUE_RATE_KG_S, 3.0, "D").concentration_mg_m3(x, y)
    # Candidate sources shifted along the wind; the true one is at offset 0.
    offsets = [-60.0, -30.0, 0.0, 30.0, 60.0]
    unit = GaussianPlume(1.0, 3.0, "D")
    best = refine_source(
        offsets,
        lambda dx: unit.concentration_mg_m3(x - float(dx), y),
        measured,  # type: ignore[arg-type]
    )
    assert offsets[best.source_index] == 0.0
    assert best.release_rate == pytest.approx(TRUE_RATE_KG_S, rel=1e-6)


def test_nothing_seen_is_no_release_and_bad_input_is_refused() -> None:
    fit = estimate_release_rate([1e-3, 2e-3], [0.0, 0.0])
    assert fit.release_rate == 0.0
    with pytest.raises(ValueError, match="equal length"):
        estimate_release_rate([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="no detector"):
        estimate_release_rate([], [])
