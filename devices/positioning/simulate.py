"""Deterministic simulated walks of tagged people through a field of ranging stations.

Everything is drawn from one seeded :class:`numpy.random.Generator`, so a seed always gives
the same stations, paths and ranges. Ground truth rides along with each epoch for
evaluation; the solver and tracker never see it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from devices.positioning.geometry import StationMap

__all__ = [
    "BLE_RANGING",
    "UNIT_SIZE_M",
    "UNIT_SPACING_M",
    "UNIT_WALK_AREA_M",
    "UWB_LOS",
    "UWB_NLOS",
    "NoiseModel",
    "RangeEpoch",
    "grid_stations",
    "simulate_walks",
    "visible_counts",
]

# A process unit of 400 m x 300 m with stations every 50 m on a staggered grid (60 of
# them), the density of a UWB deployment among pipe racks and tanks. Inside the walk
# area, 25 m in from the edge, a tag hears at least 4 stations within 75 m, 7 typically.
UNIT_SIZE_M = (400.0, 300.0)
UNIT_SPACING_M = 50.0
UNIT_WALK_AREA_M = (25.0, 25.0, 375.0, 275.0)
# Fraction of epochs lost on the radio: gaps give the tracker irregular time steps.
EPOCH_LOSS = 0.02
# Epoch intervals wander by this fraction around 1 / rate_hz (tags wake on their own clock).
EPOCH_JITTER = 0.1
# People walk at 1.2-1.5 m/s and stop now and then to read a gauge or open a valve.
WALK_SPEED_M_S = (1.2, 1.5)
PAUSE_PROBABILITY = 0.3
PAUSE_S = (5.0, 30.0)


@dataclass(frozen=True, slots=True)
class NoiseModel:
    """Range error model of one simulated scenario.

    Parameters
    ----------
    name : str
        Scenario label.
    sigma_m : float
        Standard deviation of the Gaussian range noise.
    nlos_fraction : float
        Probability that a range is non-line-of-sight, independently per range.
    nlos_bias_m : tuple of float
        An NLOS range is lengthened by ``U(low, high)`` metres.
    max_range_m : float
        Stations farther than this (slant distance) are not heard.
    """

    name: str
    sigma_m: float
    nlos_fraction: float = 0.0
    nlos_bias_m: tuple[float, float] = (0.5, 1.5)
    max_range_m: float = 75.0


UWB_LOS = NoiseModel("UWB line of sight", sigma_m=0.1)
UWB_NLOS = NoiseModel("UWB 20 % NLOS", sigma_m=0.1, nlos_fraction=0.2)
BLE_RANGING = NoiseModel("BLE", sigma_m=2.5)


@dataclass(frozen=True, slots=True)
class RangeEpoch:
    """One tag's ranges at one instant, with the truth they were simulated from."""

    tag: str
    ts_utc: datetime
    ranges: tuple[tuple[str, float], ...]
    true_x_m: float
    true_y_m: float


def grid_stations(
    width_m: float,
    depth_m: float,
    spacing_m: float,
    *,
    mount_height_m: tuple[float, float] = (3.0, 8.0),
    seed: int = 0,
) -> dict[str, tuple[float, float, float]]:
    """Stations on a staggered grid over a rectangle, mounted at random heights.

    Odd rows are shifted half a spacing: every point is then near three or four stations
    in different directions, where a square grid leaves long collinear rows.

    Parameters
    ----------
    width_m, depth_m : float
        Extent of the area along x and y, starting at the origin.
    spacing_m : float
        Distance between neighbouring stations in a row and between rows.
    mount_height_m : tuple of float, default (3.0, 8.0)
        Mounting heights are drawn uniformly from this interval.
    seed : int, default 0

    Returns
    -------
    dict
        ``"BS001" -> (x_m, y_m, z_m)``.

    Examples
    --------
    >>> stations = grid_stations(100.0, 50.0, 50.0, seed=1)
    >>> len(stations), stations["BS001"][:2]
    (5, (0.0, 0.0))
    >>> all(3.0 <= z <= 8.0 for _, _, z in stations.values())
    True
    """
    rng = np.random.default_rng(seed)
    points: list[tuple[float, float]] = []
    for row in range(math.floor(depth_m / spacing_m) + 1):
        shift = spacing_m / 2 if row % 2 else 0.0
        x_values = np.arange(shift, width_m + 1e-9, spacing_m)
        points.extend((float(x), row * spacing_m) for x in x_values)
    heights = rng.uniform(*mount_height_m, size=len(points))
    return {
        f"BS{i + 1:03d}": (x, y, float(z))
        for i, ((x, y), z) in enumerate(zip(points, heights, strict=True))
    }


def visible_counts(
    stations: StationMap, points_xy_m: NDArray[np.float64], max_range_m: float, tag_height_m: float
) -> NDArray[np.int_]:
    """How many stations are within ``max_range_m`` (slant) of each point.

    Examples
    --------
    >>> stations = grid_stations(100.0, 50.0, 50.0)
    >>> visible_counts(stations, np.array([[50.0, 25.0]]), 40.0, 1.2).tolist()
    [3]
    """
    xyz = np.array(list(stations.values()), dtype=np.float64)
    slant = _slant_m(xyz, points_xy_m, tag_height_m)
    return np.asarray((slant <= max_range_m).sum(axis=1), dtype=np.int_)


def simulate_walks(
    stations: StationMap,
    noise: NoiseModel,
    *,
    people: int,
    duration_s: float,
    area_m: tuple[float, float, float, float],
    rate_hz: float = 2.0,
    tag_height_m: float = 1.2,
    start_utc: datetime = datetime(2025, 6, 1, 8, 0, tzinfo=UTC),
    seed: int = 0,
) -> list[RangeEpoch]:
    """Simulate people walking random polylines and the ranges their tags report.

    Each person walks straight legs between random waypoints inside ``area_m`` at a
    speed drawn from 1.2-1.5 m/s, sometimes pausing at a waypoint; tags report at about
    ``rate_hz`` with jittered intervals and a few lost epochs.

    Parameters
    ----------
    stations : StationMap
    noise : NoiseModel
    people : int
    duration_s : float
    area_m : tuple of float
        ``(x_min, y_min, x_max, y_max)`` the walks stay inside.
    rate_hz : float, default 2.0
    tag_height_m : float, default 1.2
        True tag height (the solver assumes the same).
    start_utc : datetime
    seed : int, default 0

    Returns
    -------
    list of RangeEpoch
        All people's epochs in time order.

    Examples
    --------
    >>> stations = grid_stations(200.0, 150.0, 50.0)
    >>> epochs = simulate_walks(stations, UWB_LOS, people=2, duration_s=10.0,
    ...                         area_m=(50.0, 50.0, 150.0, 100.0), seed=3)
    >>> sorted({e.tag for e in epochs}), len(epochs) > 30, len(epochs[0].ranges) >= 4
    (['T001', 'T002'], True, True)
    >>> epochs == simulate_walks(stations, UWB_LOS, people=2, duration_s=10.0,
    ...                          area_m=(50.0, 50.0, 150.0, 100.0), seed=3)
    True
    """
    rng = np.random.default_rng(seed)
    ids = list(stations)
    xyz = np.array([stations[i] for i in ids], dtype=np.float64)
    epochs: list[tuple[float, RangeEpoch]] = []
    for person in range(people):
        tag = f"T{person + 1:03d}"
        knot_t, knot_xy = _timeline(rng, area_m, duration_s)
        intervals = rng.uniform(1 - EPOCH_JITTER, 1 + EPOCH_JITTER, int(duration_s * rate_hz) + 2)
        times = rng.uniform(0, 1 / rate_hz) + np.cumsum(intervals / rate_hz)
        times = times[(times < duration_s) & (rng.random(times.size) >= EPOCH_LOSS)]
        truth = np.column_stack(
            [np.interp(times, knot_t, knot_xy[:, 0]), np.interp(times, knot_t, knot_xy[:, 1])]
        )
        slant = _slant_m(xyz, truth, tag_height_m)
        measured = slant + rng.normal(0.0, noise.sigma_m, slant.shape)
        nlos = rng.random(slant.shape) < noise.nlos_fraction
        measured += np.where(nlos, rng.uniform(*noise.nlos_bias_m, slant.shape), 0.0)
        # A radio reports a distance, never a negative one.
        measured = np.maximum(measured, 0.0)
        heard = slant <= noise.max_range_m
        for k, t_s in enumerate(times):
            ranges = tuple(
                (ids[j], round(float(measured[k, j]), 4)) for j in np.flatnonzero(heard[k])
            )
            epoch = RangeEpoch(
                tag=tag,
                ts_utc=start_utc + timedelta(seconds=float(t_s)),
                ranges=ranges,
                true_x_m=float(truth[k, 0]),
                true_y_m=float(truth[k, 1]),
            )
            epochs.append((float(t_s), epoch))
    epochs.sort(key=lambda item: (item[0], item[1].tag))
    return [epoch for _, epoch in epochs]


def _timeline(
    rng: np.random.Generator, area_m: tuple[float, float, float, float], duration_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Knot times and positions of one walk; position is linear between knots."""
    x_min, y_min, x_max, y_max = area_m
    speed = rng.uniform(*WALK_SPEED_M_S)
    here = rng.uniform((x_min, y_min), (x_max, y_max))
    knot_t, knot_xy = [0.0], [here]
    while knot_t[-1] < duration_s:
        there = rng.uniform((x_min, y_min), (x_max, y_max))
        knot_t.append(knot_t[-1] + float(np.hypot(*(there - here))) / speed)
        knot_xy.append(there)
        if rng.random() < PAUSE_PROBABILITY:
            knot_t.append(knot_t[-1] + rng.uniform(*PAUSE_S))
            knot_xy.append(there)
        here = there
    return np.array(knot_t), np.array(knot_xy)


def _slant_m(
    xyz: NDArray[np.float64], points_xy_m: NDArray[np.float64], tag_height_m: float
) -> NDArray[np.float64]:
    """Slant distances, shape (points, stations)."""
    diff = points_xy_m[:, None, :] - xyz[None, :, :2]
    return np.asarray(
        np.sqrt(np.sum(diff**2, axis=2) + (xyz[None, :, 2] - tag_height_m) ** 2), dtype=np.float64
    )
