"""Threat-zone computation time per footprint, for every consequence model of the incident
loop, beside the naive way measured in the same run: the same plume evaluated on a 2 m grid
over the area and thresholded (no polygon built, so the baseline is flattered).

Run: `.venv/bin/python bench/bench_zones.py` (`--runs 200` per case).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from sim.consequence.chemical_table import load_chemicals
from sim.consequence.gaussian_plume import GaussianPlume
from sim.consequence.levels import toxic_levels
from sim.consequence.scenarios import (
    dense_gas_assessment,
    explosion_assessment,
    jet_fire_assessment,
    plume_assessment,
    pool_fire_assessment,
)

console = Console()
CHEMICALS = Path(__file__).resolve().parents[1] / "data" / "rules" / "chemicals.yaml"
GOAL_MS = 50.0
GRID_M = 2.0


def _times_ms(run: Callable[[], object], runs: int) -> list[float]:
    run()  # warm-up: imports, caches
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        run()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    table = load_chemicals(CHEMICALS)
    ammonia, chlorine = table.chemical("ammonia"), table.chemical("chlorine")
    methanol, lpg = table.chemical("methanol"), table.chemical("lpg")
    v = table.version
    cases: list[tuple[str, Callable[[], object]]] = [
        (
            "ammonia, Gaussian plume, 2 kg/s, 3 m/s D, AEGL-3/2/1",
            lambda: plume_assessment(
                ammonia, v, release_kg_s=2.0, wind_m_s=3.0, stability="D", wind_from_deg=135.0
            ),
        ),
        (
            "ammonia, Gaussian plume, 2 kg/s, 1.5 m/s F (night)",
            lambda: plume_assessment(
                ammonia, v, release_kg_s=2.0, wind_m_s=1.5, stability="F", wind_from_deg=135.0
            ),
        ),
        (
            "chlorine, dense gas, 1 kg/s, 2 m/s D",
            lambda: dense_gas_assessment(chlorine, v, release_kg_s=1.0, wind_m_s=2.0),
        ),
        (
            "methanol, pool fire, 0.5 kg/s spill",
            lambda: pool_fire_assessment(methanol, v, spill_kg_s=0.5),
        ),
        ("LPG, jet fire, 3 kg/s", lambda: jet_fire_assessment(lpg, v, release_kg_s=3.0)),
        ("LPG, cloud explosion, 180 kg", lambda: explosion_assessment(lpg, v, fuel_mass_kg=180.0)),
    ]
    # Baseline: the first case's plume on a grid reaching its AEGL-1 extent.
    first = plume_assessment(ammonia, v, release_kg_s=2.0, wind_m_s=3.0, stability="D")
    extent = max(z.extent_m for z in first.zones.zones)
    half = max(z.half_width_m for z in first.zones.zones)
    plume = GaussianPlume(2.0, 3.0, "D")
    levels, _ = toxic_levels(ammonia, "AEGL")
    xs = np.arange(GRID_M, extent + GRID_M, GRID_M)
    ys = np.arange(-half, half + GRID_M, GRID_M)
    gx, gy = np.meshgrid(xs, ys)

    def grid() -> object:
        c = plume.concentration_mg_m3(gx, gy)
        return [int(np.count_nonzero(c >= lv.model_value)) for lv in levels]

    out = Table(title="bench_zones: threat-zone footprints (three levels each)")
    for col in ("case", "p50", "p99", "goal", "note"):
        out.add_column(col)
    for name, run in cases:
        t = _times_ms(run, args.runs)
        verdict = "met" if _p(t, 99) <= GOAL_MS else "MISSED"
        out.add_row(
            name,
            f"{statistics.median(t):.2f} ms",
            f"{_p(t, 99):.2f} ms",
            f"≤ {GOAL_MS:g} ms",
            verdict,
        )
    g = _times_ms(grid, max(5, args.runs // 20))
    out.add_row(
        f"baseline: the first plume on a {GRID_M:g} m grid ({gx.size:,} points, no polygons)",
        f"{statistics.median(g):.2f} ms",
        f"{_p(g, 99):.2f} ms",
        "",
        f"AEGL-1 reaches {extent:,.0f} m downwind, {half:,.0f} m across",
    )
    console.print(out)


if __name__ == "__main__":
    main()
