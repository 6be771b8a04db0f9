"""What stands in the blocks of a synthetic plant, from ``data/demo/synthetic.yaml``.

A block is one process area built from a profile: a zone and a risk zone over it; nine
installations, each with one piece of equipment, four gas detectors and three process
transmitters; a wind sensor, four UWB anchors, two cameras and an SCBA cabinet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from twin.demo.geo import Feature, Layers
from twin.demo.setpoints import install_height_m, instrument_props, sensor_fields
from twin.demo.synthetic_grid import (
    ANCHOR_CELLS,
    BLOCK_M,
    CAMERA_CELLS,
    CELL_M,
    DETECTOR_OFFSETS_M,
    EQUIPMENT_OFFSET_M,
    INSTALLATION_CELLS,
    RISK_MARGIN_M,
    SCBA_CELL,
    WIND_CELL,
    ZONE_INSET_M,
)

__all__ = ["Block", "Profile", "block_features"]

Tables = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    """What one kind of block holds (an entry of ``profiles`` in the tables)."""

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

    @classmethod
    def from_table(cls, entry: Mapping[str, Any]) -> Profile:
        """A profile from its table entry, whose ``factors`` is a mapping."""
        return cls(**{**entry, "factors": tuple(entry["factors"].items())})


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the grid: its label, south-west corner (local metres) and profile."""

    label: str
    x_m: float
    y_m: float
    profile: Profile

    def cell(self, column: int, row: int) -> tuple[float, float]:
        """Centre of one of the block's lattice cells, local metres."""
        return self.x_m + (column + 0.5) * CELL_M, self.y_m + (row + 0.5) * CELL_M


def block_features(blocks: Sequence[Block], rng: np.random.Generator, tables: Tables) -> Layers:
    """Zones, installations, equipment, sensors, cameras, anchors, SCBA and risk zones.

    ``rng`` picks owners, fillings and responsible persons block by block, installation
    by installation: the draw order is part of what a seed means.
    """
    out: Layers = {
        name: []
        for name in (
            "zones",
            "installations",
            "equipment",
            "sensors",
            "cameras",
            "base_stations",
            "rescue_resources",
            "risk_zones",
        )
    }
    installations: list[dict[str, Any]] = []
    centres: list[tuple[float, float]] = []
    sizes: list[float | None] = []
    for block in blocks:
        p, label = block.profile, block.label
        zone = f"Z-{label}"
        area = shapely.box(
            block.x_m + ZONE_INSET_M,
            block.y_m + ZONE_INSET_M,
            block.x_m + BLOCK_M - ZONE_INSET_M,
            block.y_m + BLOCK_M - ZONE_INSET_M,
        )
        out["zones"].append((_zone(block, zone), area))
        risk = _risk_zone(block, str(rng.choice(tables["people"])))
        out["risk_zones"].append((risk, area.buffer(RISK_MARGIN_M, join_style="mitre")))
        for k, cell in enumerate(INSTALLATION_CELLS, start=1):
            x, y = block.cell(*cell)
            code = f"{label}-{p.prefix}{k}"
            centres.append((x, y))
            sizes.append(p.diameter_m)
            installations.append(_installation(p, code, zone, k, label, rng, tables["people"]))
            equipment = {
                "code": f"{code}-EQ",
                "kind": tables["equipment_kind"][p.installation_kind],
                "installation_code": code,
                "name": f"{code}附属设备",
                "name_en": f"{code} equipment",
            }
            out["equipment"].append((equipment, shapely.Point(x + EQUIPMENT_OFFSET_M, y)))
            out["sensors"] += _sensors(p, code, zone, (x, y), tables)
        out["sensors"].append((_wind(label, zone), shapely.Point(block.cell(*WIND_CELL))))
        out["base_stations"] += _anchors(block)
        out["cameras"] += _cameras(block)
        scba = {
            "code": f"{label}-SCBA",
            "kind": "scba",
            "quantity": 4,
            "unit": "套",
            "name": f"{label}空气呼吸器柜",
            "name_en": f"{label} SCBA cabinet",
        }
        out["rescue_resources"].append((scba, shapely.Point(block.cell(*SCBA_CELL))))
    footprints = _footprints(np.array(centres), sizes)
    out["installations"] = list(zip(installations, footprints, strict=True))
    return out


def _zone(block: Block, zone: str) -> dict[str, Any]:
    p = block.profile
    return {
        "code": zone,
        "kind": p.zone_kind,
        "restricted": p.grade in ("red", "orange"),
        "name": f"{block.label}{p.name}",
        "name_en": f"{block.label} {p.name_en}",
        # Round installations stand in the open; square ones are buildings.
        "height_m": p.height_m if p.diameter_m is None else None,
        "floors": 1 if p.diameter_m is None else None,
    }


def _risk_zone(block: Block, owner: str) -> dict[str, Any]:
    p, label = block.profile, block.label
    return {
        "code": f"RZ-{label}",
        "grade": p.grade,
        "method": p.method,
        "score": float(np.prod([v for _, v in p.factors])),
        "factors": dict(p.factors),
        "owner": owner,
        "name": f"{label}{p.name}风险分区",
        "name_en": f"{label} {p.name_en} risk zone",
    }


def _installation(
    p: Profile,
    code: str,
    zone: str,
    k: int,
    label: str,
    rng: np.random.Generator,
    people: Sequence[str],
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
        principal, technical, operational = (str(n) for n in rng.choice(people, 3, replace=False))
        props["responsible"] = {
            "principal": principal,
            "technical": technical,
            "operational": operational,
        }
    return props


def _sensors(
    p: Profile, code: str, zone: str, centre: tuple[float, float], tables: Tables
) -> list[Feature]:
    """Four gas detectors round an installation, then its three process transmitters."""
    x, y = centre
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
    names = tables["instrument_names"]
    for n, instrument in enumerate(tables["instruments"][p.installation_kind], start=1):
        kind = instrument["kind"]
        props = instrument_props(
            f"{code}-{kind[0].upper()}T{n}",
            instrument,
            install_height_m=min(p.height_m, 2.0 + 3.0 * n),
            zone_code=zone,
            installation_code=code,
            name=f"{code}{names[kind]}变送器{n}",
            name_en=f"{code} {kind} transmitter {n}",
        )
        out.append((props, shapely.Point(x - 1.5 + 1.5 * n, y + 0.5)))
    return out


def _wind(label: str, zone: str) -> dict[str, Any]:
    return {
        "code": f"{label}-WS",
        "kind": "wind",
        "unit": "m/s",
        "range_min": 0.0,
        "range_max": 60.0,
        "install_height_m": 10.0,
        "zone_code": zone,
        "name": f"{label}风速风向仪",
        "name_en": f"{label} anemometer",
    }


def _anchors(block: Block) -> list[Feature]:
    label = block.label
    return [
        (
            {
                "code": f"{label}-BS{n}",
                "technology": "uwb",
                "install_height_m": 4.0,
                "floor": 0,
                "name": f"{label} UWB定位基站{n}",
                "name_en": f"{label} UWB anchor {n}",
            },
            shapely.Point(block.cell(*cell)),
        )
        for n, cell in enumerate(ANCHOR_CELLS, start=1)
    ]


def _cameras(block: Block) -> list[Feature]:
    label = block.label
    return [
        (
            {
                "code": f"{label}-CAM{n}",
                "heading_deg": heading,
                "fov_deg": 90.0,
                "install_height_m": 12.0,
                "name": f"{label}摄像机{n}",
                "name_en": f"{label} camera {n}",
            },
            shapely.Point(block.cell(column, row)),
        )
        for n, (column, row, heading) in enumerate(CAMERA_CELLS, start=1)
    ]


def _footprints(xy: np.ndarray, sizes: Sequence[float | None]) -> np.ndarray:
    """Circles of the given diameters; a square inside its cell where the size is None."""
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
    return footprints
