"""The route network of a synthetic plant, its gates and exits, and its hydrants.

Nodes sit on the 25 m lattice over the block grid: lattice lines on block edges are roads,
the others walkways. Gates, emergency exits and assembly points are extra nodes, each
joined to the lattice by one edge; extra nodes and edges are numbered after the lattice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import shapely

from twin.demo.geo import Feature, Layers
from twin.demo.synthetic_grid import (
    BLOCK_CELLS,
    BLOCK_M,
    CELL_M,
    MARGIN_M,
    ROAD_WIDTH_M,
    WALKWAY_WIDTH_M,
)

__all__ = ["hydrants", "network"]

XY = tuple[float, float]
# Assembly points and the gate's rescue resources stand between the fence and the south road.
SOUTH_STRIP_Y_M = 15.0


class _Lattice:
    """Lattice nodes and edges, plus the extra nodes attached to them in order."""

    def __init__(self, rows: int, cols: int) -> None:
        self.nx, ny = cols * BLOCK_CELLS + 1, rows * BLOCK_CELLS + 1
        i, j = np.meshgrid(np.arange(self.nx), np.arange(ny))
        self.xy = np.column_stack([MARGIN_M + i.ravel() * CELL_M, MARGIN_M + j.ravel() * CELL_M])
        # Node index of lattice point (row j, column i).
        self.index = j * self.nx + i
        self.starts = np.concatenate([self.index[:, :-1].ravel(), self.index[:-1, :].ravel()])
        self.ends = np.concatenate([self.index[:, 1:].ravel(), self.index[1:, :].ravel()])
        self.road = np.concatenate(
            [(j[:, :-1] % BLOCK_CELLS == 0).ravel(), (i[:-1, :] % BLOCK_CELLS == 0).ravel()]
        )
        self.kinds = ["junction"] * len(self.xy)
        self.names = [("路网节点", "Route node")] * len(self.xy)
        self.extra_xy: list[XY] = []
        self.extra_edges: list[tuple[int, int, str, float, str, str]] = []

    def attach(
        self, point: XY, to: int, kind: str, name: str, name_en: str, edge: str, width_m: float
    ) -> None:
        """A new node of ``kind`` at ``point``, joined to lattice node ``to`` by one edge."""
        self.extra_xy.append(point)
        self.kinds.append(kind)
        self.names.append((name, name_en))
        self.extra_edges.append(
            (
                len(self.xy) + len(self.extra_xy) - 1,
                to,
                edge,
                width_m,
                f"{name}通道",
                f"{name_en} access",
            )
        )

    def features(self) -> tuple[list[Feature], list[Feature]]:
        """Node and edge features, lattice first, then the attached nodes and edges."""
        all_xy = np.vstack([self.xy, np.array(self.extra_xy)])
        codes = [f"N-{k + 1:06d}" for k in range(len(all_xy))]
        nodes = [
            (
                {
                    "code": code,
                    "kind": kind,
                    "floor": 0,
                    "name": f"{zh}{k + 1:06d}" if kind == "junction" else zh,
                    "name_en": f"{en} {k + 1:06d}" if kind == "junction" else en,
                },
                geom,
            )
            for k, (code, kind, (zh, en), geom) in enumerate(
                zip(codes, self.kinds, self.names, shapely.points(all_xy), strict=True)
            )
        ]
        line_from = np.concatenate([self.starts, [e[0] for e in self.extra_edges]]).astype(int)
        line_to = np.concatenate([self.ends, [e[1] for e in self.extra_edges]]).astype(int)
        lines = shapely.linestrings(np.stack([all_xy[line_from], all_xy[line_to]], axis=1))
        styles = [
            ("road", ROAD_WIDTH_M, "厂区道路", "Plant road")
            if r
            else ("walkway", WALKWAY_WIDTH_M, "装置内通道", "In-unit walkway")
            for r in self.road
        ]
        styles += [(kind, width, zh, en) for _, _, kind, width, zh, en in self.extra_edges]
        edges = [
            (
                {
                    "code": f"E-{k + 1:06d}",
                    "from_node": codes[a],
                    "to_node": codes[b],
                    "kind": kind,
                    "width_m": width,
                    "floor": 0,
                    "one_way": False,
                    "name": zh,
                    "name_en": en,
                },
                geom,
            )
            for k, (a, b, (kind, width, zh, en), geom) in enumerate(
                zip(line_from.tolist(), line_to.tolist(), styles, lines, strict=True)
            )
        ]
        return nodes, edges


def network(
    rows: int,
    cols: int,
    width_m: float,
    height_m: float,
    gate_rescue: Iterable[Mapping[str, Any]],
) -> tuple[list[Feature], list[Feature], Layers]:
    """The lattice route network plus gates, exits and assembly points joined to it.

    Parameters
    ----------
    rows, cols : int
        Blocks of the grid.
    width_m, height_m : float
        The fence, local metres.
    gate_rescue : iterable of mapping
        Rescue resources beside the south gate (``gate_rescue`` of the synthetic tables).

    Returns
    -------
    nodes, edges : list of Feature
        The route network.
    specials : dict
        ``exits``, ``assembly_points``, gate ``zones`` and ``rescue_resources``.
    """
    lattice = _Lattice(rows, cols)
    mid_i, mid_j = BLOCK_CELLS * (cols // 2), BLOCK_CELLS * (rows // 2)
    specials: Layers = {"exits": [], "assembly_points": [], "zones": []}
    _exits(lattice, mid_i, mid_j, width_m, height_m, specials)
    gate_x = float(lattice.xy[mid_i, 0])
    specials["rescue_resources"] = [
        (
            {key: item[key] for key in ("code", "kind", "quantity", "unit", "name", "name_en")},
            shapely.Point(gate_x + item["dx_m"], SOUTH_STRIP_Y_M),
        )
        for item in gate_rescue
    ]
    _assembly_points(lattice, mid_i, specials)
    nodes, edges = lattice.features()
    return nodes, edges, specials


def _exits(
    lattice: _Lattice, mid_i: int, mid_j: int, width_m: float, height_m: float, specials: Layers
) -> None:
    """Gates on the south and west fences, emergency exits on the north and east ones."""
    mid_x, mid_y = lattice.xy[mid_i, 0], lattice.xy[lattice.index[mid_j, 0], 1]
    index = lattice.index
    for code, kind, point, to, name, name_en, width in (
        ("EX-G1", "gate", (mid_x, 1.0), index[0, mid_i], "南大门", "South gate", 12.0),
        ("EX-G2", "gate", (1.0, mid_y), index[mid_j, 0], "西大门", "West gate", 10.0),
        (
            "EX-E1",
            "emergency_exit",
            (mid_x, height_m - 1.0),
            index[-1, mid_i],
            "北侧应急出口",
            "North emergency exit",
            4.0,
        ),
        (
            "EX-E2",
            "emergency_exit",
            (width_m - 1.0, mid_y),
            index[mid_j, -1],
            "东侧应急出口",
            "East emergency exit",
            4.0,
        ),
    ):
        gate = kind == "gate"
        x, y = float(point[0]), float(point[1])
        # Gates take a road in from the lattice, emergency exits a narrower lane.
        lattice.attach(
            (x, y), int(to), "gate" if gate else "exit", name, name_en, "road", 9.0 if gate else 6.0
        )
        specials["exits"].append(
            (
                {"code": code, "kind": kind, "name": name, "name_en": name_en, "width_m": width},
                shapely.Point((x, y)),
            )
        )
        if gate:
            # The gatehouse straddles the gate along its fence: south or west.
            house = (
                shapely.box(x - 15, 0.5, x + 15, 10)
                if y < MARGIN_M
                else shapely.box(0.5, y - 15, 10, y + 15)
            )
            props = {"code": f"Z-{code[3:]}", "kind": "gate", "name": name, "name_en": name_en}
            specials["zones"].append(({**props, "height_m": 6.0, "floors": 1}, house))


def _assembly_points(lattice: _Lattice, mid_i: int, specials: Layers) -> None:
    """One assembly point south of every north-south road but the one the gate is on."""
    for n, col in enumerate(c for c in range(0, lattice.nx, BLOCK_CELLS) if c != mid_i):
        point = (float(lattice.xy[col, 0]), SOUTH_STRIP_Y_M)
        name, name_en = f"{n + 1}号集合点", f"Assembly point {n + 1}"
        lattice.attach(point, int(lattice.index[0, col]), "assembly", name, name_en, "walkway", 2.0)
        specials["assembly_points"].append(
            (
                {"code": f"AP-{n + 1:02d}", "name": name, "name_en": name_en, "capacity": 200},
                shapely.Point(point),
            )
        )


def hydrants(rows: int, cols: int) -> list[Feature]:
    """Hydrants every 50 m along every road, 2 m off the road edge, clear of walkways."""
    offset_m = ROAD_WIDTH_M / 2 + 2.0
    along = MARGIN_M + CELL_M * (0.5 + np.arange(0, max(rows, cols) * BLOCK_CELLS, 2))
    points = []
    for line in range(rows + 1):  # east-west roads, hydrants on their north side
        y = MARGIN_M + line * BLOCK_M + offset_m
        points += [(x, y) for x in along[along < MARGIN_M + cols * BLOCK_M]]
    for line in range(cols + 1):  # north-south roads, hydrants on their east side
        x = MARGIN_M + line * BLOCK_M + offset_m
        points += [(x, y) for y in along[along < MARGIN_M + rows * BLOCK_M]]
    return [
        (
            {
                "code": f"HY-{n:05d}",
                "kind": "hydrant",
                "quantity": 1,
                "unit": "个",
                "name": f"室外消火栓{n:05d}",
                "name_en": f"Hydrant {n:05d}",
            },
            geom,
        )
        for n, geom in enumerate(shapely.points(np.array(points)), start=1)
    ]
