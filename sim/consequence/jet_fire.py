"""Jet fire: an ignited gas jet and the heat flux it radiates against distance.

The API 521 point-source method (API Standard 521, *Pressure-relieving and Depressuring
Systems*, flare radiation section): heat Q = ṁ · ΔHc released at the flame centre, a
fraction F radiated, q = τ F Q / (4π R²) (see `sim.consequence.thermal_radiation`).

F, the fraction radiated, follows Chamberlain's (1987, Shell) correlation with the gas
exit velocity u_j: F = 0.21 exp(−0.00323 u_j) + 0.11; when u_j is unknown F defaults to
0.3 (safe side: Chamberlain's F lies between 0.11 and 0.32).

Flame length: L = 0.00326 · Q^0.478 (L in m, Q in W), a power-law fit of API 521's
flame-length chart; the flame is taken vertical above the release point, so its centre
is at the release height plus L/2.

Limits (`JetFire.warnings`): the point source misrepresents the flame within about one
flame length, where engulfment and impingement dominate; wind tilt and the jet's own
direction (a horizontal jet reaches further along its axis) are not modelled.

Examples
--------
1 kg/s of propane (ΔHc 46.35 MJ/kg) escaping at 250 m/s, released at ground level:

>>> jet = JetFire(1.0, 46.35e6, exit_velocity_m_s=250.0)
>>> round(jet.radiative_fraction_used, 3), round(jet.flame_length_m, 1)
(0.204, 15.1)
>>> round(float(jet.flux_kw_m2(30.0)), 2)
0.6
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.consequence.dispersion_coefficients import FloatArray
from sim.consequence.limits import ModelWarning
from sim.consequence.thermal_radiation import point_source_flux_kw_m2

__all__ = ["JetFire", "chamberlain_radiative_fraction"]

# Used when neither the radiated fraction nor the exit velocity is known.
DEFAULT_RADIATIVE_FRACTION = 0.3


def chamberlain_radiative_fraction(exit_velocity_m_s: float) -> float:
    """Chamberlain's radiated fraction of a gas jet flame for exit velocity ``u_j`` (m/s).

    Examples
    --------
    >>> round(chamberlain_radiative_fraction(0.0), 2)
    0.32
    >>> round(chamberlain_radiative_fraction(400.0), 3)
    0.168
    """
    if not math.isfinite(exit_velocity_m_s) or exit_velocity_m_s < 0:
        raise ValueError(f"exit velocity must be ≥ 0 m/s, got {exit_velocity_m_s}")
    return 0.21 * math.exp(-0.00323 * exit_velocity_m_s) + 0.11


@dataclass(frozen=True, slots=True)
class JetFire:
    """A steady ignited gas release.

    Attributes
    ----------
    release_kg_s : float
        Gas mass rate, kg/s.
    heat_of_combustion_j_kg : float
        ΔHc (lower heating value), J/kg.
    exit_velocity_m_s : float or None
        Gas velocity at the hole (sonic velocity for a choked release), for F.
    release_height_m : float
        Height of the release point, m.
    radiative_fraction : float or None
        F; None to derive it from the exit velocity (or 0.3 when that is unknown).
    ambient_temperature_k, relative_humidity : float
        Air conditions (relative humidity as a fraction).
    """

    release_kg_s: float
    heat_of_combustion_j_kg: float
    exit_velocity_m_s: float | None = None
    release_height_m: float = 0.0
    radiative_fraction: float | None = None
    ambient_temperature_k: float = 298.15
    relative_humidity: float = 0.5

    def __post_init__(self) -> None:
        for name in ("release_kg_s", "heat_of_combustion_j_kg"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value}")
        if not math.isfinite(self.release_height_m) or self.release_height_m < 0:
            raise ValueError(f"release_height_m must be ≥ 0, got {self.release_height_m}")
        if self.radiative_fraction is not None and not 0.0 < self.radiative_fraction <= 1.0:
            raise ValueError(
                f"radiative_fraction must be within (0, 1], got {self.radiative_fraction}"
            )
        if self.exit_velocity_m_s is not None:
            chamberlain_radiative_fraction(self.exit_velocity_m_s)

    @property
    def heat_release_w(self) -> float:
        """Q = ṁ · ΔHc, W."""
        return self.release_kg_s * self.heat_of_combustion_j_kg

    @property
    def radiative_fraction_used(self) -> float:
        """F: as given, else Chamberlain's for the exit velocity, else 0.3."""
        if self.radiative_fraction is not None:
            return self.radiative_fraction
        if self.exit_velocity_m_s is not None:
            return chamberlain_radiative_fraction(self.exit_velocity_m_s)
        return DEFAULT_RADIATIVE_FRACTION

    @property
    def flame_length_m(self) -> float:
        """Flame length from the heat release, m (fit of API 521's chart)."""
        return 0.00326 * self.heat_release_w**0.478

    def flux_kw_m2(self, distance_m: npt.ArrayLike) -> FloatArray:
        """Heat flux (kW/m²) on a ground-level target ``distance_m`` from the release point."""
        r = np.abs(np.asarray(distance_m, dtype=np.float64))
        centre_height_m = self.release_height_m + self.flame_length_m / 2.0
        return point_source_flux_kw_m2(
            self.radiative_fraction_used * self.heat_release_w,
            np.hypot(r, centre_height_m),
            self.relative_humidity,
            self.ambient_temperature_k,
        )

    def warnings(self, distances_m: npt.ArrayLike = ()) -> tuple[ModelWarning, ...]:
        """The limits these inputs, and optionally these distances, reach."""
        found: list[ModelWarning] = []
        d = np.asarray(distances_m, dtype=np.float64).ravel()
        d = d[np.isfinite(d)]
        if d.size and d.min() < self.flame_length_m:
            found.append(
                ModelWarning(
                    "near_field",
                    f"within one flame length ({self.flame_length_m:.0f} m) the point source "
                    "misrepresents the flame; impingement and engulfment dominate there",
                )
            )
        if self.radiative_fraction is None and self.exit_velocity_m_s is None:
            found.append(
                ModelWarning(
                    "assumed_radiative_fraction",
                    "exit velocity unknown: radiated fraction assumed "
                    f"{DEFAULT_RADIATIVE_FRACTION}",
                )
            )
        found.append(
            ModelWarning(
                "vertical_flame",
                "the flame is taken vertical: a horizontal jet or wind tilt carries heat "
                "further in its direction",
            )
        )
        return tuple(found)
