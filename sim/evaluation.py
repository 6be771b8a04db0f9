"""What a drill review measures, and how each measure scores against its target.

Pure functions over times and positions (metres, seconds), for simulated and live drills
alike: the muster curve and when muster completed, who never arrived, how many
person-minutes were spent inside each threat zone, and a verdict per measure against the
emergency plan's targets.

Examples
--------
>>> arrivals = [30.0, 45.0, None, 60.0]
>>> muster_curve(arrivals, every_s=30.0, until_s=90.0)
[(0.0, 0), (30.0, 1), (60.0, 3), (90.0, 3)]
>>> completion_s(arrivals) is None, completion_s([30.0, 45.0])
(True, 45.0)
>>> m = scored("muster_complete_s", 45.0, "s", target=600.0, basis="simulated")
>>> m.passed, m.as_dict()["target"]
(True, 600.0)
>>> overall([m, scored("missing_at_muster", 1, "people", target=0, basis="simulated")])
0.5
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

__all__ = [
    "Basis",
    "Measure",
    "completion_s",
    "exposure_person_min",
    "muster_curve",
    "overall",
    "scored",
]

# measured: from what people did in a live drill; simulated: from the evacuation model;
# assumed: a response time the scenario states for a simulation (nobody acknowledged).
Basis = Literal["measured", "simulated", "assumed"]


@dataclass(frozen=True, slots=True)
class Measure:
    """One drill measure and its verdict (``passed`` None: no target, or not measured)."""

    key: str
    value: float | None
    unit: str
    target: float | None
    passed: bool | None
    basis: Basis

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "passed": self.passed,
            "basis": self.basis,
        }


def scored(
    key: str, value: float | None, unit: str, *, target: float | None, basis: Basis
) -> Measure:
    """A measure where lower is better, passed when it is at most ``target``. A measure
    that could not be taken (None) fails a target: an alarm nobody acknowledged is not a
    fast acknowledgement."""
    if target is None:
        return Measure(key, value, unit, None, None, basis)
    return Measure(key, value, unit, target, value is not None and value <= target, basis)


def overall(measures: Iterable[Measure]) -> float | None:
    """Share of the targeted measures that passed (None when nothing had a target)."""
    verdicts = [m.passed for m in measures if m.passed is not None]
    return sum(verdicts) / len(verdicts) if verdicts else None


def muster_curve(
    arrivals_s: Sequence[float | None], every_s: float, until_s: float
) -> list[tuple[float, int]]:
    """People counted in at each multiple of ``every_s`` up to ``until_s``."""
    if every_s <= 0:
        raise ValueError("every_s must be positive")
    arrived = np.sort(np.array([a for a in arrivals_s if a is not None], dtype=float))
    times = np.arange(0.0, until_s + every_s / 2, every_s)
    counts = np.searchsorted(arrived, times, side="right")
    return [(float(t), int(c)) for t, c in zip(times, counts, strict=True)]


def completion_s(arrivals_s: Sequence[float | None]) -> float | None:
    """When the last person counted in; None while anyone is missing (or nobody came)."""
    if not arrivals_s or any(a is None for a in arrivals_s):
        return None
    return float(max(a for a in arrivals_s if a is not None))


def exposure_person_min(
    samples: Iterable[tuple[float, ArrayLike]],
    zones_at: Callable[[float], Sequence[tuple[str, BaseGeometry]]],
    every_s: float,
) -> dict[str, float]:
    """Person-minutes spent inside each zone (a person inside a nested inner zone also
    counts for the outer ones).

    Parameters
    ----------
    samples : iterable of (t_s, positions)
        Everyone's position at ``t_s``, an ``(n, 2)`` array in metres (NaN for someone
        not on site then), sampled every ``every_s``.
    zones_at : callable
        ``zones_at(t_s)`` → ``(label, polygon)`` pairs in the same CRS.
    every_s : float
        The sampling interval: each sample stands for that long.

    Examples
    --------
    >>> from shapely import box
    >>> zone = [("AEGL-2", box(0, 0, 10, 10))]
    >>> samples = [(0.0, [[5, 5], [50, 50]]), (60.0, [[5, 5], [6, 6]])]
    >>> exposure_person_min(samples, lambda t: zone, every_s=60.0)
    {'AEGL-2': 3.0}
    """
    out: dict[str, float] = {}
    for t_s, xy in samples:
        points = np.asarray(xy, dtype=float).reshape(-1, 2)
        here = ~np.isnan(points).any(axis=1)
        for label, polygon in zones_at(t_s):
            inside = 0
            if not polygon.is_empty and here.any():
                inside = int(np.count_nonzero(shapely.contains_xy(polygon, *points[here].T)))
            out[label] = out.get(label, 0.0) + inside * every_s / 60.0
    return out
