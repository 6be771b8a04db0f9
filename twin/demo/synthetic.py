"""A synthetic large plant for load tests: a grid of 200 m process blocks.

Each block is one process area (tank farm, sphere area, synthesis unit, chlorine store
...) on a 25 m lattice: roads run along the block edges, walkways along the inner lattice
lines, and installations sit in lattice cells so no path crosses them. At scale ``N``
the plant has ``8 N`` blocks, about ``N`` × 1,000 route edges and ``N`` × 500 sensors.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from twin.demo import geo
from twin.demo.geo import Feature, Layers, total_features
from twin.demo.setpoints import install_height_m, sensor_fields
from twin.plant.layers import LAYERS

__all__ = ["BLOCKS_PER_SCALE", "generate", "total_features", "write_gpkg"]

CELL_M = 25.0
BLOCK_CELLS = 8
BLOCK_M = CELL_M * BLOCK_CELLS
# Fence to the outermost road: room for gates, assembly points and hydrants.
MARGIN_M = 30.0
BLOCKS_PER_SCALE = 8
# Cells (column, row) of a block that hold an installation: never on a lattice line.
INSTALLATION_CELLS = [(c, r) for r in (1, 3, 5) for c in (1, 3, 5)]
# Detector offsets from an installation's cell centre, inside the cell.
DETECTOR_OFFSETS_M = ((9.5, 9.5), (-9.5, 9.5), (-9.5, -9.5), (9.5, -9.5))
ROAD_WIDTH_M, WALKWAY_WIDTH_M = 8.0, 1.8

# kind, unit, range, (alarm_low, alarm_high_1, alarm_high_2)
Instrument = tuple[str, str, tuple[float, float], tuple[float | None, float | None, float | None]]
INSTRUMENTS: dict[str, tuple[Instrument, ...]] = {
    "sphere": (
        ("pressure", "MPa", (0.0, 2.5), (None, 1.6, 1.8)),
        ("level", "%", (0.0, 100.0), (10.0, 85.0, 90.0)),
        ("temperature", "°C", (-40.0, 60.0), (None, 40.0, 45.0)),
    ),
    "tank": (
        ("level", "%", (0.0, 100.0), (10.0, 85.0, 90.0)),
        ("temperature", "°C", (0.0, 100.0), (None, 40.0, 45.0)),
        ("flow", "m3/h", (0.0, 200.0), (None, None, None)),
    ),
    "reactor": (
        ("temperature", "°C", (0.0, 600.0), (None, 500.0, 520.0)),
        ("pressure", "MPa", (0.0, 40.0), (None, 31.0, 33.0)),
        ("flow", "m3/h", (0.0, 50000.0), (None, None, None)),
    ),
    "column": (
        ("temperature", "°C", (0.0, 300.0), (None, 250.0, 260.0)),
        ("pressure", "MPa", (0.0, 2.5), (None, 1.6, 1.8)),
        ("level", "%", (0.0, 100.0), (10.0, 85.0, 90.0)),
    ),
    "cylinder_store": (
        ("temperature", "°C", (-20.0, 60.0), (None, 40.0, 45.0)),
        ("flow", "m3/h", (0.0, 20000.0), (None, None, None)),
        ("pressure", "kPa", (-1.0, 1.0), (None, None, None)),
    ),
    "building": (
        ("temperature", "°C", (-20.0, 60.0), (None, 40.0, 45.0)),
        ("flow", "m3/h", (0.0, 20000.0), (None, None, None)),
        ("pressure", "kPa", (-1.0, 1.0), (None, None, None)),
    ),
}
KIND_ZH = {"temperature": "温度", "pressure": "压力", "level": "液位", "flow": "流量"}
EQUIPMENT_KIND = {
    "sphere": "safety_valve",
    "tank": "pump",
    "reactor": "compressor",
    "column": "pump",
    "cylinder_store": "fan",
    "building": "fan",
}


@dataclass(frozen=True, slots=True)
class Profile:
    """What one kind of block holds."""

    zone_kind: str
    name: str
    name_en: str
    installation_kind: str
    prefix: str
    gas: str
    source_height_m: float
    chemical: str | None
    design_t: float | None
    hazard_source: bool
    diameter_m: float | None  # None: a square footprint
    height_m: float
    grade: str
    method: str
    factors: tuple[tuple[str, float], ...]


PROFILES = (
    Profile(
        "tank_farm",
        "液氨罐区",
        "ammonia tank farm",
        "sphere",
        "T",
        "ammonia",
        2.0,
        "ammonia",
        500.0,
        True,
        12.3,
        16.0,
        "red",
        "LEC",
        (("L", 3), ("E", 6), ("C", 40)),
    ),
    Profile(
        "tank_farm",
        "液化石油气球罐区",
        "LPG sphere area",
        "sphere",
        "S",
        "lpg",
        1.5,
        "lpg",
        170.0,
        True,
        9.2,
        12.5,
        "red",
        "LS",
        (("likelihood", 4), ("severity", 5)),
    ),
    Profile(
        "tank_farm",
        "甲醇罐区",
        "methanol tank farm",
        "tank",
        "T",
        "methanol",
        0.5,
        "methanol",
        710.0,
        True,
        11.5,
        10.5,
        "orange",
        "LEC",
        (("L", 3), ("E", 6), ("C", 15)),
    ),
    Profile(
        "process_unit",
        "合成装置",
        "synthesis unit",
        "reactor",
        "R",
        "hydrogen",
        4.0,
        "hydrogen",
        0.8,
        False,
        3.6,
        20.0,
        "orange",
        "LS",
        (("likelihood", 3), ("severity", 5)),
    ),
    Profile(
        "warehouse",
        "液氯钢瓶库",
        "chlorine cylinder store",
        "cylinder_store",
        "CS",
        "chlorine",
        0.8,
        "chlorine",
        30.0,
        True,
        None,
        8.0,
        "red",
        "LEC",
        (("L", 1), ("E", 6), ("C", 100)),
    ),
    Profile(
        "process_unit",
        "脱硫装置",
        "desulfurisation unit",
        "column",
        "C",
        "hydrogen_sulfide",
        1.0,
        None,
        None,
        False,
        3.0,
        30.0,
        "orange",
        "LS",
        (("likelihood", 3), ("severity", 5)),
    ),
    Profile(
        "process_unit",
        "变换装置",
        "CO shift unit",
        "reactor",
        "R",
        "carbon_monoxide",
        2.0,
        None,
        None,
        False,
        3.6,
        16.0,
        "yellow",
        "LS",
        (("likelihood", 3), ("severity", 4)),
    ),
    Profile(
        "utility",
        "公用工程",
        "utilities",
        "building",
        "B",
        "oxygen",
        0.0,
        None,
        None,
        False,
        None,
        10.0,
        "blue",
        "LS",
        (("likelihood", 2), ("severity", 3)),
    ),
)
# Invented names for the three responsible persons of each hazard source.
PEOPLE = (
    "王建国",
    "李红梅",
    "张伟",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周杰",
    "吴涛",
    "徐丽",
    "孙浩",
)


@dataclass
class _Block:
    label: str
    x_m: float
    y_m: float
    profile: Profile


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
        When ``scale`` is below 1.
    """
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, got {scale}")
    rng = np.random.default_rng(seed)
    rows, cols = _grid(scale)
    mix = rng.permutation(np.resize(np.arange(len(PROFILES)), rows * cols))
    blocks = [
        _Block(
            f"R{r + 1:02d}C{c + 1:02d}",
            MARGIN_M + c * BLOCK_M,
            MARGIN_M + r * BLOCK_M,
            PROFILES[mix[r * cols + c]],
        )
        for r in range(rows)
        for c in range(cols)
    ]
    width_m, height_m = cols * BLOCK_M + 2 * MARGIN_M, rows * BLOCK_M + 2 * MARGIN_M
    nodes, edges, specials = _network(rows, cols, width_m, height_m)
    local: Layers = {"route_nodes": nodes, "route_edges": edges, **specials}
    for name, features in _blocks(blocks, rng).items():
        local.setdefault(name, []).extend(features)
    local["rescue_resources"] += _hydrants(rows, cols)
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


def _network(
    rows: int, cols: int, width_m: float, height_m: float
) -> tuple[list[Feature], list[Feature], Layers]:
    """The lattice route network plus gates, exits and assembly points joined to it."""
    nx, ny = cols * BLOCK_CELLS + 1, rows * BLOCK_CELLS + 1
    i, j = np.meshgrid(np.arange(nx), np.arange(ny))
    xy = np.column_stack([MARGIN_M + i.ravel() * CELL_M, MARGIN_M + j.ravel() * CELL_M])
    lattice = j * nx + i
    starts = np.concatenate([lattice[:, :-1].ravel(), lattice[:-1, :].ravel()])
    ends = np.concatenate([lattice[:, 1:].ravel(), lattice[1:, :].ravel()])
    road = np.concatenate(
        [(j[:, :-1] % BLOCK_CELLS == 0).ravel(), (i[:-1, :] % BLOCK_CELLS == 0).ravel()]
    )
    kinds = ["junction"] * len(xy)
    names = [("路网节点", "Route node")] * len(xy)
    extra_xy: list[tuple[float, float]] = []
    extra_edges: list[tuple[int, int, str, float, str, str]] = []
    specials: Layers = {"exits": [], "assembly_points": [], "zones": []}
    mid_i, mid_j = BLOCK_CELLS * (cols // 2), BLOCK_CELLS * (rows // 2)

    def attach(
        point: tuple[float, float],
        to: int,
        kind: str,
        name: str,
        name_en: str,
        edge_kind: str,
        width: float,
    ) -> None:
        extra_xy.append(point)
        kinds.append(kind)
        names.append((name, name_en))
        extra_edges.append(
            (len(xy) + len(extra_xy) - 1, to, edge_kind, width, f"{name}通道", f"{name_en} access")
        )

    for code, kind, point, to, name, name_en, width in (
        ("EX-G1", "gate", (xy[mid_i, 0], 1.0), lattice[0, mid_i], "南大门", "South gate", 12.0),
        (
            "EX-G2",
            "gate",
            (1.0, xy[lattice[mid_j, 0], 1]),
            lattice[mid_j, 0],
            "西大门",
            "West gate",
            10.0,
        ),
        (
            "EX-E1",
            "emergency_exit",
            (xy[mid_i, 0], height_m - 1.0),
            lattice[-1, mid_i],
            "北侧应急出口",
            "North emergency exit",
            4.0,
        ),
        (
            "EX-E2",
            "emergency_exit",
            (width_m - 1.0, xy[lattice[mid_j, 0], 1]),
            lattice[mid_j, -1],
            "东侧应急出口",
            "East emergency exit",
            4.0,
        ),
    ):
        node_kind = "gate" if kind == "gate" else "exit"
        point = (float(point[0]), float(point[1]))
        attach(point, int(to), node_kind, name, name_en, "road", 9.0 if kind == "gate" else 6.0)
        specials["exits"].append(
            (
                {"code": code, "kind": kind, "name": name, "name_en": name_en, "width_m": width},
                shapely.Point(point),
            )
        )
        if kind == "gate":
            x, y = point
            gate = (
                shapely.box(x - 15, 0.5, x + 15, 10)
                if y < MARGIN_M
                else shapely.box(0.5, y - 15, 10, y + 15)
            )
            specials["zones"].append(
                (
                    {
                        "code": f"Z-{code[3:]}",
                        "kind": "gate",
                        "name": name,
                        "name_en": name_en,
                        "height_m": 6.0,
                        "floors": 1,
                    },
                    gate,
                )
            )
    gate_x = float(xy[mid_i, 0])
    specials["rescue_resources"] = [
        (
            {
                "code": code,
                "kind": kind,
                "quantity": quantity,
                "unit": unit,
                "name": name,
                "name_en": name_en,
            },
            shapely.Point(gate_x + dx, 15.0),
        )
        for code, kind, quantity, unit, name, name_en, dx in (
            ("RR-FS-01", "fire_station", 1, "座", "企业消防站", "Plant fire station", 40.0),
            ("RR-FT-01", "fire_truck", 1, "辆", "水罐泡沫消防车", "Water and foam tender", 50.0),
            (
                "RR-FT-02",
                "fire_truck",
                1,
                "辆",
                "干粉泡沫联用消防车",
                "Dry powder and foam tender",
                60.0,
            ),
            ("RR-RT-01", "rescue_team", 24, "人", "专职消防救援队", "Fire and rescue team", 70.0),
        )
    ]
    for n, col in enumerate(c for c in range(0, nx, BLOCK_CELLS) if c != mid_i):
        point = (float(xy[col, 0]), 15.0)
        attach(
            point,
            int(lattice[0, col]),
            "assembly",
            f"{n + 1}号集合点",
            f"Assembly point {n + 1}",
            "walkway",
            2.0,
        )
        specials["assembly_points"].append(
            (
                {
                    "code": f"AP-{n + 1:02d}",
                    "name": f"{n + 1}号集合点",
                    "name_en": f"Assembly point {n + 1}",
                    "capacity": 200,
                },
                shapely.Point(point),
            )
        )
    all_xy = np.vstack([xy, np.array(extra_xy)])
    node_codes = [f"N-{k + 1:06d}" for k in range(len(all_xy))]
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
            zip(node_codes, kinds, names, shapely.points(all_xy), strict=True)
        )
    ]
    line_from = np.concatenate([starts, [e[0] for e in extra_edges]]).astype(int)
    line_to = np.concatenate([ends, [e[1] for e in extra_edges]]).astype(int)
    lines = shapely.linestrings(np.stack([all_xy[line_from], all_xy[line_to]], axis=1))
    styles = [
        ("road", ROAD_WIDTH_M, "厂区道路", "Plant road")
        if r
        else ("walkway", WALKWAY_WIDTH_M, "装置内通道", "In-unit walkway")
        for r in road
    ]
    styles += [(kind, width, zh, en) for _, _, kind, width, zh, en in extra_edges]
    edges = [
        (
            {
                "code": f"E-{k + 1:06d}",
                "from_node": node_codes[a],
                "to_node": node_codes[b],
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
    return nodes, edges, specials


def _blocks(blocks: list[_Block], rng: np.random.Generator) -> Layers:
    """Zones, installations, equipment, sensors, cameras, anchors and risk zones."""
    out: dict[str, list[tuple[dict[str, Any], Any]]] = {
        "zones": [],
        "installations": [],
        "equipment": [],
        "sensors": [],
        "cameras": [],
        "base_stations": [],
        "rescue_resources": [],
        "risk_zones": [],
    }
    centres: list[tuple[float, float]] = []
    sizes: list[float | None] = []
    for block in blocks:
        p, label = block.profile, block.label
        zone = f"Z-{label}"
        area = shapely.box(
            block.x_m + 6, block.y_m + 6, block.x_m + BLOCK_M - 6, block.y_m + BLOCK_M - 6
        )
        hazardous = p.grade in ("red", "orange")
        out["zones"].append(
            (
                {
                    "code": zone,
                    "kind": p.zone_kind,
                    "restricted": hazardous,
                    "name": f"{label}{p.name}",
                    "name_en": f"{label} {p.name_en}",
                    "height_m": p.height_m if p.diameter_m is None else None,
                    "floors": 1 if p.diameter_m is None else None,
                },
                area,
            )
        )
        score = float(np.prod([v for _, v in p.factors]))
        out["risk_zones"].append(
            (
                {
                    "code": f"RZ-{label}",
                    "grade": p.grade,
                    "method": p.method,
                    "score": score,
                    "factors": dict(p.factors),
                    "owner": str(rng.choice(PEOPLE)),
                    "name": f"{label}{p.name}风险分区",
                    "name_en": f"{label} {p.name_en} risk zone",
                },
                area.buffer(3.0, join_style="mitre"),
            )
        )
        for k, (cx, cy) in enumerate(INSTALLATION_CELLS, start=1):
            x = block.x_m + (cx + 0.5) * CELL_M
            y = block.y_m + (cy + 0.5) * CELL_M
            code = f"{label}-{p.prefix}{k}"
            centres.append((x, y))
            sizes.append(p.diameter_m)
            out["installations"].append((_installation(p, code, zone, k, label, rng), None))
            out["equipment"].append(
                (
                    {
                        "code": f"{code}-EQ",
                        "kind": EQUIPMENT_KIND[p.installation_kind],
                        "installation_code": code,
                        "name": f"{code}附属设备",
                        "name_en": f"{code} equipment",
                    },
                    shapely.Point(x + 10.5, y),
                )
            )
            out["sensors"] += _sensors(p, code, zone, x, y)
        out["sensors"].append(
            (
                {
                    "code": f"{label}-WS",
                    "kind": "wind",
                    "unit": "m/s",
                    "range_min": 0.0,
                    "range_max": 60.0,
                    "install_height_m": 10.0,
                    "zone_code": zone,
                    "name": f"{label}风速风向仪",
                    "name_en": f"{label} anemometer",
                },
                shapely.Point(block.x_m + 0.5 * CELL_M, block.y_m + 4.5 * CELL_M),
            )
        )
        for n, (cx, cy) in enumerate(((0, 0), (7, 0), (0, 7), (7, 7)), start=1):
            out["base_stations"].append(
                (
                    {
                        "code": f"{label}-BS{n}",
                        "technology": "uwb",
                        "install_height_m": 4.0,
                        "floor": 0,
                        "name": f"{label} UWB定位基站{n}",
                        "name_en": f"{label} UWB anchor {n}",
                    },
                    shapely.Point(block.x_m + (cx + 0.5) * CELL_M, block.y_m + (cy + 0.5) * CELL_M),
                )
            )
        for n, (cx, cy, heading) in enumerate(((0, 3, 90.0), (7, 4, 270.0)), start=1):
            out["cameras"].append(
                (
                    {
                        "code": f"{label}-CAM{n}",
                        "heading_deg": heading,
                        "fov_deg": 90.0,
                        "install_height_m": 12.0,
                        "name": f"{label}摄像机{n}",
                        "name_en": f"{label} camera {n}",
                    },
                    shapely.Point(block.x_m + (cx + 0.5) * CELL_M, block.y_m + (cy + 0.5) * CELL_M),
                )
            )
        out["rescue_resources"].append(
            (
                {
                    "code": f"{label}-SCBA",
                    "kind": "scba",
                    "quantity": 4,
                    "unit": "套",
                    "name": f"{label}空气呼吸器柜",
                    "name_en": f"{label} SCBA cabinet",
                },
                shapely.Point(block.x_m + 0.5 * CELL_M, block.y_m + 2.5 * CELL_M),
            )
        )
    xy = np.array(centres)
    diameters = np.array([d if d is not None else np.nan for d in sizes])
    round_ = ~np.isnan(diameters)
    footprints = np.empty(len(xy), dtype=object)
    footprints[round_] = shapely.buffer(
        shapely.points(xy[round_]), diameters[round_] / 2, quad_segs=8
    )
    half = CELL_M / 2 - 3.0
    footprints[~round_] = shapely.box(
        xy[~round_, 0] - half, xy[~round_, 1] - half, xy[~round_, 0] + half, xy[~round_, 1] + half
    )
    out["installations"] = [
        (props, geom) for (props, _), geom in zip(out["installations"], footprints, strict=True)
    ]
    return out


def _installation(
    p: Profile, code: str, zone: str, k: int, label: str, rng: np.random.Generator
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "code": code,
        "kind": p.installation_kind,
        "zone_code": zone,
        "name": f"{label}{p.name}{k}#",
        "name_en": f"{label} {p.name_en} {k}",
        "height_m": p.height_m,
        "diameter_m": p.diameter_m,
        "is_hazard_source": p.hazard_source,
    }
    if p.chemical is not None and p.design_t is not None:
        fill = float(rng.uniform(0.2, 0.85))
        props["inventory"] = [
            {
                "chemical": p.chemical,
                "design_capacity_t": p.design_t,
                "quantity_t": round(p.design_t * fill, 1),
            }
        ]
    if p.hazard_source:
        principal, technical, operational = (str(n) for n in rng.choice(PEOPLE, 3, replace=False))
        props["responsible"] = {
            "principal": principal,
            "technical": technical,
            "operational": operational,
        }
    return props


def _sensors(p: Profile, code: str, zone: str, x: float, y: float) -> list[Feature]:
    fields = sensor_fields(p.gas)
    height = install_height_m(p.gas, p.source_height_m)
    out: list[Feature] = [
        (
            {
                "code": f"{code}-GD{n}",
                **fields,
                "install_height_m": height,
                "zone_code": zone,
                "installation_code": code,
                "name": f"{code}气体探测器{n}",
                "name_en": f"{code} gas detector {n}",
            },
            shapely.Point(x + dx, y + dy),
        )
        for n, (dx, dy) in enumerate(DETECTOR_OFFSETS_M, start=1)
    ]
    for n, (kind, unit, (low, high), (alarm_low, alarm_1, alarm_2)) in enumerate(
        INSTRUMENTS[p.installation_kind], start=1
    ):
        out.append(
            (
                {
                    "code": f"{code}-{kind[0].upper()}T{n}",
                    "kind": kind,
                    "unit": unit,
                    "range_min": low,
                    "range_max": high,
                    "alarm_low": alarm_low,
                    "alarm_high_1": alarm_1,
                    "alarm_high_2": alarm_2,
                    "install_height_m": min(p.height_m, 2.0 + 3.0 * n),
                    "zone_code": zone,
                    "installation_code": code,
                    "name": f"{code}{KIND_ZH[kind]}变送器{n}",
                    "name_en": f"{code} {kind} transmitter {n}",
                },
                shapely.Point(x - 1.5 + 1.5 * n, y + 0.5),
            )
        )
    return out


def _hydrants(rows: int, cols: int) -> list[Feature]:
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


def _flat(props: dict[str, Any]) -> dict[str, Any]:
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
        for k, v in props.items()
    }


def write_gpkg(site: dict[str, Any], layers: Layers, path: Path | str) -> Path:
    """Write one GeoPackage layer per plant layer (EPSG:4490), replacing ``path``.

    Layers are named exactly like the plant layers, columns follow the layer's schema
    and nested values (inventory, responsible, factors) are JSON text, as the twin's own
    exports write them. The site record travels as dataset metadata.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    metadata = {"site_code": site["code"], "site": json.dumps(site, ensure_ascii=False)}
    for name, features in geo.ordered(layers).items():
        if not features:
            continue
        records = [_flat(geo.feature_properties(name, props)) for props, _ in features]
        frame = gpd.GeoDataFrame(
            pd.DataFrame.from_records(records, columns=LAYERS[name].fields),
            geometry=[geom for _, geom in features],
            crs="EPSG:4490",
        )
        exists = path.exists()
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            append=exists,
            dataset_metadata=None if exists else metadata,
        )
    return path
