"""Release rate from live detector readings: fit a dispersion model to what the detectors see.

A steady plume's concentration is linear in the release rate Q: C(x) = Q · c₁(x), with c₁ the
model's concentration for a unit release. Given detector readings C̃ᵢ (above background) the
least-squares rate is Q̂ = Σ c₁ᵢ C̃ᵢ / Σ c₁ᵢ², computed in closed form. When the source is
not known exactly, the same fit runs for each candidate position and the best one wins.

The fit says how well it agrees with the detectors (R², RMSE, how many detectors see the
plume), so the screen can show whether the zones drawn from it deserve trust.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Fit", "estimate_release_rate", "refine_source"]

# Below this share of the largest unit response a detector is outside the modelled plume:
# its reading says nothing about Q, only whether the model's direction is right.
IN_PLUME_SHARE = 1e-3


@dataclass(frozen=True, slots=True)
class Fit:
    """A fitted release rate and how well the model then agrees with the detectors.

    Attributes
    ----------
    release_rate : float
        Q̂ in the unit the unit-release concentrations were computed for (e.g. kg/s).
    r2 : float
        Coefficient of determination of measured against modelled concentrations (1 is
        perfect; ≤ 0 means the model explains nothing).
    rmse : float
        Root-mean-square residual, in the concentration unit.
    detectors : int
        Readings used.
    in_plume : int
        Of those, detectors the modelled plume reaches.
    source_index : int
        Which candidate source fitted best (0 when only one was tried).
    """

    release_rate: float
    r2: float
    rmse: float
    detectors: int
    in_plume: int
    source_index: int = 0


def estimate_release_rate(
    unit_concentration: ArrayLike, measured: ArrayLike, background: float = 0.0
) -> Fit:
    """Least-squares release rate for one source position.

    Parameters
    ----------
    unit_concentration : array_like
        Modelled concentration at each detector for a unit release rate.
    measured : array_like
        Each detector's reading, same unit and order.
    background : float
        Subtracted from every reading before the fit.

    Returns
    -------
    Fit

    Raises
    ------
    ValueError
        When the arrays differ in length or are empty.

    Examples
    --------
    >>> fit = estimate_release_rate([2e-6, 1e-6, 0.0], [4e-6, 2e-6, 0.0])
    >>> round(fit.release_rate, 6), fit.r2, fit.in_plume
    (2.0, 1.0, 2)
    """
    c1 = np.asarray(unit_concentration, dtype=float)
    y = np.asarray(measured, dtype=float) - background
    if c1.shape != y.shape or c1.ndim != 1:
        raise ValueError("unit_concentration and measured must be 1-D and of equal length")
    if c1.size == 0:
        raise ValueError("no detector readings to fit")
    y = np.clip(y, 0.0, None)  # below background is background: a detector cannot read < 0
    in_plume = int(np.count_nonzero(c1 > IN_PLUME_SHARE * c1.max())) if c1.max() > 0 else 0
    denominator = float(np.dot(c1, c1))
    q = max(0.0, float(np.dot(c1, y)) / denominator) if denominator > 0 else 0.0
    residual = y - q * c1
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else (1.0 if q > 0 else 0.0)
    rmse = float(np.sqrt(np.mean(residual**2)))
    return Fit(q, r2, rmse, int(c1.size), in_plume)


def refine_source(
    candidates: Sequence[object],
    unit_concentration: Callable[[object], NDArray[np.float64]],
    measured: ArrayLike,
    background: float = 0.0,
) -> Fit:
    """Fit the rate for each candidate source position and keep the best (least RMSE).

    Parameters
    ----------
    candidates : sequence
        Candidate source descriptions (positions, heights …), passed back to the model.
    unit_concentration : callable
        ``unit_concentration(candidate)`` → modelled concentrations at the detectors for a
        unit release from that candidate.
    measured : array_like
        The detectors' readings.
    background : float
        Subtracted from every reading.

    Returns
    -------
    Fit
        With ``source_index`` naming the winning candidate.

    Examples
    --------
    >>> truth = np.array([3.0, 1.0, 0.5])
    >>> models = {"a": np.array([1.0, 1.0, 1.0]), "b": truth / 2}
    >>> best = refine_source(["a", "b"], models.__getitem__, truth)
    >>> best.source_index, round(best.release_rate, 6)
    (1, 2.0)
    """
    if not candidates:
        raise ValueError("no candidate sources")
    fits = [estimate_release_rate(unit_concentration(c), measured, background) for c in candidates]
    best = min(range(len(fits)), key=lambda i: (fits[i].rmse, -fits[i].r2))
    f = fits[best]
    return Fit(f.release_rate, f.r2, f.rmse, f.detectors, f.in_plume, best)
