from __future__ import annotations

import doctest
import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

import devices.positioning.geometry
import devices.positioning.simulate
import devices.positioning.solver
import devices.positioning.tracking
from devices.positioning import (
    BLE,
    BLE_RANGING,
    UNIT_SIZE_M,
    UNIT_SPACING_M,
    UNIT_WALK_AREA_M,
    UWB,
    UWB_LOS,
    UWB_NLOS,
    DegenerateGeometryError,
    InsufficientRangesError,
    NoiseModel,
    RangeEpoch,
    TagTracker,
    grid_stations,
    linear_fix,
    simulate_walks,
    solve_fix,
    visible_counts,
)
from devices.values import Position

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
TAG_HEIGHT_M = 1.2

# A small yard: five stations at different mounting heights around a 40 m x 30 m area.
YARD = {
    "A": (0.0, 0.0, 5.0),
    "B": (40.0, 0.0, 6.0),
    "C": (40.0, 30.0, 4.0),
    "D": (0.0, 30.0, 7.0),
    "E": (20.0, 50.0, 5.5),
}


def slant_ranges(
    stations: dict[str, tuple[float, float, float]], x_m: float, y_m: float
) -> list[tuple[str, float]]:
    return [
        (sid, float(np.sqrt((sx - x_m) ** 2 + (sy - y_m) ** 2 + (sz - TAG_HEIGHT_M) ** 2)))
        for sid, (sx, sy, sz) in stations.items()
    ]


def error_m(x_m: float, y_m: float, epoch: RangeEpoch) -> float:
    return float(np.hypot(x_m - epoch.true_x_m, y_m - epoch.true_y_m))


@pytest.fixture(scope="module")
def unit() -> dict[str, tuple[float, float, float]]:
    return grid_stations(*UNIT_SIZE_M, UNIT_SPACING_M, seed=0)


@pytest.mark.parametrize(
    "module",
    [
        devices.positioning.geometry,
        devices.positioning.solver,
        devices.positioning.tracking,
        devices.positioning.simulate,
    ],
)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("offset", [(0.0, 0.0), (500_000.0, 3_500_000.0)])
def test_exact_ranges_recover_the_point_to_a_millimetre(offset: tuple[float, float]) -> None:
    # The second offset is a Gauss-Krüger frame, where squared coordinates lose precision
    # unless the solver centres them first.
    ox, oy = offset
    stations = {sid: (x + ox, y + oy, z) for sid, (x, y, z) in YARD.items()}
    rng = np.random.default_rng(1)
    for x_m, y_m in rng.uniform((2.0, 2.0), (38.0, 45.0), size=(25, 2)):
        ranges = slant_ranges(stations, x_m + ox, y_m + oy)
        fix = solve_fix(stations, ranges)
        assert abs(fix.x_m - (x_m + ox)) < 1e-3 and abs(fix.y_m - (y_m + oy)) < 1e-3
        assert fix.rejected == () and len(fix.used) == 5
        lx, ly = linear_fix(stations, ranges)
        assert abs(lx - (x_m + ox)) < 1e-3 and abs(ly - (y_m + oy)) < 1e-3


def test_uwb_line_of_sight_static_error_is_centimetres() -> None:
    rng = np.random.default_rng(2)
    truth = slant_ranges(YARD, 17.0, 11.0)
    errors, accuracies = [], []
    for _ in range(300):
        noisy = [(sid, d + rng.normal(0.0, 0.1)) for sid, d in truth]
        fix = solve_fix(YARD, noisy, model=UWB)
        errors.append(np.hypot(fix.x_m - 17.0, fix.y_m - 11.0))
        accuracies.append(fix.accuracy_m)
    errors_m = np.array(errors)
    assert np.percentile(errors_m, 95) < 0.25
    # The reported accuracy is a 95 % radius: it should hold nearly every error.
    assert np.mean(errors_m <= np.array(accuracies)) > 0.9


def test_one_nlos_range_is_rejected_and_named() -> None:
    ranges = slant_ranges(YARD, 25.0, 20.0)
    ranges[1] = ("B", ranges[1][1] + 0.8)
    fix = solve_fix(YARD, ranges, model=UWB)
    assert fix.rejected == ("B",)
    assert set(fix.used) == {"A", "C", "D", "E"}
    assert np.hypot(fix.x_m - 25.0, fix.y_m - 20.0) < 1e-3
    # Plain least squares spreads the same bias over the fix.
    lx, ly = linear_fix(YARD, ranges)
    assert np.hypot(lx - 25.0, ly - 20.0) > 0.2


def test_a_grossly_short_range_is_rejected_too() -> None:
    # NLOS cannot shorten a range; 3 m short is a fault (say, a station moved).
    ranges = slant_ranges(YARD, 25.0, 20.0)
    ranges[3] = ("D", ranges[3][1] - 3.0)
    fix = solve_fix(YARD, ranges, model=UWB)
    assert fix.rejected == ("D",)
    assert np.hypot(fix.x_m - 25.0, fix.y_m - 20.0) < 1e-3


def test_robust_fix_beats_least_squares_on_nlos_epochs(
    unit: dict[str, tuple[float, float, float]],
) -> None:
    epochs = simulate_walks(
        unit, UWB_NLOS, people=3, duration_s=120.0, area_m=UNIT_WALK_AREA_M, seed=5
    )
    robust, plain = [], []
    for epoch in epochs:
        fix = solve_fix(unit, epoch.ranges, model=UWB)
        robust.append(error_m(fix.x_m, fix.y_m, epoch))
        plain.append(error_m(*linear_fix(unit, epoch.ranges), epoch))
    assert np.median(robust) < 0.5 * np.median(plain)
    assert np.percentile(robust, 95) < 0.5 * np.percentile(plain, 95)
    assert np.percentile(robust, 95) < 0.8


def test_fewer_than_three_ranges_are_refused() -> None:
    ranges = slant_ranges(YARD, 10.0, 10.0)
    with pytest.raises(InsufficientRangesError, match="2 usable"):
        solve_fix(YARD, ranges[:2])
    # Unknown stations and impossible distances do not count towards the three.
    junk = [*ranges[:2], ("NOPE", 12.0), ("C", float("nan")), ("D", -1.0)]
    with pytest.raises(InsufficientRangesError):
        solve_fix(YARD, junk)
    with pytest.raises(InsufficientRangesError):
        linear_fix(YARD, ranges[:1])


def test_collinear_stations_are_refused() -> None:
    rack = {"P1": (0.0, 0.0, 6.0), "P2": (30.0, 0.0, 6.0), "P3": (60.0, 0.0, 6.0)}
    with pytest.raises(DegenerateGeometryError, match="collinear"):
        solve_fix(rack, slant_ranges(rack, 20.0, 8.0))


def test_unusable_ranges_are_reported_as_rejected() -> None:
    ranges = [*slant_ranges(YARD, 12.0, 9.0), ("GHOST", 3.0)]
    fix = solve_fix(YARD, ranges)
    assert fix.rejected == ("GHOST",)


def test_tracker_beats_raw_fixes_on_a_ble_walk(
    unit: dict[str, tuple[float, float, float]],
) -> None:
    epochs = simulate_walks(
        unit, BLE_RANGING, people=3, duration_s=240.0, area_m=UNIT_WALK_AREA_M, rate_hz=1.0, seed=6
    )
    tracker = TagTracker(unit, model=BLE)
    raw, tracked = [], []
    for epoch in epochs:
        fix = solve_fix(unit, epoch.ranges, model=BLE)
        raw.append(error_m(fix.x_m, fix.y_m, epoch))
        position = tracker.update("DEMO", epoch.tag, epoch.ts_utc, epoch.ranges)
        if position is not None:
            tracked.append(error_m(position.x_m, position.y_m, epoch))
    assert len(tracked) > 0.97 * len(epochs)
    assert np.median(tracked) < 0.85 * np.median(raw)
    assert np.percentile(tracked, 95) < 0.85 * np.percentile(raw, 95)


def test_tracker_emits_positions_and_gates_a_jump() -> None:
    tracker = TagTracker(YARD, model=UWB, floor=2)
    rng = np.random.default_rng(7)
    position: Position | None = None
    t = T0
    for k in range(20):
        t = T0 + timedelta(seconds=0.5 * k + rng.uniform(-0.05, 0.05))
        ranges = [(s, d + rng.normal(0, 0.1)) for s, d in slant_ranges(YARD, 5.0 + 0.7 * k, 15.0)]
        position = tracker.update("DEMO", "T9", t, ranges)
        assert position is not None
    assert position is not None
    assert (position.site, position.tag, position.floor, position.source) == (
        "DEMO",
        "T9",
        2,
        "uwb",
    )
    assert position.ts_utc == t
    assert abs(position.x_m - 18.3) < 0.2 and abs(position.y_m - 15.0) < 0.2
    assert position.accuracy_m is not None and 0.0 < position.accuracy_m < 0.3

    # A fix 15 m away half a second later would need 30 m/s: gated, track untouched.
    jump = slant_ranges(YARD, 18.6, 30.0)
    assert tracker.update("DEMO", "T9", t + timedelta(seconds=0.5), jump) is None
    assert tracker.update("DEMO", "T9", t + timedelta(seconds=1.0), jump) is None
    # The third in a row means the person really is there (or the track was wrong).
    restarted = tracker.update("DEMO", "T9", t + timedelta(seconds=1.5), jump)
    assert restarted is not None and abs(restarted.y_m - 30.0) < 0.01

    # Stale and too-few-range epochs add nothing.
    assert tracker.update("DEMO", "T9", t, jump) is None
    assert tracker.update("DEMO", "T9", t + timedelta(seconds=2), jump[:2]) is None


def test_tracker_refuses_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        TagTracker(YARD).update("DEMO", "T1", datetime(2025, 6, 1), slant_ranges(YARD, 5, 5))


def test_simulation_is_deterministic_and_covers_the_unit(
    unit: dict[str, tuple[float, float, float]],
) -> None:
    quiet = NoiseModel("quiet", sigma_m=0.0)
    first = simulate_walks(unit, quiet, people=2, duration_s=60.0, area_m=UNIT_WALK_AREA_M, seed=9)
    again = simulate_walks(unit, quiet, people=2, duration_s=60.0, area_m=UNIT_WALK_AREA_M, seed=9)
    assert first == again
    assert all(len(epoch.ranges) >= 4 for epoch in first)
    # Noise-free ranges are the truth (to the 0.1 mm the simulator rounds to).
    for epoch in first[:20]:
        fix = solve_fix(unit, epoch.ranges)
        assert error_m(fix.x_m, fix.y_m, epoch) < 1e-3
    # Speeds stay in the walking band.
    track = [e for e in first if e.tag == "T001"]
    steps = [
        np.hypot(b.true_x_m - a.true_x_m, b.true_y_m - a.true_y_m)
        / (b.ts_utc - a.ts_utc).total_seconds()
        for a, b in itertools.pairwise(track)
    ]
    assert max(steps) <= 1.5 + 1e-9
    x_min, y_min, x_max, y_max = UNIT_WALK_AREA_M
    grid = np.stack(
        np.meshgrid(np.linspace(x_min, x_max, 60), np.linspace(y_min, y_max, 40)), axis=-1
    )
    counts = visible_counts(unit, grid.reshape(-1, 2), UWB_LOS.max_range_m, TAG_HEIGHT_M)
    assert counts.min() >= 4
