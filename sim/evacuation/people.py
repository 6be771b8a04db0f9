"""Who evacuates, and the threat zones as they grow: the simulation's inputs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry.base import BaseGeometry

from gis.routing import Place, RouteNetwork
from sim.evacuation.params import PreMovement

__all__ = [
    "EvacuationError",
    "Person",
    "ThreatStep",
    "closed_mask",
    "premovement_times",
    "threat_steps",
]


class EvacuationError(ValueError):
    """The inputs cannot make a simulation (no assembly point, no pre-movement times…)."""


@dataclass(frozen=True, slots=True)
class Person:
    """One evacuee.

    Parameters
    ----------
    id : str
        Reported with the person's outcome (a tag code, a badge number).
    place : Place
        Where the person is when the alarm sounds, in the network's metric CRS.
    premovement_s : float, optional
        Seconds from the alarm until the person sets off; drawn from the run's
        :class:`~sim.evacuation.params.PreMovement` when not given.
    speed_m_s : float, optional
        The person's own speed walking alone on the level. In a crowd, and on stairs,
        the SFPE speed is scaled by the ratio of this to the SFPE free speed (1.19 m/s),
        so the curve keeps its shape; by default the person walks the SFPE curve.
    """

    id: str
    place: Place
    premovement_s: float | None = None
    speed_m_s: float | None = None


@dataclass(frozen=True, slots=True)
class ThreatStep:
    """From ``t_s`` on (until the next step), these zones are active."""

    t_s: float
    zones: tuple[BaseGeometry, ...]


def threat_steps(
    threats: Sequence[tuple[float, Sequence[BaseGeometry]]] | Sequence[ThreatStep],
) -> list[ThreatStep]:
    """The threat zones over time as steps in time order.

    Examples
    --------
    >>> from shapely import box
    >>> [s.t_s for s in threat_steps([(60.0, [box(0, 0, 2, 2)]), (0.0, [box(0, 0, 1, 1)])])]
    [0.0, 60.0]
    """
    steps = [
        t if isinstance(t, ThreatStep) else ThreatStep(float(t[0]), tuple(t[1])) for t in threats
    ]
    return sorted(steps, key=lambda s: s.t_s)


def premovement_times(
    people: Sequence[Person], premovement: PreMovement | None, seed: int
) -> np.ndarray:
    """Everyone's pre-movement: their own, or drawn (seeded) for those without one."""
    times = np.array([math.nan if p.premovement_s is None else p.premovement_s for p in people])
    missing = np.isnan(times)
    if missing.any():
        if premovement is None:
            raise EvacuationError("give every person a pre-movement time, or a PreMovement")
        times[missing] = premovement.draw(int(missing.sum()), np.random.default_rng(seed))
    return times


def closed_mask(network: RouteNetwork, closed_edges: Sequence[str]) -> np.ndarray:
    """Which route edges are closed outright, by code."""
    unknown = [code for code in closed_edges if code not in network.edge_index]
    if unknown:
        raise EvacuationError(f"no route edge {unknown[0]!r} in the network")
    mask = np.zeros(len(network.edges), dtype=bool)
    mask[[network.edge_index[code] for code in closed_edges]] = True
    return mask
