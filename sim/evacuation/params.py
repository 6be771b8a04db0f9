"""The numbers the simulation runs on, each with its source, and pre-movement times.

Movement follows the SFPE hydraulic model (SFPE Handbook of Fire Protection Engineering,
5th ed. 2016, ch. 59, Gwynne & Rosenbaum, "Employing the Hydraulic Model in Assessing
Emergency Movement"):

* speed ``S = k - a k D`` (``a = 0.266`` m²/person, ``D`` persons per m²), with
  ``k = 1.40 m/s`` on the level (corridors, walkways, doorways) and ``k = 1.00 m/s`` on
  the steepest stair listed (7.5 in riser / 10 in tread), measured along the slope;
* speed capped at ``0.85 k`` for sparse crowds (the handbook's "below about
  0.54 persons/m²"; taking ``min(0.85 k, k - a k D)`` keeps the curve continuous);
* no movement at ``D >= 1 / a`` ≈ 3.76 persons/m², the density the handbook gives as
  about 3.8 persons/m² where movement stops, which is also the most a space holds here;
* maximum specific flow 1.3 persons/s per metre of effective width on the level and
  0.94 on that stair (the handbook's table; ``k / 4a`` rounded);
* effective width: the clear width less a boundary layer on each side, 0.15 m at doors
  and stair sides, 0.20 m at corridor walls.

These are the figures ``gis.routing.profiles.WALK`` uses, so routes and the simulation
agree on a lone walker's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["EvacuationParams", "PreMovement"]

# Standard normal quantile of the 99th percentile, to fit a lognormal through two
# percentiles.
_Z99 = 2.3263478740408408


@dataclass(frozen=True, slots=True)
class EvacuationParams:
    """Movement constants (SFPE, see the module docstring) and run settings.

    Attributes
    ----------
    a_m2_p, k_level_m_s, k_stair_m_s, free_fraction : float
        The speed-density relation ``S = min(free_fraction k, k - a k D)``.
    max_flow_level_p_s_m, max_flow_stair_p_s_m : float
        Most persons per second per metre of effective width that enter a link.
    boundary_door_m, boundary_stair_m, boundary_wall_m : float
        Boundary layer on each side (roads and walkways use the wall value).
    max_density_p_m2 : float
        Most persons a link holds per m² of its area; inflow stops there.
    dt_s : float
        Time step. Everyone moves in parallel each step (IMO MSC.1/Circ.1533 asks for
        steps of at most one second).
    duration_s : float
        Simulated time at most; the run stops earlier once nobody can move any more.
    sample_every_s : float
        Period of the density and position samples in the result.
    seed : int
        Seeds the pre-movement draws.
    max_snap_m : float
        Farthest a person or assembly point may stand from the network.

    Examples
    --------
    >>> p = EvacuationParams()
    >>> [round(float(s), 3) for s in p.speed_m_s([0.5, 1.0, 2.0, 4.0], p.k_level_m_s)]
    [1.19, 1.028, 0.655, 0.0]
    """

    a_m2_p: float = 0.266
    k_level_m_s: float = 1.40
    k_stair_m_s: float = 1.00
    free_fraction: float = 0.85
    max_flow_level_p_s_m: float = 1.3
    max_flow_stair_p_s_m: float = 0.94
    boundary_door_m: float = 0.15
    boundary_stair_m: float = 0.15
    boundary_wall_m: float = 0.20
    max_density_p_m2: float = 3.8
    dt_s: float = 0.5
    duration_s: float = 900.0
    sample_every_s: float = 5.0
    seed: int = 0
    max_snap_m: float = 50.0

    def __post_init__(self) -> None:
        if not 0 < self.dt_s <= 1.0:
            raise ValueError(f"dt_s must lie in (0, 1] s, not {self.dt_s}")
        if self.duration_s <= 0 or self.sample_every_s <= 0:
            raise ValueError("duration_s and sample_every_s must be positive")

    @property
    def free_speed_m_s(self) -> float:
        """A lone walker's speed on the level: what a person's own speed is relative to."""
        return self.free_fraction * self.k_level_m_s

    @property
    def critical_density_p_m2(self) -> float:
        """Density of the peak flow, ``1 / 2a``: more crowded links discharge as queues."""
        return 1.0 / (2.0 * self.a_m2_p)

    def speed_m_s(self, density_p_m2: npt.ArrayLike, k_m_s: npt.ArrayLike) -> np.ndarray:
        """SFPE walking speed at a density, for a link's ``k``."""
        d = np.asarray(density_p_m2, dtype=float)
        k = np.asarray(k_m_s, dtype=float)
        speed: np.ndarray = np.clip(
            np.minimum(self.free_fraction * k, k * (1.0 - self.a_m2_p * d)), 0.0, None
        )
        return speed


@dataclass(frozen=True, slots=True)
class PreMovement:
    """How long people take to set off after the alarm: a distribution to draw from.

    ``kind`` is ``fixed`` (``low_s``), ``uniform`` (``low_s`` to ``high_s``) or
    ``lognormal`` (``median_s`` and ``sigma``, the standard deviation of the log).
    Lognormal distributions fit measured pre-movement times best (Forssberg et al.,
    "The Variation of Pre-movement Time in Building Evacuation", Fire Technology 55(6),
    2019: 2,486 times from 40 unannounced evacuations). PD 7974-6 and ISO/TR 16738 give
    a scenario's times as a 1st and a 99th percentile: :meth:`from_percentiles` turns
    those into a lognormal. A site picks the figures for its own alarm, training and
    staff; the bench uses 30 s and 120 s for trained plant staff hearing a voice alarm
    *(check against the site's drills)*.

    Examples
    --------
    >>> pre = PreMovement.from_percentiles(30.0, 120.0)
    >>> round(pre.median_s, 1), round(pre.sigma, 3)
    (60.0, 0.298)
    >>> times = pre.draw(10_000, np.random.default_rng(1))
    >>> bool(25 < np.percentile(times, 1) < 35), bool(105 < np.percentile(times, 99) < 135)
    (True, True)
    """

    kind: Literal["fixed", "uniform", "lognormal"]
    low_s: float = 0.0
    high_s: float = 0.0
    median_s: float = 0.0
    sigma: float = 0.0

    @classmethod
    def fixed(cls, seconds: float) -> PreMovement:
        return cls("fixed", low_s=seconds, high_s=seconds)

    @classmethod
    def uniform(cls, low_s: float, high_s: float) -> PreMovement:
        if high_s < low_s:
            raise ValueError("high_s must not be below low_s")
        return cls("uniform", low_s=low_s, high_s=high_s)

    @classmethod
    def lognormal(cls, median_s: float, sigma: float) -> PreMovement:
        if median_s <= 0 or sigma < 0:
            raise ValueError("a lognormal needs a positive median and sigma >= 0")
        return cls("lognormal", median_s=median_s, sigma=sigma)

    @classmethod
    def from_percentiles(cls, p01_s: float, p99_s: float) -> PreMovement:
        """The lognormal whose 1st and 99th percentiles are ``p01_s`` and ``p99_s``."""
        if not 0 < p01_s <= p99_s:
            raise ValueError("percentiles must be positive and in order")
        low, high = math.log(p01_s), math.log(p99_s)
        return cls.lognormal(math.exp((low + high) / 2), (high - low) / (2 * _Z99))

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` pre-movement times in seconds."""
        if self.kind == "fixed":
            return np.full(n, self.low_s)
        if self.kind == "uniform":
            return rng.uniform(self.low_s, self.high_s, n)
        return rng.lognormal(math.log(self.median_s), self.sigma, n)
