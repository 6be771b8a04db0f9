"""A synthetic large plant for load tests: a grid of 200 m process blocks.

Each block is one process area (tank farm, sphere area, synthesis unit, chlorine store
...) on a 25 m lattice: roads run along the block edges, walkways along the inner lattice
lines, and installations sit in lattice cells so no path crosses them. At scale ``N``
the plant has ``8 N`` blocks, about ``N`` × 1,000 route edges and ``N`` × 500 sensors.

What the blocks hold is data, ``data/demo/synthetic.yaml``; the lattice is
:mod:`twin.demo.synthetic_grid`, the block contents :mod:`twin.demo.synthetic_blocks`,
the route network :mod:`twin.demo.synthetic_network` and the GeoPackage writer
:mod:`twin.demo.gpkg`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

from twin.demo import geo
from twin.demo.datafiles import DATA_DIR, load_yaml
from twin.demo.geo import Layers, total_features
from twin.demo.gpkg import write_gpkg
from twin.demo.synthetic_blocks import Block, Profile, block_features
from twin.demo.synthetic_grid import BLOCK_M, MARGIN_M
from twin.demo.synthetic_network import hydrants, network

__all__ = ["BLOCKS_PER_SCALE", "TABLES_PATH", "generate", "total_features", "write_gpkg"]

BLOCKS_PER_SCALE = 8
TABLES_PATH = DATA_DIR / "demo" / "synthetic.yaml"
# Top-level sections of the tables file, all of which the generator reads.
SECTIONS = (
    "profiles",
    "people",
    "instruments",
    "instrument_names",
    "equipment_kind",
    "gate_rescue",
)


def _grid(scale: int) -> tuple[int, int]:
    """Rows and columns of a near-square grid with at least ``8 × scale`` blocks."""
    blocks = BLOCKS_PER_SCALE * scale
    cols = math.ceil(math.sqrt(blocks))
    return math.ceil(blocks / cols), cols


def generate(scale: int, seed: int = 0) -> tuple[dict[str, Any], Layers]:
    """A synthetic plant site and its layers in EPSG:4490.

    Parameters
    ----------
    scale : int
        Size factor, 1 or more: about ``scale`` × 1,000 route edges and × 500 sensors.
    seed : int
        Seed of the block mix and inventories; equal seeds give equal plants.

    Returns
    -------
    site : dict
        Like ``data/demo/site.json``, code ``synthetic-<scale>``.
    layers : dict
        Layer name -> list of ``(properties, geometry)`` in registry order.

    Raises
    ------
    ValueError
        When ``scale`` is below 1, or the tables file lacks one of ``SECTIONS``.
    """
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, got {scale}")
    tables = load_yaml(TABLES_PATH, SECTIONS)
    profiles = [Profile.from_table(entry) for entry in tables["profiles"]]
    rng = np.random.default_rng(seed)
    rows, cols = _grid(scale)
    mix = rng.permutation(np.resize(np.arange(len(profiles)), rows * cols))
    blocks = [
        Block(
            f"R{r + 1:02d}C{c + 1:02d}",
            MARGIN_M + c * BLOCK_M,
            MARGIN_M + r * BLOCK_M,
            profiles[mix[r * cols + c]],
        )
        for r in range(rows)
        for c in range(cols)
    ]
    width_m, height_m = cols * BLOCK_M + 2 * MARGIN_M, rows * BLOCK_M + 2 * MARGIN_M
    nodes, edges, specials = network(rows, cols, width_m, height_m, tables["gate_rescue"])
    local: Layers = {"route_nodes": nodes, "route_edges": edges, **specials}
    for name, features in block_features(blocks, rng, tables).items():
        local.setdefault(name, []).extend(features)
    local["rescue_resources"] += hydrants(rows, cols)
    origin = geo.origin_for(width_m, height_m)
    fence = shapely.box(0.0, 0.0, width_m, height_m)
    site = geo.site_record(
        f"synthetic-{scale}",
        f"合成测试化工园区工厂 ×{scale}（虚构）",
        f"Synthetic test plant x{scale} (fictional)",
        geo.credit_code("320411", f"TW{scale % 10**6:06d}"),
        geo.to_cgcs2000_geometry(fence, origin),
    )
    return site, geo.to_cgcs2000(geo.ordered(local), origin)
